"""Safety questionnaire and treatment consent."""

import pytest
from django.core.management import call_command

from clinic.roles import Role
from demo import data as demo
from patients.clearance import clearance_for
from patients.models import ConsentAcceptance, ConsentText, Patient, Screening
from tests.factories import all_contraindications, api, patient, staff, treatment


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


def test_consent_must_be_the_current_version_and_is_stored_with_time(db):
    p = patient(consented=False)
    ConsentText.objects.create(version=2, body="New text")
    client = api(p.user)
    old = client.post(f"/api/patients/{p.pk}/consents/", {"version": 1}, format="json")
    assert old.status_code == 400
    assert "version" in old.json()["error"]["fields"]
    ok = client.post(f"/api/patients/{p.pk}/consents/", {"version": 2}, format="json")
    assert ok.status_code == 201
    acceptance = ConsentAcceptance.objects.get(patient=p)
    assert acceptance.consent.version == 2 and acceptance.accepted_at is not None


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
