"""The reception desk: the day and the week at a glance, by practitioner, room or device.

The day page is the desk's busiest: HTMX swaps only the grid when the day or the view
changes. The grid's HTML is kept in the shared cache under the day's version
(`desk.selectors.day_version`: one small query over everything the grid shows, the
configuration's version included) with the language and the query string, so a desk
that reloads an unchanged day skips reading, building and rendering it, and any change,
by anyone, anywhere, gives another version: nothing stale is ever shown.

The open grid asks every POLL_SECONDS whether its day's version moved (HTMX polling with
the version it was drawn from): an unchanged day answers 204 after that one query; a
changed one sends the new grid. Polling rather than server-sent events: a sync gunicorn
worker held by an open stream would serve nobody else.
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
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from clinic.page_access import page_requires
from clinic.roles import Action
from desk.forms import BY_LABELS, DropForm, GridForm, move_reasons_offered
from desk.grid import BY_CHOICES, day_grid, week_grid, week_start
from desk.selectors import day_version


def _url(name: str, day: date, by: str) -> str:
    return f"{reverse(name)}?{urlencode({'day': day.isoformat(), 'by': by})}"


def _nav(name: str, day: date, by: str, step: int) -> dict:
    return {
        "prev_url": _url(name, day - timedelta(days=step), by),
        "next_url": _url(name, day + timedelta(days=step), by),
        "by_links": [(b, BY_LABELS[b], _url(name, day, b), b == by) for b in BY_CHOICES],
        "day_url": _url("desk:day", day, by),
        "today_url": _url(name, timezone.localdate(), by),
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
POLL_SECONDS = 15


def grid_context(when: date, by: str, form: GridForm, version: str) -> dict:
    poll = {"day": when.isoformat(), "by": by, "v": version}
    return {
        "grid": day_grid(when, by),
        "form": form,
        "version": version,
        "poll_url": f"{reverse('desk:day')}?{urlencode(poll)}",
        "poll_seconds": POLL_SECONDS,
        "book_url": reverse("desk:patients"),
        "drop_url": reverse("desk:drop", args=[0]),  # the script puts the id for the 0
        **_nav("desk:day", when, by, 1),
        **link_prefixes(),
    }


def day_fragments(request: HttpRequest, form: GridForm, version: str) -> tuple[str, str]:
    """The grid section for the form's day and view, and the dialog that asks why a dragged
    session moves (the manager's reasons, the first one chosen), both from the cache when
    the day's version (which covers the reasons too), the date, the language and the
    query are the same."""
    when, by = form.values()
    query = sorted((k, v) for k, v in request.GET.lists() if k != "v")
    fingerprint = (version, when, by, timezone.localdate(), get_language(), query)
    key = "desk:day:" + hashlib.blake2b(repr(fingerprint).encode(), digest_size=16).hexdigest()
    found = cache.get(key)
    if found is None:
        grid = render_to_string("desk/_day.html", grid_context(when, by, form, version), request)
        reasons = {"drop_form": DropForm(auto_id="drop_%s"), "move_reasons": move_reasons_offered()}
        found = (grid, render_to_string("desk/_drop_dialog.html", reasons, request))
        cache.set(key, found, GRID_CACHE_SECONDS)
    return found


def _day_page(request: HttpRequest, when: date, grid: str, dialog: str) -> HttpResponse:
    """The whole page: the grid, and the dialog outside it (the polls replace the grid)."""
    page = {
        "day": when,
        "grid_html": mark_safe(grid),  # noqa: S308 (our own rendering)
        "dialog_html": mark_safe(dialog),  # noqa: S308 (our own rendering)
        "now": int(timezone.now().timestamp()),
    }
    return render(request, "desk/day.html", page)


@page_requires(Action.DESK_VIEW)
def day(request: HttpRequest) -> HttpResponse:
    form = GridForm(request.GET or None)
    when, _by = form.values()
    version = day_version(when)
    if request.htmx and request.GET.get("v") == version:
        response = HttpResponse(status=204)  # the live refresh: nothing changed
    elif request.htmx:
        response = HttpResponse(day_fragments(request, form, version)[0])
    else:
        response = _day_page(request, when, *day_fragments(request, form, version))
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"  # the grid is live; never from the browser cache
    # The grid's now-line follows the clinic's clock, not the browser's (its script reads
    # this on every swap): a desk PC with a wrong clock still sees the line where it is.
    response["X-Clinic-Now"] = str(int(timezone.now().timestamp()))
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
