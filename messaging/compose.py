"""What a message says: subject and text in the patient's language, times in the clinic's
zone, links to confirm or cancel, and an .ics entry for bookings.

Rendered when the message is sent (not when it is queued), from the appointment as it is
then, so a message queued before a move shows the new time. Templates:
templates/emails/<kind>.txt (email) and templates/messages/sms/<kind>.txt (SMS).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from appointments.calendar import calendar_config, zone
from appointments.ics import CANCEL, PUBLISH, appointment_calendar, calendar_of
from appointments.models import Appointment, Status
from appointments.policy import cancellable_by_patient
from appointments.selectors import course_progress
from messaging.form_reminders import unanswered
from messaging.html_email import html_alternative
from messaging.links import link_url
from messaging.models import LinkAction, Message, MessageKind
from messaging.opt_out import opt_out_url
from messaging.sms import Sms
from messaging.surveys import survey_url
from messaging.unsubscribe import WISH_OF, unsubscribe_url
from treatments.models import Treatment

# Files an app above messaging attaches to its own kind of message (billing: the receipt
# PDF), registered in that app's ready(): messaging cannot import it.
Attachment = tuple[str, bytes, str]  # file name, content, MIME type
_ATTACHERS: dict[str, Callable[[Message], list[Attachment]]] = {}


def register_attachments(kind: str, attacher: Callable[[Message], list[Attachment]]) -> None:
    _ATTACHERS[kind] = attacher


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
        "time": formats.time_format(local, "TIME_FORMAT"),
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


def _moved_appointments(message: Message) -> list[Appointment]:
    ids = [change["appointment"] for change in message.context.get("changes", [])]
    return list(
        Appointment.objects.filter(pk__in=ids, status=Status.BOOKED)
        .select_related("treatment", "practitioner")
        .order_by("start")
    )


def _calendar(message: Message) -> tuple[bytes, str]:
    """The .ics and its iTIP method: the appointment, every booked session of a course,
    or the sessions a move notice tells of, each as it is now."""
    attendee = message.patient.email
    if message.kind == MessageKind.MOVE:
        sessions = _moved_appointments(message)
    elif message.key:
        sessions = _course_sessions(message.appointment)
    else:
        entry = appointment_calendar(message.appointment, attendee=attendee)
        return entry, CANCEL if message.appointment.status == Status.CANCELLED else PUBLISH
    return calendar_of(sessions, method=PUBLISH, attendee=attendee), PUBLISH


def _calendar_part(message: Message) -> MIMEText:
    """The .ics as an attachment whose Content-Type names its method (RFC 6047 2.4), so
    a mail client offers to add, update or remove the entry."""
    ics, method = _calendar(message)
    part = MIMEText(ics.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="appointment.ics")
    return part


def _change(change: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    old, new = parse_datetime(change["old_start"]), parse_datetime(change["new_start"])
    return {
        "old": {**when(old), "practitioner": names.get(change["old_practitioner"], "")},
        "new": {**when(new), "practitioner": names.get(change["new_practitioner"], "")},
    }


def _move(message: Message) -> dict[str, Any]:
    names = calendar_config().names["practitioner"]
    changes = sorted(message.context.get("changes", []), key=lambda c: c["new_start"])
    return {"changes": [_change(c, names) for c in changes], "course": message.context["course"]}


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
        profile = site + reverse("patients:profile")
        context = {"clinic": clinic, "phone": phone, "site": site, "profile": profile}
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
    if message.kind in WISH_OF:
        context["unsubscribe_url"] = unsubscribe_url(message.patient_id, message.kind)
    appointment = message.appointment
    if appointment is not None:
        context.update(_session(appointment))
        if message.kind in VISIT_KINDS:
            context.update(_visit(appointment))
        if _single(message) and message.kind in LINKED:
            context.update(_links(message, now))
        if message.kind == MessageKind.CONFIRMATION and message.key:
            context["sessions"] = [_session(a) for a in _course_sessions(appointment)]
        if message.kind in FORM_KINDS:
            context["forms"] = _forms(appointment)
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
    elif message.kind == MessageKind.MOVE:
        context.update(_move(message))
    elif message.kind == MessageKind.RECEIPT:
        context["number"] = message.context.get("number", "")
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


# The kinds of message that list the forms still to answer before the visit.
FORM_KINDS = (MessageKind.CONFIRMATION, MessageKind.FORM_DUE)


def _forms(appointment: Appointment) -> list[dict[str, str]]:
    """Read when the message goes, so a form answered since is not asked again."""
    site = settings.CLINIC_BASE_URL
    # gettext: a built-in form's title has its translation in django.po.
    return [{"title": _(d.title), "url": site + d.path} for d in unanswered(appointment)]


# The kinds of message before a visit: where the clinic is and how to prepare.
VISIT_KINDS = (MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.MOVE)


def _visit(appointment: Appointment) -> dict[str, str]:
    return {
        "address": settings.CLINIC_ADDRESS,
        "map_url": settings.CLINIC_MAP_URL,
        "preparation": preparation_for(appointment.treatment),
    }


def preparation_for(treatment: Treatment) -> str:
    """What to do before the visit (the seeds' contraindications: metal in the treated
    area, skin lesions, a changed state of health)."""
    if treatment.is_consultation:
        return _(
            "Bring a list of the medicines you take and of earlier skin treatments. "
            "Come without make-up if you can."
        )
    if treatment.requires_device:
        return _(
            "Come with clean skin, without make-up or cream on the areas to be treated, "
            "and take off metal jewellery. Drink a glass of water beforehand. Tell us if "
            "your health has changed since the safety questionnaire (a pregnancy, a new "
            "implant, inflamed skin)."
        )
    return _("Please come five minutes early.")


# The kinds of message about one session that carry links to confirm or cancel it.
LINKED = (MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.MOVE)


def _single(message: Message) -> bool:
    """About one session (not a whole course)."""
    if message.kind == MessageKind.MOVE:
        return not message.context.get("course")
    return not message.key


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
        MessageKind.MOVE: _("Moved: %(treatment)s, now on %(date)s at %(time)s"),
        MessageKind.RECEIPT: _("Your receipt %(number)s"),
        MessageKind.FORM_DUE: _("Before your %(treatment)s on %(date)s: please answer"),
    }
    if kind == MessageKind.MOVE and c.get("course"):
        return f"{settings.CLINIC_NAME}: " + _("Your course of %(treatment)s: new times") % c
    return f"{settings.CLINIC_NAME}: " + subjects[kind] % c


def _language(message: Message) -> str:
    return message.patient.preferred_language or settings.LANGUAGE_CODE


def _headers(message: Message, language: str) -> dict[str, str]:
    headers = {
        "Message-ID": message_id(message),
        "Content-Language": language,
        "Auto-Submitted": "auto-generated",
    }
    if message.kind in WISH_OF:  # optional: one click stops this kind (RFC 8058)
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(message.patient_id, message.kind)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


CALENDAR_KINDS = (MessageKind.CONFIRMATION, MessageKind.CANCELLATION, MessageKind.MOVE)


def compose_email(message: Message, now: datetime | None = None) -> EmailMessage:
    now = now or timezone.now()
    language = _language(message)
    with translation.override(language):
        context = _context(message, now)
        subject = _subject(message.kind, context)
        text = render_to_string(f"emails/{message.kind}.txt", context)
        email = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.MESSAGES_FROM_EMAIL,
            to=[message.patient.email],
            headers=_headers(message, language),
        )
        email.attach_alternative(
            html_alternative(text, subject=subject, language=language), "text/html"
        )
        if message.kind in CALENDAR_KINDS:
            email.attach(_calendar_part(message))
        for name, content, mimetype in _ATTACHERS.get(message.kind, lambda m: [])(message):
            email.attach(name, content, mimetype)
    return email


def compose_sms(message: Message, now: datetime | None = None) -> Sms:
    with translation.override(_language(message)):
        body = render_to_string(
            f"messages/sms/{message.kind}.txt", _context(message, now or timezone.now())
        )
    phone = message.patient.phone
    return Sms(to=phone.as_e164, body=" ".join(body.split()), reference=message_key(message))
