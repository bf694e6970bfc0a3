"""Sessions still booked on days the clinic has since closed: reception (or the manager,
sent here after "close anyway") moves each one to the nearest free time after the
closure in one click, or cancels it with the reason "clinic closed" and the notice to
the patient; both through the desk's move and cancel pages (and so the services)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from appointments.availability import Slot
from appointments.calendar import local_date, zone
from appointments.models import Appointment, Closure
from appointments.selectors import booked_in_closures
from clinic.page_access import page_requires
from clinic.roles import Action
from desk.selectors import clinic_closed_reason
from desk.views.slots import PROPOSAL_DAYS, Proposal, best_proposals, proposal_slots


@dataclass(frozen=True)
class StrandedRow:
    session: Appointment
    proposal: Proposal | None


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


@page_requires(Action.DESK_VIEW)
def closed_days(request: HttpRequest) -> HttpResponse:
    found = booked_in_closures(timezone.localdate(), timezone.now())
    free = _free_by_treatment(found) if found else {}
    taken: set[tuple[datetime, int]] = set()
    groups = []
    for closure, sessions in found:
        first_open = closure.end_date + timedelta(days=1)
        groups.append((closure, first_open, stranded_rows(sessions, first_open, free, taken)))
    context = {"groups": groups, "closed_reason": clinic_closed_reason()}
    return render(request, "desk/closed_days.html", context)
