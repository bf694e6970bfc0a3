"""Free times as the desk offers them (the same `free_slots` as the API and the booking
service), and the nearest alternatives when a chosen time collides."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from appointments.availability import Slot, free_slots
from appointments.calendar import calendar_config, local_date
from appointments.proposals import (
    PROPOSAL_DAYS,
    PROPOSALS,
    Proposal,
    best_proposals,
    nearest_free,
    proposal_slots,
    slot_value,
)
from treatments.models import Treatment

ALTERNATIVES = 6
# The move proposals live in appointments.proposals (the manager's closure pages use them
# too); these names stay importable from here for the desk's views.
__all__ = [
    "PROPOSALS",
    "PROPOSAL_DAYS",
    "Proposal",
    "SlotTime",
    "alternatives",
    "best_proposals",
    "nearest_free",
    "proposal_slots",
    "slot_times",
]


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
