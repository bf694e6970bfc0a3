"""The manager's reports over a date range: utilisation by practitioner, room and device,
no-shows, course completion, messages sent and failed, and (reports.keeping) rebooking
and the feedback surveys.

A handful of aggregate queries, whatever the range: the appointments grouped by resource
and status, the courses with their attended sessions, the messages by kind and status;
plus the closures, working exceptions and device outages of the range for the hours that
could have been booked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, DurationField, F, Q, Sum
from django.utils.translation import gettext as _

from appointments import intervals as iv
from appointments.calendar import CalendarConfig, calendar_config, epoch, spans_to_epochs, zone
from appointments.models import (
    INACTIVE_STATUSES,
    Appointment,
    CancelReason,
    Closure,
    Course,
    CourseStatus,
    DeviceOutage,
    ExceptionKind,
    Status,
    WorkingException,
)
from messaging.models import Message, MessageKind, MessageStatus
from reports import keeping

ATTENDED = (Status.COMPLETED, Status.CHECKED_IN)


@dataclass(frozen=True)
class Utilisation:
    kind: str
    name: str
    booked_minutes: int
    available_minutes: int

    @property
    def percent(self) -> float:
        if not self.available_minutes:
            return 0.0
        return round(100 * self.booked_minutes / self.available_minutes, 1)


@dataclass(frozen=True)
class Rate:
    name: str
    count: int
    out_of: int

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.out_of, 1) if self.out_of else 0.0


@dataclass(frozen=True)
class CourseRow:
    treatment: str
    started: int
    completed: int
    cancelled: int

    @property
    def in_progress(self) -> int:
        return self.started - self.completed - self.cancelled

    @property
    def percent(self) -> float:
        return round(100 * self.completed / self.started, 1) if self.started else 0.0


@dataclass(frozen=True)
class MessageRow:
    kind: str
    sent: int
    failed: int
    waiting: int  # pending or being sent
    other: int  # void or skipped

    @property
    def percent_delivered(self) -> float:
        tried = self.sent + self.failed
        return round(100 * self.sent / tried, 1) if tried else 0.0


@dataclass(frozen=True)
class CancelRow:
    reason: str
    count: int
    out_of: int  # every cancellation of the range

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.out_of, 1) if self.out_of else 0.0


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    utilisation: dict[str, list[Utilisation]]
    no_shows: Rate
    no_shows_by_practitioner: list[Rate]
    courses: list[CourseRow]
    messages: list[MessageRow]
    cancellations: list[CancelRow]

    @property
    def cancelled(self) -> int:
        return sum(c.count for c in self.cancellations)

    rebooking: list[keeping.RebookingRow]
    surveys: list[keeping.SurveyRow]
    survey_comments: list[keeping.SurveyComment]

    @property
    def courses_started(self) -> int:
        return sum(c.started for c in self.courses)

    @property
    def courses_completed(self) -> int:
        return sum(c.completed for c in self.courses)

    @property
    def messages_sent(self) -> int:
        return sum(m.sent for m in self.messages)

    @property
    def messages_failed(self) -> int:
        return sum(m.failed for m in self.messages)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    lo = datetime.combine(start, time(0), tzinfo=zone())
    return lo, datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone())


# --- What could have been booked ---------------------------------------------------------


@dataclass
class _Exceptions:
    whole_off: set[tuple[int, date]]
    off: dict[tuple[int, date], list]
    extra: dict[tuple[int, date], list]


def _exceptions(start: date, end: date) -> _Exceptions:
    found = _Exceptions(set(), defaultdict(list), defaultdict(list))
    for x in WorkingException.objects.filter(date__range=(start, end)):
        key = (x.practitioner_id, x.date)
        if x.whole_day:
            found.whole_off.add(key)
        else:
            target = found.off if x.kind == ExceptionKind.OFF else found.extra
            target[key].append((x.start, x.end))
    return found


def _closed_days(start: date, end: date) -> set[date]:
    closed: set[date] = set()
    for c in Closure.objects.filter(start_date__lte=end, end_date__gte=start):
        first, last = max(c.start_date, start), min(c.end_date, end)
        closed.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return closed


def _outages(lo: datetime, hi: datetime) -> dict[int, list[iv.Interval]]:
    found: dict[int, list[iv.Interval]] = defaultdict(list)
    for o in DeviceOutage.objects.filter(period__overlap=DateTimeTZRange(lo, hi)):
        low = epoch(o.period.lower) if o.period.lower else 0
        high = epoch(o.period.upper) if o.period.upper else 2**62
        found[o.device_id].append((low, high))
    return {k: iv.merge(v) for k, v in found.items()}


def _minutes(intervals: list[iv.Interval]) -> int:
    return sum(e - s for s, e in intervals) // 60


def available_minutes(config: CalendarConfig, start: date, end: date) -> dict[str, dict[int, int]]:
    """Minutes each active practitioner, room and device could have been booked."""
    lo, hi = _bounds(start, end)
    exceptions, closed, outages = (
        _exceptions(start, end),
        _closed_days(start, end),
        _outages(lo, hi),
    )
    out: dict[str, dict[int, int]] = {
        k: defaultdict(int) for k in ("practitioner", "room", "device")
    }
    day = start
    while day <= end:
        opening = (
            [] if day in closed else spans_to_epochs(day, config.opening.get(day.weekday(), []))
        )
        for p in config.practitioners.values():
            key = (p.id, day)
            if key in exceptions.whole_off:
                continue
            base = spans_to_epochs(day, p.weekly.get(day.weekday(), []) + exceptions.extra[key])
            working = iv.subtract(base, spans_to_epochs(day, exceptions.off[key]))
            out["practitioner"][p.id] += _minutes(iv.intersect(working, opening))
        for r in config.rooms:
            out["room"][r] += _minutes(opening)
        for d in config.devices:
            out["device"][d] += _minutes(iv.subtract(opening, outages.get(d, [])))
        day += timedelta(days=1)
    return out


# --- What was booked ---------------------------------------------------------------------


def _booked_rows(lo: datetime, hi: datetime) -> list[dict]:
    """Active appointments of the range grouped by resource and status: minutes, count."""
    return list(
        Appointment.objects.filter(start__gte=lo, start__lt=hi)
        .exclude(status__in=INACTIVE_STATUSES)
        .values("practitioner_id", "room_id", "device_id", "status")
        .annotate(n=Count("id"), length=Sum(F("end") - F("start"), output_field=DurationField()))
        .order_by()
    )


def _utilisation(
    config: CalendarConfig, rows: list[dict], available: dict[str, dict[int, int]]
) -> dict[str, list[Utilisation]]:
    booked: dict[str, dict[int, int]] = {k: defaultdict(int) for k in available}
    for row in rows:
        minutes = int(row["length"].total_seconds() // 60)
        for kind in booked:
            if row[f"{kind}_id"] is not None:
                booked[kind][row[f"{kind}_id"]] += minutes
    out = {}
    for kind in booked:
        ids = set(available[kind]) | set(booked[kind])
        names = config.names[kind]
        rows_ = [
            Utilisation(kind, names.get(i, "?"), booked[kind][i], available[kind].get(i, 0))
            for i in ids
        ]
        out[kind] = sorted(rows_, key=lambda u: u.name)
    return out


def _no_shows(config: CalendarConfig, rows: list[dict]) -> tuple[Rate, list[Rate]]:
    """No-shows out of the appointments whose patients came or did not come."""
    missed: dict[int, int] = defaultdict(int)
    settled: dict[int, int] = defaultdict(int)
    for row in rows:
        if row["status"] == Status.NO_SHOW:
            missed[row["practitioner_id"]] += row["n"]
        if row["status"] == Status.NO_SHOW or row["status"] in ATTENDED:
            settled[row["practitioner_id"]] += row["n"]
    names = config.names["practitioner"]
    per = sorted(
        (Rate(names.get(p, "?"), missed[p], n) for p, n in settled.items()), key=lambda r: r.name
    )
    return Rate(_("All practitioners"), sum(missed.values()), sum(settled.values())), per


def _courses(config: CalendarConfig, start: date, end: date) -> list[CourseRow]:
    """Courses that started in the range: completed (every planned session attended),
    cancelled, or still going."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = (
        Course.objects.filter(start_date__range=(start, end))
        .annotate(done=Count("appointments", filter=Q(appointments__status__in=ATTENDED)))
        .values_list("treatment_id", "status", "planned_sessions", "done")
    )
    for treatment_id, status, planned, done in rows:
        row = counts[treatment_id]
        row[0] += 1
        row[1] += status != CourseStatus.CANCELLED and done >= planned
        row[2] += status == CourseStatus.CANCELLED
    names = config.names["treatment"]
    return sorted(
        (CourseRow(_(names.get(t, "?")), *c) for t, c in counts.items()),
        key=lambda r: r.treatment,
    )


def _messages(lo: datetime, hi: datetime) -> list[MessageRow]:
    """Messages due in the range, by kind: sent, failed, still waiting, void or skipped."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = Message.objects.filter(due_at__gte=lo, due_at__lt=hi).values("kind", "status")
    for row in rows.annotate(n=Count("id")).order_by():
        counts[row["kind"]][row["status"]] += row["n"]
    out = []
    for kind, label in MessageKind.choices:
        c = counts.get(kind)
        if not c:
            continue
        waiting = c[MessageStatus.PENDING] + c[MessageStatus.SENDING]
        other = c[MessageStatus.VOID] + c[MessageStatus.SKIPPED]
        out.append(
            MessageRow(str(label), c[MessageStatus.SENT], c[MessageStatus.FAILED], waiting, other)
        )
    return out


def _cancellations(lo: datetime, hi: datetime) -> list[CancelRow]:
    """The cancelled appointments of the range by reason, the commonest first (those
    cancelled before reasons were listed count under "not given")."""
    rows = (
        Appointment.objects.filter(start__gte=lo, start__lt=hi, status=Status.CANCELLED)
        .values("cancel_reason_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["cancel_reason_id"]: row["n"] for row in rows}
    reasons = CancelReason.objects.in_bulk([k for k in counts if k is not None])
    total = sum(counts.values())
    out = [
        CancelRow(reasons[k].label if k is not None else _("Not given"), n, total)
        for k, n in counts.items()
    ]
    return sorted(out, key=lambda c: (-c.count, c.reason))


def report(start: date, end: date) -> Report:
    config = calendar_config()
    lo, hi = _bounds(start, end)
    rows = _booked_rows(lo, hi)
    no_shows, by_practitioner = _no_shows(config, rows)
    return Report(
        start=start,
        end=end,
        utilisation=_utilisation(config, rows, available_minutes(config, start, end)),
        no_shows=no_shows,
        no_shows_by_practitioner=by_practitioner,
        courses=_courses(config, start, end),
        messages=_messages(lo, hi),
        cancellations=_cancellations(lo, hi),
        rebooking=keeping.rebooking(config, lo, hi),
        surveys=keeping.surveys(config, lo, hi),
        survey_comments=keeping.survey_comments(config, lo, hi),
    )


def csv_rows(r: Report) -> list[list[str | int | float]]:
    """The report as one table: section, item, metric, value (easy to pivot)."""
    rows: list[list[str | int | float]] = [["section", "item", "metric", "value"]]
    for kind, items in r.utilisation.items():
        for u in items:
            rows += [
                [f"utilisation_{kind}", u.name, "booked_minutes", u.booked_minutes],
                [f"utilisation_{kind}", u.name, "available_minutes", u.available_minutes],
                [f"utilisation_{kind}", u.name, "utilisation_percent", u.percent],
            ]
    for rate in [r.no_shows, *r.no_shows_by_practitioner]:
        rows += [
            ["no_shows", rate.name, "no_shows", rate.count],
            ["no_shows", rate.name, "attended_or_missed", rate.out_of],
            ["no_shows", rate.name, "no_show_percent", rate.percent],
        ]
    for c in r.courses:
        for metric in ("started", "completed", "cancelled", "in_progress", "percent"):
            name = "completion_percent" if metric == "percent" else metric
            rows.append(["courses", c.treatment, name, getattr(c, metric)])
    for m in r.messages:
        for metric in ("sent", "failed", "waiting", "other"):
            rows.append(["messages", m.kind, metric, getattr(m, metric)])
    for c in r.cancellations:
        rows += [
            ["cancellations", c.reason, "cancelled", c.count],
            ["cancellations", c.reason, "percent_of_cancellations", c.percent],
        ]
    for b in r.rebooking:
        for metric in ("completed", "rebooked", "percent"):
            name = "rebooked_percent" if metric == "percent" else metric
            rows.append(
                ["rebooking", f"{b.practitioner} / {b.treatment}", name, getattr(b, metric)]
            )
    for s in r.surveys:  # scores only: the comments stay on the manager's page
        for metric in ("sent", "answered", "average", "nps"):
            value = getattr(s, metric)
            rows.append(
                [
                    "surveys",
                    f"{s.practitioner} / {s.treatment}",
                    metric,
                    "" if value is None else value,
                ]
            )
    return rows
