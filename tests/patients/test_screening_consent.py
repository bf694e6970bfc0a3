"""Safety questionnaire and treatment consent."""

import pytest
from django.core.management import call_command

from clinic.roles import Role
from demo import data as demo
from patients.clearance import clearance_for
from patients.models import ConsentAcceptance, ConsentText, Patient, Screening
from tests.factories import all_contraindications, api, patient, staff, treatment
from tests.patients.photo_helpers import private_files
from tests.patients.signature_helpers import signature_data_url

__all__ = ["private_files"]  # a fixture: signed consents go to a temporary directory


def answers(**yes):
    return {slug: yes.get(slug.replace("-", "_"), False) for slug in all_contraindications()}


def test_a_patient_answers_every_question_for_themself(db):
    p = patient()
    response = api(p.user).post(
        f"/api/patients/{p.pk}/screenings/", {"answers": answers(pacemaker=True)}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["answers"]["pacemaker"] is True
    assert "valid_until" in response.json()


@pytest.mark.parametrize("case", ["missing", "unknown", "not-boolean"])
def test_an_incomplete_or_unknown_answer_is_refused_and_nothing_saved(db, case):
    p = patient()
    body = answers()
    if case == "missing":
        body.pop("epilepsy")
    elif case == "unknown":
        body["unicorn-allergy"] = False
    else:
        body["epilepsy"] = "perhaps"
    response = api(p.user).post(
        f"/api/patients/{p.pk}/screenings/", {"answers": body}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert not Screening.objects.exists()


def test_consent_must_be_the_current_version_and_is_stored_with_time(db, private_files):
    p = patient(consented=False)
    ConsentText.objects.create(version=2, body="New text")
    client = api(p.user)
    url = f"/api/patients/{p.pk}/consents/"
    old = client.post(url, {"version": 1, "signature": signature_data_url()}, format="json")
    assert old.status_code == 400
    assert "version" in old.json()["error"]["fields"]
    ok = client.post(url, {"version": 2, "signature": signature_data_url()}, format="json")
    assert ok.status_code == 201, ok.content
    acceptance = ConsentAcceptance.objects.get(patient=p)
    assert acceptance.consent.version == 2 and acceptance.accepted_at is not None
    assert acceptance.pdf_name and ok.json()["pdf_sha256"] == acceptance.pdf_sha256
    again = client.post(url, {"version": 2, "signature": signature_data_url()}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"version": 1}, "invalid"),  # no signature: the tick box is gone
        ({"version": 1, "signature": ""}, "invalid"),
        ({"version": 1, "signature": "   "}, "invalid"),
        ({"version": 1, "signature": signature_data_url(strokes=0)}, "empty_signature"),
        ({"version": 1, "signature": "data:image/jpeg;base64,/9j/4AAQ"}, "bad_signature"),
    ],
)
def test_the_consent_api_takes_only_a_drawn_signature(db, private_files, body, code):
    p = patient(consented=False)
    response = api(p.user).post(f"/api/patients/{p.pk}/consents/", body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and "signature" in error["fields"]
    assert not ConsentAcceptance.objects.filter(patient=p).exists()
    assert not list(private_files.rglob("*.pdf"))  # no PDF was left behind


def test_reception_may_record_answers_but_not_read_them(db):
    p = patient()
    desk = api(staff(Role.RECEPTION))
    assert (
        desk.post(
            f"/api/patients/{p.pk}/screenings/", {"answers": answers()}, format="json"
        ).status_code
        == 201
    )
    assert desk.get(f"/api/patients/{p.pk}/screenings/").status_code == 403


def test_demo_data_has_the_three_patients_the_spec_names_and_loads_twice(db):
    call_command("load_demo")
    call_command("load_demo")
    p1, p2, p3 = (Patient.objects.get(user__username=f"patient{i}") for i in (1, 2, 3))
    face = treatment("microcurrent-therapy-face")
    assert clearance_for(p1, face).allowed
    assert "consultation_required" in clearance_for(p2, face).codes
    r3 = clearance_for(p3, face)
    assert not r3.allowed and r3.absolute
    assert Patient.objects.count() == 3
    assert demo.DEMO_PASSWORD in demo.logins_table()
