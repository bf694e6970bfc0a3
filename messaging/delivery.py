"""The worker's side: claim a batch of due rows, send each, record the outcome.

Claiming is one `UPDATE ... WHERE status = 'pending'` over the batch's ids (rows another
worker holds are skipped, never waited for): a row is ours only if that statement changed
it, and it carries our claim token. Each message is marked sent at the last moment before
the server can accept it (see messaging.email), conditional on our token: a row voided,
moved or re-claimed meanwhile is not sent. Failures back off (retry_backoff) until
MESSAGES_MAX_ATTEMPTS; a server's permanent refusal fails at once; staff see the reason.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_guid import clear_guid, get_guid, set_guid

from appointments.calendar import calendar_config
from appointments.models import Status
from messaging import timing
from messaging.compose import compose_email, compose_sms
from messaging.email import EmailOutlet, HandoverRefused
from messaging.models import Message, MessageChannel, MessageKind, MessageStatus
from messaging.sms import BaseSmsBackend, SmsError, sms_backend

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    refused: int = 0  # changed under us (voided, moved, re-claimed): not sent


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


def claim(message_ids: Sequence[int], token: str, now: datetime) -> list[int]:
    """Take the due pending rows among `message_ids`; the ids this call claimed."""
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET status = 'sending', claim_token = %s, claimed_at = %s,
                   attempts = attempts + 1
             WHERE id IN (SELECT id FROM {table}
                           WHERE id = ANY(%s) AND status = 'pending' AND next_attempt_at <= %s
                           FOR UPDATE SKIP LOCKED)
            RETURNING id
            """,  # noqa: S608 (the table name is ours, the values are parameters)
            [token, now, list(message_ids), now],
        )
        return [row[0] for row in cursor.fetchall()]


class _Outlets:
    """The channels of one batch, opened when first needed."""

    def __init__(self) -> None:
        self._email: EmailOutlet | None = None
        self._sms: BaseSmsBackend | None = None

    @property
    def email(self) -> EmailOutlet:
        self._email = self._email or EmailOutlet()
        return self._email

    @property
    def sms(self) -> BaseSmsBackend:
        self._sms = self._sms or sms_backend()
        return self._sms

    def close(self) -> None:
        if self._email is not None:
            self._email.close()


def deliver_batch(message_ids: Sequence[int]) -> BatchResult:
    """Claim and deliver the due rows among `message_ids`. Safe to run twice, or at once
    in two workers: each row is sent by whoever claimed it, once."""
    result, token = BatchResult(), secrets.token_hex(8)
    with connection.cursor() as cursor:
        # A mark only has to survive this worker, not a database crash: skip the fsync.
        cursor.execute("SET synchronous_commit TO off")
    outlets = _Outlets()
    try:
        ids = claim(message_ids, token, timezone.now())
        result.claimed = len(ids)
        for message in _claimed(ids, token):
            _deliver(message, token, outlets, result)
    finally:
        outlets.close()
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")  # the connection is reused
    return result


def _claimed(ids: list[int], token: str) -> list[Message]:
    return list(
        Message.objects.filter(pk__in=ids, claim_token=token)
        .select_related("patient", "appointment__treatment", "appointment__practitioner")
        .order_by("next_attempt_at", "pk")
    )


def _mine(message: Message, token: str, status: str = MessageStatus.SENDING) -> QuerySet[Message]:
    """The row, only if it is still in `status` under our claim."""
    return Message.objects.filter(pk=message.pk, status=status, claim_token=token)


def _deliver(message: Message, token: str, outlets: _Outlets, result: BatchResult) -> None:
    # The log lines of this message carry the id of the request that caused it.
    with _request_id(message.request_id):
        _deliver_one(message, token, outlets, result)


@contextlib.contextmanager
def _request_id(value: str) -> Iterator[None]:
    task_id = get_guid()
    set_guid(value or task_id)
    try:
        yield
    finally:
        set_guid(task_id) if task_id else clear_guid()


def _deliver_one(message: Message, token: str, outlets: _Outlets, result: BatchResult) -> None:
    now = timezone.now()
    reason = why_not(message, now)
    if reason is not None:
        status, text = reason
        _mine(message, token).update(status=status, last_error=text, claim_token="")
        result.skipped += 1
        return
    handed = _Handover(message, token)
    try:
        _send(message, outlets, handed, now)
        result.sent += 1
        log.info("message %s sent: %s by %s", message.pk, message.kind, message.channel)
    except HandoverRefused:
        result.refused += 1
    except DeliveryFailed as exc:
        _after_failure(message, token, handed, exc, result)


def _send(message: Message, outlets: _Outlets, handed: _Handover, now: datetime) -> None:
    try:
        if message.channel == MessageChannel.EMAIL:
            outlets.email.send(compose_email(message, now), handed)
        else:
            outlets.sms.send(compose_sms(message, now), handover=handed)
    except HandoverRefused:
        raise
    except Exception as exc:
        raise classify(exc, handed.done) from exc


class _Handover:
    """Marks the message sent, only if it is still ours; called just before it goes."""

    def __init__(self, message: Message, token: str) -> None:
        self.message, self.token, self.done = message, token, False

    # Once per message, on the hot path: plain SQL, the same as _mine(...).update(...).
    SQL = (
        f"UPDATE {Message._meta.db_table} SET status = 'sent', sent_at = %s, last_error = '' "  # noqa: S608
        "WHERE id = %s AND status = 'sending' AND claim_token = %s"
    )

    def __call__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self.SQL, [timezone.now(), self.message.pk, self.token])
            changed = cursor.rowcount
        if changed != 1:
            raise HandoverRefused
        self.done = True


IN_DOUBT = "in-doubt"


def classify(exc: Exception, handed_over: bool) -> DeliveryFailed:
    """A failure as a reason and whether retrying could help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return DeliveryFailed(f"recipient refused: {exc.recipients}", permanent=min(codes) >= 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return DeliveryFailed(
            f"mail server said {exc.smtp_code} {text}", permanent=exc.smtp_code >= 500
        )
    if isinstance(exc, SmsError):
        return DeliveryFailed(f"SMS provider: {exc}", permanent=exc.permanent)
    if handed_over and isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return DeliveryFailed(IN_DOUBT)
    if isinstance(exc, smtplib.SMTPException | OSError):
        return DeliveryFailed(f"mail server unreachable: {exc.__class__.__name__}: {exc}")
    log.exception("message delivery failed unexpectedly")
    return DeliveryFailed(f"{exc.__class__.__name__}: {exc}")


def _after_failure(
    message: Message, token: str, handed: _Handover, exc: DeliveryFailed, result: BatchResult
) -> None:
    log.warning("message %s not delivered: %s", message.pk, exc.reason)
    if exc.reason == IN_DOUBT:
        # Gone with the final dot, but the server hung up before saying so. Most likely
        # accepted (RFC 1047): kept as sent rather than risk a duplicate.
        _mine(message, token, MessageStatus.SENT).update(
            last_error=_("The server closed the connection before confirming; kept as sent.")
        )
        result.sent += 1
        return
    if handed.done:  # the server refused it after all: it was not sent
        _mine(message, token, MessageStatus.SENT).update(status=MessageStatus.SENDING, sent_at=None)
    status, next_at = _next_attempt(message, exc.permanent)
    _mine(message, token).update(
        status=status,
        next_attempt_at=next_at,
        last_error=exc.reason[:500],
        claim_token="",
        dispatched_at=None,
    )
    if status == MessageStatus.FAILED:
        result.failed += 1
    else:
        result.retried += 1


def _next_attempt(message: Message, permanent: bool) -> tuple[str, datetime]:
    now = timezone.now()
    if permanent or message.attempts >= settings.MESSAGES_MAX_ATTEMPTS:
        return MessageStatus.FAILED, now
    policy = calendar_config().policy
    next_at = timing.after_quiet_hours(
        now + timing.retry_backoff(message.attempts, settings.MESSAGES_RETRY_BASE_SECONDS),
        policy.quiet_hours_start,
        policy.quiet_hours_end,
    )
    session = message.appointment
    if message.kind == MessageKind.REMINDER and session and next_at >= session.start:
        return MessageStatus.FAILED, now
    return MessageStatus.PENDING, next_at


def why_not(message: Message, now: datetime) -> tuple[str, str] | None:
    """Why this message must not go now (status, reason), or None."""
    patient = message.patient
    if message.channel == MessageChannel.EMAIL and not (patient.remind_by_email and patient.email):
        return MessageStatus.SKIPPED, _("The patient switched email messages off.")
    if message.channel == MessageChannel.SMS and not (patient.remind_by_sms and patient.phone):
        return MessageStatus.SKIPPED, _("The patient switched SMS messages off.")
    return _why_not_now(message, now)


def _why_not_now(message: Message, now: datetime) -> tuple[str, str] | None:
    appointment = message.appointment
    if message.kind in (MessageKind.CONFIRMATION, MessageKind.REMINDER):
        if appointment.status != Status.BOOKED:
            return MessageStatus.VOID, _("The appointment is no longer booked.")
        if appointment.start <= now:
            return MessageStatus.SKIPPED, _("The session had already started.")
    if message.kind == MessageKind.WAITLIST_OFFER:
        expires = parse_datetime(message.context.get("expires_at") or "")
        if expires and expires <= now:
            return MessageStatus.SKIPPED, _("The offer had expired.")
    return None
