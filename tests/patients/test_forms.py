"""Forms the manager edits: versions with typed questions, required flags and conditions;
a published version is frozen; a patient's answers are checked against it (type, required,
conditions, nothing unknown) and stored with the version, or nothing is stored."""

from __future__ import annotations

import pytest
from django.test import Client

from clinic.audit import Actor
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import Role
from patients.models import Form, FormResponse, FormVersion, Question
from patients.services.forms import form_response_submit, form_version_publish
from tests.desk.helpers import client_for
from tests.factories import patient, staff
from treatments.models import Contraindication

pytestmark = pytest.mark.django_db


def _draft(form: Form, number: int = 1) -> FormVersion:
    version = FormVersion.objects.create(form=form, number=number)
    rows = [
        ("pregnant", "Are you pregnant?", "yes_no", True, [], "", ""),
        ("weeks", "How many weeks?", "number", True, [], "pregnant", "true"),
        ("skin", "Your skin type", "choice", True, ["dry", "oily", "normal"], "", ""),
        ("last_peel", "Date of your last peel", "date", False, [], "", ""),
        ("notes", "Anything else?", "text", False, [], "", ""),
    ]
    for i, (key, text, kind, required, choices, if_key, if_value) in enumerate(rows):
        Question.objects.create(
            version=version,
            position=i,
            key=key,
            text=text,
            kind=kind,
            required=required,
            choices=choices,
            show_if_key=if_key,
            show_if_value=if_value,
            contraindication=Contraindication.objects.first() if key == "pregnant" else None,
        )
    return version


@pytest.fixture
def manager_actor():
    return Actor(user=staff(Role.MANAGER))


@pytest.fixture
def published(manager_actor) -> FormVersion:
    version = _draft(Form.objects.create(slug="before-peel", title="Before a peel"))
    return form_version_publish(actor=manager_actor, version=version)


def _submit(p, version, answers):
    return form_response_submit(
        actor=Actor(user=p.user), patient=p, version=version, answers=answers
    )


def test_answers_are_stored_with_the_form_version(published):
    p = patient()
    answers = {"pregnant": True, "weeks": 12, "skin": "dry", "last_peel": "2026-01-05"}
    response = _submit(p, published, answers)
    stored = {a.question.key: a.value for a in response.answers.select_related("question")}
    assert stored == answers and response.version == published


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"skin": "dry"}, "pregnant", "Please answer yes or no."),
        ({"pregnant": "yes", "skin": "dry"}, "pregnant", "Answer yes or no."),
        ({"pregnant": True, "skin": "dry"}, "weeks", "This question needs an answer."),
        ({"pregnant": True, "weeks": "12", "skin": "dry"}, "weeks", "Give a number."),
        ({"pregnant": True, "weeks": True, "skin": "dry"}, "weeks", "Give a number."),
        ({"pregnant": False, "weeks": 3, "skin": "dry"}, "weeks", "not asked"),
        ({"pregnant": False, "skin": "purple"}, "skin", "Choose one of the answers offered."),
        ({"pregnant": False, "skin": "dry", "last_peel": "05/01/2026"}, "last_peel", "YYYY-MM-DD"),
        ({"pregnant": False, "skin": "dry", "notes": 42}, "notes", "at most"),
        ({"pregnant": False, "skin": "dry", "shoe_size": 40}, "shoe_size", "not on the form"),
    ],
)
def test_a_wrong_or_missing_answer_is_named_and_nothing_stored(published, answers, field, message):
    p = patient()
    with pytest.raises(Invalid) as caught:
        _submit(p, published, answers)
    assert message in " ".join(caught.value.fields[field])
    assert not FormResponse.objects.exists()


def test_only_the_current_published_version_is_answered(published, manager_actor):
    p = patient()
    draft = _draft(published.form, number=2)
    with pytest.raises(Invalid):  # a draft is not answered
        _submit(p, draft, {"pregnant": False, "skin": "dry"})
    form_version_publish(actor=manager_actor, version=draft)
    with pytest.raises(Invalid) as caught:  # the old version no longer is
        _submit(p, published, {"pregnant": False, "skin": "dry"})
    assert caught.value.code == "not_current_version"
    assert _submit(p, draft, {"pregnant": False, "skin": "dry"}).version == draft


def test_publishing_checks_the_version_and_only_the_manager_may(manager_actor):
    form = Form.objects.create(slug="empty", title="Empty")
    empty = FormVersion.objects.create(form=form, number=1)
    with pytest.raises(Invalid):
        form_version_publish(actor=manager_actor, version=empty)
    broken = _draft(Form.objects.create(slug="b", title="B"))
    Question.objects.filter(version=broken, key="weeks").update(show_if_key="later")
    with pytest.raises(Invalid) as caught:
        form_version_publish(actor=manager_actor, version=broken)
    assert "weeks" in caught.value.message
    good = _draft(Form.objects.create(slug="g", title="G"))
    with pytest.raises(Forbidden):
        form_version_publish(actor=Actor(user=staff(Role.RECEPTION)), version=good)
    form_version_publish(actor=manager_actor, version=good)
    with pytest.raises(Conflict):
        form_version_publish(actor=manager_actor, version=good)


def test_the_database_keeps_a_contraindication_question_yes_or_no(published):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(version=published, key="skin").update(
            contraindication=Contraindication.objects.first()
        )


def test_the_manager_edits_a_draft_in_the_admin_and_a_published_version_is_frozen(published):
    manager: Client = client_for(Role.MANAGER, is_staff=True)
    draft = _draft(published.form, number=2)
    assert manager.get(f"/admin/patients/formversion/{draft.pk}/change/").status_code == 200
    page = manager.get(f"/admin/patients/formversion/{published.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client_for(Role.RECEPTION).get("/admin/patients/formversion/").status_code == 302


def test_the_manager_publishes_a_draft_with_the_admin_action(published):
    manager: Client = client_for(Role.MANAGER, is_staff=True)
    draft = _draft(published.form, number=2)
    response = manager.post(
        "/admin/patients/formversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert "is published" in response.content.decode()


def test_the_patient_answers_on_their_page_and_the_chart_shows_it(published):
    p = patient()
    client = Client()
    client.force_login(p.user)
    url = f"/me/forms/{published.form.slug}/"
    page = client.get(url).content.decode()
    assert "Are you pregnant?" in page and "Only if you answered" in page
    refused = client.post(url, {"pregnant": "yes", "skin": "dry"})
    assert refused.status_code == 400
    assert "This question needs an answer." in refused.content.decode()
    assert not FormResponse.objects.exists()
    done = client.post(url, {"pregnant": "yes", "weeks": "12", "skin": "oily"})
    assert done.status_code == 302
    response = FormResponse.objects.get(patient=p)
    assert {a.question.key: a.value for a in response.answers.all()} == {
        "pregnant": True,
        "weeks": 12,
        "skin": "oily",
    }
    derm = client_for(Role.DERMATOLOGIST)
    chart = derm.get(f"/chart/patients/{p.pk}/").content.decode()
    assert "Before a peel" in chart and "How many weeks?" in chart and "oily" in chart
    from clinic.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="read", object_type="patients.formresponse", object_id=str(response.pk)
    ).exists()
    assert client.get("/me/forms/no-such-form/").status_code == 404


def test_the_safety_questionnaire_is_a_form_that_keeps_its_contraindication_mapping():
    from patients.models import Screening
    from patients.safety_form import safety_version

    version = safety_version()
    assert version is not None and version.form.slug == "safety-questionnaire"
    questions = list(version.questions.select_related("contraindication"))
    assert {q.contraindication.slug for q in questions} == set(
        Contraindication.objects.values_list("slug", flat=True)
    )
    p = patient()
    client = Client()
    client.force_login(p.user)
    first, *rest = questions
    answers = {q.key: "no" for q in rest}
    missing = client.post("/me/questionnaire/", answers)
    assert missing.status_code == 400 and "Please answer yes or no." in missing.content.decode()
    assert not Screening.objects.filter(patient=p).exists()
    assert client.post("/me/questionnaire/", {**answers, first.key: "yes"}).status_code == 302
    screening = Screening.objects.get(patient=p)
    declared = {a.contraindication.slug for a in screening.answers.filter(answer=True)}
    assert declared == {first.contraindication.slug}
    response = FormResponse.objects.get(patient=p)
    assert response.version == version and response.answers.count() == len(questions)


def test_the_safety_questionnaire_is_answered_only_on_its_own_page():
    """Its answers are the screening that clearance reads: the general form page, which
    stores answers only, sends the patient there and stores nothing."""
    from patients.models import Screening
    from patients.safety_form import safety_version

    questions = list(safety_version().questions.all())
    p = patient()
    client = Client()
    client.force_login(p.user)
    url = "/me/forms/safety-questionnaire/"
    assert client.get(url)["Location"] == "/me/questionnaire/"
    posted = client.post(url, {q.key: "no" for q in questions})
    assert posted.status_code == 302 and posted["Location"] == "/me/questionnaire/"
    assert not FormResponse.objects.filter(patient=p).exists()
    assert not Screening.objects.filter(patient=p).exists()


def test_a_new_safety_version_must_still_ask_every_contraindication(manager_actor):
    from patients.safety_form import safety_version

    current = safety_version()
    draft = FormVersion.objects.create(form=current.form, number=current.number + 1)
    for q in current.questions.all()[1:]:  # one contraindication forgotten
        q.pk, q.version = None, draft
        q.save()
    Question.objects.create(
        version=draft, position=99, key="sunburn", text="Sunburnt lately?", kind="yes_no"
    )
    with pytest.raises(Invalid) as caught:
        form_version_publish(actor=manager_actor, version=draft)
    assert "exactly one yes/no question" in caught.value.message
    first = current.questions.first()
    first.pk, first.version = None, draft
    first.save()
    form_version_publish(actor=manager_actor, version=draft)
    assert safety_version() == draft  # the extra question is asked from now on
