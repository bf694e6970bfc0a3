"""The form page (/me/forms/<slug>/) with bad input: each problem beside its question,
nothing stored."""

from __future__ import annotations

import pytest
from django.test import Client

from patients.models import FormResponse, Question
from tests.factories import patient
from tests.messaging.form_helpers import due_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_page():
    version = due_form("before-peel", due_before="")
    Question.objects.create(version=version, position=1, key="weeks", text="Weeks?", kind="number")
    p = patient()
    client = Client()
    client.force_login(p.user)
    return client, "/me/forms/before-peel/"


@pytest.mark.parametrize(
    ("posted", "key", "message"),
    [
        ({"implant": "no", "weeks": "many"}, "weeks", "Enter a number."),
        ({"implant": "perhaps", "weeks": "3"}, "implant", "Select a valid choice."),
        ({"weeks": "3"}, "implant", "Please answer yes or no."),
        ({"implant": "no"}, "weeks", "This question needs an answer."),
    ],
)
def test_bad_input_is_named_beside_the_question_and_nothing_stored(form_page, posted, key, message):
    client, url = form_page
    response = client.post(url, posted)
    assert response.status_code == 400
    # Beside the field: the message is in the error list Django ties to that input.
    assert f'id="id_{key}_error"' in response.content.decode()
    field_errors = response.context["form"].errors[key]
    assert any(message in e for e in field_errors)
    assert not FormResponse.objects.exists()
