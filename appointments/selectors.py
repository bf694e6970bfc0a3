"""Permission-scoped reads of appointments."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from appointments.models import Appointment
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
