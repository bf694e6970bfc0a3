"""The dermatologist's day and the patient's chart: history, consultations, session
records with their amendments, clearance, and the outcome across each course.

Every clinical record shown is audit-logged (one chained row per record, one insert)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from appointments.forms import CalendarDayForm
from appointments.models import Practitioner
from chart import selectors as reads
from clinic.audit import Actor, audit_reads
from clinic.page_access import page_requires
from clinic.roles import Action
from messaging.form_reminders import visit_forms
from patients.forms import PatientSearchForm
from patients.selectors import (
    consent_state,
    consultation_list,
    patient_clearance,
    patient_get_for,
    patient_search,
)

RESULTS = 50


@page_requires(Action.CHART_VIEW)
def today(request: HttpRequest) -> HttpResponse:
    """The day's patients: the dermatologist's own by default, everyone's on request."""
    form = CalendarDayForm(request.GET or None)
    day = form.chosen_day()
    mine = Practitioner.objects.filter(user=request.user).exists()
    everyone = request.GET.get("all") == "1" or not mine
    rows = reads.day_patients(day, None if everyone else request.user.pk)
    context = {
        "form": form,
        "day": day,
        "rows": [(a, reads.attended(a)) for a in rows],
        "everyone": everyone,
        "mine": mine,
        "is_today": day == timezone.localdate(),
    }
    return render(request, "chart/today.html", context)


@page_requires(Action.CHART_VIEW)
def patients(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = list(patient_search(query=query)[: RESULTS + 1]) if query else []
    context = {"form": form, "query": query, "results": results[:RESULTS]}
    context["more"] = len(results) > RESULTS
    context["patient_prefix"] = reverse("chart:patient", args=[0]).removesuffix("0/")
    return render(request, "chart/patients.html", context)


@page_requires(Action.CHART_VIEW)
def patient(request: HttpRequest, pk: int) -> HttpResponse:
    found = patient_get_for(request.user, pk, Action.CONSULTATION_VIEW)
    if found.merged_into_id:
        return redirect("chart:patient", pk=found.merged_into_id)
    consultations = list(consultation_list(found))
    records = reads.patient_records(found)
    screening = reads.latest_screening(found)
    responses = reads.form_responses(found)
    shown = [*consultations, *records, *([screening] if screening else []), *responses]
    audit_reads(Actor.from_request(request), shown)
    context = {
        "patient": found,
        "clearance": patient_clearance(Actor.from_request(request), found),
        "consent": consent_state(found),
        "screening": screening,
        "consultations": consultations,
        "records": list(reversed(records)),
        "outcomes": reads.course_outcomes(found, records),
        "history": reads.patient_history(found),
        "responses": responses,
    }
    if upcoming := reads.next_visit(found):
        context |= {"next_visit": upcoming, "due_forms": visit_forms(upcoming)}
    return render(request, "chart/patient.html", context)
