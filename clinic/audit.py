"""Audit trail of clinical records: every read and change writes one chained row."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.models import AuditEvent

GENESIS = "0" * 64
# Any fixed 64-bit number: the advisory lock that serialises appends to the chain.
_CHAIN_LOCK = 7_201_115_305


@dataclass(frozen=True)
class Actor:
    user: Any
    ip: str | None = None
    path: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        return cls(user=request.user, ip=request.META.get("REMOTE_ADDR"), path=request.path[:300])


def _row_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient_id": event.patient_id,
        "ip": event.ip,
        "path": event.path,
        "detail": event.detail,
    }


def _event(actor: Actor, action: str, obj: Any, patient_id: int | None, detail: dict) -> AuditEvent:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return AuditEvent(
        at=timezone.now(),
        actor=user,
        actor_label=user.get_username() if user else "anonymous",
        action=action,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else type(obj).__name__,
        object_id=str(getattr(obj, "pk", obj)),
        patient_id=patient_id,
        ip=actor.ip,
        path=actor.path,
        detail=detail,
    )


def _append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Chain and insert the events: one lock, one read of the tail, one insert."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
        for event in events:
            event.prev_hash = prev
            event.hash = prev = _row_digest(prev, _hashed_fields(event))
        return AuditEvent.objects.bulk_create(events)


def audit_record(
    actor: Actor, *, action: str, obj: Any, patient_id: int | None, **detail: Any
) -> AuditEvent:
    return _append([_event(actor, action, obj, patient_id, detail)])[0]


def audit_reads(actor: Actor, objs: Iterable[Any]) -> None:
    """One "read" row per clinical record shown (objects carry patient_id)."""
    events = [_event(actor, "read", obj, obj.patient_id, {}) for obj in objs]
    if events:
        _append(events)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain() -> ChainBreak | None:
    """The first row whose hash or link does not match, or None if the chain is whole."""
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return ChainBreak(event.id, "previous row missing or changed (link broken)")
        if event.hash != _row_digest(prev, _hashed_fields(event)):
            return ChainBreak(event.id, "row content changed (hash mismatch)")
        prev = event.hash
    return None
