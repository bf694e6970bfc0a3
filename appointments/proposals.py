"""Free times proposed for a move, best first, and the proposals for the sessions still
booked inside closures. Shared by the desk (its move dialog and closed days) and the
manager's closure pages, so both offer the same times and post the same move forms."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from appointments.availability import Slot, free_slots
from appointments.calendar import calendar_config, local_date, zone
from appointments.models import Appointment, CancelReason, Closure
from appointments.selectors import booked_in_closures
from treatments.models import Treatment

PROPOSALS = 6
PROPOSAL_DAYS = 14
CLINIC_REASON = "clinic"  # the cancel reason seeded by appointments migration 0009


def slot_value(start: datetime, practitioner: int | None) -> str:
    """A free time as the move and booking forms post it."""
    return f"{start.isoformat()}|{practitioner or ''}"


@dataclass(frozen=True)
class Proposal:
    start: datetime
    value: str
    practitioner: str
    same_practitioner: bool
    practitioner_id: int


def _proposal_rank(
    wanted: datetime, practitioner_id: int | None
) -> Callable[[Slot], tuple[int, bool, int]]:
    """Same day before later days, the same practitioner before others, then the time
    nearest to the wanted one (its time of day on later days)."""
    day = local_date(wanted)

    def minute(moment: datetime) -> int:
        local = moment.astimezone(zone())
        return local.hour * 60 + local.minute

    def rank(s: Slot) -> tuple[int, bool, int]:
        offset = (local_date(s.start) - day).days
        return (offset, s.practitioner != practitioner_id, abs(minute(s.start) - minute(wanted)))

    return rank


def proposal_slots(
    treatment: Treatment, day: date, ignore: Collection[int] = (), days: int = PROPOSAL_DAYS
) -> list[Slot]:
    """Every free start from `day` on for `days` more days: what proposals choose from."""
    end = day + timedelta(days=days)
    return free_slots(treatment=treatment, start=day, end=end, staff=True, ignore=ignore)


def best_proposals(
    slots: list[Slot],
    wanted: datetime,
    practitioner_id: int | None,
    limit: int | None = PROPOSALS,
    skip: Collection[tuple[datetime, int]] = (),
) -> list[Proposal]:
    """`slots` ranked for a move, best first, leaving out the (start, practitioner) pairs
    in `skip` (the session's own time, or times already proposed to another session)."""
    names = calendar_config().names["practitioner"]
    kept = [s for s in slots if (s.start, s.practitioner) not in skip]
    best = sorted(kept, key=_proposal_rank(wanted, practitioner_id))[:limit]
    return [
        Proposal(
            s.start,
            slot_value(s.start, s.practitioner),
            names[s.practitioner],
            s.practitioner == practitioner_id,
            s.practitioner,
        )
        for s in best
    ]


def nearest_free(
    treatment: Treatment,
    wanted: datetime,
    practitioner_id: int | None,
    ignore: Collection[int] = (),
    days: int = PROPOSAL_DAYS,
    limit: int | None = PROPOSALS,
    skip: datetime | None = None,
) -> list[Proposal]:
    """The free times to propose for a move, best first. `skip` (the session's own time,
    with its own practitioner) is left out, since moving there changes nothing."""
    slots = proposal_slots(treatment, local_date(wanted), ignore, days)
    own = {(skip, practitioner_id)} if skip and practitioner_id else set()
    return best_proposals(slots, wanted, practitioner_id, limit, own)


# --- Sessions stranded by closures ------------------------------------------------------


@dataclass(frozen=True)
class StrandedRow:
    session: Appointment
    proposal: Proposal | None


@dataclass(frozen=True)
class StrandedGroup:
    closure: Closure
    first_open: date
    rows: list[StrandedRow]


def clinic_closed_reason() -> CancelReason | None:
    """The manager's cancel reason for sessions the clinic itself called off (seeded as
    "clinic"); None if the manager switched it off."""
    return CancelReason.objects.filter(code=CLINIC_REASON, is_active=True).first()


def _free_by_treatment(groups: list[tuple[Closure, list[Appointment]]]) -> dict[int, list[Slot]]:
    """The free times of each treatment from the first day after the earliest closure to
    two weeks after the last one: one read per treatment however many closures and rows."""
    sessions = [a for _closure, rows in groups for a in rows]
    ignore = [a.pk for a in sessions]
    first = min(c.end_date for c, _rows in groups) + timedelta(days=1)
    days = (max(c.end_date for c, _rows in groups) - first).days + 1 + PROPOSAL_DAYS
    treatments = {a.treatment_id: a.treatment for a in sessions}
    return {pk: proposal_slots(t, first, ignore, days) for pk, t in treatments.items()}


def stranded_rows(
    sessions: list[Appointment],
    first_open: date,
    free: dict[int, list[Slot]],
    taken: set[tuple[datetime, int]],
) -> list[StrandedRow]:
    """Each session with the nearest free time from `first_open` on: the same practitioner
    first, at the time of day nearest to the session's own; no time proposed twice."""
    rows = []
    for a in sessions:
        after = [s for s in free[a.treatment_id] if local_date(s.start) >= first_open]
        same_time = timezone.localtime(a.start, zone()).time()
        wanted = datetime.combine(first_open, same_time, tzinfo=zone())
        found = best_proposals(after, wanted, a.practitioner_id, 1, taken)
        if found:
            taken.add((found[0].start, found[0].practitioner_id))
        rows.append(StrandedRow(a, found[0] if found else None))
    return rows


def stranded_groups(today: date, now: datetime) -> list[StrandedGroup]:
    """Every closure from today on that still holds booked sessions, each session with the
    time proposed for it (no time proposed to two sessions, across all closures)."""
    found = booked_in_closures(today, now)
    free = _free_by_treatment(found) if found else {}
    taken: set[tuple[datetime, int]] = set()
    groups = []
    for closure, sessions in found:
        first_open = closure.end_date + timedelta(days=1)
        rows = stranded_rows(sessions, first_open, free, taken)
        groups.append(StrandedGroup(closure, first_open, rows))
    return groups
