"""Shared by the desk, chart and report tests: logins per role, a cleared patient, and
appointments made through the services (moved to "earlier today" where a test needs a
session that has started, as a booking made yesterday for today would be)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.test import Client

from appointments.models import Appointment
from appointments.services import appointment_book
from clinic.audit import Actor
from clinic.roles import Role
from patients.models import Patient
from tests.appointments.clinic_setup import days_ahead, local, started_today
from tests.factories import consult, login_staff, patient, screen, staff

FACE = "microcurrent-therapy-face"


def client_for(role: Role | None, **user_fields) -> Client:
    """A test client logged in as a new user of the role (staff pass the second factor)."""
    client = Client()
    if role is None:
        return client
    user = staff(role, **user_fields)
    if role == Role.PATIENT:
        client.force_login(user)
    else:
        login_staff(client, user)
    client.user = user
    return client


def cleared_patient(**kwargs) -> Patient:
    p = patient(with_login=False, **kwargs)
    screen(p)
    consult(p, plans={FACE: 8})
    return p


def book(p: Patient, treatment, start: datetime, **kwargs) -> Appointment:
    return appointment_book(
        actor=Actor(user=staff(Role.RECEPTION)),
        patient=p,
        treatment=treatment,
        start=start,
        channel="desk",
        **kwargs,
    )


def booked_earlier_today(p: Patient, treatment, minutes_ago: int = 5, **kwargs) -> Appointment:
    """A booked session that started a few minutes ago (still today in the clinic)."""
    a = book(p, treatment, local(days_ahead(2), 10), **kwargs)
    start = started_today(minutes_ago)
    length = a.end - a.start
    Appointment.objects.filter(pk=a.pk).update(
        start=start, end=start + length, blocked_until=start + (a.blocked_until - a.start)
    )
    a.refresh_from_db()
    return a


def later(hours: int = 0, days: int = 2, hour: int = 10) -> datetime:
    return local(days_ahead(days), hour) + timedelta(hours=hours)
