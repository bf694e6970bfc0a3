"""Reads of appointments and courses: permission-scoped getters, and course progress.

Selectors sit below the services: services call them, never the other way round."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from appointments.models import Appointment, Course, Status, WaitlistOffer
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


def offer_get_for(patient: Patient, pk: int) -> WaitlistOffer:
    """A waitlist offer made to `patient`; 404 for anyone else's (or none)."""
    return get_object_or_404(
        WaitlistOffer.objects.select_related("entry__treatment", "practitioner"),
        pk=pk,
        entry__patient=patient,
    )
