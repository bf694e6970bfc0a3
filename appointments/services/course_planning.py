"""Course planning: the rules of a course and a proposed schedule. Saves nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.availability import Slot, free_slots
from appointments.calendar import calendar_config, epoch, local_date, zone
from appointments.models import ACTIVE, Appointment
from clinic.errors import Invalid
from patients.models import Patient
from treatments.models import Treatment

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ALTERNATIVES = 3


@dataclass(frozen=True)
class PlannedSession:
    index: int
    start: datetime
    end: datetime
    practitioner: int


@dataclass(frozen=True)
class Unplaced:
    index: int
    wanted: datetime
    reason: str
    alternatives: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class CoursePlan:
    treatment: Treatment
    sessions: tuple[PlannedSession, ...]
    unplaced: tuple[Unplaced, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.unplaced


def fields_error(field_name: str, message: str) -> Invalid:
    return Invalid(message, fields={field_name: [message]})


def check_course_rules(treatment: Treatment, sessions: int, weekdays: Sequence[int]) -> None:
    """The count and the weekly pattern must fit the treatment's course rules."""
    lo, hi = treatment.course_sessions_min, treatment.course_sessions_max
    if lo is None or hi is None:
        raise fields_error("treatment", _("%s is not given as a course.") % treatment.name)
    if not lo <= sessions <= hi:
        raise fields_error(
            "sessions",
            _("%(t)s is a course of %(lo)s to %(hi)s sessions.")
            % {"t": treatment.name, "lo": lo, "hi": hi},
        )
    days = sorted(set(weekdays))
    if not days or len(days) != len(weekdays) or not all(0 <= d <= 6 for d in days):
        raise fields_error("weekdays", _("Give distinct weekdays, 0 (Monday) to 6 (Sunday)."))
    per_week = treatment.min_sessions_per_week or 1
    if len(days) < per_week:
        raise fields_error(
            "weekdays",
            _("%(t)s needs at least %(n)s sessions a week: choose %(n)s or more weekdays.")
            % {"t": treatment.name, "n": per_week},
        )
    gap = treatment.min_days_between_sessions
    for a, b in zip(days, [*days[1:], days[0] + 7], strict=True):
        if b - a < gap:
            raise fields_error(
                "weekdays",
                _("%(b)s is %(d)s day(s) after %(a)s; %(t)s needs %(g)s days between sessions.")
                % {
                    "a": _(WEEKDAY_NAMES[a]),
                    "b": _(WEEKDAY_NAMES[b % 7]),
                    "d": b - a,
                    "t": treatment.name,
                    "g": gap,
                },
            )


def check_session_spacing(treatment: Treatment, starts: Sequence[datetime]) -> None:
    """Given dates: days between sessions, and enough sessions in every full week."""
    days = sorted(local_date(s) for s in starts)
    gap = max(1, treatment.min_days_between_sessions)
    for i, (a, b) in enumerate(pairwise(days), start=1):
        if (b - a).days < gap:
            raise fields_error(
                f"sessions[{i}]",
                _("Sessions %(t)s need at least %(g)s days between them.")
                % {"t": treatment.name, "g": gap},
            )
    per_week = treatment.min_sessions_per_week or 0
    week = days[0]
    while week + timedelta(days=7) <= days[-1]:
        count = sum(1 for d in days if week <= d < week + timedelta(days=7))
        if count < per_week:
            raise fields_error(
                "sessions",
                _("%(t)s needs at least %(n)s sessions every week (the week of %(w)s).")
                % {"t": treatment.name, "n": per_week, "w": week.isoformat()},
            )
        week += timedelta(days=7)


def _patient_busy(
    patient: Patient, lo: datetime, hi: datetime, ignore: Sequence[int]
) -> list[tuple[int, int]]:
    rows = Appointment.objects.filter(ACTIVE, patient=patient, start__lt=hi, end__gt=lo).exclude(
        pk__in=ignore
    )
    return [(epoch(s), epoch(e)) for s, e in rows.values_list("start", "end")]


def _free_for_patient(slots: list[Slot], busy: list[tuple[int, int]]) -> list[Slot]:
    return [s for s in slots if not any(epoch(s.start) < e and b < epoch(s.end) for b, e in busy)]


def _nearest(slots: list[Slot], wanted: datetime, practitioner_id: int | None) -> list[Slot]:
    ranked = sorted(
        slots,
        key=lambda s: (abs((s.start - wanted).total_seconds()), s.practitioner != practitioner_id),
    )
    seen, out = set(), []
    for s in ranked:  # one alternative per start time
        if s.start not in seen:
            seen.add(s.start)
            out.append(s)
    return out[:ALTERNATIVES]


def course_plan(
    *,
    patient: Patient,
    treatment: Treatment,
    sessions: int,
    weekdays: Sequence[int],
    time_of_day: time,
    start_date: date,
    practitioner_id: int | None = None,
    ignore: Sequence[int] = (),
    check_rules: bool = True,
) -> CoursePlan:
    """Propose every session on the preferred weekdays at the preferred time, with every
    resource and the patient free; name what cannot be placed, with the nearest options."""
    if check_rules:
        check_course_rules(treatment, sessions, weekdays)
    config = calendar_config()
    weeks = -(-sessions // len(set(weekdays))) + 2
    last = min(
        start_date + timedelta(weeks=weeks),
        timezone.localdate() + timedelta(days=config.policy.booking_horizon_days),
    )
    if last < start_date:
        raise fields_error("start_date", _("The start date is beyond the booking horizon."))
    lo = datetime.combine(start_date, time(0), tzinfo=zone())
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone())
    slots = _free_for_patient(
        free_slots(treatment=treatment, start=start_date, end=last, staff=True, ignore=ignore),
        _patient_busy(patient, lo, hi, ignore),
    )
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for s in slots:
        by_day[local_date(s.start)].append(s)
    placed: list[PlannedSession] = []
    unplaced: list[Unplaced] = []
    day = start_date
    while len(placed) + len(unplaced) < sessions:
        if day > last:
            wanted = datetime.combine(day, time_of_day, tzinfo=zone())
            unplaced.append(
                Unplaced(len(placed) + len(unplaced), wanted, _("Beyond the booking horizon."))
            )
            day += timedelta(days=1)
            continue
        if day.weekday() in weekdays:
            index = len(placed) + len(unplaced)
            wanted = datetime.combine(day, time_of_day, tzinfo=zone())
            exact = [s for s in by_day.get(day, []) if s.start == wanted]
            exact.sort(key=lambda s: s.practitioner != practitioner_id)
            if exact and (practitioner_id is None or exact[0].practitioner == practitioner_id):
                placed.append(
                    PlannedSession(index, exact[0].start, exact[0].end, exact[0].practitioner)
                )
            else:
                options = _nearest(by_day.get(day, []), wanted, practitioner_id)
                reason = _("Taken at that time.") if options else _("No free time that day.")
                unplaced.append(Unplaced(index, wanted, reason, tuple(options)))
        day += timedelta(days=1)
    return CoursePlan(treatment, tuple(placed), tuple(unplaced))
