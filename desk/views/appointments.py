"""The desk's appointment pages: one appointment with its actions, booking on behalf of a
patient, check-in with the screening re-confirmed, no-show, move and cancel with a reason.

Every change goes through the services; a refusal is shown beside the field it names,
and a collision shows what was taken and the nearest free times."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments import services
from appointments.calendar import local_date, zone
from appointments.models import Appointment, Channel
from appointments.selectors import appointment_get_for, next_step_after
from clinic.audit import Actor
from clinic.errors import Conflict, DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import safe_next, show_domain_error
from clinic.roles import Action
from desk import selectors as reads
from desk.forms import (
    BookSlotForm,
    CancelForm,
    CheckInForm,
    DayPickForm,
    MoveForm,
    SlotQueryForm,
)
from desk.views.patients import desk_actions, patient_for_desk
from desk.views.slots import SlotTime, alternatives, nearest_free, slot_times
from messaging.form_reminders import visit_forms
from patients.models import Patient
from patients.selectors import consent_state, treatment_clearance
from treatments.models import Treatment


def _when(start: datetime) -> str:
    local = timezone.localtime(start)
    return f"{local:%Y-%m-%d %H:%M}"


@page_requires(Action.DESK_VIEW)
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    a = appointment_get_for(request.user, pk)
    context = {
        "a": a,
        "actions": desk_actions(a, timezone.now()),
        "clearance": treatment_clearance(
            Actor.from_request(request), a.patient, a.treatment, on=local_date(a.start)
        ),
        "screening": reads.screening_dates(a.patient),
        "consent": consent_state(a.patient),
        "next_step": next_step_after(a, timezone.localdate()),
    }
    return render(request, "desk/appointment.html", context)


def _try_book(
    request: HttpRequest, patient: Patient, treatment: Treatment, form: BookSlotForm
) -> tuple[Appointment | None, list[SlotTime]]:
    """Book the chosen time; on a collision, the form says why and offers alternatives."""
    start, practitioner_id = form.cleaned_data["slot"]
    try:
        booked = services.appointment_book(
            actor=Actor.from_request(request),
            patient=patient,
            treatment=treatment,
            start=start,
            practitioner_id=practitioner_id,
            channel=Channel.DESK,
            **form.places(),
        )
    except Conflict as exc:
        form.add_error(None, exc.message)
        return None, alternatives(treatment, start)
    except DomainError as exc:
        show_domain_error(form, exc)
        return None, []
    return booked, []


def _query_form(request: HttpRequest) -> SlotQueryForm:
    """Bound once a treatment is asked for; from a grid cell (day, time, who or where,
    but no treatment yet) those only fill the form in."""
    today = {"day": timezone.localdate()}
    if "treatment" in request.GET:
        return SlotQueryForm(request.GET, initial=today)
    carried = ("day", "practitioner", "at", "room", "device")
    return SlotQueryForm(initial=today | {k: request.GET[k] for k in carried if k in request.GET})


def _chosen(data: dict, times: list[SlotTime]) -> dict:
    """The time clicked on the grid: its free buttons, or the nearest free times."""
    if not data.get("at"):
        return {}
    wanted = datetime.combine(data["day"], data["at"], tzinfo=zone())
    places = {"room": data["room"], "device": data["device"]}
    found = [t for t in times if t.start == wanted]
    if found:
        return {"chosen": found, "chosen_places": places, "wanted": wanted}
    return {"wanted": wanted, "alternatives": alternatives(data["treatment"], wanted)}


@page_requires(Action.DESK_VIEW)
def book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book on behalf of a patient: treatment, day, then one of the free times."""
    patient = patient_for_desk(request, pk)
    query = _query_form(request)
    slot_form = BookSlotForm(posted(request))
    context: dict = {"patient": patient, "query": query, "slot_form": slot_form}
    if query.is_bound and query.is_valid():
        data = query.cleaned_data
        treatment, day = data["treatment"], data["day"]
        context["clearance"] = result = treatment_clearance(
            Actor.from_request(request), patient, treatment, on=day
        )
        if request.method == "POST" and slot_form.is_valid():
            booked, context["alternatives"] = _try_book(request, patient, treatment, slot_form)
            if booked is not None:
                messages.success(
                    request,
                    _("Booked: %(what)s on %(when)s.")
                    % {"what": _(treatment.name), "when": _when(booked.start)},
                )
                return redirect("desk:patient", pk=patient.pk)
        if result.allowed:
            pid = data["practitioner"].pk if data["practitioner"] else None
            context["times"] = slot_times(treatment, day, pid)
            if request.method != "POST":
                context |= _chosen(data, context["times"])
    conflict = bool(context.get("alternatives")) and request.method == "POST"
    status = form_status(query, slot_form, conflict=conflict)
    return render(request, "desk/book.html", context, status=status)


def _done(request: HttpRequest, message: str, default: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(safe_next(request, default))


@page_requires(Action.DESK_VIEW)
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    a = appointment_get_for(request.user, pk, Action.APPOINTMENT_FRONT_DESK)
    form = CheckInForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_check_in(
                actor=Actor.from_request(request),
                appointment=a,
                screening_confirmed=form.cleaned_data["screening_confirmed"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            message = _("Checked in: %(name)s.") % {"name": a.patient.full_name}
            return _done(request, message, f"{reverse('desk:day')}?day={local_date(a.start)}")
    context = {
        "a": a,
        "form": form,
        "clearance": treatment_clearance(
            Actor.from_request(request), a.patient, a.treatment, on=local_date(a.start)
        ),
        "screening": reads.screening_dates(a.patient),
        "consent": consent_state(a.patient),
        "due_forms": visit_forms(a),
        "next": safe_next(request, ""),
    }
    return render(request, "desk/check_in.html", context, status=form_status(form))


def _front_desk_status(request: HttpRequest, a: Appointment, change, message: str) -> HttpResponse:
    """Run a status service on `a`; back to its page with the outcome as a message."""
    default = reverse("desk:appointment", args=[a.pk])
    try:
        change(actor=Actor.from_request(request), appointment=a)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(default)
    return _done(request, message % {"name": a.patient.full_name}, default)


@page_requires(Action.DESK_VIEW)
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST marks it (undoable the same day)."""
    a = appointment_get_for(request.user, pk, Action.APPOINTMENT_FRONT_DESK)
    if request.method != "POST":
        return render(request, "desk/no_show.html", {"a": a})
    message = _("Marked as a no-show: %(name)s.")
    return _front_desk_status(request, a, services.appointment_mark_no_show, message)


@require_POST
@page_requires(Action.DESK_VIEW)
def no_show_undo(request: HttpRequest, pk: int) -> HttpResponse:
    a = appointment_get_for(request.user, pk, Action.APPOINTMENT_FRONT_DESK)
    message = _("No-show undone: %(name)s is booked again.")
    return _front_desk_status(request, a, services.appointment_undo_no_show, message)


@page_requires(Action.DESK_VIEW)
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a day, a free time and say why; the appointment keeps its patient and course."""
    a = appointment_get_for(request.user, pk, Action.APPOINTMENT_CHANGE)
    day_form = DayPickForm(request.GET or None, initial={"day": local_date(a.start)})
    day = day_form.cleaned_data["day"] if day_form.is_bound and day_form.is_valid() else None
    form = MoveForm(posted(request))
    context: dict = {"a": a, "day_form": day_form, "form": form, "next": safe_next(request, "")}
    if request.method == "POST" and form.is_valid():
        start, practitioner_id = form.cleaned_data["slot"]
        try:
            services.appointment_reschedule(
                actor=Actor.from_request(request),
                appointment=a,
                start=start,
                practitioner_id=practitioner_id,
                reason=form.cleaned_data["reason"],
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
            context["alternatives"] = alternatives(a.treatment, start, ignore=[a.pk])
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            message = _("Moved to %(when)s.") % {"when": _when(start)}
            return _done(request, message, reverse("desk:patient", args=[a.patient_id]))
    day = day or local_date(a.start)
    context["day"], context["times"] = day, slot_times(a.treatment, day, ignore=[a.pk])
    context["proposals"] = nearest_free(
        a.treatment, a.start, a.practitioner_id, ignore=[a.pk], skip=a.start
    )
    status = form_status(form, conflict=bool(context.get("alternatives")))
    return render(request, "desk/move.html", context, status=status)


@page_requires(Action.DESK_VIEW)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    a = appointment_get_for(request.user, pk, Action.APPOINTMENT_CHANGE)
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(
                actor=Actor.from_request(request),
                appointment=a,
                reason=form.cleaned_data["reason"],
                reason_id=form.cleaned_data["reason_id"].pk,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            message = _("Cancelled: %(what)s on %(when)s.") % {
                "what": _(a.treatment.name),
                "when": _when(a.start),
            }
            return _done(request, message, reverse("desk:patient", args=[a.patient_id]))
    context = {"a": a, "form": form, "next": safe_next(request, "")}
    return render(request, "desk/cancel.html", context, status=form_status(form))
