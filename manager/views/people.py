"""Practitioners (only dermatologists' staff logins) and the cancel reasons."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.models import CancelReason, Practitioner, WorkingException
from appointments.services import configuration as config
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.page_access import page_requires, posted
from clinic.roles import Action
from manager.forms import CancelReasonForm, PractitionerForm, TimeOffForm, WorkingHoursForm
from manager.views.pages import form_page


@page_requires(Action.CLINIC_SETTINGS)
def practitioners(request: HttpRequest) -> HttpResponse:
    rows = Practitioner.objects.select_related("user").prefetch_related("treatments")
    return render(request, "manager/practitioners.html", {"practitioners": rows})


@page_requires(Action.CLINIC_SETTINGS)
def practitioner_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    p = get_object_or_404(Practitioner, pk=pk) if pk else None
    initial = None
    if p:
        initial = {
            "user": p.user_id,
            "display_name": p.display_name,
            "treatments": list(p.treatments.all()),
            "is_active": p.is_active,
        }
    form = PractitionerForm(posted(request), initial=initial, practitioner=p)
    actor = Actor.from_request(request)

    def save(data: dict) -> object:
        return config.practitioner_save(
            actor=actor,
            practitioner=p,
            user_id=data["user"].pk,
            display_name=data["display_name"],
            treatments=data["treatments"],
            is_active=data["is_active"],
        )

    return form_page(
        request, form, save, done=reverse("manager:practitioners"), title=_("Practitioner")
    )


@page_requires(Action.CLINIC_SETTINGS)
def cancel_reasons(request: HttpRequest) -> HttpResponse:
    rows = CancelReason.objects.order_by("position", "pk")
    return render(request, "manager/cancel_reasons.html", {"reasons": rows})


@page_requires(Action.CLINIC_SETTINGS)
def cancel_reason_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    reason = get_object_or_404(CancelReason, pk=pk) if pk else None
    initial = None
    if reason:
        fields = ("label_en", "label_uk", "needs_note", "is_active", "position")
        initial = {f: getattr(reason, f) for f in fields}
    form = CancelReasonForm(posted(request), initial=initial)
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: config.cancel_reason_save(actor=actor, reason=reason, **data),
        done=reverse("manager:cancel-reasons"),
        title=_("Cancel reason"),
    )


def _weekly(practitioner: Practitioner) -> dict:
    week: dict = {}
    for row in practitioner.hours.order_by("weekday", "start"):
        first = week.get(row.weekday)
        week[row.weekday] = (first[0] if first else row.start, row.end)
    return week


@page_requires(Action.CLINIC_SETTINGS)
def practitioner_hours(request: HttpRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(Practitioner, pk=pk)
    form = WorkingHoursForm(posted(request), week=_weekly(p))
    actor = Actor.from_request(request)
    stranded: list = []

    def save(data: dict) -> None:
        try:
            config.practitioner_hours_set(
                actor=actor,
                practitioner=p,
                week=form.week(),
                change_anyway=data["change_anyway"],
            )
        except DomainError as exc:
            stranded.extend(exc.details.get("sessions", []))
            raise

    return form_page(
        request,
        form,
        save,
        done=reverse("manager:practitioners"),
        title=_("Working hours of %s") % p.display_name,
        template="manager/opening_hours.html",
        context={
            "practitioner": p,
            "stranded": stranded,
            "intro": _("Leave both times empty on a day off. Bookings also need the clinic open."),
            "time_off": p.exceptions.filter(date__gte=timezone.localdate()).order_by("date"),
        },
    )


@page_requires(Action.CLINIC_SETTINGS)
def time_off_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(Practitioner, pk=pk)
    form = TimeOffForm(posted(request))
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: config.time_off_add(actor=actor, practitioner=p, **data),
        done=reverse("manager:practitioner-hours", args=[p.pk]),
        title=_("Time off for %s") % p.display_name,
    )


@require_POST
@page_requires(Action.CLINIC_SETTINGS)
def time_off_remove(request: HttpRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(WorkingException, pk=pk)
    config.time_off_delete(actor=Actor.from_request(request), exception=exception)
    return redirect("manager:practitioner-hours", pk=exception.practitioner_id)
