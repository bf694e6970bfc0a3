"""Appointments as iCalendar (.ics) entries: the patient's download link and messages, and
each practitioner's private feed (appointments.views.feed).

Each appointment keeps one UID for its whole life, whoever asks (the download and every
message use the clinic's own host name, CLINIC_BASE_URL), and its SEQUENCE is raised by
every move and by the cancellation (Appointment.sequence), so a calendar that imported the
entry replaces it with the newer copy (RFC 5545 3.8.7.4, RFC 5546 2.1.4). The method is
iTIP's (RFC 5546 3.2): PUBLISH for a booked or moved entry, the clinic being its organizer
and the only one who changes it; CANCEL, with the patient as attendee, to remove it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from appointments.models import Appointment, Status

PUBLISH, CANCEL = "PUBLISH", "CANCEL"


def calendar_host() -> str:
    """The host name in every UID: the clinic's public address, the same for the download
    and for messages (a UID that differed between them would make two entries)."""
    return urlsplit(settings.CLINIC_BASE_URL).hostname or "clinic.localhost"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{calendar_host()}"


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Clinic booking//EN")
    calendar.add("version", "2.0")
    return calendar


def _event(appointment: Appointment, *, uid: str, summary: str) -> Event:
    """One VEVENT in UTC with a stable UID and the appointment's SEQUENCE."""
    event = Event()
    event.add("uid", uid)
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    event.add("location", settings.CLINIC_ADDRESS or settings.CLINIC_NAME)
    if appointment.status == Status.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    return address


def appointment_event(appointment: Appointment, *, attendee: str = "") -> Event:
    """The patient's entry for one appointment."""
    event = _event(
        appointment,
        uid=appointment_uid(appointment),
        summary=f"{_(appointment.treatment.name)} · {settings.CLINIC_NAME}",
    )
    event.add(
        "description",
        _("With %(who)s. To cancel or move, call %(phone)s.")
        % {"who": appointment.practitioner.display_name, "phone": settings.CLINIC_PHONE},
    )
    organizer = parseaddr(settings.MESSAGES_FROM_EMAIL)[1]
    event.add("organizer", _address(organizer, settings.CLINIC_NAME))
    if attendee:
        event.add("attendee", _address(attendee, attendee))
    return event


def calendar_of(appointments: Iterable[Appointment], *, method: str, attendee: str = "") -> bytes:
    """A calendar of the appointments' entries, for one iTIP method."""
    calendar = _calendar()
    calendar.add("method", method)
    for appointment in appointments:
        calendar.add_component(appointment_event(appointment, attendee=attendee))
    return calendar.to_ical()


def appointment_calendar(appointment: Appointment, *, attendee: str = "") -> bytes:
    """The appointment's entry as it is now: published, or cancelled."""
    method = CANCEL if appointment.status == Status.CANCELLED else PUBLISH
    return calendar_of([appointment], method=method, attendee=attendee)


def initials(first_name: str, last_name: str) -> str:
    return "".join(f"{part[:1].upper()}." for part in (first_name, last_name) if part)


def practitioner_calendar(appointments: Iterable[Appointment], *, name: str) -> bytes:
    """A practitioner's feed: patient initials and the treatment, nothing else about the
    patient (a phone's calendar is not the clinical record). Cancelled sessions stay in
    it as STATUS:CANCELLED, so every client removes them the same way."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    # How often a client should read it again (RFC 7986; X-PUBLISHED-TTL for Outlook).
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    host = calendar_host()
    for appointment in appointments:
        who = initials(appointment.patient.first_name, appointment.patient.last_name)
        summary = f"{who} · {_(appointment.treatment.name)}"
        uid = f"practitioner-session-{appointment.pk}@{host}"
        calendar.add_component(_event(appointment, uid=uid, summary=summary))
    return calendar.to_ical()
