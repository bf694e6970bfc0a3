"""Practitioners' private calendar feeds (ICS subscriptions of their own sessions)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """A practitioner's feed URL. Only the SHA-256 of its token is kept: the URL is shown
    once, when issued. Revoking keeps the row (a revoked URL answers 410, not 404)."""

    practitioner = models.ForeignKey(
        "appointments.Practitioner", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_practitioner",
            )
        ]
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return f"Calendar feed {self.pk} of practitioner {self.practitioner_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
