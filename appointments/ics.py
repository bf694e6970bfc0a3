"""An appointment as an iCalendar (.ics) entry: for the download link and for messages."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from appointments.models import Appointment, Status


def appointment_calendar(appointment: Appointment, *, host: str = "clinic") -> bytes:
    """One VEVENT in UTC, with a stable UID so a re-import updates the same entry."""
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", f"{_(appointment.treatment.name)} · {settings.CLINIC_NAME}")
    event.add("location", settings.CLINIC_NAME)
    event.add(
        "description",
        _("With %(who)s. To cancel or move, call %(phone)s.")
        % {"who": appointment.practitioner.display_name, "phone": settings.CLINIC_PHONE},
    )
    if appointment.status == Status.CANCELLED:
        event.add("status", "CANCELLED")
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Clinic booking//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return calendar.to_ical()
