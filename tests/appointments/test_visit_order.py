"""The visit's order holds (issue 16): check-in opens a set time before the start (the
clinic policy, 30 minutes by default) and not earlier; a session record needs a checked-in
session; completion and its messages follow the real visit. Found on a clinic day: at 15:08
a dermatologist recorded and signed the 16:15 session, which became "completed" and sent
its "thank you" an hour before the visit."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from appointments import services
from appointments.models import Appointment, ClinicPolicy, Status
from appointments.services import appointment_check_in, appointment_complete
from clinic.audit import Actor
from clinic.errors import Conflict
from clinic.roles import Role
from messaging.models import Message, MessageKind
from patients.models import ConsentAcceptance, ConsentText
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.chart.test_session_records import record
from tests.factories import api, consult, patient, screen, staff, token_api
from tests.patients.photo_helpers import private_files
from tests.patients.signature_helpers import signature_data_url

pytestmark = at_clinic_now
__all__ = ["private_files"]  # a fixture: signed consents go to a temporary directory


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
    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    pid = unconsented.patient_id
    assert error["code"] == "consent_missing"
    assert "current treatment consent (version 1)" in error["message"]
    assert error["consent_version"] == 1
    assert error["sign_url"] == f"/desk/patients/{pid}/consent/"
    assert error["sign_api"] == f"/api/patients/{pid}/consents/"
    unconsented.refresh_from_db()
    assert unconsented.status == Status.BOOKED
    assert not ConsentAcceptance.objects.filter(patient=unconsented.patient).exists()


def test_the_api_no_longer_takes_a_ticked_consent(unconsented, time_machine):
    time_machine.move_to(unconsented.start)
    ticked = token_api(staff(Role.RECEPTION)).post(
        f"/api/appointments/{unconsented.pk}/check-in/",
        {"screening_confirmed": True, "consent_taken": True},
        format="json",
    )
    assert ticked.status_code == 400, ticked.content
    assert "consent_taken" in ticked.json()["error"]["fields"]
    unconsented.refresh_from_db()
    assert unconsented.status == Status.BOOKED
    assert not ConsentAcceptance.objects.filter(patient=unconsented.patient).exists()


def test_a_consent_signed_through_the_api_lets_reception_check_in(
    unconsented, time_machine, private_files
):
    time_machine.move_to(unconsented.start)
    receptionist = staff(Role.RECEPTION)
    desk = token_api(receptionist)
    signed = desk.post(
        f"/api/patients/{unconsented.patient_id}/consents/",
        {"version": 1, "signature": signature_data_url()},
        format="json",
    )
    assert signed.status_code == 201, signed.content
    assert _check_in(desk, unconsented).status_code == 200
    taken = ConsentAcceptance.objects.get(patient=unconsented.patient)
    assert taken.consent.version == 1 and taken.recorded_by == receptionist
    assert taken.pdf_name and taken.pdf_sha256 == signed.json()["pdf_sha256"]


def test_an_acceptance_of_an_older_version_does_not_count(db, time_machine):
    """Acceptances recorded before signing replaced the tick box still count for their
    version; a newer text asks again, and only a signature answers it."""
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient(with_login=False)  # accepted version 1 (no PDF, as the tick box did)
    screen(p)
    consult(p)
    ConsentText.objects.create(version=2, body="New text")
    a = services.appointment_book(
        actor=Actor(user=staff(Role.RECEPTION)),
        patient=p,
        treatment=clinic.face,
        start=local(days_ahead(2), 10),
    )
    time_machine.move_to(a.start)
    refused = _check_in(token_api(staff(Role.RECEPTION)), a)
    assert refused.status_code == 409
    assert "version 2" in refused.json()["error"]["message"]


def test_the_desk_refuses_check_in_and_sends_the_patient_to_sign_on_the_tablet(
    unconsented, time_machine, private_files
):
    from tests.desk.helpers import client_for

    time_machine.move_to(unconsented.start)
    reception = client_for(Role.RECEPTION)
    pid = unconsented.patient_id
    for url in (f"/desk/appointments/{unconsented.pk}/", f"/desk/patients/{pid}/"):
        assert "Consent v1 not accepted" in reception.get(url).content.decode()
    url = f"/desk/appointments/{unconsented.pk}/check-in/"
    page = reception.get(url).content.decode()
    sign_link = f"/desk/patients/{pid}/consent/?next={quote(url)}"
    assert sign_link in page.replace("&amp;", "&")
    assert 'name="consent_taken"' not in page
    refused = reception.post(url, {"screening_confirmed": "on", "consent_taken": "on"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "has not signed the current treatment consent (version 1)" in text
    assert not ConsentAcceptance.objects.filter(patient_id=pid).exists()
    signed = reception.post(
        f"/desk/patients/{pid}/consent/",
        {"version": 1, "signature": signature_data_url(), "next": url},
    )
    assert signed.status_code == 302 and signed["Location"] == url
    assert "Let the patient sign on the tablet" not in reception.get(url).content.decode()
    done = reception.post(url, {"screening_confirmed": "on"})
    assert done.status_code == 302
    unconsented.refresh_from_db()
    assert unconsented.status == Status.CHECKED_IN
    page = reception.get(f"/desk/appointments/{unconsented.pk}/").content.decode()
    assert "Consent v1 accepted on" in page and "signed PDF" in page


def test_the_chart_shows_the_consent_state(unconsented):
    from tests.desk.helpers import client_for

    derm = client_for(Role.DERMATOLOGIST)
    chart = derm.get(f"/chart/patients/{unconsented.patient_id}/").content.decode()
    assert "Consent v1 not accepted" in chart
