"""Appointments as iCalendar (.ics) entries: for the download link and for messages.

Each appointment keeps one UID for its whole life, whoever asks (the download and every
message use the clinic's own host name, CLINIC_BASE_URL), and its SEQUENCE is raised by
every move and by the cancellation (Appointment.sequence), so a calendar that imported the
entry replaces it with the newer copy (RFC 5545 3.8.7.4, RFC 5546 2.1.4). The method is
iTIP's (RFC 5546 3.2): PUBLISH for a booked or moved entry, the clinic being its organizer
and the only one who changes it; CANCEL, with the patient as attendee, to remove it.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    return address


def appointment_event(appointment: Appointment, *, attendee: str = "") -> Event:
    """One VEVENT in UTC with the appointment's UID and SEQUENCE."""
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", f"{_(appointment.treatment.name)} · {settings.CLINIC_NAME}")
    event.add("location", settings.CLINIC_ADDRESS or settings.CLINIC_NAME)
    event.add(
        "description",
        _("With %(who)s. To cancel or move, call %(phone)s.")
        % {"who": appointment.practitioner.display_name, "phone": settings.CLINIC_PHONE},
    )
    organizer = parseaddr(settings.MESSAGES_FROM_EMAIL)[1]
    event.add("organizer", _address(organizer, settings.CLINIC_NAME))
    if attendee:
        event.add("attendee", _address(attendee, attendee))
    if appointment.status == Status.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def calendar_of(appointments: Iterable[Appointment], *, method: str, attendee: str = "") -> bytes:
    """A calendar of the appointments' entries, for one iTIP method."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Clinic booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for appointment in appointments:
        calendar.add_component(appointment_event(appointment, attendee=attendee))
    return calendar.to_ical()


def appointment_calendar(appointment: Appointment, *, attendee: str = "") -> bytes:
    """The appointment's entry as it is now: published, or cancelled."""
    method = CANCEL if appointment.status == Status.CANCELLED else PUBLISH
    return calendar_of([appointment], method=method, attendee=attendee)
