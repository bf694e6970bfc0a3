"""Holds under races from separate database connections: while a hold lives, nobody else
gets its time (the patient confirming it wins); once it lapses, exactly one of many
simultaneous bookings takes the time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from appointments.models import Appointment, Status
from appointments.services import appointment_hold, hold_confirm
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.concurrency import at_once
from tests.factories import patient, staff, token_api

pytestmark = [pytest.mark.slow, at_clinic_now]
N = 10


@pytest.fixture
def setting(live_db):
    clinic = build_clinic(practitioners=1, rooms=1, devices=0)
    desk = staff(Role.RECEPTION)
    token_api(desk)  # create the token before the threads race for it
    start = local(days_ahead(3), 10)
    hold = appointment_hold(
        patient=patient(),
        treatment=clinic.consultation,
        start=start,
        held_until=timezone.now() + timedelta(minutes=30),
    )
    others = [patient(with_login=False) for _ in range(N)]
    return clinic, desk, start, hold, others


def booking(desk, clinic, start, who):
    client = token_api(desk)
    body = {"treatment": clinic.consultation.pk, "start": start.isoformat(), "patient": who.pk}
    return lambda: client.post("/api/appointments/", body, format="json").status_code


def test_the_hold_wins_against_bookings_of_its_time(setting):
    clinic, desk, start, hold, others = setting

    def confirm():
        with transaction.atomic(durable=True):
            return hold_confirm(appointment=hold, now=timezone.now()).status

    results = at_once(*[confirm] + [booking(desk, clinic, start, p) for p in others])
    assert results[0] == Status.BOOKED
    assert results[1:] == [409] * N, results
    assert list(Appointment.objects.values_list("pk", "status")) == [(hold.pk, Status.BOOKED)]


def test_exactly_one_of_many_bookings_takes_a_lapsed_hold(setting, time_machine):
    clinic, desk, start, hold, others = setting
    time_machine.shift(timedelta(minutes=31))
    codes = at_once(*[booking(desk, clinic, start, p) for p in others])
    assert codes.count(201) == 1 and codes.count(409) == N - 1, codes
    hold.refresh_from_db()
    assert hold.status == Status.RELEASED
    assert Appointment.objects.filter(status=Status.BOOKED, start=start).count() == 1
