"""Appointments as iCalendar (.ics) entries: the patient's download link and messages, and
each practitioner's private feed (appointments.feeds)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from appointments.models import Appointment, Status


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Clinic booking//EN")
    calendar.add("version", "2.0")
    return calendar


def _event(appointment: Appointment, *, uid: str, summary: str) -> Event:
    """One VEVENT in UTC. The UID is stable and SEQUENCE rises with each move or cancel,
    so a calendar that reads it again updates its entry instead of adding another."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("sequence", appointment.sequence)
    event.add("summary", summary)
    event.add("location", settings.CLINIC_NAME)
    if appointment.status == Status.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def appointment_calendar(appointment: Appointment, *, host: str = "clinic") -> bytes:
    """The patient's entry for one appointment."""
    event = _event(
        appointment,
        uid=f"appointment-{appointment.pk}@{host}",
        summary=f"{_(appointment.treatment.name)} · {settings.CLINIC_NAME}",
    )
    event.add(
        "description",
        _("With %(who)s. To cancel or move, call %(phone)s.")
        % {"who": appointment.practitioner.display_name, "phone": settings.CLINIC_PHONE},
    )
    calendar = _calendar()
    calendar.add_component(event)
    return calendar.to_ical()


def initials(first_name: str, last_name: str) -> str:
    return "".join(f"{part[:1].upper()}." for part in (first_name, last_name) if part)


def practitioner_calendar(appointments: Iterable[Appointment], *, host: str, name: str) -> bytes:
    """A practitioner's feed: patient initials and the treatment, nothing else about the
    patient (a phone's calendar is not the clinical record). Cancelled sessions stay in
    it as STATUS:CANCELLED, so every client removes them the same way."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    # How often a client should read it again (RFC 7986; X-PUBLISHED-TTL for Outlook).
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for appointment in appointments:
        who = initials(appointment.patient.first_name, appointment.patient.last_name)
        summary = f"{who} · {_(appointment.treatment.name)}"
        calendar.add_component(
            _event(
                appointment, uid=f"practitioner-session-{appointment.pk}@{host}", summary=summary
            )
        )
    return calendar.to_ical()
