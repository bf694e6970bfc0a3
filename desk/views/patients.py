"""The desk's patients: search, registration with the duplicate warning, the patient's page
(appointments, courses, clearance, the waitlist), joining the waitlist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from appointments.calendar import calendar_config, local_date
from appointments.models import Appointment, Status
from appointments.services.status import check_in_opens_at, no_show_undoable
from appointments.services.waitlist import waitlist_join
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import show_domain_error
from clinic.roles import Action
from desk import selectors as reads
from desk.forms import BookAtForm, PatientRegisterForm, WaitlistJoinForm
from patients import services
from patients.forms import PatientSearchForm
from patients.models import Patient
from patients.selectors import (
    consent_state,
    patient_clearance,
    patient_get_for,
    patient_search,
)

RESULTS = 50


def _book_at(request: HttpRequest) -> dict:
    """A free cell clicked on the day grid: the search then leads to booking that time."""
    if "at" not in request.GET:
        return {}
    form = BookAtForm(request.GET)
    if not form.is_valid():
        return {"book_at_error": _("That time could not be read: choose it again on the grid.")}
    data = form.cleaned_data
    names = calendar_config().names[data["by"]]
    return {
        "book_at": data["at"],
        "book_who": names.get(data["column"], "?"),
        "book_carry": [(k, v) for k, v in request.GET.items() if k in ("at", "by", "column")],
        "book_suffix": f"book/?{urlencode(form.book_query())}",
    }


@page_requires(Action.DESK_VIEW)
def patients(request: HttpRequest) -> HttpResponse:
    """Search by name, phone or email; HTMX refreshes the results as one types."""
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = list(patient_search(query=query)[: RESULTS + 1]) if query else []
    context = {"form": form, "query": query, "results": results[:RESULTS], **_book_at(request)}
    context["more"] = len(results) > RESULTS
    context["patient_prefix"] = reverse("desk:patient", args=[0]).removesuffix("0/")
    name = "desk/_patient_results.html" if request.htmx else "desk/patients.html"
    response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _warn_duplicates(form: PatientRegisterForm, candidates: list[dict]) -> None:
    """Same email or phone: the same person, say so by the field. Same name and date of
    birth only: probably the same person, but reception may confirm it is not."""
    email = (form.cleaned_data.get("email") or "").lower()
    phone = str(form.cleaned_data.get("phone") or "")
    strong = False
    for c in candidates:
        if email and c["email"].lower() == email:
            form.add_error("email", _("Already registered for %(name)s.") % c)
            strong = True
        if phone and c["phone"] == phone:
            form.add_error("phone", _("Already registered for %(name)s.") % c)
            strong = True
    if not strong:
        form.offer_not_a_duplicate()
        form.add_error(
            None,
            _(
                "A patient with the same name and date of birth is registered. Open that "
                "record, or tick the box below if this is another person."
            ),
        )


@page_requires(Action.DESK_VIEW)
def register(request: HttpRequest) -> HttpResponse:
    initial = {"remind_by_email": True, "preferred_language": "uk"}
    form = PatientRegisterForm(posted(request), initial=initial)
    candidates: list[dict] = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(
                actor=Actor.from_request(request), **form.service_kwargs()
            )
        except DomainError as exc:
            if exc.code != "duplicate_patient":
                show_domain_error(form, exc)
            else:
                candidates = exc.details["candidates"]
                _warn_duplicates(form, candidates)
        else:
            messages.success(request, _("Registered: %(name)s.") % {"name": patient.full_name})
            return redirect("desk:patient", pk=patient.pk)
    context = {"form": form, "candidates": candidates}
    status = form_status(form, conflict=bool(candidates))
    return render(request, "desk/register.html", context, status=status)


@dataclass(frozen=True)
class DeskActions:
    check_in: bool
    no_show: bool
    change: bool
    undo_no_show: bool = False


def desk_actions(a: Appointment, now: datetime) -> DeskActions:
    """Which buttons the desk offers for an appointment now (the services decide)."""
    booked = a.status == Status.BOOKED
    return DeskActions(
        check_in=booked and local_date(a.start) == local_date(now) and now >= check_in_opens_at(a),
        no_show=booked and a.start <= now,
        change=booked,
        undo_no_show=no_show_undoable(a, now),
    )


@page_requires(Action.DESK_VIEW)
def patient(request: HttpRequest, pk: int) -> HttpResponse:
    found = patient_get_for(request.user, pk)
    if found.merged_into_id:
        messages.info(request, _("This record was merged into another patient's."))
        return redirect("desk:patient", pk=found.merged_into_id)
    now = timezone.now()
    upcoming, past = reads.patient_appointments(found, now)
    context = {
        "patient": found,
        "upcoming": [(a, desk_actions(a, now)) for a in upcoming],
        "past": past,
        "courses": reads.patient_courses(found),
        "clearance": patient_clearance(Actor.from_request(request), found),
        "consent": consent_state(found),
        "waitlist": reads.patient_waitlist(found),
        "has_plans": reads.course_plans(found).exists(),
    }
    return render(request, "desk/patient.html", context)


def patient_for_desk(request: HttpRequest, pk: int) -> Patient:
    found = patient_get_for(request.user, pk, Action.APPOINTMENT_BOOK)
    if found.merged_into_id:
        return patient_get_for(request.user, found.merged_into_id, Action.APPOINTMENT_BOOK)
    return found


@page_requires(Action.DESK_VIEW)
def waitlist_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the patient on the waitlist for an earlier slot of a treatment."""
    found = patient_for_desk(request, pk)
    form = WaitlistJoinForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            waitlist_join(
                actor=Actor.from_request(request),
                patient=found,
                treatment=data["treatment"],
                earliest=data["earliest"],
                latest=data["latest"],
                practitioner_id=data["practitioner"].pk if data["practitioner"] else None,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Added to the waitlist."))
            return redirect("desk:patient", pk=found.pk)
    context = {"patient": found, "form": form}
    return render(request, "desk/waitlist_add.html", context, status=form_status(form))
