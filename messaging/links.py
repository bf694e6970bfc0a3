"""Signed links in messages: confirm or cancel an appointment without logging in.

A token is `<message id>.<action>` signed with the secret key and a timestamp
(django.core.signing.TimestampSigner, its own salt), so it cannot be forged or altered,
and it expires after MESSAGES_LINK_MAX_AGE_DAYS. Each link works once: using it writes a
MessageLinkUse row, unique per message and action. Opening a link (GET) changes nothing;
only the button on that page (POST) acts, so mail scanners that follow links are harmless.
Cancelling needs no login (patients the desk registered may have none): the signed link
is the patient's authority, and the patient's policy applies (up to the cutoff before the
start), through appointments.services.appointment_cancel_by_link.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.calendar import calendar_config
from appointments.models import Appointment, Status
from appointments.policy import cancellable_by_patient
from appointments.services.status import appointment_cancel_by_link
from clinic.errors import DomainError
from messaging.models import LinkAction, Message, MessageLinkUse

SALT = "messaging.link"
_CODES = {LinkAction.CONFIRM: "c", LinkAction.CANCEL: "x"}
_ACTIONS = {code: action for action, code in _CODES.items()}


class LinkError(Exception):
    """Why a link cannot be used; the page shows `message`, the response has `status`."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code
        self.language: str | None = None  # the patient's, once the link is known to be theirs


@dataclass(frozen=True)
class Link:
    message: Message
    action: str

    @property
    def appointment(self) -> Appointment:
        return self.message.appointment


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def link_token(message_id: int, action: str) -> str:
    return _signer().sign(f"{message_id}.{_CODES[action]}")


@functools.cache
def _url_around_token(base_url: str, script_prefix: str) -> tuple[str, str]:
    # reverse() once per process: the worker builds a link for nearly every message.
    marker = "TOKEN"
    url = base_url.rstrip("/") + reverse("outbox:link", kwargs={"token": marker})
    before, _marker, after = url.partition(marker)
    return before, after


def link_url(message_id: int, action: str) -> str:
    before, after = _url_around_token(settings.CLINIC_BASE_URL, get_script_prefix())
    return before + link_token(message_id, action) + after


def _tampered() -> LinkError:
    return LinkError(
        _("This link is not valid. Please use the link exactly as it was sent to you."),
        status=400,
        code="invalid",
    )


def _read(token: str) -> tuple[int, str]:
    max_age = timedelta(days=settings.MESSAGES_LINK_MAX_AGE_DAYS)
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(_("This link has expired."), status=410, code="expired") from None
    except signing.BadSignature:
        raise _tampered() from None
    message_id, _dot, code = value.partition(".")
    if not message_id.isdigit() or code not in _ACTIONS:
        raise _tampered()
    return int(message_id), _ACTIONS[code]


def _check_state(link: Link, appointment: Appointment, now: datetime) -> None:
    if appointment.status == Status.CANCELLED:
        raise LinkError(_("This appointment was cancelled."), status=409, code="cancelled")
    if appointment.status != Status.BOOKED or appointment.start <= now:
        raise LinkError(
            _("This appointment has already started or taken place."), status=410, code="past"
        )
    if link.action == LinkAction.CANCEL and not cancellable_by_patient(appointment, now):
        raise LinkError(
            _(
                "Appointments can be cancelled online up to %(h)s hours before the start. "
                "Please call the clinic: %(phone)s."
            )
            % {"h": _cutoff_hours(), "phone": settings.CLINIC_PHONE},
            status=403,
            code="outside_policy",
        )


def _cutoff_hours() -> int:
    return calendar_config().policy.patient_cancel_cutoff_hours


def _used() -> LinkError:
    return LinkError(_("This link has already been used."), status=410, code="used")


def link_open(token: str, *, now: datetime | None = None) -> Link:
    """The link's message and action, if it may be used now; LinkError otherwise."""
    message_id, action = _read(token)
    message = (
        Message.objects.select_related(
            "patient", "appointment__treatment", "appointment__practitioner", "appointment__patient"
        )
        .filter(pk=message_id, appointment__isnull=False)
        .first()
    )
    if message is None:
        raise _tampered()
    link = Link(message=message, action=action)
    language = message.patient.preferred_language
    with translation.override(language):
        try:
            if MessageLinkUse.objects.filter(message=message, action=action).exists():
                raise _used()
            _check_state(link, link.appointment, now or timezone.now())
        except LinkError as error:
            error.language = language
            raise
    return link


@transaction.atomic
def link_use(*, token: str, ip: str | None = None, now: datetime | None = None) -> Link:
    """Confirm or cancel as the link says, once. Nothing changes if it raises."""
    now = now or timezone.now()
    link = link_open(token, now=now)
    appointment = Appointment.objects.select_for_update().get(pk=link.appointment.pk)
    _check_state(link, appointment, now)
    try:
        with transaction.atomic():
            MessageLinkUse.objects.create(message=link.message, action=link.action, ip=ip)
    except IntegrityError:
        raise _used() from None
    if link.action == LinkAction.CANCEL:
        _cancel(link, now)
    return link


def _cancel(link: Link, now: datetime) -> None:
    try:
        appointment_cancel_by_link(
            appointment=link.appointment,
            reason="Cancelled by the patient from a message link",  # a note for staff
            now=now,
        )
    except DomainError as exc:  # the policy said no meanwhile: roll the use back too
        raise LinkError(exc.message, status=exc.status_code, code=exc.code) from exc
