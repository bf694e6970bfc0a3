"""A patient downloads all their data and nothing of anyone else; erasure keeps the
clinical record but removes the login, the contact data and the reminder consent."""

import json

import pytest
from django.contrib.auth import get_user_model

from clinic.models import AuditEvent
from patients.models import ErasureRecord, Patient
from tests.factories import api, consult, patient, screen


@pytest.fixture
def two(db):
    a, b = patient(), patient()
    for p in (a, b):
        screen(p)
        consult(p, plans={"microcurrent-therapy-face": 8})
    return a, b


def ids_in(export: dict) -> dict[str, set]:
    return {
        label: {row["pk"] for row in rows if "pk" in row}
        for label, rows in export["records"].items()
    }


def test_the_export_holds_every_record_of_the_patient_and_nothing_of_anyone_else(two):
    a, b = two
    response = api(a.user).get(f"/api/patients/{a.pk}/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    export = response.json()
    found = ids_in(export)
    assert found["patients.patient"] == {a.pk}
    assert found["patients.screening"] == set(a.screenings.values_list("pk", flat=True))
    assert found["patients.consultation"] == set(a.consultations.values_list("pk", flat=True))
    consultation = a.consultations.get()
    assert found["patients.contraindicationreview"] == set(
        consultation.reviews.values_list("pk", flat=True)
    )
    assert found["patients.treatmentplan"] == set(consultation.plans.values_list("pk", flat=True))
    assert len(found["patients.screeninganswer"]) == 10
    text = json.dumps(export)
    assert b.email not in text and b.last_name not in text
    assert AuditEvent.objects.filter(action="export", patient_id=a.pk).exists()


def test_erasure_removes_login_and_contacts_and_keeps_the_clinical_record(two):
    a, _ = two
    user_id = a.user_id
    client = api(a.user)
    assert (
        client.post(f"/api/patients/{a.pk}/erasure/", {"confirm": False}, format="json").status_code
        == 400
    )
    response = client.post(f"/api/patients/{a.pk}/erasure/", {"confirm": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["retention_reason"]
    a.refresh_from_db()
    assert (a.user_id, a.email, str(a.phone), a.remind_by_email, a.reminder_consent_at) == (
        None,
        "",
        "",
        False,
        None,
    )
    assert a.consultations.count() == 1 and a.screenings.count() == 1
    assert all(h.email == "" and not h.phone for h in a.history.all())
    user = get_user_model().objects.get(pk=user_id)
    assert not user.is_active and not user.has_usable_password() and user.email == ""
    assert ErasureRecord.objects.get(patient=a).removed["login"] is True
    assert Patient.objects.get(pk=a.pk).first_name  # the record itself stays identifiable
