"""The clinic's calendar configuration as one in-memory snapshot, and local-time helpers.

Treatments, practitioners and their hours, opening hours, closures, rooms, devices,
outages and the policy change rarely but are read by every availability and booking
request. They are loaded in one go and kept per process, tagged with the configuration's
version (`CalendarVersion`, moved by database triggers in the same transaction as any
change, whoever makes it). So a change committed anywhere is seen everywhere at once:

- `calendar_config()`: the committed configuration. It reads the version (one small
  query) once per request or Celery task, or on every call outside those, and reloads
  the snapshot when the version moved.
- `locked_calendar_config()`: the same inside a transaction that writes bookings. It
  reads the version `FOR SHARE`, so a configuration change waits for the booking to
  commit, and a booking waits for a change that is committing: a booking is validated
  against the configuration that is committed when it commits.
- `calendar_snapshot()`: for display and for pre-checks whose answer is checked again
  under the lock: the latest snapshot this process has, with no query.
"""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.utils import timezone

from appointments import intervals as iv
from appointments.models import (
    CalendarVersion,
    ClinicPolicy,
    Closure,
    Device,
    DeviceOutage,
    ExceptionKind,
    OpeningHours,
    Practitioner,
    Room,
    WorkingException,
    WorkingHours,
)
from treatments.models import Treatment

TimeSpan = tuple[time, time]


def zone() -> ZoneInfo:
    return _zone(settings.TIME_ZONE)


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=zone())


def local_epoch(day: date, at: time) -> int:
    """Seconds since the epoch of a local wall-clock time on a local date (DST-aware)."""
    return int(datetime.combine(day, at, tzinfo=zone()).timestamp())


def local_date(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def _day_end(day: date) -> int:
    return local_epoch(day + timedelta(days=1), time(0))


def spans_to_epochs(day: date, spans: list[TimeSpan]) -> list[iv.Interval]:
    # An end of 00:00 means midnight at the end of the day.
    return iv.merge(
        (local_epoch(day, s), _day_end(day) if e == time(0) else local_epoch(day, e))
        for s, e in spans
    )


@dataclass(frozen=True)
class PractitionerInfo:
    id: int
    name: str
    treatment_ids: frozenset[int]
    weekly: dict[int, list[TimeSpan]]
    off_days: frozenset[date]
    off_spans: dict[date, list[TimeSpan]]
    extra_spans: dict[date, list[TimeSpan]]

    def working(self, day: date) -> list[iv.Interval]:
        """This practitioner's working intervals on a local date, exceptions applied."""
        if day in self.off_days:
            return []
        base = spans_to_epochs(day, self.weekly.get(day.weekday(), []))
        extra = spans_to_epochs(day, self.extra_spans.get(day, []))
        off = spans_to_epochs(day, self.off_spans.get(day, []))
        return iv.subtract(iv.merge(base + extra), off)


@dataclass(frozen=True)
class CalendarConfig:
    version: int  # CalendarVersion.version when it was loaded (or older: never newer)
    day: date  # the local date it was loaded on (it holds exceptions from the day before)
    policy: ClinicPolicy
    treatments: dict[int, Treatment]
    practitioners: dict[int, PractitionerInfo]
    opening: dict[int, list[TimeSpan]]
    closed_days: frozenset[date]
    closure_reasons: dict[date, str]  # why the clinic is closed on each of those days
    rooms: tuple[int, ...]
    devices: tuple[int, ...]
    outages: dict[int, list[iv.Interval]] = field(default_factory=dict)
    # Names of every treatment, practitioner, room and device, active or not, for display.
    names: dict[str, dict[int, str]] = field(default_factory=dict)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def open_intervals(self, day: date) -> list[iv.Interval]:
        if day in self.closed_days:
            return []
        return spans_to_epochs(day, self.opening.get(day.weekday(), []))

    def bookable(self, practitioner: PractitionerInfo, day: date) -> list[iv.Interval]:
        """When the practitioner works and the clinic is open, on a local date. Memoised:
        the snapshot never changes, and every availability request asks again."""
        key = (practitioner.id, day)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = iv.intersect(
                practitioner.working(day), self.open_intervals(day)
            )
        return found

    def performers(self, treatment_id: int) -> list[PractitionerInfo]:
        return [p for p in self.practitioners.values() if treatment_id in p.treatment_ids]


def _load(version: int) -> CalendarConfig:
    policy, _ = ClinicPolicy.objects.get_or_create(id=1)
    weekly: dict[int, dict[int, list[TimeSpan]]] = defaultdict(lambda: defaultdict(list))
    for h in WorkingHours.objects.filter(practitioner__is_active=True):
        weekly[h.practitioner_id][h.weekday].append((h.start, h.end))
    off_days: dict[int, set[date]] = defaultdict(set)
    off_spans: dict[int, dict[date, list[TimeSpan]]] = defaultdict(lambda: defaultdict(list))
    extra: dict[int, dict[date, list[TimeSpan]]] = defaultdict(lambda: defaultdict(list))
    since = timezone.localdate() - timedelta(days=1)
    for x in WorkingException.objects.filter(date__gte=since):
        if x.whole_day:
            off_days[x.practitioner_id].add(x.date)
        else:
            target = off_spans if x.kind == ExceptionKind.OFF else extra
            target[x.practitioner_id][x.date].append((x.start, x.end))
    practitioners = {
        p.id: PractitionerInfo(
            id=p.id,
            name=p.display_name,
            treatment_ids=frozenset(t.id for t in p.treatments.all()),
            weekly=dict(weekly[p.id]),
            off_days=frozenset(off_days[p.id]),
            off_spans=dict(off_spans[p.id]),
            extra_spans=dict(extra[p.id]),
        )
        for p in Practitioner.objects.filter(is_active=True).prefetch_related("treatments")
    }
    opening: dict[int, list[TimeSpan]] = defaultdict(list)
    for o in OpeningHours.objects.all():
        opening[o.weekday].append((o.start, o.end))
    closed: dict[date, str] = {}
    for c in Closure.objects.filter(end_date__gte=since):
        for i in range((c.end_date - c.start_date).days + 1):
            closed[c.start_date + timedelta(days=i)] = c.reason
    outages: dict[int, list[iv.Interval]] = defaultdict(list)
    for o in DeviceOutage.objects.filter(period__endswith__gte=timezone.now()):
        lo = epoch(o.period.lower) if o.period.lower else 0
        hi = epoch(o.period.upper) if o.period.upper else 2**62
        outages[o.device_id].append((lo, hi))
    names = {
        "treatment": dict(Treatment.objects.values_list("id", "name")),
        "practitioner": dict(Practitioner.objects.values_list("id", "display_name")),
        "room": dict(Room.objects.values_list("id", "name")),
        "device": dict(Device.objects.values_list("id", "name")),
    }
    return CalendarConfig(
        version=version,
        day=since + timedelta(days=1),
        policy=policy,
        treatments={t.id: t for t in Treatment.objects.filter(is_active=True)},
        practitioners=practitioners,
        opening=dict(opening),
        closed_days=frozenset(closed),
        closure_reasons=closed,
        rooms=tuple(Room.objects.filter(is_active=True).values_list("id", flat=True)),
        devices=tuple(Device.objects.filter(is_active=True).values_list("id", flat=True)),
        names=names,
        outages={k: iv.merge(v) for k, v in outages.items()},
    )


_lock = threading.Lock()
_snapshot: list[CalendarConfig] = []  # this process's latest, at most one
_scope = threading.local()  # the version read in this request or task, once


def _read_version(*, lock: bool = False) -> int:
    table = CalendarVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version FROM {table} WHERE id = 1" + (" FOR SHARE" if lock else "")  # noqa: S608
        )
        row = cursor.fetchone()
    return row[0] if row else 0  # no row: a flushed test database, before any change


def _for_version(version: int) -> CalendarConfig:
    today = timezone.localdate()
    with _lock:
        if _snapshot and _snapshot[0].version == version and _snapshot[0].day == today:
            return _snapshot[0]
    # Loaded after the version was read: the snapshot is at least as new as its tag, so a
    # change committed meanwhile moves the version past the tag and is loaded next time.
    config = _load(version)
    with _lock:
        _snapshot[:] = [config]
    return config


def calendar_config() -> CalendarConfig:
    """The committed calendar configuration (see the module's docstring)."""
    if not getattr(_scope, "active", False):
        return _for_version(_read_version())
    if _scope.version is None:
        _scope.version = _read_version()
    return _for_version(_scope.version)


def locked_calendar_config() -> CalendarConfig:
    """The committed configuration, with its version locked until this transaction ends:
    for the transactions that write bookings."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("locked_calendar_config() needs atomic()")
    version = _read_version(lock=True)
    if getattr(_scope, "active", False):
        _scope.version = version
    return _for_version(version)


def calendar_snapshot() -> CalendarConfig:
    """The latest snapshot this process has, unchecked (display, pre-checks)."""
    with _lock:
        if _snapshot:
            return _snapshot[0]
    return calendar_config()


def _begin_scope(**kwargs: object) -> None:
    _scope.active, _scope.version = True, None


def _end_scope(**kwargs: object) -> None:
    _scope.active, _scope.version = False, None


request_started.connect(_begin_scope, dispatch_uid="calendar-request-started")
request_finished.connect(_end_scope, dispatch_uid="calendar-request-finished")
task_prerun.connect(_begin_scope, dispatch_uid="calendar-task-prerun", weak=False)
task_postrun.connect(_end_scope, dispatch_uid="calendar-task-postrun", weak=False)
