"""Drag to move on the desk's day grid: desk-grid.js posts the session, the time and the
column it was dropped on; the move service checks everything again (conflicts, hours,
opening hours, closures, clearance) as for any move. The answer is the day's grid as it
now is, with the outcome on top: a refused move shows the session back where it was and
says why. The reason comes from the dialog desk-grid.js opens on the drop (the manager's
reasons, the first one chosen already); none is a 400 naming it and nothing moves.
Keyboard users move through the appointment's Move page instead."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments import services
from appointments.calendar import local_date, zone
from appointments.selectors import appointment_get_for
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.page_access import page_requires
from clinic.roles import Action
from desk.forms import DropForm, GridForm
from desk.selectors import day_version
from desk.views.day import grid_context


def _first_error(form: DropForm) -> str:
    return next(iter(form.errors.values()))[0]


def _grid_with(
    request: HttpRequest, day: date, by: str, notice: str, ok: bool, status: int
) -> HttpResponse:
    form = GridForm({"day": day.isoformat(), "by": by})
    context = grid_context(day, by, form, day_version(day))
    context |= {"notice": notice, "notice_ok": ok}
    html = render_to_string("desk/_day.html", context, request)
    return HttpResponse(html, status=status)


@require_POST
@page_requires(Action.DESK_VIEW)
def drop(request: HttpRequest, pk: int) -> HttpResponse:
    a = appointment_get_for(request.user, pk, Action.APPOINTMENT_CHANGE)
    form = DropForm(request.POST)
    by = form.data.get("by") if form.data.get("by") in ("room", "device") else "practitioner"
    if not form.is_valid():
        return _grid_with(request, local_date(a.start), by, _first_error(form), False, 400)
    start, _pid = form.cleaned_data["at"]
    try:
        moved = services.appointment_reschedule(
            actor=Actor.from_request(request),
            appointment=a,
            start=start,
            reason=form.reason_text(),
            **form.resources(),
        )
    except DomainError as exc:
        return _grid_with(request, local_date(start), by, exc.message, False, exc.status_code)
    notice = _("Moved: %(name)s, now %(when)s.") % {
        "name": a.patient.full_name,
        "when": f"{moved.start.astimezone(zone()):%H:%M}",
    }
    return _grid_with(request, local_date(moved.start), by, notice, True, 200)
