"""Session records: current limits from seed 003, signing and amending."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments.models import Appointment, SessionRecord, Status
from clinic.models import AuditEvent
from clinic.roles import Role
from tests.appointments.clinic_setup import (
    at_clinic_now,
    build_clinic,
    days_ahead,
    local,
    started_today,
)
from tests.factories import api, consult, patient, screen, staff, token_api

pytestmark = at_clinic_now


@pytest.fixture
def visit(db):
    """A face session today whose patient has been checked in."""
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient(with_login=False)
    screen(p)
    consult(p)
    desk = token_api(staff(Role.RECEPTION))
    data = desk.post(
        "/api/appointments/",
        {
            "treatment": clinic.face.pk,
            "patient": p.pk,
            "start": local(days_ahead(2), 10).isoformat(),
        },
        format="json",
    ).json()
    start = started_today()
    Appointment.objects.filter(pk=data["id"]).update(
        start=start, end=start + timedelta(minutes=45), blocked_until=start + timedelta(minutes=55)
    )
    assert (
        desk.post(
            f"/api/appointments/{data['id']}/check-in/",
            {"screening_confirmed": True},
            format="json",
        ).status_code
        == 200
    )
    return data["id"]


def record(appointment_id: int, client, **overrides):
    body = {
        "current_ua": 400,
        "frequency_hz": "10.00",
        "waveform": "biphasic",
        "areas": ["face"],
        "duration_minutes": 40,
        "conductive_gel": "Aqua gel",
        "tone_clinician": 6,
        "puffiness_clinician": 4,
        "elasticity_clinician": 5,
        "tone_patient": 7,
        **overrides,
    }
    return client.post(f"/api/appointments/{appointment_id}/session-record/", body, format="json")


@pytest.fixture
def derm(db):
    return api(staff(Role.DERMATOLOGIST))


@pytest.mark.parametrize(
    ("current", "justification", "expected", "field"),
    [
        (600, "", 201, None),  # the recommended maximum needs no reason
        (601, "", 400, "current_justification"),
        (601, "Deep hypertonicity of the masseter.", 201, None),
        (1499, "Resistant muscle spasm, short exposure.", 201, None),
        (1500, "Any reason at all", 400, "current_ua"),
        (1600, "Any reason at all", 400, "current_ua"),
    ],
)
def test_current_limits(visit, derm, current, justification, expected, field):
    response = record(visit, derm, current_ua=current, current_justification=justification)
    assert response.status_code == expected, response.content
    if field:
        assert field in response.json()["error"]["fields"]
        assert not SessionRecord.objects.exists()
    else:
        assert SessionRecord.objects.get().current_ua == current


def test_the_database_refuses_a_current_of_1500_whatever_the_code_path(visit):
    from django.db import IntegrityError, transaction

    a = Appointment.objects.get(pk=visit)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionRecord.objects.create(
            appointment=a,
            patient_id=a.patient_id,
            current_ua=1500,
            recommended_max_ua=600,
            current_justification="x",
            frequency_hz=10,
            waveform="sine",
            areas=["face"],
            duration_minutes=30,
            created_by=staff(Role.DERMATOLOGIST),
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"frequency_hz": "0.10"}, "frequency_hz"),  # below the treatment's minimum
        ({"areas": ["body"]}, "areas"),  # a face treatment
        ({"tone_clinician": 11}, "tone_clinician"),
        ({"waveform": "square-ish"}, "waveform"),
        ({"duration_minutes": 0}, "duration_minutes"),
    ],
)
def test_bad_session_parameters_are_refused_by_field(visit, derm, overrides, field):
    response = record(visit, derm, **overrides)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_recording_completes_the_visit_and_reading_is_audited(visit, derm):
    assert record(visit, derm).status_code == 201
    assert Appointment.objects.get(pk=visit).status == Status.COMPLETED
    before = AuditEvent.objects.count()
    assert derm.get(f"/api/appointments/{visit}/session-record/").status_code == 200
    assert AuditEvent.objects.count() == before + 1


def test_a_cancelled_appointment_cannot_get_a_session_record(db, derm):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient(with_login=False)
    screen(p)
    consult(p)
    desk = token_api(staff(Role.RECEPTION))
    a = desk.post(
        "/api/appointments/",
        {
            "treatment": clinic.face.pk,
            "patient": p.pk,
            "start": local(days_ahead(2), 10).isoformat(),
        },
        format="json",
    ).json()
    desk.post(f"/api/appointments/{a['id']}/cancel/", {"reason": "ill"}, format="json")
    response = record(a["id"], derm)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "appointment_not_attended"


def test_a_signed_record_is_read_only_and_amendments_keep_the_original(visit, derm):
    created = record(visit, derm, sign=True).json()
    assert created["status"] == "signed"
    amend = derm.post(
        f"/api/session-records/{created['id']}/amendments/",
        {"reason": "Wrong current typed", "changes": {"current_ua": 450}},
        format="json",
    )
    assert amend.status_code == 201, amend.content
    assert amend.json()["changes"] == {"current_ua": {"from": 400, "to": 450}}
    r = SessionRecord.objects.get()
    assert r.current_ua == 450
    assert r.history.earliest().current_ua == 400
    over = derm.post(
        f"/api/session-records/{created['id']}/amendments/",
        {"reason": "x", "changes": {"current_ua": 1600}},
        format="json",
    )
    assert over.status_code == 400


def test_reception_cannot_read_or_write_session_records(visit):
    desk = api(staff(Role.RECEPTION))
    assert record(visit, desk).status_code == 403
    assert desk.get(f"/api/appointments/{visit}/session-record/").status_code == 403
