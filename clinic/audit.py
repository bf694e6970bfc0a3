"""Audit trail of clinical records: every read and change writes one chained row.

Three things keep the trail honest against someone holding the app's own database login:
- the table belongs to another role (`manage.py audit_lock`): the app may INSERT and SELECT,
  never UPDATE, DELETE, TRUNCATE, or switch the append-only trigger off;
- each row's hash is an HMAC-SHA256 under AUDIT_HMAC_KEY, a key kept outside the database,
  over the row and the previous row's hash: a row edited, or a chain recomputed, without
  the key does not verify;
- the newest row (its id, its hash, the number of rows up to it) is exported regularly
  out of the database (`audit_head_export`, run by beat): rows deleted from the end, or
  all of them, are missing against an exported head.
`verify_chain` checks all of it; `manage.py audit_verify` reports it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from clinic.models import AuditEvent
from clinic.prepared import Prepared
from clinic.rows import insert_rows

logger = logging.getLogger("clinic.audit")

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
    """HMAC-SHA256 under the audit key of the previous hash and the row's canonical JSON.
    (Rows written before the key existed were sealed under it by migration 0006.)"""
    canonical = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, (prev_hash + canonical).encode(), hashlib.sha256).hexdigest()


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
    """Chain and insert the events: the lock and the tail's read, then one insert. (No
    savepoint: if the insert fails, the caller's whole transaction fails with it.)"""
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            # One round trip, two statements: the lock, then the tail read by a statement
            # of its own, whose snapshot is taken once the lock is held and so sees the
            # append that held it before. The driver gives the last statement's row.
            cursor.execute(_LOCK + ";\n" + _TAIL_HASH.sql(connection), [_CHAIN_LOCK])
            found = cursor.fetchone()
        prev = found[0] if found else GENESIS
        for event in events:
            event.prev_hash = prev
            event.hash = prev = _row_digest(prev, _hashed_fields(event))
        insert_rows(events)  # bulk_create(), leaner: clinic.rows
        return events


_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_TAIL_HASH = Prepared("audit_tail", "SELECT hash FROM clinic_auditevent ORDER BY id DESC LIMIT 1")


# The rows of an open `audit_batch`, written when it ends; None outside one.
_batch: ContextVar[list[AuditEvent] | None] = ContextVar("audit_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Rows recorded inside are chained and inserted together when the block ends, still
    in the caller's transaction (nothing is written if it raises). The chain's lock is
    then held from that one insert to the commit, not from a service's first audited step
    to its last: a service that audits several steps (a checkout's invoice and payment)
    keeps every other audited write of the clinic waiting only briefly. Nested batches
    write with the outermost."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set([])
    try:
        yield
        events = _batch.get() or []
    finally:
        _batch.reset(token)
    if events:
        _append(events)


def audit_record(
    actor: Actor, *, action: str, obj: Any, patient_id: int | None, **detail: Any
) -> AuditEvent:
    """One row; inside an `audit_batch`, returned unsaved and written when it ends."""
    event = _event(actor, action, obj, patient_id, detail)
    pending = _batch.get()
    if pending is not None:
        pending.append(event)
        return event
    return _append([event])[0]


def audit_reads(actor: Actor, objs: Iterable[Any]) -> None:
    """One "read" row per clinical record shown (objects carry patient_id)."""
    events = [_event(actor, "read", obj, obj.patient_id, {}) for obj in objs]
    if events:
        _append(events)


@dataclass(frozen=True)
class Head:
    """The newest row at one moment, as exported: id None and rows 0 for an empty trail."""

    id: int | None
    hash: str
    rows: int
    at: str


def audit_head_export() -> Head:
    """Write the trail's head where the database cannot reach it: one JSON line appended
    to AUDIT_HEAD_FILE (if set) and one log line (to the journal and the log collector).

    No lock is needed: appends are serialised and commit in id order (`_append`), so every
    row below the newest committed one is committed too, and the count is final."""
    newest = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    rows = AuditEvent.objects.filter(id__lte=newest[0]).count() if newest else 0
    head = Head(
        id=newest[0] if newest else None,
        hash=newest[1] if newest else GENESIS,
        rows=rows,
        at=timezone.now().isoformat(),
    )
    if settings.AUDIT_HEAD_FILE:
        _append_line(Path(settings.AUDIT_HEAD_FILE), json.dumps(asdict(head), sort_keys=True))
    logger.info("audit head", extra={"audit_head": asdict(head)})
    return head


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:  # O_APPEND: a whole line at the end
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())


class HeadFileError(ValueError):
    pass


def read_heads(path: Path) -> list[Head]:
    """The heads exported to `path`, oldest first; a line that is not one is an error."""
    heads = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            head = Head(id=data["id"], hash=data["hash"], rows=data["rows"], at=data["at"])
        except (ValueError, KeyError, TypeError) as exc:
            raise HeadFileError(f"{path}:{number}: not an exported audit head ({exc})") from exc
        if not (head.id is None or isinstance(head.id, int)) or not isinstance(head.rows, int):
            raise HeadFileError(f"{path}:{number}: not an exported audit head")
        heads.append(head)
    return heads


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(heads: Sequence[Head] = ()) -> ChainBreak | None:
    """The first problem found, or None if the chain is whole and holds every exported head.

    One pass in id order: each row must link to the previous one and carry the HMAC of its
    content; a row that was exported as a head must still have the same hash and the same
    number of rows up to it; an exported head missing altogether means rows were deleted
    from the end (or all of them)."""
    expected: dict[int, Head] = {}
    for head in heads:
        if head.id is None:
            continue
        known = expected.setdefault(head.id, head)
        if (known.hash, known.rows) != (head.hash, head.rows):
            return ChainBreak(head.id, f"exported heads disagree ({known.at} and {head.at})")
    prev = GENESIS
    rows = AuditEvent.objects.order_by("id").iterator(chunk_size=2000)
    for seen, event in enumerate(rows, 1):
        if event.prev_hash != prev:
            return ChainBreak(event.id, "previous row missing or changed (link broken)")
        if event.hash != _row_digest(prev, _hashed_fields(event)):
            return ChainBreak(event.id, "row content changed (hash mismatch)")
        head = expected.pop(event.id, None)
        if head is not None and (head.hash != event.hash or head.rows != seen):
            return ChainBreak(
                event.id,
                f"not the row exported as the head at {head.at} "
                "(rows up to it were deleted or replaced)",
            )
        prev = event.hash
    if expected:
        head = expected[min(expected)]
        return ChainBreak(
            head.id,
            f"missing: it was the newest of {head.rows} rows exported at {head.at}; "
            "rows were deleted from the end of the trail",
        )
    return None
