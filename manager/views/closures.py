"""Closures: the list, and the form that names the booked sessions on the closed days and
closes them only after "close anyway" (appointments.services.closures). Sessions still
booked inside a saved closure are listed on these pages with the time proposed for each,
to move or cancel in one click (the desk's move and cancel, the desk's closed-days rows:
appointments.proposals and includes/closure_sessions.html)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.models import Closure
from appointments.proposals import StrandedGroup, clinic_closed_reason, stranded_groups
from appointments.selectors import booked_on_closed_days
from appointments.services.closures import closure_delete, closure_save
from clinic.audit import Actor
from clinic.errors import Conflict, DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import show_domain_error
from clinic.roles import Action
from manager.forms import ClosureForm


@page_requires(Action.CLINIC_SETTINGS)
def closure_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    closures = Closure.objects.filter(end_date__gte=today).order_by("start_date", "pk")
    past = Closure.objects.filter(end_date__lt=today).order_by("-start_date")[:10]
    context = {"closures": closures, "past": past} | _to_move(reverse("manager:closures"))
    return render(request, "manager/closures.html", context)


def _to_move(back_to: str, closure: Closure | None = None) -> dict:
    """The sessions still booked inside closures (or inside `closure`), for the shared rows
    of includes/closure_sessions.html, whose actions come back to `back_to`."""
    groups: list[StrandedGroup] = stranded_groups(timezone.localdate(), timezone.now())
    if closure is not None:
        groups = [g for g in groups if g.closure.pk == closure.pk]
    reason = clinic_closed_reason() if groups else None
    return {"groups": groups, "closed_reason": reason, "back_to": back_to}


def _initial(closure: Closure | None) -> dict:
    if closure is None:
        return {}
    return {
        "start_date": closure.start_date,
        "end_date": closure.end_date,
        "reason": closure.reason,
    }


def _saved(request: HttpRequest, closure: Closure) -> HttpResponse:
    stranded = booked_on_closed_days(closure.start_date, closure.end_date, after=timezone.now())
    if stranded.exists():
        messages.warning(
            request,
            _(
                "The clinic is closed and the patients are told. Move or cancel their "
                "sessions below (reception sees them too)."
            ),
        )
        return redirect("manager:closure", pk=closure.pk)
    messages.success(request, _("The closure is saved."))
    return redirect("manager:closures")


@page_requires(Action.CLINIC_SETTINGS)
def closure_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    closure = get_object_or_404(Closure, pk=pk) if pk is not None else None
    form = ClosureForm(posted(request), initial=_initial(closure))
    stranded: list = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = closure_save(
                actor=Actor.from_request(request),
                data=form.closure_input(),
                closure=closure,
                close_anyway=form.cleaned_data["close_anyway"],
            )
        except Conflict as exc:  # booked sessions: the notice lists them, nothing else to fix
            stranded = exc.details.get("sessions", [])
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            return _saved(request, saved)
    context = {"form": form, "closure": closure, "stranded": stranded}
    if closure is not None and request.method != "POST":
        context |= _to_move(reverse("manager:closure", args=[closure.pk]), closure)
    status = 409 if stranded else form_status(form)
    return render(request, "manager/closure_form.html", context, status=status)


@require_POST
@page_requires(Action.CLINIC_SETTINGS)
def closure_remove(request: HttpRequest, pk: int) -> HttpResponse:
    closure = get_object_or_404(Closure, pk=pk)
    closure_delete(actor=Actor.from_request(request), closure=closure)
    messages.success(request, _("The closure is removed."))
    return redirect("manager:closures")
