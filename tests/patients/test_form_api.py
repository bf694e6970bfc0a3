"""POST /api/patients/{id}/forms/{slug}/responses/: a form's answers by API. Bad input
(a wrong type, a missing required answer, an answer to a question whose condition is not
met, an unknown key, a body that is not an object) is a 400 in the shared error shape
naming the question, and nothing is stored."""

from __future__ import annotations

import pytest

from clinic.audit import Actor
from clinic.roles import Role
from patients.models import Form, FormResponse, FormVersion, Question
from patients.services.forms import form_version_publish
from tests.factories import api, patient, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def peel_form() -> FormVersion:
    version = FormVersion.objects.create(
        form=Form.objects.create(slug="before-peel", title="Before a peel"), number=1
    )
    rows = [
        ("pregnant", "yes_no", True, [], "", ""),
        ("weeks", "number", True, [], "pregnant", "true"),
        ("skin", "choice", True, ["dry", "oily"], "", ""),
        ("last_peel", "date", False, [], "", ""),
    ]
    for i, (key, kind, required, choices, if_key, if_value) in enumerate(rows):
        Question.objects.create(
            version=version,
            position=i,
            key=key,
            text=key,
            kind=kind,
            required=required,
            choices=choices,
            show_if_key=if_key,
            show_if_value=if_value,
        )
    return form_version_publish(actor=Actor(user=staff(Role.MANAGER)), version=version)


def url(p, slug: str = "before-peel") -> str:
    return f"/api/patients/{p.pk}/forms/{slug}/responses/"


def test_the_patient_answers_and_gets_no_answers_back(peel_form):
    p = patient()
    answers = {"pregnant": True, "weeks": 12, "skin": "dry", "last_peel": "2026-01-05"}
    response = api(p.user).post(url(p), {"answers": answers}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["form"] == "before-peel" and body["version"] == 1 and "answers" not in body
    stored = FormResponse.objects.get(pk=body["id"])
    assert {a.question.key: a.value for a in stored.answers.all()} == answers


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"pregnant": "yes", "skin": "dry"}, "pregnant", "Answer yes or no."),
        ({"skin": "dry"}, "pregnant", "Please answer yes or no."),
        ({"pregnant": True, "skin": "dry"}, "weeks", "This question needs an answer."),
        ({"pregnant": True, "weeks": "12", "skin": "dry"}, "weeks", "Give a number."),
        ({"pregnant": False, "weeks": 3, "skin": "dry"}, "weeks", "not asked"),
        ({"pregnant": False, "skin": "purple"}, "skin", "Choose one of the answers offered."),
        ({"pregnant": False, "skin": "dry", "last_peel": "5.1.2026"}, "last_peel", "YYYY-MM-DD"),
        ({"pregnant": False, "skin": "dry", "shoe": 40}, "shoe", "not on the form"),
    ],
)
def test_bad_answers_are_a_400_naming_the_question_and_nothing_is_stored(
    peel_form, answers, field, message
):
    p = patient()
    response = api(p.user).post(url(p), {"answers": answers}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and message in " ".join(error["fields"][field])
    assert not FormResponse.objects.exists()


@pytest.mark.parametrize(
    "body", [{"answers": ["pregnant"]}, {"answers": {}, "extra": 1}, {}, ["answers"]]
)
def test_a_body_of_the_wrong_shape_is_a_400(peel_form, body):
    p = patient()
    response = api(p.user).post(url(p), body, format="json")
    assert response.status_code == 400 and "error" in response.json()
    assert not FormResponse.objects.exists()


def test_who_may_answer_and_which_forms(peel_form):
    p, other = patient(), patient()
    good = {"answers": {"pregnant": False, "skin": "oily"}}
    assert api(other.user).post(url(p), good, format="json").status_code == 404
    assert api(staff(Role.MANAGER)).post(url(p), good, format="json").status_code == 403
    assert api().post(url(p), good, format="json").status_code == 401
    assert api(p.user).post(url(p, "no-such-form"), good, format="json").status_code == 404
    # The safety questionnaire keeps its own endpoint (/screenings/) and its rules.
    safety = api(p.user).post(url(p, "safety-questionnaire"), good, format="json")
    assert safety.status_code == 404 and safety.json()["error"]["code"] == "not_found"
    assert api(staff(Role.RECEPTION)).post(url(p), good, format="json").status_code == 201
    assert FormResponse.objects.filter(patient=p).count() == 1
