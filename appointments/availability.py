"""Free start times: where a practitioner who performs the treatment, a room and (when
needed) a device are all free for the whole session plus the cleanup buffer.

Computed on intervals: one query for the busy ranges in the asked window, then merge,
subtract and intersect. Nothing here reads history outside the window.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.utils import timezone

from appointments import intervals as iv
from appointments.calendar import CalendarConfig, calendar_config, epoch, from_epoch, local_epoch
from appointments.models import Appointment, Status
from treatments.models import Treatment

MAX_DAYS = 31


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    practitioner: int


@dataclass(frozen=True)
class Busy:
    """Busy intervals in a window, per practitioner, room, device and patient."""

    practitioner: dict[int, list[iv.Interval]]
    room: dict[int, list[iv.Interval]]
    device: dict[int, list[iv.Interval]]


def block_seconds(treatment: Treatment, config: CalendarConfig) -> tuple[int, int]:
    """(session length, session plus cleanup buffer) in seconds."""
    length = treatment.session_minutes * 60
    buffer = config.policy.device_buffer_minutes * 60 if treatment.requires_device else 0
    return length, length + buffer


@functools.cache
def _busy_sql() -> str:
    """The busy query, written out once: it runs on every availability request and
    booking, and the ORM took longer to compile it than PostgreSQL took to answer."""
    q, meta = connection.ops.quote_name, Appointment._meta

    def col(name: str) -> str:
        return q(meta.get_field(name).column)

    # A cancelled appointment or released hold blocks nothing (models.ACTIVE), nor does a
    # hold past its held_until (released lazily: services/holds.py); the lower bound on start lets
    # the start index bound the scan (no session is a day long). Epoch seconds straight
    # from SQL: no datetime objects for a window of rows.
    return (
        f"SELECT {col('practitioner')}, {col('room')}, {col('device')}, "  # noqa: S608
        f"EXTRACT(EPOCH FROM {col('start')})::bigint, "
        f"EXTRACT(EPOCH FROM {col('blocked_until')})::bigint "
        f"FROM {q(meta.db_table)} "
        f"WHERE {col('status')} <> ALL(%s) "
        f"AND ({col('held_until')} IS NULL OR {col('held_until')} > %s) "
        f"AND {col('start')} < %s "
        f"AND {col('blocked_until')} > %s AND {col('start')} >= %s "
        f"AND NOT ({q(meta.pk.column)} = ANY(%s))"
    )


def busy_in(lo: int, hi: int, *, ignore: Collection[int] = (), now: datetime | None = None) -> Busy:
    """One query: the blocked ranges of every active appointment overlapping [lo, hi).
    `ignore`: appointments about to move (a reschedule, a course re-flow). A hold counts
    until its held_until passes `now`."""
    start, end = from_epoch(lo), from_epoch(hi)
    by: dict[str, dict[int, list[iv.Interval]]] = {
        "practitioner": defaultdict(list),
        "room": defaultdict(list),
        "device": defaultdict(list),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _busy_sql(),
            [
                [Status.CANCELLED, Status.RELEASED],
                now or timezone.now(),
                end,
                start,
                start - timedelta(days=1),
                list(ignore),
            ],
        )
        rows = cursor.fetchall()
    for pid, rid, did, s, b in rows:
        span = (s, b)
        by["practitioner"][pid].append(span)
        by["room"][rid].append(span)
        if did:
            by["device"][did].append(span)
    return Busy(**{k: {r: iv.merge(v) for r, v in d.items()} for k, d in by.items()})


def _resource_starts(
    ids: Iterable[int],
    busy: dict[int, list[iv.Interval]],
    window: list[iv.Interval],
    block: int,
    extra: dict[int, list[iv.Interval]] | None = None,
) -> list[iv.Interval]:
    """Starts where at least one of the resources is free for the whole block."""
    starts: list[iv.Interval] = []
    for rid in ids:
        taken = iv.merge(busy.get(rid, []) + (extra or {}).get(rid, []))
        starts += iv.starts_fitting(iv.subtract(window, taken), block)
    return iv.merge(starts)


def booking_window(config: CalendarConfig, *, staff: bool, now: datetime) -> tuple[int, int]:
    """Earliest and latest start allowed now: after now and the minimum notice (patients),
    before the horizon. Rounded up to whole seconds: at 10:00:00.4 a 10:00 start is past
    (booking refuses it), and 12:00 is not two hours ahead."""
    policy = config.policy
    notice = 0 if staff else policy.patient_min_notice_minutes * 60
    earliest = max(math.floor(now.timestamp()) + 1, math.ceil(now.timestamp()) + notice)
    return earliest, epoch(now + timedelta(days=policy.booking_horizon_days)) + 1


def free_slots(
    *,
    treatment: Treatment,
    start: date,
    end: date,
    practitioner_id: int | None = None,
    staff: bool = False,
    now: datetime | None = None,
    ignore: Collection[int] = (),
) -> list[Slot]:
    """Every free start time for `treatment` on local dates start..end (inclusive)."""
    config = calendar_config()
    now = now or timezone.now()
    earliest, latest = booking_window(config, staff=staff, now=now)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    lo, hi = (
        local_epoch(days[0], datetime.min.time()),
        local_epoch(end + timedelta(days=1), datetime.min.time()),
    )
    lo, hi = max(lo, earliest - 86400), min(hi, latest + 86400)
    performers = [
        p
        for p in config.performers(treatment.id)
        if practitioner_id is None or p.id == practitioner_id
    ]
    if not performers or lo >= hi:
        return []
    length, block = block_seconds(treatment, config)
    busy = busy_in(lo, hi, ignore=ignore, now=now)
    window = [(lo, hi)]
    resource_starts = _resource_starts(config.rooms, busy.room, window, block)
    if treatment.requires_device:
        device_starts = _resource_starts(config.devices, busy.device, window, block, config.outages)
        resource_starts = iv.intersect(resource_starts, device_starts)
    allowed = iv.intersect(resource_starts, [(earliest, latest)])
    step = config.policy.slot_step_minutes * 60
    starts: list[tuple[int, int]] = []  # (epoch, practitioner): sorted as plain numbers
    phase = _phase(t0=lo)
    for p in performers:
        working = iv.merge(w for day in days for w in config.bookable(p, day))
        mine = iv.starts_fitting(iv.subtract(working, busy.practitioner.get(p.id, [])), block)
        starts += ((t, p.id) for t in iv.grid_points(iv.intersect(mine, allowed), step, phase))
    starts.sort()
    moment = functools.cache(from_epoch)  # practitioners share start times: one object each
    return [Slot(moment(t), moment(t + length), pid) for t, pid in starts]


def _phase(t0: int) -> int:
    """The grid is aligned to the local clock: starts fall on :00, :15, ... local time."""
    offset = int(from_epoch(t0).utcoffset().total_seconds())
    return -offset
