"""The patient's own pages through Django's test client: sign-up and linking, the safety
questionnaire, consent, and the details page of a login without a record."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from clinic.roles import Role
from patients.models import ConsentAcceptance, Patient, Screening
from tests.factories import UserFactory, all_contraindications, login_staff, patient, staff
from tests.patients.signature_helpers import signature_data_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits_left_over():
    """allauth rate-limits verification mails per address in the cache: start clean."""
    cache.clear()


SIGN_UP = {
    "first_name": "Mariia",
    "last_name": "Hnatiuk",
    "date_of_birth": "1990-06-15",
    "email": "mariia@example.com",
    "password1": "a-long-pass-phrase-2026",
    "password2": "a-long-pass-phrase-2026",
}


def confirm_email(client) -> None:
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    assert client.post(link.group(1)).status_code == 302


def test_sign_up_gives_a_patient_login_and_record_and_asks_to_verify_the_email(client):
    response = client.post("/accounts/signup/", SIGN_UP)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="mariia@example.com")
    record = Patient.objects.get(user=user)
    assert (record.first_name, str(record.date_of_birth)) == ("Mariia", "1990-06-15")
    assert user.groups.filter(name=Role.PATIENT).exists()
    assert "confirm-email" in mail.outbox[-1].body
    assert client.get("/me/appointments/").status_code == 302  # not logged in before verifying


def test_sign_up_with_the_email_reception_registered_links_that_record_once_verified(client):
    known = patient(with_login=False, email="mariia@example.com", first_name="Maria")
    client.post("/accounts/signup/", SIGN_UP)
    user = get_user_model().objects.get(email="mariia@example.com")
    assert Patient.objects.filter(email__iexact="mariia@example.com").count() == 1
    known.refresh_from_db()
    assert known.user is None  # typing an address proves nothing yet

    confirm_email(client)
    known.refresh_from_db()
    assert known.user == user
    assert Patient.objects.filter(email__iexact="mariia@example.com").count() == 1
    assert client.get("/me/appointments/").status_code == 200


def test_bad_sign_up_input_is_shown_beside_the_fields_keeps_what_was_typed_saves_nothing(client):
    bad = {**SIGN_UP, "date_of_birth": "2099-01-01", "password2": "something-else-2026"}
    response = client.post("/accounts/signup/", bad)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Date of birth cannot be in the future." in page
    assert 'value="Mariia"' in page
    assert not get_user_model().objects.filter(email="mariia@example.com").exists()


def test_a_sign_up_looking_like_a_known_patient_is_refused_with_advice_and_saves_nothing(client):
    patient(with_login=False, first_name="Mariia", last_name="Hnatiuk", email="old@example.com")
    known = Patient.objects.get(email="old@example.com")
    response = client.post("/accounts/signup/", {**SIGN_UP, "date_of_birth": known.date_of_birth})
    assert response.status_code == 400
    assert "sign up with the email address you gave the clinic" in response.content.decode()
    assert not get_user_model().objects.filter(email="mariia@example.com").exists()
    assert Patient.objects.count() == 1


def test_a_patient_login_without_a_record_gives_its_details_first(client):
    user = UserFactory(role=Role.PATIENT, email="new@example.com")
    client.force_login(user)
    response = client.get("/book/")
    assert response.status_code == 302 and response["Location"].startswith("/me/profile/")
    bad = client.post("/me/profile/", {"first_name": "", "last_name": "Ok"})
    assert bad.status_code == 200 and "This field is required." in bad.content.decode()
    data = {"first_name": "New", "last_name": "Person", "date_of_birth": "1980-02-02"}
    assert client.post("/me/profile/?next=/book/", data)["Location"] == "/book/"
    assert Patient.objects.get(user=user).last_name == "Person"


def test_the_patient_pages_need_a_login_and_are_not_for_staff(client):
    for url in ("/me/questionnaire/", "/me/consent/"):
        assert client.get(url)["Location"].startswith("/accounts/login/")
    login_staff(client, staff(Role.RECEPTION))
    assert client.get("/me/questionnaire/").status_code == 403


def test_the_questionnaire_needs_every_answer_and_saves_nothing_until_then(client):
    p = patient()
    client.force_login(p.user)
    slugs = all_contraindications()
    partial = {slug: "no" for slug in slugs[:-1]}
    response = client.post("/me/questionnaire/", partial)
    assert response.status_code == 400
    assert response.content.decode().count("Please answer yes or no.") == 1
    assert response.content.decode().count(" checked") == len(slugs) - 1  # kept as typed
    assert not Screening.objects.filter(patient=p).exists()

    answers = {slug: "no" for slug in slugs} | {"pacemaker": "yes", "next": "/book/"}
    response = client.post("/me/questionnaire/", answers)
    assert response["Location"] == "/book/"
    screening = Screening.objects.get(patient=p)
    assert screening.answers.get(contraindication__slug="pacemaker").answer is True


def test_the_questionnaire_does_not_redirect_off_site(client):
    p = patient()
    client.force_login(p.user)
    answers = {slug: "no" for slug in all_contraindications()} | {"next": "https://evil.test/"}
    assert client.post("/me/questionnaire/", answers)["Location"] == "/book/"


def test_consent_is_accepted_only_when_signed(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "clinical": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    p = patient(consented=False)
    client.force_login(p.user)
    page = client.get("/me/consent/")
    assert "microcurrent therapy" in page.content.decode()
    refused = client.post("/me/consent/", {"version": 1})
    assert refused.status_code == 400 and "signature is empty" in refused.content.decode()
    signature = signature_data_url()
    stale = client.post("/me/consent/", {"version": 0, "signature": signature})
    assert stale.status_code == 400 and "current consent text" in stale.content.decode()
    assert not ConsentAcceptance.objects.filter(patient=p).exists()
    assert client.post("/me/consent/", {"version": 1, "signature": signature}).status_code == 302
    assert ConsentAcceptance.objects.filter(patient=p, consent__version=1).exists()


def test_log_in_by_username_or_email_and_land_where_the_role_works(client):
    from allauth.account.models import EmailAddress

    p = patient()
    desk = staff(Role.RECEPTION)
    for user in (p.user, desk):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    form = {"login": p.user.username, "password": "pw-123456789"}
    assert client.post("/accounts/login/", form)["Location"] == "/me/appointments/"
    client.post("/accounts/logout/")
    form = {"login": desk.email, "password": "pw-123456789"}
    assert client.post("/accounts/login/", form)["Location"] == "/desk/"  # 2FA set-up next
    client.post("/accounts/logout/")
    wrong = client.post("/accounts/login/", {**form, "password": "nope"})
    assert wrong.status_code == 200 and 'value="' + desk.email + '"' in wrong.content.decode()
