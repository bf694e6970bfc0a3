"""The sweep Celery beat runs every minute: hand due rows to the workers.

It takes due pending rows in batches with `SELECT ... FOR UPDATE SKIP LOCKED` (two sweeps
never take the same row, and never wait for each other), stamps them `dispatched_at`,
commits, and only then publishes one deliver task per MESSAGES_BATCH_SIZE rows. The
database is the source of truth; the broker only carries hints:

- a task lost with the broker (Redis restarted) or held by a killed worker leaves its
  rows pending, and the sweep hands them out again after MESSAGES_REDISPATCH_SECONDS;
- a claim whose worker died (status `sending` for longer than
  MESSAGES_CLAIM_LEASE_SECONDS) goes back to pending, and is sent again: messages that
  worker sent but had not recorded go twice, with the same Message-ID (at-least-once,
  messaging.delivery). Taking a claim back is safe even if that worker is only slow: the
  rows it is sending are locked, and skipped here; a row taken back is no longer under
  its claim token, so that worker does not send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.models import Message, MessageStatus

DELIVER_TASK = "messaging.tasks.deliver_messages"
TAKE_LIMIT = 1000  # rows per sweep transaction


@dataclass
class SweepResult:
    recovered: int = 0
    dispatched: int = 0
    tasks: int = 0


def recover_stale_claims(now: datetime) -> int:
    """Claims older than the lease go back to pending (or fail after the last try)."""
    cutoff = now - timedelta(seconds=settings.MESSAGES_CLAIM_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.SENDING, claimed_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        last_try = Q(attempts__gte=settings.MESSAGES_MAX_ATTEMPTS)
        return Message.objects.filter(pk__in=ids).update(
            status=Case(
                When(last_try, then=Value(MessageStatus.FAILED)),
                default=Value(MessageStatus.PENDING),
            ),
            last_error=Value(_("A worker stopped while delivering it.")),
            claim_token="",
            dispatched_at=None,
            next_attempt_at=now,
        )


def _take_due(now: datetime, limit: int) -> list[int]:
    stale = now - timedelta(seconds=settings.MESSAGES_REDISPATCH_SECONDS)
    with transaction.atomic():
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=stale))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        Message.objects.filter(pk__in=ids).update(dispatched_at=now)
    return ids


def _publish(ids: list[int]) -> int:
    """One deliver task per batch. If the broker fails, the rows not handed over are
    un-stamped so the next sweep takes them at once."""
    size = settings.MESSAGES_BATCH_SIZE
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    for n, chunk in enumerate(chunks):
        try:
            current_app.send_task(DELIVER_TASK, args=[chunk])
        except Exception:
            rest = [pk for c in chunks[n:] for pk in c]
            Message.objects.filter(pk__in=rest, status=MessageStatus.PENDING).update(
                dispatched_at=None
            )
            raise
    return len(chunks)


def sweep(now: datetime | None = None, *, limit: int | None = None) -> SweepResult:
    """Recover dead claims, then hand every due row out (up to `limit`, default
    MESSAGES_SWEEP_LIMIT). Safe to run concurrently with itself and with workers."""
    now = now or timezone.now()
    result = SweepResult(recovered=recover_stale_claims(now))
    limit = settings.MESSAGES_SWEEP_LIMIT if limit is None else limit
    while result.dispatched < limit:
        ids = _take_due(now, min(TAKE_LIMIT, limit - result.dispatched))
        if not ids:
            break
        result.tasks += _publish(ids)
        result.dispatched += len(ids)
    return result
