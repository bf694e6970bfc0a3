"""Keeping patients (SPEC S11): the recall after a finished course and the feedback survey.

Beat runs `plan_due` (messaging.tasks.plan_follow_ups). Each course is decided in its own
transaction, under a lock on the course row, and leaves one Recall row and one Survey row
whatever happens (the unique course of each): two beats, or a task retried after a crash,
find the row and do nothing. The messages go through the outbox like every other, after
quiet hours, in the patient's language (rendered by the worker: messaging.compose).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from psycopg2.extras import DateRange

from appointments.calendar import calendar_config, local_date
from appointments.models import Course
from appointments.selectors import booked_again, course_last_session, courses_finished
from messaging import outbox, timing
from messaging.models import (
    FollowUpOptOut,
    Message,
    MessageKind,
    Recall,
    RecallOutcome,
    Survey,
    SurveyStatus,
)
from patients.clearance import clearance_for
from patients.models import Patient
from treatments.models import Treatment

log = logging.getLogger(__name__)

SURVEY_GAP_DAYS = 90  # at most one survey per patient in this many days (SPEC S11)
SURVEY_WITHIN = timedelta(days=14)  # a course found later than this gets no survey
RECALL_GRACE = timedelta(days=30)  # a recall found later than this after its date: none
RECALL_LOOKBACK = timedelta(days=3650 + 30)  # the longest interval the admin allows, and grace


@dataclass(frozen=True)
class Planned:
    recalls: int
    surveys: int


def plan_due(now: datetime | None = None) -> Planned:
    """Decide every recall and survey that is due now (each course once, ever)."""
    now = now or timezone.now()
    recalls = sum(recall_plan(course_id=pk, now=now) is not None for pk in _recall_candidates(now))
    surveys = sum(survey_plan(course_id=pk, now=now) is not None for pk in _survey_candidates(now))
    return Planned(recalls=recalls, surveys=surveys)


def _recall_candidates(now: datetime) -> list[int]:
    finished = courses_finished(ended_after=now - RECALL_LOOKBACK, ended_before=now).filter(
        treatment__recall_after_days__isnull=False, recall__isnull=True
    )
    return [
        c.pk
        for c in finished.only("id", "treatment__recall_after_days").select_related("treatment")
        if c.ended_at + timedelta(days=c.treatment.recall_after_days) <= now
    ]


def _survey_candidates(now: datetime) -> list[int]:
    finished = courses_finished(ended_after=now - SURVEY_WITHIN, ended_before=now)
    return list(finished.filter(survey__isnull=True).values_list("id", flat=True))


def _locked_course(course_id: int) -> Course:
    return Course.objects.select_for_update().select_related("treatment").get(pk=course_id)


def _due_now(now: datetime) -> datetime:
    policy = calendar_config().policy
    return timing.after_quiet_hours(now, policy.quiet_hours_start, policy.quiet_hours_end)


def _enqueue(patient: Patient, kind: str, key: str, now: datetime, context: dict) -> None:
    due = _due_now(now)
    Message.objects.bulk_create(
        [
            outbox.build_row(patient.pk, channel, kind, due, key=key, context=context)
            for channel in outbox.channels_for(patient)
        ],
        ignore_conflicts=True,
    )


def opted_out(patient: Patient) -> bool:
    """No recall or survey: the patient said so, or has no channel we may use."""
    return FollowUpOptOut.objects.filter(patient=patient).exists() or not outbox.channels_for(
        patient
    )


def _consultation() -> Treatment | None:
    return Treatment.objects.filter(is_consultation=True, is_active=True).first()


# --- Recall ---------------------------------------------------------------------------


def _recall_outcome(course: Course, patient: Patient, ended: datetime, now: datetime) -> str:
    due = ended + timedelta(days=course.treatment.recall_after_days)
    if now - due > RECALL_GRACE:
        return RecallOutcome.EXPIRED
    if booked_again(patient.pk, course.treatment_id, ended):
        return RecallOutcome.BOOKED_AGAIN
    if opted_out(patient):
        return RecallOutcome.OPTED_OUT
    cleared = clearance_for(patient, course.treatment, on=local_date(now)).allowed
    return RecallOutcome.BOOKING if cleared else RecallOutcome.CONSULTATION


@transaction.atomic(durable=True)
def recall_plan(*, course_id: int, now: datetime) -> Recall | None:
    """The course's one recall: decided (and its message queued) once, when due."""
    course = _locked_course(course_id)
    last = course_last_session(course)
    days = course.treatment.recall_after_days
    if Recall.objects.filter(course=course).exists() or last is None or days is None:
        return None
    if last.end + timedelta(days=days) > now:
        return None
    patient = Patient.objects.get(pk=course.patient_id)
    outcome = _recall_outcome(course, patient, last.end, now)
    recall = Recall.objects.create(
        course=course,
        patient=patient,
        treatment=course.treatment,
        course_ended_at=last.end,
        outcome=outcome,
        created_at=now,
    )
    if outcome in (RecallOutcome.BOOKING, RecallOutcome.CONSULTATION):
        offered = course.treatment if outcome == RecallOutcome.BOOKING else _consultation()
        context = {
            "treatment": course.treatment.name,
            "offer": outcome,
            "url": outbox.booking_url(offered) if offered else "",
        }
        _enqueue(patient, MessageKind.RECALL, f"recall-{course.pk}", now, context)
    log.info("recall of course %s: %s", course.pk, outcome)
    return recall


# --- Survey ---------------------------------------------------------------------------


def _survey_skip(patient: Patient, today: date) -> str:
    if opted_out(patient):
        return "The patient wants no surveys, or has no channel."
    recent = Survey.objects.filter(
        patient=patient, status=SurveyStatus.SENT, window__contains=today
    ).exists()
    return f"A survey went in the last {SURVEY_GAP_DAYS} days." if recent else ""


@transaction.atomic(durable=True)
def survey_plan(*, course_id: int, now: datetime) -> Survey | None:
    """The course's one survey: sent, or skipped with the reason, decided once."""
    course = _locked_course(course_id)
    last = course_last_session(course)
    if Survey.objects.filter(course=course).exists() or last is None:
        return None
    # Locked after the course (always in this order): two courses of one patient
    # finishing together get one survey, not an error from the exclusion constraint.
    patient = Patient.objects.select_for_update().get(pk=course.patient_id)
    today = local_date(now)
    skip = _survey_skip(patient, today)
    survey = Survey.objects.create(
        course=course,
        patient=patient,
        practitioner=last.practitioner,
        treatment=course.treatment,
        status=SurveyStatus.SKIPPED if skip else SurveyStatus.SENT,
        skip_reason=skip,
        window=None if skip else DateRange(today, today + timedelta(days=SURVEY_GAP_DAYS)),
        created_at=now,
    )
    if not skip:
        context = {"survey_id": survey.pk, "treatment": course.treatment.name}
        _enqueue(patient, MessageKind.SURVEY, f"survey-{survey.pk}", now, context)
    return survey


@transaction.atomic(durable=True)
def follow_ups_allow(*, patient: Patient, allowed: bool) -> bool:
    """The patient's choice about recalls and surveys (reminders are not affected)."""
    if allowed:
        FollowUpOptOut.objects.filter(patient=patient).delete()
    else:
        FollowUpOptOut.objects.get_or_create(patient=patient)
    return allowed


def follow_ups_allowed(patient: Patient) -> bool:
    return not FollowUpOptOut.objects.filter(patient=patient).exists()
