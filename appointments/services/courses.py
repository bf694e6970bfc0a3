"""Treatment courses: book all sessions or none, progress, re-flow after a miss.

The course rules come from the catalog (seed texts): face and body therapy 7 to 10
sessions; massage about 20, at least twice a week; a minimum number of days between
sessions. Planning (course_planning) saves nothing; booking is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import events
from appointments.calendar import local_date
from appointments.events import Move
from appointments.models import Appointment, Course, Status
from appointments.selectors import course_progress
from appointments.services.booking import appointment_book, move_within
from appointments.services.course_planning import (
    CoursePlan,
    check_course_rules,
    check_session_spacing,
    course_plan,
    fields_error,
)
from appointments.services.course_warnings import (
    check_warnings_confirmed,
    course_warnings,
    planned_per_week,
)
from clinic.audit import Actor
from clinic.errors import Conflict, DomainError, Forbidden, Invalid
from clinic.roles import Action, can
from patients.models import Consultation, Patient
from treatments.models import Treatment


@dataclass(frozen=True)
class SessionChoice:
    start: datetime
    practitioner_id: int | None = None


def _check_consultation(patient: Patient, treatment: Treatment, consultation: Consultation) -> None:
    if consultation.patient_id != patient.pk or not consultation.is_signed:
        raise fields_error("consultation", _("Give a signed consultation of this patient."))
    if not consultation.plans.filter(treatment=treatment).exists():
        raise fields_error(
            "consultation", _("The consultation did not plan %s for this patient.") % treatment.name
        )


def _session_problem(index: int, choice: SessionChoice, exc: DomainError) -> dict:
    return {
        "index": index,
        "start": choice.start.isoformat(),
        "code": exc.code,
        "message": exc.message,
        **({"taken": exc.details["taken"]} if "taken" in exc.details else {}),
    }


def _book_all(actor: Actor, course: Course, choices: Sequence[SessionChoice]) -> list[dict]:
    """Book every session in its own savepoint; return the problems (none: all booked)."""
    problems = []
    for i, choice in enumerate(choices):
        try:
            with transaction.atomic():
                appointment_book(
                    actor=actor,
                    patient=course.patient,
                    treatment=course.treatment,
                    start=choice.start,
                    practitioner_id=choice.practitioner_id,
                    course=course,
                    channel="desk",
                )
        except DomainError as exc:
            problems.append(_session_problem(i, choice, exc))
    return problems


def _raise_problems(problems: list[dict]) -> None:
    codes = {p["code"] for p in problems}
    message = _("%(n)s session(s) could not be booked; nothing was booked.") % {"n": len(problems)}
    if codes <= {"slot_taken", "patient_busy"}:
        raise Conflict(message, code="course_conflict", details={"sessions": problems})
    raise Invalid(message, code="course_invalid", details={"sessions": problems})


def course_book(
    *,
    actor: Actor,
    patient: Patient,
    treatment: Treatment,
    consultation: Consultation,
    choices: Sequence[SessionChoice],
    weekdays: Sequence[int],
    time_of_day: time,
    start_date: date,
    practitioner_id: int | None = None,
    confirm_warnings: bool = False,
) -> Course:
    """Book every session of a course, or none: a 409 names each conflicting session.
    Sessions over the plan's weekly number, or beside another device session of the same
    area that day, are booked only with `confirm_warnings` (a 400 names them otherwise)."""
    if not can(actor.user, Action.COURSE_MANAGE, patient):
        raise Forbidden(_("Only staff book courses."), code="forbidden")
    check_course_rules(treatment, len(choices), weekdays)
    check_session_spacing(treatment, [c.start for c in choices])
    _check_consultation(patient, treatment, consultation)
    warnings = course_warnings(
        patient=patient,
        treatment=treatment,
        per_week=planned_per_week(consultation, treatment),
        starts=[c.start for c in choices],
    )
    check_warnings_confirmed(warnings, confirm_warnings)
    try:
        with transaction.atomic():
            course = Course.objects.create(
                patient=patient,
                treatment=treatment,
                consultation=consultation,
                planned_sessions=len(choices),
                preferred_weekdays=sorted(set(weekdays)),
                preferred_time=time_of_day,
                preferred_practitioner_id=practitioner_id,
                start_date=start_date,
                created_by=actor.user,
            )
            problems = _book_all(actor, course, sorted(choices, key=lambda c: c.start))
            if problems:
                _raise_problems(problems)
            return course
    except OperationalError as exc:  # a deadlock with a crossing course booking
        raise Conflict(
            _("Another booking crossed this one; try again."), code="course_conflict"
        ) from exc


# --- Re-flow ----------------------------------------------------------------------------------


def _future_sessions(course: Course) -> list[Appointment]:
    return list(
        course.appointments.filter(status=Status.BOOKED, start__gt=timezone.now()).order_by("start")
    )


def course_reflow(*, course: Course, start_date: date | None = None) -> CoursePlan:
    """New times for every remaining session (the booked ones and those to replace missed or
    cancelled ones), keeping the course rules. Saves nothing."""
    progress = course_progress(course)
    future = _future_sessions(course)
    last_done = (
        course.appointments.filter(status__in=[Status.COMPLETED, Status.CHECKED_IN])
        .order_by("-start")
        .first()
    )
    earliest = timezone.localdate() + timedelta(days=1)
    if last_done:
        earliest = max(
            earliest,
            local_date(last_done.start)
            + timedelta(days=max(1, course.treatment.min_days_between_sessions)),
        )
    return course_plan(
        patient=course.patient,
        treatment=course.treatment,
        sessions=progress.remaining,
        weekdays=course.preferred_weekdays,
        time_of_day=course.preferred_time,
        start_date=max(start_date or earliest, earliest),
        practitioner_id=course.preferred_practitioner_id,
        ignore=[a.pk for a in future],
        check_rules=False,
    )


def course_reflow_accept(
    *, actor: Actor, course: Course, choices: Sequence[SessionChoice]
) -> Course:
    """Move the remaining sessions to the accepted times at once: the booked ones move, the
    missing ones are booked; all or nothing."""
    if not can(actor.user, Action.COURSE_MANAGE, course.patient):
        raise Forbidden(_("Only staff re-plan courses."), code="forbidden")
    progress = course_progress(course)
    if len(choices) != progress.remaining:
        raise fields_error(
            "sessions", _("Give %s sessions: the ones that remain.") % progress.remaining
        )
    check_session_spacing(course.treatment, [c.start for c in choices])
    with transaction.atomic():
        future = _future_sessions(course)
        before = [Move(a.pk, a.start, a.practitioner_id) for a in future]
        # Park the sessions that move, so none blocks another's new time on the way; each is
        # re-activated at its new time, where the overlap constraints check it as usual.
        Appointment.objects.filter(pk__in=[a.pk for a in future]).update(status=Status.CANCELLED)
        problems = []
        for i, choice in enumerate(sorted(choices, key=lambda c: c.start)):
            try:
                with transaction.atomic():
                    _place_session(actor, course, future[i] if i < len(future) else None, choice)
            except DomainError as exc:
                problems.append(_session_problem(i, choice, exc))
        if problems:
            _raise_problems(problems)
        # One notice lists every session that moved (those booked anew are confirmed).
        events.course_rescheduled.send(Course, course=course, moves=before, now=timezone.now())
    return course


def _place_session(
    actor: Actor, course: Course, parked: Appointment | None, choice: SessionChoice
) -> None:
    if parked is not None:
        move_within(
            actor=actor,
            appointment=parked,
            start=choice.start,
            practitioner_id=choice.practitioner_id,
            parked=True,
            notify=False,
        )
    else:
        appointment_book(
            actor=actor,
            patient=course.patient,
            treatment=course.treatment,
            start=choice.start,
            practitioner_id=choice.practitioner_id,
            course=course,
            channel="desk",
        )
