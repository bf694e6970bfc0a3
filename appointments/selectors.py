"""Reads of appointments and courses: permission-scoped getters, and course progress.

Selectors sit below the services: services call them, never the other way round."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from appointments.calendar import local_date, zone
from appointments.models import (
    INACTIVE_STATUSES,
    Appointment,
    CalendarFeed,
    CancelReason,
    Closure,
    Course,
    CourseStatus,
    Practitioner,
    Status,
    WaitlistOffer,
)
from clinic.roles import Action, can, can_ever, is_staff_member, patient_id_of
from patients.models import Patient


def appointment_list_for(user) -> QuerySet[Appointment]:
    """Staff see every appointment; a patient only their own."""
    qs = Appointment.objects.select_related(
        "treatment", "practitioner", "room", "device", "patient"
    )
    if is_staff_member(user):
        return qs
    own = patient_id_of(user)
    return qs.filter(patient_id=own) if own else qs.none()


def appointment_get_for(
    user, appointment_id: int, action: Action = Action.APPOINTMENT_VIEW
) -> Appointment:
    if not can_ever(user, action):
        raise PermissionDenied
    try:
        appointment = appointment_list_for(user).get(pk=appointment_id)
    except (Appointment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not can(user, action, appointment):
        raise Http404
    return appointment


def appointment_list_for_any() -> QuerySet[Appointment]:
    """Every appointment, unscoped (callers scope it). Names of treatments, practitioners,
    rooms and devices come from the calendar snapshot, so only the patient is joined."""
    return Appointment.objects.select_related("patient")


@dataclass(frozen=True)
class Progress:
    planned: int
    done: int
    missed: int
    booked: int
    remaining: int
    completed: bool


def course_progress(course: Course) -> Progress:
    counts: dict[str, int] = defaultdict(int)
    for status in course.appointments.values_list("status", flat=True):
        counts[status] += 1
    done = counts[Status.COMPLETED] + counts[Status.CHECKED_IN]
    return Progress(
        planned=course.planned_sessions,
        done=done,
        missed=counts[Status.NO_SHOW],
        booked=counts[Status.BOOKED],
        remaining=max(0, course.planned_sessions - done),
        completed=done >= course.planned_sessions,
    )


def booked_on_closed_days(
    start_date: date, end_date: date, *, after: datetime | None = None
) -> QuerySet[Appointment]:
    """Booked sessions on the clinic's local days from start_date to end_date (both
    included), the earliest first: what a closure of those days would leave stranded."""
    lo = datetime.combine(start_date, time(0), tzinfo=zone())
    hi = datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=zone())
    qs = Appointment.objects.filter(status=Status.BOOKED, start__gte=lo, start__lt=hi)
    if after is not None:
        qs = qs.filter(start__gte=after)
    return qs.select_related("patient", "treatment", "practitioner").order_by("start", "pk")


def closures_ahead(today: date) -> QuerySet[Closure]:
    return Closure.objects.filter(end_date__gte=today).order_by("start_date", "pk")


def booked_in_closures(today: date, now: datetime) -> list[tuple[Closure, list[Appointment]]]:
    """Every closure from today on, with the booked sessions still inside it (for reception
    to move): the closures with none are left out. Two queries however many closures."""
    closures = list(closures_ahead(today))
    if not closures:
        return []
    last = max(c.end_date for c in closures)
    booked = list(booked_on_closed_days(today, last, after=now))
    out = []
    for closure in closures:
        stranded = [
            a for a in booked if closure.start_date <= local_date(a.start) <= closure.end_date
        ]
        if stranded:
            out.append((closure, stranded))
    return out


def cancel_reasons_offered() -> QuerySet[CancelReason]:
    return CancelReason.objects.filter(is_active=True).order_by("position", "pk")


# --- Practitioners' calendar feeds ----------------------------------------------------

FEED_PAST_DAYS, FEED_AHEAD_DAYS = 30, 180  # what a phone's calendar needs, bounded


def calendar_feed_by_token(token_hash: str) -> CalendarFeed | None:
    """The feed a URL names (live or revoked), or None for a token never issued."""
    return CalendarFeed.objects.select_related("practitioner").filter(token_hash=token_hash).first()


def calendar_feed_live(practitioner: Practitioner) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).first()


def feed_sessions(practitioner: Practitioner, now: datetime) -> QuerySet[Appointment]:
    """The practitioner's sessions from a month back to half a year ahead, cancelled ones
    included (they are sent as cancelled, so a subscribed calendar drops them)."""
    return (
        Appointment.objects.filter(
            practitioner=practitioner,
            start__gte=now - timedelta(days=FEED_PAST_DAYS),
            start__lt=now + timedelta(days=FEED_AHEAD_DAYS),
        )
        .select_related("treatment")
        .only(
            "start",
            "end",
            "status",
            "sequence",
            "treatment__name",
            "patient__first_name",
            "patient__last_name",
        )
        .select_related("patient")
        .order_by("start", "id")
    )


# --- Finished courses (recalls, surveys, rebooking) -----------------------------------

_COMPLETED = Q(appointments__status=Status.COMPLETED)


def courses_finished(*, ended_after: datetime, ended_before: datetime) -> QuerySet[Course]:
    """Active courses whose planned sessions were all completed, the last one ending in
    [ended_after, ended_before); each annotated with `ended_at`, that last session's end."""
    return (
        Course.objects.filter(status=CourseStatus.ACTIVE)
        .annotate(
            done=Count("appointments", filter=_COMPLETED),
            ended_at=Max("appointments__end", filter=_COMPLETED),
        )
        .filter(
            done__gte=F("planned_sessions"), ended_at__gte=ended_after, ended_at__lt=ended_before
        )
        .order_by("ended_at", "id")
    )


def course_last_session(course: Course) -> Appointment | None:
    """The course's last completed session (who gave it, when it ended)."""
    return (
        course.appointments.filter(status=Status.COMPLETED)
        .select_related("practitioner")
        .order_by("-end", "-id")
        .first()
    )


def booked_again(patient_id: int, treatment_id: int, after: datetime) -> bool:
    """Has the patient an active booking of the treatment starting after `after`?"""
    return (
        Appointment.objects.filter(
            patient_id=patient_id, treatment_id=treatment_id, start__gt=after
        )
        .exclude(status__in=(*INACTIVE_STATUSES, Status.HELD))
        .exists()
    )


@dataclass(frozen=True)
class NextStep:
    """What the desk offers after a completed session (rebooking at checkout)."""

    booked: Appointment | None  # the patient's next booking of the treatment, if any
    book_on: date | None  # else the first day worth offering (None: nothing to offer)
    recall: bool  # book_on is the maintenance recall date: the course is complete
    course_done: int = 0
    course_planned: int = 0


def next_step_after(appointment: Appointment, today: date) -> NextStep | None:
    """After a completed session: the next booking, or the next session of the course
    (its rules' spacing after this one), or once the course is complete, the recall date
    of the treatment (None when it has none). None before completion."""
    if appointment.status != Status.COMPLETED:
        return None
    treatment = appointment.treatment
    booked = (
        Appointment.objects.filter(
            patient_id=appointment.patient_id, treatment=treatment, start__gt=appointment.start
        )
        .exclude(status__in=(*INACTIVE_STATUSES, Status.HELD))
        .select_related("practitioner")
        .order_by("start")
        .first()
    )
    progress = course_progress(appointment.course) if appointment.course_id else None
    ongoing = progress is not None and not progress.completed
    # During a course: the course's spacing; after it: the maintenance interval, if any.
    gap = max(treatment.min_days_between_sessions, 1) if ongoing else treatment.recall_after_days
    ended = local_date(appointment.end)
    book_on = max(ended + timedelta(days=gap), today) if gap and not booked else None
    counts = {"course_done": progress.done, "course_planned": progress.planned} if progress else {}
    return NextStep(booked=booked, book_on=book_on, recall=not ongoing, **counts)


def offer_get_for(patient: Patient, pk: int) -> WaitlistOffer:
    """A waitlist offer made to `patient`; 404 for anyone else's (or none)."""
    return get_object_or_404(
        WaitlistOffer.objects.select_related("entry__treatment", "practitioner"),
        pk=pk,
        entry__patient=patient,
    )
