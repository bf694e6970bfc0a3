"""The worker's side: claim a batch of due rows, send each, record the outcome.

Claiming is one `UPDATE ... WHERE status = 'pending'` over the batch's ids (rows another
worker holds are skipped, never waited for): a row is ours only if that statement changed
it, and it carries our claim token.

Delivery is at-least-once. The claimed messages go in groups of RECORD_EVERY, each group
in one transaction: lock the group's rows that are still ours (a row voided, moved or
re-claimed meanwhile is not sent), hand each message to the backend, record each outcome
(sent: the backend returned, so the server accepted it), commit. Until that commit the
rows say `sending` under our claim, so a worker that dies at any instant loses nothing:
the sweep hands its rows out again (messaging.dispatch). What goes again are the messages
of its group that the server had accepted before the worker died (or before a connection
broke without the server's reply): a repeat carries the Message-ID of the first copy
(messaging.compose.message_id), so receivers can tell. A service that voids or moves a
row while its group is going waits for the commit, then finds the row sent.

Failures back off (retry_backoff) until MESSAGES_MAX_ATTEMPTS; a server's permanent
refusal fails at once; staff see the reason.
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
from django.core.mail import EmailMessage
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop  # reasons kept in English, shown translated
from django_guid import clear_guid, get_guid, set_guid

from appointments.calendar import calendar_config
from appointments.models import Status
from messaging import form_reminders, timing
from messaging.compose import compose_email, compose_sms
from messaging.email import EmailOutlet
from messaging.models import (
    FollowUpOptOut,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
)
from messaging.sms import BaseSmsBackend, Sms, SmsError, sms_backend
from messaging.unsubscribe import WISH_OF

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
    """`permanent`: retrying cannot help. `unreachable`: no answer from the other side
    (connection refused, timed out, reset)."""

    def __init__(self, reason: str, *, permanent: bool = False, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent, self.unreachable = reason, permanent, unreachable


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
    in two workers: each row is sent by whoever claimed it."""
    result, token = BatchResult(), secrets.token_hex(8)
    with connection.cursor() as cursor:
        # A record only has to survive this worker, not a database crash (which could at
        # worst lose records, and so send messages again, never lose one): skip the fsync.
        cursor.execute("SET synchronous_commit TO off")
    outlets = _Outlets()
    try:
        ids = claim(message_ids, token, timezone.now())
        result.claimed = len(ids)
        messages = _claimed(ids, token)
        for start in range(0, len(messages), RECORD_EVERY):
            _deliver_group(messages[start : start + RECORD_EVERY], token, outlets, result)
    finally:
        outlets.close()
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")  # the connection is reused
    return result


# Messages per transaction: their rows stay locked while they go, and their outcomes are
# committed together once the last one went. Row M of the benchmark on a quiet machine: one
# transaction per message (four statements each) 500-555 msg/s, 3.1 ms of CPU a message
# over all processes; groups of 10, 850-900 msg/s and 1.8 ms; groups of 50, 970-1030. A
# worker killed mid-group sends the group's accepted messages again: 10 keeps that, and
# how long a service may wait for a row, small.
RECORD_EVERY = 10


def _claimed(ids: list[int], token: str) -> list[Message]:
    return list(
        Message.objects.filter(pk__in=ids, claim_token=token)
        .select_related("patient", "appointment__treatment", "appointment__practitioner")
        .order_by("next_attempt_at", "pk")
    )


def _mine(message: Message, token: str, status: str = MessageStatus.SENDING) -> QuerySet[Message]:
    """The row, only if it is still in `status` under our claim."""
    return Message.objects.filter(pk=message.pk, status=status, claim_token=token)


@contextlib.contextmanager
def _request_id(value: str) -> Iterator[None]:
    """The log lines of a message carry the id of the request that caused it."""
    task_id = get_guid()
    set_guid(value or task_id)
    try:
        yield
    finally:
        set_guid(task_id) if task_id else clear_guid()


def _deliver_group(
    messages: list[Message], token: str, outlets: _Outlets, result: BatchResult
) -> None:
    """Compose the group's messages, then in one transaction: lock the rows still ours,
    send each, record every outcome; commit. Once the mail server did not answer, the
    group's other emails are not tried but retried later as that one is: the rows stay
    locked for one network timeout at most, not one per message."""
    ready = [(m, composed) for m in messages if (composed := _ready(m, token, result))]
    if not ready:
        return
    with transaction.atomic(durable=True):
        mine = _lock_mine([m.pk for m, _composed in ready], token)
        sent, mail_down = [], None
        for message, composed in ready:
            with _request_id(message.request_id):
                if message.pk not in mine:  # voided, moved or re-claimed meanwhile
                    result.refused += 1
                    continue
                failure = _try(message, composed, outlets, mail_down)
                if failure is None:
                    sent.append(message.pk)
                    continue
                _after_failure(message, token, failure, result)
                if failure.unreachable and isinstance(composed, EmailMessage):
                    mail_down = failure
        _mark_sent(sent, result)


def _try(
    message: Message,
    composed: EmailMessage | Sms,
    outlets: _Outlets,
    mail_down: DeliveryFailed | None,
) -> DeliveryFailed | None:
    """Send, unless it is an email and the mail server did not answer in this group."""
    if isinstance(composed, EmailMessage) and mail_down is not None:
        return mail_down
    return _send(message, composed, outlets)


def _ready(message: Message, token: str, result: BatchResult) -> EmailMessage | Sms | None:
    """The message to send, or None: skipped (recorded at once) or not composable."""
    now = timezone.now()
    with _request_id(message.request_id):
        reason = why_not(message, now)
        if reason is not None:
            status, text = reason
            _mine(message, token).update(status=status, last_error=text, claim_token="")
            result.skipped += 1
            return None
        try:
            if message.channel == MessageChannel.EMAIL:
                return compose_email(message, now)
            return compose_sms(message, now)
        except Exception as exc:
            _after_failure(message, token, classify(exc), result)
            return None


def _lock_mine(ids: list[int], token: str) -> set[int]:
    """Lock the rows that are still ours (a service changing one meanwhile waits)."""
    mine = Message.objects.filter(pk__in=ids, status=MessageStatus.SENDING, claim_token=token)
    return set(mine.select_for_update().order_by("pk").values_list("pk", flat=True))


def _mark_sent(ids: list[int], result: BatchResult) -> None:
    if ids:
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        result.sent += len(ids)


def _send(
    message: Message, composed: EmailMessage | Sms, outlets: _Outlets
) -> DeliveryFailed | None:
    """Hand the message to its channel: None once it was accepted, else why not."""
    try:
        if isinstance(composed, Sms):
            outlets.sms.send(composed)
        elif not outlets.email.send(composed):
            return DeliveryFailed(gettext_noop("The message has no recipient."), permanent=True)
    except Exception as exc:
        return classify(exc)
    log.info("message %s sent: %s by %s", message.pk, message.kind, message.channel)
    return None


def classify(exc: Exception) -> DeliveryFailed:
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
    if isinstance(exc, smtplib.SMTPException | OSError):
        # Refused, timed out or lost connections. Lost mid-message perhaps after the server
        # took it, so the retry may be a second copy (with the same Message-ID).
        return DeliveryFailed(
            f"mail server unreachable: {exc.__class__.__name__}: {exc}",
            unreachable=_no_answer(exc),
        )
    log.exception("message delivery failed unexpectedly")
    return DeliveryFailed(f"{exc.__class__.__name__}: {exc}")


def _no_answer(exc: OSError) -> bool:
    """Refused or timed out, rather than hung up on (smtplib reports a reply that timed out
    as SMTPServerDisconnected, raised while handling the TimeoutError)."""
    if isinstance(exc, smtplib.SMTPException):
        return isinstance(exc.__context__, TimeoutError)
    return True


def _after_failure(message: Message, token: str, exc: DeliveryFailed, result: BatchResult) -> None:
    log.warning("message %s not delivered: %s", message.pk, exc.reason)
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
    # A receipt is asked for at the desk, not a reminder: it needs only the address.
    wants_email = patient.remind_by_email or message.kind == MessageKind.RECEIPT
    if message.channel == MessageChannel.EMAIL and not (wants_email and patient.email):
        return MessageStatus.SKIPPED, gettext_noop("The patient switched email messages off.")
    if message.channel == MessageChannel.SMS and not (patient.remind_by_sms and patient.phone):
        return MessageStatus.SKIPPED, gettext_noop("The patient switched SMS messages off.")
    wish = WISH_OF.get(message.kind)
    if wish and not getattr(patient, wish):
        return MessageStatus.SKIPPED, gettext_noop("The patient switched this kind of message off.")
    return _why_not_now(message, now)


def _why_not_now(message: Message, now: datetime) -> tuple[str, str] | None:
    appointment = message.appointment
    if message.kind in (MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.FORM_DUE):
        if appointment.status != Status.BOOKED:
            return MessageStatus.VOID, gettext_noop("The appointment is no longer booked.")
        if appointment.start <= now:
            return MessageStatus.SKIPPED, gettext_noop("The session had already started.")
    if message.kind == MessageKind.FORM_DUE and not form_reminders.unanswered(appointment):
        return MessageStatus.SKIPPED, gettext_noop("The forms were answered meanwhile.")
    # Opting out between queueing and sending still counts (one small query, for these
    # kinds only).
    follow_up = message.kind in (MessageKind.RECALL, MessageKind.SURVEY)
    if follow_up and FollowUpOptOut.objects.filter(patient_id=message.patient_id).exists():
        return MessageStatus.SKIPPED, gettext_noop("The patient wants no recalls or surveys.")
    if message.kind == MessageKind.WAITLIST_OFFER:
        expires = parse_datetime(message.context.get("expires_at") or "")
        if expires and expires <= now:
            return MessageStatus.SKIPPED, gettext_noop("The offer had expired.")
    return None
