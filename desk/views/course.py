"""The course wizard: plan from a signed consultation's plan, review every proposed date
(change the ones that conflict), then book the whole course at once, or nothing."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from appointments.models import Course
from appointments.services.course_planning import course_plan
from appointments.services.course_warnings import course_warnings
from appointments.services.courses import SessionChoice, course_book
from billing.services.packages import course_book_with_package
from clinic.audit import Actor, audit_reads
from clinic.errors import Conflict, DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import show_domain_error
from clinic.roles import Action
from desk.course_forms import CoursePlanForm, CourseReviewForm, review_rows, slot_label
from desk.money_forms import CoursePackageForm
from desk.selectors import course_plans
from desk.views.patients import patient_for_desk
from desk.views.slots import alternatives
from patients.models import Patient
from treatments.models import Treatment


def _row_of(choices: list[tuple[int, SessionChoice]], start: str) -> int | None:
    return next((n for n, c in choices if c.start.isoformat() == start), None)


def _nearest_options(treatment: Treatment, wanted: datetime) -> list[tuple[str, str]]:
    return [
        (b.value, f"{slot_label(t.start, None)} · {b.practitioner}")
        for t in alternatives(treatment, wanted)
        for b in t.buttons
    ]


def _show_problems(
    review: CourseReviewForm,
    exc: DomainError,
    choices: list[tuple[int, SessionChoice]],
    treatment: Treatment,
) -> None:
    """Each refused session's reason beside its row, with the nearest free times added to
    its options; anything else above the form."""
    by_date = sorted(choices, key=lambda nc: nc[1].start)
    placed = False
    if "warnings" in exc.details:
        review.show_warnings(exc.details["warnings"], {c.start.isoformat(): n for n, c in choices})
    for problem in exc.details.get("sessions", []):
        n = _row_of(choices, problem["start"])
        if n is not None:
            review.add_error(f"session_{n}", problem["message"])
            review.add_options(n, _nearest_options(treatment, dict(choices)[n].start))
            placed = True
    for name, msgs in exc.fields.items():  # "sessions[i]": the i-th session by date
        if name.startswith("sessions[") and name.endswith("]"):
            review.add_error(f"session_{by_date[int(name[9:-1])][0]}", msgs[0])
            placed = True
    if not placed:
        show_domain_error(review, exc)


def _book(
    request: HttpRequest,
    patient: Patient,
    form: CoursePlanForm,
    review: CourseReviewForm,
    package_form: CoursePackageForm,
) -> tuple[Course | None, bool]:
    """Book every reviewed session, and sell the chosen package with them in the same
    transaction: (the course, or None and whether it was a clash)."""
    kwargs = form.plan_kwargs()
    kwargs.pop("sessions")  # the course has as many sessions as were reviewed
    choices = review.choices(kwargs["practitioner_id"])
    plan = package_form.cleaned_data.get("package")
    book = partial(course_book_with_package, plan=plan) if plan else course_book
    try:
        course = book(
            actor=Actor.from_request(request),
            patient=patient,
            consultation=form.cleaned_data["plan"].consultation,
            choices=[c for _n, c in choices],
            confirm_warnings=review.cleaned_data["confirm_warnings"],
            **kwargs,
        )
    except DomainError as exc:
        if {"package", "plan"} & set(exc.fields):
            package_form.add_error("package", exc.message)
        else:
            _show_problems(review, exc, choices, kwargs["treatment"])
        return None, isinstance(exc, Conflict)
    return course, False


def _plan_page(request: HttpRequest, context: dict, plans: Any, status: int) -> HttpResponse:
    """Step 1 shows the treatment plans of signed consultations (treatment and number of
    sessions, part of the clinical record): the consultations shown are audit-logged."""
    audit_reads(Actor.from_request(request), {p.consultation for p in plans})
    return render(request, "desk/course_plan.html", context, status=status)


@page_requires(Action.DESK_VIEW)
def course(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for_desk(request, pk)
    plans = course_plans(patient)
    form = CoursePlanForm(request.GET if "plan" in request.GET else None, plans=plans)
    context: dict = {"patient": patient, "form": form, "has_plans": plans.exists()}
    if not (form.is_bound and form.is_valid()) or "edit" in request.GET:
        return _plan_page(request, context, plans, form_status(form))
    kwargs = form.plan_kwargs()
    try:
        proposal = course_plan(patient=patient, **kwargs)
    except DomainError as exc:
        show_domain_error(form, exc)
        return _plan_page(request, context, plans, 400)
    warnings = course_warnings(
        patient=patient,
        treatment=kwargs["treatment"],
        per_week=form.cleaned_data["plan"].sessions_per_week,
        starts=[s.start for s in proposal.sessions],
    )
    review = CourseReviewForm(posted(request), rows=review_rows(proposal, warnings))
    package_form = CoursePackageForm(posted(request), treatment=kwargs["treatment"])
    context.update(
        review=review, package_form=package_form, proposal=proposal, treatment=kwargs["treatment"]
    )
    conflict = False
    if request.method == "POST" and review.is_valid() and package_form.is_valid():
        booked, conflict = _book(request, patient, form, review, package_form)
        if booked is not None:
            messages.success(
                request,
                _("Course booked: %(n)s sessions of %(t)s.")
                % {"n": booked.planned_sessions, "t": _(booked.treatment.name)},
            )
            return redirect("desk:patient", pk=patient.pk)
    status = form_status(review, package_form, conflict=conflict)
    return render(request, "desk/course_review.html", context, status=status)
