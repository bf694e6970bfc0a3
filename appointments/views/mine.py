"""The patient's own appointments: upcoming and past, cancel, move, calendar entry."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import services
from appointments.calendar import calendar_config, local_date
from appointments.forms import StartForm
from appointments.ics import appointment_calendar
from appointments.models import Appointment, Course, CourseStatus, OfferStatus, Status
from appointments.policy import cancellable_by_patient
from appointments.selectors import (
    Progress,
    appointment_get_for,
    appointment_list_for,
    course_progress,
    offer_get_for,
)
from appointments.services import waitlist
from appointments.services.prepayment import prepayment_due, prepayment_paid
from appointments.views.booking import conflict_message
from appointments.views.picker import offered, picker_context, render_picker, unavailable
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.roles import Action
from patients.access import patient_required
from patients.models import Patient
from patients.services import consent_is_current

UPCOMING = (Status.BOOKED, Status.CHECKED_IN)
_NOT_BOOKINGS = (Status.HELD, Status.RELEASED)


def _policy() -> dict[str, Any]:
    return {
        "cutoff_hours": calendar_config().policy.patient_cancel_cutoff_hours,
        "phone": settings.CLINIC_PHONE,
    }


def _courses(patient: Patient) -> list[tuple[Course, Progress]]:
    """The patient's active courses with sessions done of planned (SPEC S4)."""
    courses = Course.objects.filter(patient=patient, status=CourseStatus.ACTIVE)
    return [(c, course_progress(c)) for c in courses.select_related("treatment")]


@patient_required
def my_appointments(request: HttpRequest, patient: Patient) -> HttpResponse:
    now = timezone.now()
    # A hold is shown where it was offered (/me/offers/<id>/), not as a booking.
    rows = [a for a in appointment_list_for(request.user) if a.status not in _NOT_BOOKINGS]
    upcoming = [
        (a, cancellable_by_patient(a, now)) for a in rows if a.status in UPCOMING and a.end > now
    ]
    past = [a for a in reversed(rows) if not (a.status in UPCOMING and a.end > now)]
    needs_consent = any(a.treatment.requires_device for a, _ok in upcoming) and not (
        consent_is_current(patient)
    )
    # Online bookings still waiting for their deposit: where to pay before the hold lapses.
    awaiting = [
        (a, due)
        for a in appointment_list_for(request.user).filter(status=Status.HELD, held_until__gt=now)
        if (due := prepayment_due(a)) is not None
    ]
    context = {
        "awaiting_deposit": awaiting,
        "upcoming": upcoming,
        "past": past,
        "needs_consent": needs_consent,
        "courses": _courses(patient),
        **_policy(),
    }
    return render(request, "appointments/mine.html", context)


def _changeable(request: HttpRequest, pk: int) -> Appointment:
    return appointment_get_for(request.user, pk, Action.APPOINTMENT_CHANGE)


def _outside_policy(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    context = {"appointment": appointment, **_policy()}
    return render(request, "appointments/call_clinic.html", context, status=403)


@patient_required
def cancel(request: HttpRequest, patient: Patient, pk: int) -> HttpResponse:
    appointment = _changeable(request, pk)
    if not cancellable_by_patient(appointment):
        return _outside_policy(request, appointment)
    if request.method == "POST":
        try:
            services.appointment_cancel(actor=Actor.from_request(request), appointment=appointment)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your appointment is cancelled."))
        return redirect("appointments:mine")
    context = {
        "appointment": appointment,
        "deposit": prepayment_paid(appointment, timezone.now()),  # refunded or kept?
        **_policy(),
    }
    return render(request, "appointments/cancel.html", context)


def _move_urls(appointment: Appointment) -> dict[str, str]:
    url = reverse("appointments:reschedule", args=[appointment.pk])
    return {"page_url": url, "choose_url": url}


def _move_picker(
    request: HttpRequest, appointment: Appointment, data: dict, notice: str = "", status: int = 200
) -> HttpResponse:
    context = picker_context(appointment.treatment, data, **_move_urls(appointment))
    context.update(appointment=appointment, notice=notice)
    return render_picker(request, "appointments/reschedule.html", context, status=status)


@patient_required
def reschedule(request: HttpRequest, patient: Patient, pk: int) -> HttpResponse:
    """Pick a new day and time (the same picker as booking), confirm, move."""
    appointment = _changeable(request, pk)
    if not cancellable_by_patient(appointment):
        return _outside_policy(request, appointment)
    form = StartForm(request.POST if request.method == "POST" else request.GET)
    if "start" not in form.data or not form.is_valid():
        return _move_picker(request, appointment, request.GET.dict())
    start = form.cleaned_data["start"]
    if request.method != "POST":
        if not offered(appointment.treatment, start, ignore=[appointment.pk]):
            return unavailable(request, start, _move_urls(appointment)["page_url"])
        context = {"appointment": appointment, "form": form, "start": start, **_policy()}
        return render(request, "appointments/reschedule_confirm.html", context)
    try:
        services.appointment_reschedule(
            actor=Actor.from_request(request), appointment=appointment, start=start
        )
    except DomainError as exc:
        notice = conflict_message(exc)
        day = {"day": local_date(start).isoformat()}
        return _move_picker(request, appointment, day, notice, status=exc.status_code)
    messages.success(request, _("Your appointment is moved."))
    return redirect("appointments:mine")


@patient_required
def calendar_entry(request: HttpRequest, patient: Patient, pk: int) -> HttpResponse:
    appointment = appointment_get_for(request.user, pk)
    body = appointment_calendar(appointment)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


@patient_required
def take_offer(request: HttpRequest, patient: Patient, pk: int) -> HttpResponse:
    """The link of a waitlist offer: the freed time and one button that books it (until
    the offer expires or passes to the next patient). Another patient's offer is a 404."""
    offer = offer_get_for(patient, pk)
    error = ""
    if request.method == "POST":
        try:
            waitlist.waitlist_offer_accept(actor=Actor.from_request(request), offer=offer)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Booked: the earlier time is yours."))
            return redirect("appointments:mine")
    offer.refresh_from_db()
    open_now = offer.status == OfferStatus.OPEN and offer.expires_at > timezone.now()
    context = {"offer": offer, "open": open_now, "error": error}
    return render(request, "appointments/offer.html", context, status=409 if error else 200)
