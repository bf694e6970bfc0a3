"""The reception desk: the day and the week at a glance, by practitioner, room or device.

The day page is the desk's busiest: one query for the day's appointments plus the
calendar snapshot; HTMX swaps only the grid when the day or the view changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from clinic.page_access import page_requires
from clinic.roles import Action
from desk.forms import BY_LABELS, GridForm
from desk.grid import BY_CHOICES, day_grid, week_grid, week_start


def _url(name: str, day: date, by: str) -> str:
    return f"{reverse(name)}?{urlencode({'day': day.isoformat(), 'by': by})}"


def _nav(name: str, day: date, by: str, step: int) -> dict:
    return {
        "prev_url": _url(name, day - timedelta(days=step), by),
        "next_url": _url(name, day + timedelta(days=step), by),
        "by_links": [(b, BY_LABELS[b], _url(name, day, b), b == by) for b in BY_CHOICES],
        "day_url": _url("desk:day", day, by),
        "day_value": day.isoformat(),
        "week_url": _url("desk:week", day, by),
    }


def link_prefixes() -> dict[str, str]:
    """URL prefixes for the links in every cell: one reverse() per page, not per cell."""
    return {
        "appt_prefix": reverse("desk:appointment", args=[0]).removesuffix("0/"),
        "patient_prefix": reverse("desk:patient", args=[0]).removesuffix("0/"),
    }


def _grid_page(request: HttpRequest, template: str, partial: str, context: dict) -> HttpResponse:
    response = render(request, partial if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@page_requires(Action.DESK_VIEW)
def day(request: HttpRequest) -> HttpResponse:
    form = GridForm(request.GET or None)
    when, by = form.values()
    context = {
        "grid": day_grid(when, by),
        "form": form,
        **_nav("desk:day", when, by, 1),
        **link_prefixes(),
    }
    return _grid_page(request, "desk/day.html", "desk/_day.html", context)


@page_requires(Action.DESK_VIEW)
def week(request: HttpRequest) -> HttpResponse:
    form = GridForm(request.GET or None)
    when, by = form.values()
    grid = week_grid(when, by)
    context = {
        "week": grid,
        "form": form,
        **_nav("desk:week", week_start(when), by, 7),
        **link_prefixes(),
    }
    return _grid_page(request, "desk/week.html", "desk/_week.html", context)
