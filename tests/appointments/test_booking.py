"""Booking through the API: the rules, the error shape, nothing half-saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, Closure, IdempotencyKey, WorkingException
from clinic.roles import Role
from tests.appointments.clinic_setup import (
    at_clinic_now,
    build_clinic,
    days_ahead,
    later_today,
    local,
)
from tests.factories import api, consult, patient, screen, staff, token_api

pytestmark = at_clinic_now


@pytest.fixture
def clinic(db):
    return build_clinic()


@pytest.fixture
def cleared(db):
    p = patient()
    screen(p)
    consult(p)
    return p


def book(client, **body):
    return client.post("/api/appointments/", body, format="json")


def test_a_cleared_patient_books_a_face_session_and_gets_a_room_and_device(clinic, cleared):
    start = local(days_ahead(3), 10)
    response = book(token_api(cleared.user), treatment=clinic.face.pk, start=start.isoformat())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["start"] == start.isoformat()
    assert data["status"] == "booked"
    a = Appointment.objects.get(pk=data["id"])
    assert a.device_id == clinic.devices[0].pk and a.room_id in {r.pk for r in clinic.rooms}
    assert a.blocked_until - a.end == timedelta(minutes=10)  # the device cleanup buffer
    assert a.booked_via == "api"


def test_a_patient_without_clearance_may_book_only_a_consultation_and_is_told_why(clinic):
    p = patient()
    screen(p)
    client = api(p.user)
    start = local(days_ahead(3), 10)
    refused = book(client, treatment=clinic.face.pk, start=start.isoformat())
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "not_cleared"
    assert "consultation" in error["message"]
    assert [r["code"] for r in error["reasons"]] == ["consultation_required"]
    assert (
        book(client, treatment=clinic.consultation.pk, start=start.isoformat()).status_code == 201
    )


def test_staff_cannot_override_a_not_cleared_decision(clinic):
    p = patient()
    screen(p)
    consult(p, clearance="not_cleared", present={"epilepsy": {"status": "present"}})
    response = book(
        api(staff(Role.RECEPTION)),
        treatment=clinic.face.pk,
        patient=p.pk,
        start=local(days_ahead(3), 10).isoformat(),
    )
    assert response.status_code == 403
    assert response.json()["error"]["absolute"] is True


def _bad_inputs(clinic, cleared):
    day = days_ahead(3)
    closed = days_ahead(5)
    Closure.objects.create(start_date=closed, end_date=closed, reason="Holiday")
    WorkingException.objects.create(practitioner=clinic.practitioners[0], date=day, kind="off")
    return [
        ("outside working hours", {"start": local(day, 20).isoformat()}, "start"),
        ("before opening", {"start": local(day, 6).isoformat()}, "start"),
        ("ends after hours", {"start": local(day, 17, 30).isoformat()}, "start"),
        ("in a closure", {"start": local(closed, 10).isoformat()}, "start"),
        ("in the past", {"start": (timezone.now() - timedelta(hours=3)).isoformat()}, "start"),
        (
            "inside the minimum notice",
            {
                "start": (timezone.now() + timedelta(minutes=30))
                .replace(second=0, microsecond=0)
                .isoformat()
            },
            "start",
        ),
        ("beyond the horizon", {"start": local(days_ahead(120), 10).isoformat()}, "start"),
        ("off the slot grid", {"start": local(day, 10, 7).isoformat()}, "start"),
        ("malformed start", {"start": "next tuesday"}, "start"),
        ("unknown treatment", {"treatment": 999999}, "treatment"),
        ("unknown practitioner", {"practitioner": 999999}, "practitioner"),
        (
            "practitioner on leave",
            {"practitioner": clinic.practitioners[0].pk, "start": local(day, 10).isoformat()},
            "start",
        ),
        ("unknown field", {"colour": "blue"}, "colour"),
        ("a patient booking for someone else", {"patient": patient().pk}, None),
    ]


def test_bad_booking_input_gets_a_clear_4xx_naming_the_problem_and_saves_nothing(clinic, cleared):
    client = api(cleared.user)
    for name, overrides, field in _bad_inputs(clinic, cleared):
        body = {"treatment": clinic.face.pk, "start": local(days_ahead(4), 11).isoformat()}
        body.update(overrides)
        response = book(client, **body)
        assert 400 <= response.status_code < 500, (name, response.status_code)
        error = response.json()["error"]
        assert error["message"], name
        if field:
            assert field in error["fields"], (name, error)
    assert not Appointment.objects.exists()


def test_the_same_slot_twice_is_a_409_in_the_shared_shape(clinic, cleared):
    other = patient()
    screen(other)
    consult(other)
    start = local(days_ahead(3), 10).isoformat()
    p0 = clinic.practitioners[0].pk
    assert (
        book(api(cleared.user), treatment=clinic.face.pk, start=start, practitioner=p0).status_code
        == 201
    )
    second = book(api(other.user), treatment=clinic.face.pk, start=start, practitioner=p0)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "slot_taken"
    # Without a named practitioner the other one is free, but the one device is not.
    third = book(api(other.user), treatment=clinic.face.pk, start=start)
    assert third.status_code == 409
    assert "device" in third.json()["error"]["taken"]


def test_the_patient_policy_for_cancel_and_move(clinic, cleared):
    client = api(cleared.user)
    soon = book(client, treatment=clinic.consultation.pk, start=local(days_ahead(1), 9).isoformat())
    assert soon.status_code == 201
    later = book(
        client, treatment=clinic.face.pk, start=local(days_ahead(5), 10).isoformat()
    ).json()
    # Within 24 hours: refused, with how to reach the clinic.
    a = Appointment.objects.get(pk=soon.json()["id"])
    Appointment.objects.filter(pk=a.pk).update(
        start=timezone.now() + timedelta(hours=5),
        end=timezone.now() + timedelta(hours=5, minutes=30),
        blocked_until=timezone.now() + timedelta(hours=5, minutes=30),
    )
    refused = client.post(f"/api/appointments/{a.pk}/cancel/", {}, format="json")
    assert refused.status_code == 403
    assert "call the clinic" in refused.json()["error"]["message"]
    moved = client.post(
        f"/api/appointments/{later['id']}/reschedule/",
        {"start": local(days_ahead(6), 11).isoformat()},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["start"] == local(days_ahead(6), 11).isoformat()
    cancelled = client.post(
        f"/api/appointments/{later['id']}/cancel/", {"reason": "Travelling"}, format="json"
    )
    assert cancelled.json()["status"] == "cancelled"


def test_staff_may_always_cancel_but_must_say_why(clinic, cleared):
    a = book(
        api(cleared.user),
        treatment=clinic.consultation.pk,
        start=local(days_ahead(2), 9).isoformat(),
    ).json()
    desk = api(staff(Role.RECEPTION))
    assert desk.post(f"/api/appointments/{a['id']}/cancel/", {}, format="json").status_code == 400
    ok = desk.post(f"/api/appointments/{a['id']}/cancel/", {"reason": "Doctor ill"}, format="json")
    assert ok.status_code == 200 and ok.json()["status_reason"] == "Doctor ill"


def test_a_cancelled_slot_can_be_booked_again(clinic, cleared):
    start = local(days_ahead(3), 10).isoformat()
    first = book(api(cleared.user), treatment=clinic.face.pk, start=start).json()
    api(staff(Role.RECEPTION)).post(
        f"/api/appointments/{first['id']}/cancel/", {"reason": "x"}, format="json"
    )
    assert book(api(cleared.user), treatment=clinic.face.pk, start=start).status_code == 201


def test_check_in_confirms_the_screening_and_no_show_only_after_the_start(clinic, cleared):
    desk = api(staff(Role.RECEPTION))
    a = book(
        desk,
        treatment=clinic.face.pk,
        patient=cleared.pk,
        start=local(days_ahead(2), 10).isoformat(),
    ).json()
    start = later_today()
    Appointment.objects.filter(pk=a["id"]).update(
        start=start, end=start + timedelta(minutes=45), blocked_until=start + timedelta(minutes=55)
    )
    early = desk.post(f"/api/appointments/{a['id']}/no-show/", {}, format="json")
    assert early.status_code == 400
    unconfirmed = desk.post(f"/api/appointments/{a['id']}/check-in/", {}, format="json")
    assert unconfirmed.status_code == 400
    assert "screening_confirmed" in unconfirmed.json()["error"]["fields"]
    checked = desk.post(
        f"/api/appointments/{a['id']}/check-in/", {"screening_confirmed": True}, format="json"
    )
    assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
    assert cleared.screenings.first().confirmed_at is not None
    assert (
        api(cleared.user)
        .post(f"/api/appointments/{a['id']}/check-in/", {}, format="json")
        .status_code
        == 403
    )


def test_patients_see_only_their_own_appointments(clinic, cleared):
    other = patient()
    desk = api(staff(Role.RECEPTION))
    mine = book(
        desk,
        treatment=clinic.consultation.pk,
        patient=cleared.pk,
        start=local(days_ahead(2), 9).isoformat(),
    ).json()
    theirs = book(
        desk,
        treatment=clinic.consultation.pk,
        patient=other.pk,
        start=local(days_ahead(2), 10).isoformat(),
    ).json()
    listing = api(cleared.user).get("/api/appointments/").json()["results"]
    assert [a["id"] for a in listing] == [mine["id"]]
    assert api(cleared.user).get(f"/api/appointments/{theirs['id']}/").status_code == 404
    assert (
        api(cleared.user)
        .post(f"/api/appointments/{theirs['id']}/cancel/", {}, format="json")
        .status_code
        == 404
    )
    assert api().get("/api/appointments/").status_code == 401


def test_the_list_filters_by_date_patient_practitioner_and_status(clinic, cleared):
    desk = api(staff(Role.RECEPTION))
    d2, d3 = days_ahead(2), days_ahead(3)
    a = book(
        desk, treatment=clinic.consultation.pk, patient=cleared.pk, start=local(d2, 9).isoformat()
    ).json()
    b = book(
        desk, treatment=clinic.consultation.pk, patient=cleared.pk, start=local(d3, 9).isoformat()
    ).json()
    desk.post(f"/api/appointments/{b['id']}/cancel/", {"reason": "x"}, format="json")
    ids = lambda **q: [x["id"] for x in desk.get("/api/appointments/", q).json()["results"]]  # noqa: E731
    assert ids(date=str(d2)) == [a["id"]]
    assert ids(status="cancelled") == [b["id"]]
    assert ids(patient=cleared.pk, date_from=str(d2), date_to=str(d3)) == [a["id"], b["id"]]
    assert ids(practitioner=a["practitioner"], status="booked") == [a["id"]]
    bad = desk.get("/api/appointments/", {"date": "yesterday"})
    assert bad.status_code == 400 and "date" in bad.json()["error"]["fields"]


def test_idempotency_key_replays_the_first_result(clinic, cleared):
    client = api(cleared.user)
    body = {"treatment": clinic.consultation.pk, "start": local(days_ahead(2), 9).isoformat()}
    first = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1
    other = client.post(
        "/api/appointments/",
        {**body, "start": local(days_ahead(2), 10).isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_an_error_is_replayed_too(clinic, cleared):
    client = api(cleared.user)
    body = {"treatment": clinic.face.pk, "start": local(days_ahead(2), 9, 7).isoformat()}
    first = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    again = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert first.status_code == again.status_code == 400
    assert first.json() == again.json()


def test_availability_validates_its_query(clinic):
    client = api()
    base = {"treatment": clinic.face.pk, "start": str(days_ahead(1)), "end": str(days_ahead(2))}
    for overrides, field in [
        ({"treatment": 999}, "treatment"),
        ({"practitioner": 999}, "practitioner"),
        ({"start": "2026-13-01"}, "start"),
        ({"end": str(days_ahead(0))}, "end"),
        ({"end": str(days_ahead(60))}, "end"),
        ({"treatment": "face"}, "treatment"),
    ]:
        response = client.get("/api/availability/", {**base, **overrides})
        assert response.status_code == 400, overrides
        assert field in response.json()["error"]["fields"], overrides
    assert client.get("/api/availability/", base).status_code == 200


def test_a_nul_character_in_a_key_is_refused_before_the_key_is_remembered(clinic, cleared):
    """The JSON parser refuses the NUL (clinic.parsers): there is no request to remember."""
    client = api(cleared.user)
    body = {"treatment": clinic.face.pk, "start": local(days_ahead(2), 9).isoformat(), "x\x00y": 1}
    first = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul-1")
    again = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="nul-1")
    assert first.status_code == again.status_code == 400
    assert "Idempotent-Replayed" not in again
    assert not IdempotencyKey.objects.exists()
