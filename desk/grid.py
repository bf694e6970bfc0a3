"""The reception desk's day and week grids: who is where, free time, arrivals, no-shows.

One query for the appointments of the window; names, hours, opening hours and device
outages come from the calendar snapshot (`calendar_config()`), so the cost does not grow
with the number of practitioners, rooms or devices, nor with the history.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils.translation import gettext as _

from appointments import intervals as iv
from appointments.calendar import CalendarConfig, calendar_config, epoch, zone
from appointments.models import INACTIVE_STATUSES, Appointment, Status
from patients.models import Patient

ROW_SECONDS = 15 * 60
BY_CHOICES = ("practitioner", "room", "device")
_OTHERS = {"practitioner": ("room", "device"), "room": ("practitioner", "device")}
_OTHERS["device"] = ("practitioner", "room")


@dataclass(slots=True)
class Booking:
    """One appointment as the desk shows it: names ready, times in local wall-clock."""

    id: int
    patient_id: int
    patient: str
    treatment: str
    status: str
    status_label: str
    start: int
    end: int
    time: str
    practitioner: int
    room: int
    device: int | None
    where: str
    in_course: bool


@dataclass(slots=True)
class Cell:
    kind: str  # "appt", "free" or "off" (outside working or opening hours, out of service)
    rows: int
    booking: Booking | None = None
    column: int = 0  # the resource (practitioner, room or device) of its column
    start: int = 0  # epoch seconds of its first row


@dataclass(slots=True)
class Row:
    label: str  # shown on the hour and half hour
    cells: list[Cell]


@dataclass(frozen=True)
class Column:
    id: int
    name: str


@dataclass(frozen=True)
class DayGrid:
    day: date
    by: str
    columns: list[Column]
    rows: list[Row]
    bookings: list[Booking]
    cancelled: list[Booking]
    counts: dict[str, int] = field(default_factory=dict)
    lo: int = 0  # epoch seconds of the first row
    hi: int = 0  # epoch seconds where the last row ends
    closure: str | None = None  # why the clinic is closed that day, if it is

    @property
    def lo_label(self) -> str:
        """The first row's wall-clock time: the grid's script counts on from it."""
        return f"{datetime.fromtimestamp(self.lo, tz=zone()):%H:%M}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone())


_DAY_SQL = """
SELECT a.id, a.patient_id,
       (SELECT p.first_name || ' ' || p.last_name FROM {patient} p WHERE p.id = a.patient_id),
       a.treatment_id, a.practitioner_id, a.room_id, a.device_id,
       EXTRACT(EPOCH FROM a.start)::bigint, EXTRACT(EPOCH FROM a."end")::bigint,
       a.status, a.course_id IS NOT NULL
FROM {appointment} a
WHERE a.start >= %s AND a.start < %s
ORDER BY a.start, a.id
"""


def _rows_between(lo: datetime, hi: datetime) -> list[tuple]:
    """The one query: every appointment starting in [lo, hi), with the patient's name.

    Written as SQL: on the desk's busiest page building the query with the ORM costs more
    than running it. The name is a correlated subquery (one index lookup per appointment):
    a join makes PostgreSQL hash the whole patient table for a few dozen rows."""
    sql = _DAY_SQL.format(appointment=Appointment._meta.db_table, patient=Patient._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lo, hi])
        return cursor.fetchall()


class _Labels:
    """Display names from the snapshot, translated once per request."""

    def __init__(self, config: CalendarConfig, by: str) -> None:
        self.names = config.names
        self.others = _OTHERS[by]
        self.statuses = {value: str(label) for value, label in Status.choices}
        self.treatments: dict[int, str] = {}
        self.zone = zone()

    def treatment(self, tid: int) -> str:
        if tid not in self.treatments:
            self.treatments[tid] = _(self.names["treatment"].get(tid, "?"))
        return self.treatments[tid]

    def booking(self, row: tuple) -> Booking:
        aid, pid, patient, tid, prac, room, dev, start, end, status, in_course = row
        ids = {"practitioner": prac, "room": room, "device": dev}
        where = " · ".join(
            self.names[kind].get(ids[kind], "?") for kind in self.others if ids[kind]
        )
        local_start = datetime.fromtimestamp(start, tz=self.zone)
        local_end = datetime.fromtimestamp(end, tz=self.zone)
        return Booking(
            aid,
            pid,
            patient,
            self.treatment(tid),
            status,
            self.statuses[status],
            start,
            end,
            f"{local_start:%H:%M}–{local_end:%H:%M}",
            prac,
            room,
            dev,
            where,
            in_course,
        )


def bookings_between(lo: datetime, hi: datetime, by: str) -> tuple[list[Booking], list[Booking]]:
    """(active, cancelled) appointments starting in [lo, hi)."""
    labels = _Labels(calendar_config(), by)
    active, cancelled = [], []
    for row in _rows_between(lo, hi):
        booking = labels.booking(row)
        # A lapsed hold is shown like a cancellation: it blocks nothing.
        (cancelled if booking.status in INACTIVE_STATUSES else active).append(booking)
    return active, cancelled


def columns_for(config: CalendarConfig, by: str, day: date, used: set[int]) -> list[Column]:
    """Resources shown: the active ones (practitioners only if they work that day), plus
    any other that has an appointment in the window."""
    if by == "practitioner":
        ids = {p.id for p in config.practitioners.values() if config.bookable(p, day)}
    else:
        ids = set(config.rooms if by == "room" else config.devices)
    names = config.names[by]
    return sorted((Column(i, names.get(i, "?")) for i in ids | used), key=lambda c: (c.name, c.id))


def available(config: CalendarConfig, by: str, rid: int, day: date) -> list[iv.Interval]:
    """When the resource could be booked that day (hours, opening, closures, outages)."""
    if by == "practitioner":
        info = config.practitioners.get(rid)
        return config.bookable(info, day) if info else []
    opening = config.open_intervals(day)
    if by == "device":
        if rid not in config.devices:
            return []
        return iv.subtract(opening, config.outages.get(rid, []))
    return opening if rid in config.rooms else []


def free_rows(free: list[iv.Interval], lo: int, n_rows: int) -> set[int]:
    """The rows wholly inside the resource's bookable time."""
    rows: set[int] = set()
    for start, end in free:
        first = max(0, -(-(start - lo) // ROW_SECONDS))
        rows.update(range(first, min(n_rows, (end - lo) // ROW_SECONDS)))
    return rows


def _gap_cells(start: int, stop: int, free: set[int]) -> list[tuple[int, Cell]]:
    """Rows [start, stop) with no appointment: runs of free or closed rows."""
    cells: list[tuple[int, Cell]] = []
    run_start, run_kind = start, ""
    for r in range(start, stop + 1):
        kind = "" if r == stop else ("free" if r in free else "off")
        if kind != run_kind:
            if run_kind:
                cells.append((run_start, Cell(run_kind, r - run_start)))
            run_start, run_kind = r, kind
    return cells


def column_cells(
    bookings: list[Booking], n_rows: int, lo: int, free: list[iv.Interval]
) -> list[tuple[int, Cell]]:
    """Every row of one column covered exactly once: (first row, cell) pairs."""
    bookable = free_rows(free, lo, n_rows)
    cells: list[tuple[int, Cell]] = []
    covered = 0
    for b in bookings:  # sorted by start; active ones never overlap in one resource
        first = min(max((b.start - lo) // ROW_SECONDS, covered), n_rows)
        last = min(max(first + 1, -(-(b.end - lo) // ROW_SECONDS)), n_rows)
        if first >= last:
            continue
        cells += _gap_cells(covered, first, bookable)
        cells.append((first, Cell("appt", last - first, b)))
        covered = last
    return cells + _gap_cells(covered, n_rows, bookable)


def _window(config: CalendarConfig, day: date, bookings: list[Booking]) -> tuple[int, int]:
    """The rows shown: the opening hours, widened to every appointment of the day."""
    spans = config.open_intervals(day) + [(b.start, b.end) for b in bookings]
    if not spans:
        return 0, 0
    lo = min(s for s, _e in spans)
    hi = max(e for _s, e in spans)
    midnight = epoch(_midnight(day))
    lo = midnight + (lo - midnight) // ROW_SECONDS * ROW_SECONDS
    return lo, hi


def _row_label(moment: int) -> str:
    local = datetime.fromtimestamp(moment, tz=zone())
    return f"{local:%H:%M}" if local.minute in (0, 30) else ""


@dataclass(frozen=True)
class DayBookings:
    """What a day grid is made of: the configuration and the day's appointments."""

    day: date
    by: str
    config: CalendarConfig
    active: list[Booking]
    cancelled: list[Booking]


def day_bookings(day: date, by: str = "practitioner") -> DayBookings:
    active, cancelled = bookings_between(_midnight(day), _midnight(day + timedelta(days=1)), by)
    return DayBookings(day, by, calendar_config(), active, cancelled)


def day_grid(day: date, by: str = "practitioner") -> DayGrid:
    return grid_of(day_bookings(day, by))


def grid_of(found: DayBookings) -> DayGrid:
    config, day, by, active, cancelled = (
        found.config,
        found.day,
        found.by,
        found.active,
        found.cancelled,
    )
    per_column: dict[int, list[Booking]] = defaultdict(list)
    for b in active:
        rid = getattr(b, by)
        if rid is not None:
            per_column[rid].append(b)
    columns = columns_for(config, by, day, set(per_column))
    lo, hi = _window(config, day, active)
    n_rows = -(-(hi - lo) // ROW_SECONDS) if hi > lo else 0
    starting: list[list[Cell]] = [[] for _ in range(n_rows)]
    for column in columns:
        free = available(config, by, column.id, day)
        for first, cell in column_cells(per_column.get(column.id, []), n_rows, lo, free):
            cell.column, cell.start = column.id, lo + first * ROW_SECONDS
            starting[first].append(cell)
    rows = [Row(_row_label(lo + r * ROW_SECONDS), cells) for r, cells in enumerate(starting)]
    counts = Counter(b.status for b in active)
    counts["cancelled"] = len(cancelled)
    counts["total"] = len(active)
    return DayGrid(
        day,
        by,
        columns,
        rows,
        active,
        cancelled,
        dict(counts),
        lo,
        lo + n_rows * ROW_SECONDS,
        config.closure_reasons.get(day),
    )


# --- The week ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCell:
    day: date
    bookings: list[Booking]
    free_minutes: int
    open_minutes: int

    @property
    def free_hours(self) -> int:
        return self.free_minutes // 60

    @property
    def free_rest(self) -> int:
        return self.free_minutes % 60


@dataclass(frozen=True)
class WeekRow:
    column: Column
    cells: list[WeekCell]


@dataclass(frozen=True)
class WeekGrid:
    start: date
    by: str
    days: list[date]
    rows: list[WeekRow]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _free_minutes(free: list[iv.Interval], bookings: list[Booking], buffer: int) -> int:
    taken = iv.merge((b.start, b.end + (buffer if b.device else 0)) for b in bookings)
    return sum(e - s for s, e in iv.subtract(free, taken)) // 60


def week_grid(start: date, by: str = "practitioner") -> WeekGrid:
    """Monday to Sunday of the week holding `start`: per resource and day, the bookings and
    the free time left (working or opening time minus what is booked)."""
    config = calendar_config()
    first = week_start(start)
    days = [first + timedelta(days=i) for i in range(7)]
    active, _cancelled = bookings_between(_midnight(first), _midnight(first + timedelta(7)), by)
    by_key: dict[tuple[int, date], list[Booking]] = defaultdict(list)
    for b in active:
        if getattr(b, by) is not None:
            local_day = datetime.fromtimestamp(b.start, tz=zone()).date()
            by_key[(getattr(b, by), local_day)].append(b)
    used = {rid for rid, _day in by_key}
    ids: dict[int, Column] = {}
    for day in days:
        for column in columns_for(config, by, day, used):
            ids[column.id] = column
    buffer = config.policy.device_buffer_minutes * 60
    rows = []
    for column in sorted(ids.values(), key=lambda c: (c.name, c.id)):
        cells = []
        for day in days:
            free = available(config, by, column.id, day)
            found = by_key.get((column.id, day), [])
            open_minutes = sum(e - s for s, e in free) // 60
            cells.append(WeekCell(day, found, _free_minutes(free, found, buffer), open_minutes))
        rows.append(WeekRow(column, cells))
    return WeekGrid(first, by, days, rows)
