"""Free times as the desk offers them (the same `free_slots` as the API and the booking
service), and the nearest alternatives when a chosen time collides."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from appointments.availability import Slot, free_slots
from appointments.calendar import calendar_config, local_date, zone
from desk.forms import slot_value
from treatments.models import Treatment

ALTERNATIVES = 6
PROPOSALS = 6
PROPOSAL_DAYS = 14


@dataclass(frozen=True)
class SlotButton:
    value: str
    practitioner: str


@dataclass(frozen=True)
class SlotTime:
    start: datetime
    buttons: list[SlotButton]


def _buttons(slots: list[Slot]) -> list[SlotTime]:
    names = calendar_config().names["practitioner"]
    by_start: dict[datetime, list[SlotButton]] = defaultdict(list)
    for s in slots:
        by_start[s.start].append(
            SlotButton(slot_value(s.start, s.practitioner), names[s.practitioner])
        )
    return [SlotTime(start, buttons) for start, buttons in sorted(by_start.items())]


def slot_times(
    treatment: Treatment,
    day: date,
    practitioner_id: int | None = None,
    ignore: Collection[int] = (),
) -> list[SlotTime]:
    """Every free start on `day` for staff (no minimum notice), grouped by time."""
    slots = free_slots(
        treatment=treatment,
        start=day,
        end=day,
        practitioner_id=practitioner_id,
        staff=True,
        ignore=ignore,
    )
    return _buttons(slots)


def alternatives(
    treatment: Treatment, wanted: datetime, ignore: Collection[int] = ()
) -> list[SlotTime]:
    """The free starts nearest to `wanted` on its day, with anyone who performs it."""
    day = local_date(wanted)
    slots = free_slots(treatment=treatment, start=day, end=day, staff=True, ignore=ignore)
    nearest = sorted({s.start for s in slots}, key=lambda t: abs((t - wanted).total_seconds()))
    keep = set(nearest[:ALTERNATIVES])
    return _buttons([s for s in slots if s.start in keep])


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
