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

from appointments.calendar import zone
from appointments.models import Appointment
from appointments.selectors import booked_in_closures
from clinic.page_access import page_requires
from clinic.roles import Action
from desk.selectors import clinic_closed_reason
from desk.views.slots import Proposal, nearest_free


@dataclass(frozen=True)
class StrandedRow:
    session: Appointment
    proposal: Proposal | None


def stranded_rows(sessions: list[Appointment], first_open: date) -> list[StrandedRow]:
    """Each session with the nearest free time from `first_open` on: the same practitioner
    first, at the time of day nearest to the session's own."""
    rows = []
    for a in sessions:
        same_time = timezone.localtime(a.start, zone()).time()
        wanted = datetime.combine(first_open, same_time, tzinfo=zone())
        found = nearest_free(a.treatment, wanted, a.practitioner_id, ignore=[a.pk], limit=1)
        rows.append(StrandedRow(a, found[0] if found else None))
    return rows


@page_requires(Action.DESK_VIEW)
def closed_days(request: HttpRequest) -> HttpResponse:
    groups = []
    for closure, sessions in booked_in_closures(timezone.localdate(), timezone.now()):
        first_open = closure.end_date + timedelta(days=1)
        groups.append((closure, first_open, stranded_rows(sessions, first_open)))
    context = {"groups": groups, "closed_reason": clinic_closed_reason()}
    return render(request, "desk/closed_days.html", context)
