"""Practitioners' calendar feeds: issue (again) and revoke the private feed URL.

The token is 256 random bits shown once; the database keeps only its SHA-256, so a copy of
the database gives no working feed URL. Issuing a new URL revokes the old one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from appointments.models import CalendarFeed, Practitioner


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _revoke_live(practitioner: Practitioner, now: datetime) -> int:
    return CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).update(
        revoked_at=now
    )


@transaction.atomic(durable=True)
def calendar_feed_issue(*, practitioner: Practitioner, now: datetime | None = None) -> str:
    """A new feed URL token for the practitioner (the old URL stops working)."""
    now = now or timezone.now()
    # The practitioner's row serialises two issues at once: one live feed (the constraint).
    Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    _revoke_live(practitioner, now)
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(
        practitioner=practitioner, token_hash=feed_token_hash(token), created_at=now
    )
    return token


@transaction.atomic(durable=True)
def calendar_feed_revoke(*, practitioner: Practitioner, now: datetime | None = None) -> int:
    """Stop the practitioner's feed URL; returns how many were live (0 or 1)."""
    Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    return _revoke_live(practitioner, now or timezone.now())
