"""The reception desk: the day and the week at a glance, by practitioner, room or device.

The day page is the desk's busiest: one query for the day's appointments plus the
calendar snapshot; HTMX swaps only the grid when the day or the view changes. The grid's
HTML is kept in the shared cache under a fingerprint of everything it shows (the day's
appointments as read now, the configuration's version, the language, the query string),
so a desk that reloads an unchanged day skips building and rendering it, and any change,
by anyone, anywhere, gives another fingerprint: nothing stale is ever shown.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from clinic.page_access import page_requires
from clinic.roles import Action
from desk.forms import BY_LABELS, GridForm
from desk.grid import BY_CHOICES, day_bookings, grid_of, week_grid, week_start


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


GRID_CACHE_SECONDS = 600


@page_requires(Action.DESK_VIEW)
def day(request: HttpRequest) -> HttpResponse:
    form = GridForm(request.GET or None)
    when, by = form.values()
    found = day_bookings(when, by)
    key = (
        "desk:day:"
        + hashlib.blake2b(
            repr((found.fingerprint(), get_language(), sorted(request.GET.lists()))).encode(),
            digest_size=16,
        ).hexdigest()
    )
    html = cache.get(key)
    if html is None:
        context = {
            "grid": grid_of(found),
            "form": form,
            **_nav("desk:day", when, by, 1),
            **link_prefixes(),
        }
        html = render_to_string("desk/_day.html", context, request)
        cache.set(key, html, GRID_CACHE_SECONDS)
    if request.htmx:
        response = HttpResponse(html)
    else:
        page = {"day": when, "grid_html": mark_safe(html)}  # noqa: S308  (our own rendering)
        response = render(request, "desk/day.html", page)
    patch_vary_headers(response, ["HX-Request"])
    return response


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
