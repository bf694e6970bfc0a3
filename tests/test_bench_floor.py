"""bench/floor.py, the benchmark's floor rows F0 and F1: the booking's request through the
API's whole stack, without the booking. Their views exist only under the bench's own
settings (bench.floor_settings), never in the app's URLs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from bench.floor import prepare
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import patient, staff, token_api

pytestmark = [pytest.mark.django_db, at_clinic_now]


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_floor")
        return cursor.fetchone()[0]


def test_the_app_itself_has_no_floor_urls(db):
    client = token_api(staff(Role.RECEPTION))
    assert client.post("/bench/floor/write/", {}, format="json").status_code == 404
    assert client.post("/bench/floor/read/", {}, format="json").status_code == 404


@override_settings(ROOT_URLCONF="bench.floor")
def test_the_floor_takes_the_bookings_request_as_the_booking_does_and_writes_one_row(db):
    clinic = build_clinic()
    prepare()
    body = {
        "treatment": clinic.face.pk,
        "start": local(days_ahead(3), 10).isoformat(),
        "patient": patient().pk,
    }
    desk = token_api(staff(Role.RECEPTION))
    written = desk.post("/bench/floor/write/", body, format="json")
    assert written.status_code == 201, written.content
    assert _rows() == 1
    assert desk.post("/bench/floor/read/", body, format="json").status_code == 201
    assert _rows() == 1  # F0 writes nothing

    # What the booking refuses before booking, the floor refuses too, and writes nothing.
    for wrong in ({"treatment": 10**6}, {"colour": "red"}, {"start": "tomorrow"}):
        refused = desk.post("/bench/floor/write/", body | wrong, format="json")
        assert refused.status_code == 400, wrong
        assert set(refused.json()["error"]["fields"]) == set(wrong)
    assert APIClient().post("/bench/floor/write/", body, format="json").status_code == 401
    assert _rows() == 1
