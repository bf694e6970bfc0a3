"""What a message says: subject and text in the patient's language, times in the clinic's
zone, links to confirm or cancel, and an .ics entry for bookings.

Rendered when the message is sent (not when it is queued), from the appointment as it is
then, so a message queued before a move shows the new time. Templates:
templates/emails/<kind>.txt (email) and templates/messages/sms/<kind>.txt (SMS).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from appointments.calendar import zone
from appointments.ics import appointment_calendar
from appointments.models import Appointment, Status
from appointments.policy import cancellable_by_patient
from appointments.selectors import course_progress
from messaging.links import link_url
from messaging.models import LinkAction, Message, MessageKind
from messaging.opt_out import opt_out_url
from messaging.sms import Sms
from messaging.surveys import survey_url


def mail_domain() -> str:
    return urlsplit(settings.CLINIC_BASE_URL).hostname or "clinic.localhost"


def message_key(message: Message) -> str:
    """The identity of an outbox row outside the clinic, the same on every attempt: the
    row's id and creation time (ids start again in a new or restored database, the time
    they were created at does not repeat)."""
    created = message.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"clinic-message-{message.pk}.{created}"


def message_id(message: Message) -> str:
    """Stable per row: a message sent again after a worker died carries the Message-ID of
    its first copy, so a receiving server or mail client can tell it is the same message."""
    return f"<{message_key(message)}@{mail_domain()}>"


def when(moment: datetime) -> dict[str, str]:
    """A moment in the clinic's zone, formatted in the active language."""
    local = timezone.localtime(moment, zone())
    return {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "weekday": formats.date_format(local, "l"),
        "time": local.strftime("%H:%M"),
    }


def _session(appointment: Appointment) -> dict[str, Any]:
    return {
        "treatment": _(appointment.treatment.name),
        "practitioner": appointment.practitioner.display_name,
        **when(appointment.start),
    }


def _links(message: Message, now: datetime) -> dict[str, Any]:
    appointment = message.appointment
    if appointment.status != Status.BOOKED or appointment.start <= now:
        return {}
    links: dict[str, Any] = {"confirm_url": link_url(message.pk, LinkAction.CONFIRM)}
    if cancellable_by_patient(appointment, now):  # the link is the patient's own cancel
        links["cancel_url"] = link_url(message.pk, LinkAction.CANCEL)
    return links


def _next_session(appointment: Appointment) -> dict[str, Any]:
    course = appointment.course
    upcoming = (
        course.appointments.filter(status=Status.BOOKED, start__gt=appointment.start)
        .select_related("treatment", "practitioner")
        .order_by("start")
        .first()
    )
    progress = course_progress(course)
    return {
        "done": progress.done,
        "planned": progress.planned,
        "next": _session(upcoming) if upcoming else None,
    }


def _course_sessions(appointment: Appointment) -> list[Appointment]:
    return list(
        Appointment.objects.filter(course_id=appointment.course_id, status=Status.BOOKED)
        .select_related("treatment", "practitioner")
        .order_by("start")
    )


def _calendar(message: Message) -> bytes:
    """The .ics: the appointment, or every booked session of a course."""
    if not message.key:
        return appointment_calendar(message.appointment, host=mail_domain())
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Clinic booking//EN")
    calendar.add("version", "2.0")
    for session in _course_sessions(message.appointment):
        one = icalendar.Calendar.from_ical(appointment_calendar(session, host=mail_domain()))
        for event in one.walk("VEVENT"):
            calendar.add_component(event)
    return calendar.to_ical()


def _offer(context: dict[str, Any]) -> dict[str, Any]:
    start = parse_datetime(context["start"])
    expires = parse_datetime(context["expires_at"]) if context.get("expires_at") else None
    return {
        "treatment": _(context.get("treatment", "")),
        "practitioner": context.get("practitioner", ""),
        "offer_url": context.get("url", ""),
        "expires": when(expires) if expires else None,
        **when(start),
    }


@functools.lru_cache(maxsize=16)
def _footer(language: str, clinic: str, phone: str, site: str) -> str:
    # The same for every message in a language: rendered once per process.
    with translation.override(language):
        context = {"clinic": clinic, "phone": phone, "site": site}
        return render_to_string("emails/_footer.txt", context)


def _context(message: Message, now: datetime) -> dict[str, Any]:
    clinic, phone, site = settings.CLINIC_NAME, settings.CLINIC_PHONE, settings.CLINIC_BASE_URL
    context: dict[str, Any] = {
        "name": message.patient.first_name,
        "clinic": clinic,
        "phone": phone,
        "site": site,
        "kind": message.kind,
        "footer": _footer(translation.get_language(), clinic, phone, site),
    }
    appointment = message.appointment
    if appointment is not None:
        context.update(_session(appointment))
        if message.kind in (MessageKind.CONFIRMATION, MessageKind.REMINDER) and not message.key:
            context.update(_links(message, now))
        if message.kind == MessageKind.CONFIRMATION and message.key:
            context["sessions"] = [_session(a) for a in _course_sessions(appointment)]
    if message.kind == MessageKind.HOME_CARE:
        context["advice"] = message.context.get("advice", "")
    elif message.kind == MessageKind.COURSE_NUDGE:
        context.update(_next_session(appointment), **_follow_up(message))
    elif message.kind == MessageKind.WAITLIST_OFFER:
        context.update(_offer(message.context))
    elif message.kind == MessageKind.CLOSURE_NOTICE:
        context["reason"] = message.context.get("reason", "")
        context["choose_url"] = f"{site.rstrip('/')}/me/appointments/"
    elif message.kind in (MessageKind.COURSE_DONE, MessageKind.RECALL, MessageKind.SURVEY):
        context.update(_follow_up(message))
    return context


def _follow_up(message: Message) -> dict[str, Any]:
    """The course-done thank-you, the recall and the survey (messaging.follow_ups)."""
    stored = message.context
    context: dict[str, Any] = {"book_url": stored.get("book_url", "")}
    if message.kind == MessageKind.COURSE_NUDGE:
        return context
    if message.kind == MessageKind.COURSE_DONE:
        recall_on = parse_date(stored.get("recall_on") or "")
        context["recall_on"] = formats.date_format(recall_on, "DATE_FORMAT") if recall_on else ""
    else:  # a recall or a survey: the patient may stop them from the message itself
        context["stop_url"] = opt_out_url(message.patient_id)
    if message.kind == MessageKind.RECALL:
        context["treatment"] = _(stored.get("treatment", ""))
        context["consultation"] = stored.get("offer") == "consultation"
        context["book_url"] = stored.get("url", "")
    elif message.kind == MessageKind.SURVEY:
        context["treatment"] = _(stored.get("treatment", ""))
        context["survey_url"] = survey_url(stored["survey_id"])
    return context


def _subject(kind: str, c: dict[str, Any]) -> str:
    subjects = {
        MessageKind.CONFIRMATION: _("Booked: %(treatment)s on %(date)s at %(time)s"),
        MessageKind.REMINDER: _("Reminder: %(treatment)s on %(date)s at %(time)s"),
        MessageKind.HOME_CARE: _("Home care after your %(treatment)s session"),
        MessageKind.COURSE_NUDGE: _("Your course of %(treatment)s: the next session"),
        MessageKind.CANCELLATION: _("Cancelled: %(treatment)s on %(date)s at %(time)s"),
        MessageKind.WAITLIST_OFFER: _("An earlier time is free: %(date)s at %(time)s"),
        MessageKind.CLOSURE_NOTICE: _(
            "The clinic is closed on %(date)s: please choose another time"
        ),
        MessageKind.COURSE_DONE: _("Your course of %(treatment)s is complete: thank you"),
        MessageKind.RECALL: _("Time for a maintenance session of %(treatment)s"),
        MessageKind.SURVEY: _("How was your course of %(treatment)s?"),
    }
    return f"{settings.CLINIC_NAME}: " + subjects[kind] % c


def _language(message: Message) -> str:
    return message.patient.preferred_language or settings.LANGUAGE_CODE


def compose_email(message: Message, now: datetime | None = None) -> EmailMessage:
    now = now or timezone.now()
    language = _language(message)
    with translation.override(language):
        context = _context(message, now)
        email = EmailMessage(
            subject=_subject(message.kind, context),
            body=render_to_string(f"emails/{message.kind}.txt", context),
            from_email=settings.MESSAGES_FROM_EMAIL,
            to=[message.patient.email],
            headers={
                "Message-ID": message_id(message),
                "Content-Language": language,
                "Auto-Submitted": "auto-generated",
            },
        )
        if message.kind in (MessageKind.CONFIRMATION, MessageKind.CANCELLATION):
            email.attach("appointment.ics", _calendar(message).decode(), "text/calendar")
    return email


def compose_sms(message: Message, now: datetime | None = None) -> Sms:
    with translation.override(_language(message)):
        body = render_to_string(
            f"messages/sms/{message.kind}.txt", _context(message, now or timezone.now())
        )
    phone = message.patient.phone
    return Sms(to=phone.as_e164, body=" ".join(body.split()), reference=message_key(message))
