"""Cancel reasons from the manager's list: the desk and the API take a reason id, free text
only as "other" with a note; patients' own cancels count as "by_patient"."""

from __future__ import annotations

import pytest
from django.utils import translation

from appointments.models import CancelReason, Status
from appointments.services import appointment_cancel
from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.desk.helpers import book, cleared_patient
from tests.factories import staff, token_api

pytestmark = at_clinic_now


@pytest.fixture
def clinic(db):
    return build_clinic(practitioners=2, rooms=2, devices=1)


@pytest.fixture
def desk(db):
    return token_api(staff(Role.RECEPTION))


def reason(code: str) -> CancelReason:
    return CancelReason.objects.get(code=code)


def booked(clinic, days: int = 3):
    return book(cleared_patient(), clinic.face, local(days_ahead(days), 10))


def test_the_seeded_reasons_are_offered_in_order_and_in_the_callers_language(clinic, desk):
    english = desk.get("/api/cancel-reasons/").json()
    assert english[0] == {
        "id": reason("by_patient").pk,
        "code": "by_patient",
        "label": "The patient cancelled",
        "needs_note": False,
    }
    assert english[-1]["code"] == "other" and english[-1]["needs_note"] is True
    with translation.override("en"):  # the request's language must not stay on this thread
        ukrainian = desk.get("/api/cancel-reasons/", HTTP_ACCEPT_LANGUAGE="uk").json()
    assert [r["label"] for r in ukrainian][:2] == ["Пацієнт скасував", "Хвороба"]


def test_staff_cancel_through_the_api_with_a_reason_id(clinic, desk):
    a = booked(clinic)
    response = desk.post(
        f"/api/appointments/{a.pk}/cancel/", {"reason_id": reason("illness").pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["cancel_reason"] == reason("illness").pk
    a.refresh_from_db()
    assert (a.status, a.cancel_reason.code, a.status_reason) == (
        Status.CANCELLED,
        "illness",
        "Illness",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason_id": 999999}, "reason_id"),  # unknown
        ({"reason_id": "inactive"}, "reason_id"),  # switched off by the manager
        ({"reason_id": "other"}, "reason"),  # "other" needs a note
        ({"reason_id": "other", "reason": "  "}, "reason"),
        ({}, "reason"),  # staff always give a reason
        ({"reason_id": "ill"}, "reason_id"),  # not an id
    ],
)
def test_bad_reasons_are_a_400_naming_the_field_and_nothing_changes(clinic, desk, body, field):
    a = booked(clinic)
    CancelReason.objects.filter(code="travel").update(is_active=False)
    ids = {"inactive": reason("travel").pk, "other": reason("other").pk}
    body = {k: ids.get(v, v) if k == "reason_id" else v for k, v in body.items()}
    response = desk.post(f"/api/appointments/{a.pk}/cancel/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    a.refresh_from_db()
    assert a.status == Status.BOOKED and a.cancel_reason is None


def test_a_staff_note_without_a_reason_counts_as_other(clinic):
    a = booked(clinic)
    appointment_cancel(actor=Actor(user=staff(Role.RECEPTION)), appointment=a, reason="Flooded")
    a.refresh_from_db()
    assert (a.cancel_reason.code, a.status_reason) == ("other", "Flooded")


def test_a_patients_own_cancel_counts_as_by_patient(clinic):
    from tests.factories import patient

    p = patient()
    from tests.factories import consult, screen

    screen(p)
    consult(p)
    a = book(p, clinic.face, local(days_ahead(3), 10))
    appointment_cancel(actor=Actor(user=p.user), appointment=a)
    a.refresh_from_db()
    assert (a.cancel_reason.code, a.status_reason) == ("by_patient", "Cancelled by the patient")


def test_the_database_keeps_reasons_for_cancelled_appointments_only(clinic):
    from django.db import IntegrityError, transaction

    from appointments.models import Appointment

    a = booked(clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=a.pk).update(cancel_reason=reason("illness"))


def test_an_inactive_reason_is_refused_by_the_service(clinic):
    a = booked(clinic)
    CancelReason.objects.filter(code="cost").update(is_active=False)
    with pytest.raises(Invalid):
        appointment_cancel(
            actor=Actor(user=staff(Role.RECEPTION)), appointment=a, reason_id=reason("cost").pk
        )


def test_a_cancel_from_a_message_link_counts_as_by_patient(clinic):
    from appointments.services.status import appointment_cancel_by_link

    a = booked(clinic, days=5)
    appointment_cancel_by_link(appointment=a, reason="Cancelled from the link in a message")
    a.refresh_from_db()
    assert a.cancel_reason.code == "by_patient"
    assert a.status_reason == "Cancelled from the link in a message"
