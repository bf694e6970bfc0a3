"""Reads of the dermatologist's pages: the day's patients, and one patient's chart (history,
session records, courses with their outcome across the sessions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.calendar import zone
from appointments.models import ACTIVE, Appointment, Course, SessionRecord, Status
from appointments.selectors import Progress, course_progress
from clinic.svg import LineChart, line_chart
from patients.models import (
    ConsultationStatus,
    FormAnswer,
    FormResponse,
    Patient,
    Screening,
    ScreeningAnswer,
    TreatmentPlan,
)

OUTCOMES = (
    ("tone_clinician", _("Tone"), "line-tone"),
    ("puffiness_clinician", _("Puffiness"), "line-puffiness"),
    ("elasticity_clinician", _("Elasticity"), "line-elasticity"),
)


def day_patients(day: date, practitioner_user_id: int | None) -> list[Appointment]:
    """The day's active appointments, with their session records; one practitioner's when
    given (a dermatologist sees their own day first)."""
    lo = datetime.combine(day, time(0), tzinfo=zone())
    rows = Appointment.objects.filter(ACTIVE, start__gte=lo, start__lt=lo + timedelta(days=1))
    if practitioner_user_id is not None:
        rows = rows.filter(practitioner__user_id=practitioner_user_id)
    return list(
        rows.select_related(
            "patient", "treatment", "practitioner", "room", "device", "session_record"
        ).order_by("start", "id")
    )


def record_base() -> QuerySet[SessionRecord]:
    return SessionRecord.objects.select_related(
        "appointment__treatment", "appointment__practitioner", "signed_by", "created_by", "patient"
    ).prefetch_related("amendments__author")


def patient_records(patient: Patient) -> list[SessionRecord]:
    return list(record_base().filter(patient=patient).order_by("appointment__start"))


def patient_history(patient: Patient) -> list[Appointment]:
    return list(
        Appointment.objects.filter(patient=patient)
        .select_related("treatment", "practitioner")
        .order_by("-start", "-id")
    )


def latest_screening(patient: Patient) -> Screening | None:
    yes = ScreeningAnswer.objects.filter(answer=True).select_related("contraindication")
    return (
        Screening.objects.filter(patient=patient)
        .prefetch_related(Prefetch("answers", queryset=yes, to_attr="declared"))
        .first()
    )


@dataclass(frozen=True)
class CourseOutcome:
    course: Course
    progress: Progress
    chart: LineChart | None
    table: list[tuple[str, list[int | None]]]


def _outcome_chart(records: list[SessionRecord]) -> tuple[LineChart | None, list]:
    labels = [str(i) for i in range(1, len(records) + 1)]
    series = [
        (str(name), css, [getattr(r, field) for r in records]) for field, name, css in OUTCOMES
    ]
    table = [(name, values) for name, _css, values in series]
    if not records or all(v is None for _n, _c, values in series for v in values):
        return None, table
    return line_chart(labels, series), table


def course_outcomes(patient: Patient, records: list[SessionRecord]) -> list[CourseOutcome]:
    """Each course's progress and the clinician's scores (0 to 10) session by session."""
    out = []
    courses = Course.objects.filter(patient=patient).select_related("treatment")
    for course in courses.order_by("-start_date", "-id"):
        mine = [r for r in records if r.appointment.course_id == course.pk]
        chart, table = _outcome_chart(mine)
        out.append(CourseOutcome(course, course_progress(course), chart, table))
    return out


def attended(appointment: Appointment) -> bool:
    return appointment.status in (Status.CHECKED_IN, Status.COMPLETED)


def next_visit(patient: Patient) -> Appointment | None:
    """The patient's next booked visit (its forms are shown on the chart)."""
    upcoming = Appointment.objects.filter(
        patient=patient, status=Status.BOOKED, start__gte=timezone.now()
    )
    return upcoming.select_related("treatment").order_by("start").first()


def form_responses(patient: Patient) -> list[FormResponse]:
    """The patient's answers to the manager's forms, latest first, each with its version
    and the questions as they were asked."""
    answers = FormAnswer.objects.select_related("question").order_by("question__position")
    return list(
        FormResponse.objects.filter(patient=patient)
        .select_related("version__form")
        .prefetch_related(Prefetch("answers", queryset=answers))
    )


def plan_for_session(appointment: Appointment) -> TreatmentPlan | None:
    """The treatment plan the session follows: its course's consultation, else the latest
    signed consultation that planned this treatment."""
    plans = TreatmentPlan.objects.filter(
        treatment_id=appointment.treatment_id,
        consultation__patient_id=appointment.patient_id,
        consultation__status=ConsultationStatus.SIGNED,
    ).select_related("consultation")
    if appointment.course_id and appointment.course.consultation_id:
        own = plans.filter(consultation_id=appointment.course.consultation_id).first()
        if own is not None:
            return own
    return plans.order_by("-consultation__performed_on", "-consultation_id").first()


def record_prefill(appointment: Appointment) -> dict:
    """What a new session record starts with: the treatment's area and the plan's program
    (each can still be changed). An area the consultation excluded cannot be booked, so the
    treatment's area is the plan's."""
    plan = plan_for_session(appointment)
    treated = appointment.treatment.body_area
    initial: dict = {"areas": [treated] if treated else []}
    if plan is not None and plan.program:
        initial["program"] = plan.program
    return initial
