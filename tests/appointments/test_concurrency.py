"""Many simultaneous bookings of one slot, from separate database connections: exactly
one wins, the rest get 409, none 500 (SPEC S8)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from appointments.models import Appointment
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import patient, screen, staff, token_api

pytestmark = [pytest.mark.slow, at_clinic_now]
N = 50


def race(bodies: list[dict], user) -> list[int]:
    """POST every body at once, each from its own thread and database connection."""
    barrier = threading.Barrier(len(bodies))
    client_user = user

    def post(body: dict) -> int:
        try:
            client = token_api(client_user)
            barrier.wait(timeout=30)
            return client.post("/api/appointments/", body, format="json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


@pytest.fixture
def desk_user(live_db):
    user = staff(Role.RECEPTION)
    token_api(user)  # create the token before the threads race for it
    return user


def patients(n: int):
    return [patient(with_login=False) for _ in range(n)]


def test_fifty_bookings_of_one_slot_give_exactly_one(desk_user):
    clinic = build_clinic(practitioners=1, rooms=3, devices=0)
    start = local(days_ahead(3), 10).isoformat()
    bodies = [
        {"treatment": clinic.consultation.pk, "start": start, "patient": p.pk} for p in patients(N)
    ]
    codes = race(bodies, desk_user)
    assert codes.count(201) == 1, codes
    assert codes.count(409) == N - 1, codes
    assert Appointment.objects.count() == 1


def test_overlapping_unequal_intervals_for_one_practitioner_give_one(desk_user):
    clinic = build_clinic(practitioners=1, rooms=3, devices=0)
    day = days_ahead(3)
    starts = [local(day, 10, m).isoformat() for m in (0, 15)]  # a 30-minute consultation
    bodies = [
        {"treatment": clinic.consultation.pk, "start": starts[i % 2], "patient": p.pk}
        for i, p in enumerate(patients(N))
    ]
    codes = race(bodies, desk_user)
    assert codes.count(201) == 1 and codes.count(409) == N - 1, codes


def test_one_room_with_different_practitioners_gives_one(desk_user):
    clinic = build_clinic(practitioners=5, rooms=1, devices=0)
    start = local(days_ahead(3), 10).isoformat()
    bodies = [
        {
            "treatment": clinic.consultation.pk,
            "start": start,
            "patient": p.pk,
            "practitioner": clinic.practitioners[i % 5].pk,
        }
        for i, p in enumerate(patients(N))
    ]
    codes = race(bodies, desk_user)
    assert codes.count(201) == 1 and codes.count(409) == N - 1, codes


def test_one_device_with_different_practitioners_and_rooms_gives_one(desk_user):
    clinic = build_clinic(practitioners=5, rooms=5, devices=1)
    from tests.factories import consult

    people = patients(N)
    for p in people:
        screen(p)
        consult(p)
    start = local(days_ahead(3), 10).isoformat()
    bodies = [
        {
            "treatment": clinic.face.pk,
            "start": start,
            "patient": p.pk,
            "practitioner": clinic.practitioners[i % 5].pk,
            "room": clinic.rooms[i % 5].pk,
        }
        for i, p in enumerate(people)
    ]
    codes = race(bodies, desk_user)
    assert codes.count(201) == 1 and codes.count(409) == N - 1, codes


def test_one_patient_with_two_practitioners_gives_one(desk_user):
    clinic = build_clinic(practitioners=2, rooms=5, devices=0)
    p = patient(with_login=False)
    start = local(days_ahead(3), 10).isoformat()
    bodies = [
        {
            "treatment": clinic.consultation.pk,
            "start": start,
            "patient": p.pk,
            "practitioner": clinic.practitioners[i % 2].pk,
        }
        for i in range(N)
    ]
    codes = race(bodies, desk_user)
    assert codes.count(201) == 1 and codes.count(409) == N - 1, codes


def test_auto_assigned_rooms_are_retried_so_free_rooms_are_all_used(desk_user):
    clinic = build_clinic(practitioners=4, rooms=4, devices=0)
    start = local(days_ahead(3), 10).isoformat()
    bodies = [
        {
            "treatment": clinic.consultation.pk,
            "start": start,
            "patient": p.pk,
            "practitioner": clinic.practitioners[i].pk,
        }
        for i, p in enumerate(patients(4))
    ]
    codes = race(bodies, desk_user)
    assert codes == [201, 201, 201, 201]
    assert sorted(Appointment.objects.values_list("room_id", flat=True)) == sorted(
        r.pk for r in clinic.rooms
    )


def test_bookings_that_cross_on_a_room_are_placed_again_not_refused(desk_user):
    """Simultaneous inserts of rows that overlap on an exclusion constraint can wait on
    each other; PostgreSQL then aborts one as a deadlock. That booking must be placed
    again (another room is free), never answered 409. Eight bookings at once, all
    starting from the same first free room, over several rounds make crossings likely;
    every booking must succeed."""
    n = 8
    clinic = build_clinic(practitioners=n, rooms=n, devices=0)
    for hour in (9, 11, 13, 15):
        start = local(days_ahead(3), hour).isoformat()
        bodies = [
            {
                "treatment": clinic.consultation.pk,
                "start": start,
                "patient": p.pk,
                "practitioner": clinic.practitioners[i].pk,
            }
            for i, p in enumerate(patients(n))
        ]
        assert race(bodies, desk_user) == [201] * n, start
    assert Appointment.objects.count() == 4 * n
