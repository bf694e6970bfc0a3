"""Reads of appointments and courses: permission-scoped getters, and course progress.

Selectors sit below the services: services call them, never the other way round."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from appointments.calendar import local_date, zone
from appointments.models import Appointment, CancelReason, Closure, Course, Status
from clinic.roles import Action, can, can_ever, is_staff_member, patient_id_of


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
