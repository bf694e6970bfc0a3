"""Slot holds (a waitlist offer, an unpaid deposit): the exclusion constraints count a live
hold, so no booking path can take its time; a lapsed hold frees the time at once for
availability and booking, and the housekeeping sweep releases its row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.availability import free_slots
from appointments.models import Appointment, Status
from appointments.services import (
    appointment_hold,
    hold_confirm,
    hold_release_all_lapsed,
)
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import api, patient, staff

pytestmark = at_clinic_now


@pytest.fixture
def held(db):
    """One practitioner, one room: a 10:00 consultation held for 30 minutes."""
    clinic = build_clinic(practitioners=1, rooms=1, devices=0)
    start = local(days_ahead(3), 10)
    hold = appointment_hold(
        patient=patient(),
        treatment=clinic.consultation,
        start=start,
        held_until=timezone.now() + timedelta(minutes=30),
    )
    return clinic, start, hold


def book(clinic, start, who=None):
    desk = api(staff(Role.RECEPTION))
    body = {
        "treatment": clinic.consultation.pk,
        "start": start.isoformat(),
        "patient": (who or patient()).pk,
    }
    return desk.post("/api/appointments/", body, format="json")


def starts(clinic, start, **kw):
    day = start.date()
    return {s.start for s in free_slots(treatment=clinic.consultation, start=day, end=day, **kw)}


def test_a_live_hold_is_taken_for_availability_and_booking(held):
    clinic, start, hold = held
    assert hold.status == Status.HELD
    assert start not in starts(clinic, start)
    assert start not in starts(clinic, start, staff=True)
    refused = book(clinic, start)
    assert refused.status_code == 409, refused.content
    assert Appointment.objects.get().pk == hold.pk


def test_a_lapsed_hold_is_free_at_once_and_bookable(held, time_machine):
    clinic, start, hold = held
    time_machine.shift(timedelta(minutes=31))
    assert start in starts(clinic, start)
    taken = book(clinic, start)
    assert taken.status_code == 201, taken.content
    hold.refresh_from_db()
    assert hold.status == Status.RELEASED
    assert Appointment.objects.get(status=Status.BOOKED).start == start


def test_confirming_a_live_hold_books_it_and_a_lapsed_one_is_refused(held, time_machine):
    clinic, start, hold = held
    from messaging.models import Message

    confirmed = hold_confirm(appointment=hold, now=timezone.now())
    assert confirmed.status == Status.BOOKED and confirmed.held_until is None
    assert Message.objects.filter(appointment=hold).exists()  # its confirmation

    other = appointment_hold(
        patient=patient(),
        treatment=clinic.consultation,
        start=start + timedelta(hours=2),
        held_until=timezone.now() + timedelta(minutes=5),
    )
    time_machine.shift(timedelta(minutes=6))
    with pytest.raises(Exception) as lapsed:
        hold_confirm(appointment=other, now=timezone.now())
    assert lapsed.value.code == "hold_expired"


def test_the_housekeeping_sweep_releases_only_lapsed_holds_and_twice_is_harmless(
    held, time_machine
):
    clinic, start, hold = held
    later = appointment_hold(
        patient=patient(),
        treatment=clinic.consultation,
        start=start + timedelta(hours=2),
        held_until=timezone.now() + timedelta(hours=2),
    )
    time_machine.shift(timedelta(minutes=31))
    assert hold_release_all_lapsed() == 1
    assert hold_release_all_lapsed() == 0
    hold.refresh_from_db()
    later.refresh_from_db()
    assert (hold.status, later.status) == (Status.RELEASED, Status.HELD)


def test_a_hold_ending_in_the_past_is_refused(db):
    clinic = build_clinic(practitioners=1, rooms=1, devices=0)
    with pytest.raises(Exception) as refused:
        appointment_hold(
            patient=patient(),
            treatment=clinic.consultation,
            start=local(days_ahead(3), 10),
            held_until=timezone.now(),
        )
    assert refused.value.code == "hold_in_past"
    assert not Appointment.objects.exists()


def test_the_desk_grid_shows_a_lapsed_hold_with_the_cancellations(held, time_machine):
    from desk.grid import bookings_between

    _clinic, start, hold = held
    time_machine.shift(timedelta(minutes=31))
    hold_release_all_lapsed()
    day = start.replace(hour=0, minute=0)
    active, cancelled = bookings_between(day, day + timedelta(days=1), "practitioner")
    assert [b.id for b in cancelled] == [hold.pk] and active == []


def test_a_hold_is_not_taken_for_a_booking_by_the_next_step_at_checkout(held):
    from appointments.selectors import booked_again

    _clinic, start, hold = held
    assert not booked_again(hold.patient_id, hold.treatment_id, start - timedelta(days=1))
