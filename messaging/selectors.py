"""Reads of the outbox that the staff page and the API share."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet

from messaging.models import Message, MessageLinkUse


def message_list(
    *,
    patient_id: int | None = None,
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    channel: str = "",
    appointment_id: int | None = None,
) -> QuerySet[Message]:
    """Messages, newest due first, with what a list shows (no N+1)."""
    qs = Message.objects.select_related("patient", "appointment__treatment").prefetch_related(
        Prefetch("link_uses", queryset=MessageLinkUse.objects.order_by("used_at"))
    )
    if patient_id is not None:
        qs = qs.filter(patient_id=patient_id)
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    if channel:
        qs = qs.filter(channel=channel)
    if appointment_id is not None:
        qs = qs.filter(appointment_id=appointment_id)
    return qs.order_by("-due_at", "-id")
