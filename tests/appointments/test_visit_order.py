"""The visit's order holds (issue 16): check-in opens a set time before the start (the
clinic policy, 30 minutes by default) and not earlier; a session record needs a checked-in
session; completion and its messages follow the real visit. Found on a clinic day: at 15:08
a dermatologist recorded and signed the 16:15 session, which became "completed" and sent
its "thank you" an hour before the visit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments import services
from appointments.models import Appointment, ClinicPolicy, Status
from appointments.services import appointment_check_in, appointment_complete
from clinic.audit import Actor
from clinic.errors import Conflict
from clinic.roles import Role
from messaging.models import Message, MessageKind
from patients.models import ConsentAcceptance
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.chart.test_session_records import record
from tests.factories import api, consult, patient, screen, staff, token_api

pytestmark = at_clinic_now


@pytest.fixture
def session(db) -> Appointment:
    """A face session at 16:15 two days ahead, booked by reception."""
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient(with_login=False)
    screen(p)
    consult(p)
    response = token_api(staff(Role.RECEPTION)).post(
        "/api/appointments/",
        {
            "treatment": clinic.face.pk,
            "patient": p.pk,
            "start": local(days_ahead(2), 16, 15).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return Appointment.objects.get(pk=response.json()["id"])


def _check_in(client, a: Appointment):
    return client.post(
        f"/api/appointments/{a.pk}/check-in/", {"screening_confirmed": True}, format="json"
    )


def _record(client, a: Appointment):
    return record(a.pk, client)


def test_at_15_08_the_16_15_session_can_be_neither_checked_in_nor_recorded(session, time_machine):
    day = days_ahead(2)
    time_machine.move_to(local(day, 15, 8))
    desk, derm = token_api(staff(Role.RECEPTION)), api(staff(Role.DERMATOLOGIST))
    refused = _check_in(desk, session)
    assert refused.status_code == 400, refused.content
    error = refused.json()["error"]
    assert error["code"] == "too_early" and "15:45" in error["message"]
    recorded = _record(derm, session)
    assert recorded.status_code == 400, recorded.content
    assert recorded.json()["error"]["code"] == "appointment_not_attended"
    session.refresh_from_db()
    assert session.status == Status.BOOKED
    after_visit = [MessageKind.HOME_CARE, MessageKind.COURSE_NUDGE]
    assert not Message.objects.filter(appointment=session, kind__in=after_visit).exists()

    time_machine.move_to(local(day, 15, 45))  # the window opens 30 minutes before
    assert _check_in(desk, session).status_code == 200
    assert _record(derm, session).status_code == 201
    session.refresh_from_db()
    assert session.status == Status.COMPLETED


def test_the_window_is_the_clinic_policy(session, time_machine):
    ClinicPolicy.objects.update_or_create(id=1, defaults={"check_in_opens_minutes": 60})
    time_machine.move_to(session.start - timedelta(minutes=61))
    desk = token_api(staff(Role.RECEPTION))
    assert _check_in(desk, session).json()["error"]["code"] == "too_early"
    time_machine.move_to(session.start - timedelta(minutes=60))
    assert _check_in(desk, session).status_code == 200


def test_the_desk_offers_check_in_only_once_it_opens(session, time_machine):
    from tests.desk.helpers import client_for

    time_machine.move_to(session.start - timedelta(minutes=31))
    reception = client_for(Role.RECEPTION)  # logged in now: a staff session idles out
    page = reception.get(f"/desk/appointments/{session.pk}/").content.decode()
    assert f"/desk/appointments/{session.pk}/check-in/" not in page
    time_machine.move_to(session.start - timedelta(minutes=29))
    page = reception.get(f"/desk/appointments/{session.pk}/").content.decode()
    assert f"/desk/appointments/{session.pk}/check-in/" in page


def test_only_a_checked_in_session_is_completed(session):
    actor = Actor(user=staff(Role.DERMATOLOGIST))
    with pytest.raises(Conflict) as refused:
        appointment_complete(actor=actor, appointment=session, now=session.start)
    assert refused.value.code == "not_checked_in"
    receptionist = Actor(user=staff(Role.RECEPTION))
    appointment_check_in(
        actor=receptionist,
        appointment=session,
        screening_confirmed=True,
        now=session.start - timedelta(minutes=30),
    )
    done = appointment_complete(actor=actor, appointment=session, now=session.start)
    assert done.status == Status.COMPLETED


@pytest.fixture
def unconsented(db) -> Appointment:
    """A face session at 10:00 two days ahead for a patient who never accepted the consent
    (issue 16: patient2 was checked in, treated and completed without it)."""
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient(with_login=False, consented=False)
    screen(p)
    consult(p)
    actor = Actor(user=staff(Role.RECEPTION))
    return services.appointment_book(
        actor=actor, patient=p, treatment=clinic.face, start=local(days_ahead(2), 10)
    )


def test_a_device_session_is_not_checked_in_without_consent(unconsented, time_machine):
    time_machine.move_to(unconsented.start)
    desk = token_api(staff(Role.RECEPTION))
    refused = _check_in(desk, unconsented)
    assert refused.status_code == 400, refused.content
    error = refused.json()["error"]
    assert error["code"] == "consent_missing" and "consent_taken" in error["fields"]
    unconsented.refresh_from_db()
    assert unconsented.status == Status.BOOKED
    assert not ConsentAcceptance.objects.filter(patient=unconsented.patient).exists()


def test_reception_takes_the_consent_at_check_in(unconsented, time_machine):
    time_machine.move_to(unconsented.start)
    receptionist = staff(Role.RECEPTION)
    response = token_api(receptionist).post(
        f"/api/appointments/{unconsented.pk}/check-in/",
        {"screening_confirmed": True, "consent_taken": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    taken = ConsentAcceptance.objects.get(patient=unconsented.patient)
    assert taken.consent.version == 1 and taken.recorded_by == receptionist


def test_the_desk_shows_the_consent_and_takes_it_on_the_check_in_page(unconsented, time_machine):
    from tests.desk.helpers import client_for

    time_machine.move_to(unconsented.start)
    reception = client_for(Role.RECEPTION)
    pages = (f"/desk/appointments/{unconsented.pk}/", f"/desk/patients/{unconsented.patient_id}/")
    for url in pages:
        assert "Consent v1 not accepted" in reception.get(url).content.decode()
    url = f"/desk/appointments/{unconsented.pk}/check-in/"
    page = reception.get(url).content.decode()
    assert "Read the treatment consent (version 1) with the patient" in page
    refused = reception.post(url, {"screening_confirmed": "on"})
    assert refused.status_code == 400
    assert "Read the consent with the patient and record it." in refused.content.decode()
    done = reception.post(url, {"screening_confirmed": "on", "consent_taken": "on"})
    assert done.status_code == 302
    unconsented.refresh_from_db()
    assert unconsented.status == Status.CHECKED_IN
    page = reception.get(f"/desk/appointments/{unconsented.pk}/").content.decode()
    assert "Consent v1 accepted on" in page


def test_the_chart_shows_the_consent_state(unconsented):
    from tests.desk.helpers import client_for

    derm = client_for(Role.DERMATOLOGIST)
    chart = derm.get(f"/chart/patients/{unconsented.patient_id}/").content.decode()
    assert "Consent v1 not accepted" in chart
