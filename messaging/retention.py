"""How long the outbox keeps a message: MESSAGES_RETENTION_DAYS (400 by default, so the
reports can compare a month with the same month a year before) after it was created, and
only once it is final (sent, failed, void or skipped). A message still to go is never
removed. Beat prunes every night, in batches, so no long lock holds up the sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from messaging.models import Message, MessageStatus

FINAL = (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.VOID, MessageStatus.SKIPPED)
BATCH = 5000


def outbox_prune(*, now: datetime | None = None) -> int:
    """Delete the final messages past the retention period (their link uses go with them);
    returns how many messages."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.MESSAGES_RETENTION_DAYS)
    old = Message.objects.filter(status__in=FINAL, created_at__lt=cutoff)
    pruned = 0
    while batch := list(old.values_list("pk", flat=True)[:BATCH]):
        Message.objects.filter(pk__in=batch).delete()
        pruned += len(batch)
    return pruned
