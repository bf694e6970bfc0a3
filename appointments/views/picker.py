"""The day and time picker shared by booking and rescheduling: free times come from the
same `free_slots` as the API, so the page offers exactly what the booking accepts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from appointments.availability import Slot, free_slots
from appointments.calendar import local_date
from appointments.forms import DayForm
from treatments.models import Treatment

DAYS_SHOWN = 14


@dataclass(frozen=True)
class DayChoice:
    day: date
    count: int
    url: str
    current: bool


@dataclass(frozen=True)
class TimeChoice:
    start: datetime
    url: str


def _starts(slots: list[Slot]) -> list[datetime]:
    """Each free start once: the patient picks a time, the booking picks who is free."""
    return sorted({s.start for s in slots})


def _query(practitioner_id: int | None, **values: str) -> str:
    """A link's query: the values, and the chosen practitioner when there is one."""
    if practitioner_id is not None:
        values["practitioner"] = str(practitioner_id)
    return urlencode(values)


def picker_context(
    treatment: Treatment,
    data: Mapping[str, Any] | None,
    *,
    page_url: str,
    choose_url: str,
    practitioner_id: int | None = None,
) -> dict[str, Any]:
    """Days with free times, and the times of the chosen day; only `practitioner_id`'s
    when the patient chose one, every practitioner's otherwise."""
    form = DayForm(data if data and "day" in data else None)
    day = form.cleaned_data["day"] if form.is_bound and form.is_valid() else None
    today = timezone.localdate()
    last = today + timedelta(days=DAYS_SHOWN - 1)
    who = {"treatment": treatment, "practitioner_id": practitioner_id}
    upcoming = free_slots(start=today, end=last, **who)
    counts = Counter(local_date(s) for s in _starts(upcoming))
    days = [
        DayChoice(
            d, counts[d], f"{page_url}?{_query(practitioner_id, day=d.isoformat())}", d == day
        )
        for d in sorted(counts)
    ]
    times: list[TimeChoice] = []
    if day is not None:
        slots = (
            [s for s in upcoming if local_date(s.start) == day]
            if day <= last
            else free_slots(start=day, end=day, **who)
        )
        times = [
            TimeChoice(start, f"{choose_url}?{_query(practitioner_id, start=start.isoformat())}")
            for start in _starts(slots)
        ]
    return {
        "day_form": form,
        "days": days,
        "day": day,
        "times": times,
        "page_url": page_url,
        "treatment": treatment,
        "practitioner_id": practitioner_id,
    }


def render_picker(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The whole page, or only the picker for an HTMX request."""
    name = "appointments/_picker.html" if request.htmx else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def offered(
    treatment: Treatment,
    start: datetime,
    *,
    ignore: Collection[int] = (),
    practitioner_id: int | None = None,
) -> bool:
    """Whether the picker would offer `start` now: free, inside the hours, the notice and
    the horizon. A confirm page shows only such a time (a hand-made or stale link with a
    past time, 03:00 or a taken slot gets the refusal page instead)."""
    day = local_date(start)
    slots = free_slots(
        treatment=treatment, start=day, end=day, ignore=ignore, practitioner_id=practitioner_id
    )
    return any(s.start == start for s in slots)


def unavailable(request: HttpRequest, start: datetime, back_url: str) -> HttpResponse:
    """The time a link asked for cannot be booked: say why, and the way back."""
    context = {"start": start, "past": start <= timezone.now(), "back_url": back_url}
    return render(request, "appointments/time_unavailable.html", context, status=409)
