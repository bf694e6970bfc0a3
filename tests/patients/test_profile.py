"""The patient's profile page: details, language, channels and consent, what messages they
want; a new email address takes effect only once confirmed through allauth."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from clinic.roles import Role
from patients.models import Patient
from tests.factories import login_staff, patient, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits_left_over():
    cache.clear()  # allauth limits verification mails per address in the cache


def form_of(p: Patient, **changes) -> dict:
    data = {
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": p.email,
        "phone": str(p.phone),
        "preferred_language": p.preferred_language,
        "remind_by_email": "on" if p.remind_by_email else "",
        "remind_by_sms": "on" if p.remind_by_sms else "",
        "remind_before_session": "on" if p.remind_before_session else "",
        "optional_messages": "on" if p.optional_messages else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_profile_shows_the_patients_details_in_labelled_groups(client):
    p = patient(first_name="Oksana", remind_by_email=False)
    Patient.objects.filter(pk=p.pk).update(reminder_consent_at=None)
    client.force_login(p.user)
    page = client.get("/me/profile/").content.decode()
    assert 'value="Oksana"' in page and f'value="{p.email}"' in page
    for field in ("phone", "preferred_language", "remind_by_sms", "consent", "optional_messages"):
        assert f'id="id_{field}"' in page and f'for="id_{field}"' in page
    assert page.count("<legend>") == 4


def test_a_patient_changes_name_phone_language_and_what_messages_they_want(client):
    p = patient()
    client.force_login(p.user)
    data = form_of(
        p,
        first_name="Olena",
        phone="+380501112233",
        preferred_language="uk",
        remind_by_sms="on",
        remind_before_session="",
        optional_messages="",
    )
    response = client.post("/me/profile/", data)
    assert response.status_code == 302 and response["Location"] == "/me/profile/"
    p.refresh_from_db()
    assert (p.first_name, str(p.phone), p.preferred_language) == ("Olena", "+380501112233", "uk")
    assert p.remind_by_sms and not p.remind_before_session and not p.optional_messages
    assert "Your profile is saved." in client.get("/me/profile/").content.decode()


def test_turning_on_a_channel_needs_consent_once_and_saves_nothing_without_it(client):
    p = patient(remind_by_email=False)
    Patient.objects.filter(pk=p.pk).update(reminder_consent_at=None)
    client.force_login(p.user)
    refused = client.post("/me/profile/", form_of(p, remind_by_email="on", first_name="Changed"))
    assert refused.status_code == 400
    assert "Please agree to receive messages" in refused.content.decode()
    p.refresh_from_db()
    assert not p.remind_by_email and p.first_name != "Changed"
    ok = client.post("/me/profile/", form_of(p, remind_by_email="on", consent="on"))
    assert ok.status_code == 302
    p.refresh_from_db()
    assert p.remind_by_email and p.reminder_consent_at is not None


def test_sms_needs_a_phone_number_beside_the_field(client):
    p = patient(phone="")
    client.force_login(p.user)
    response = client.post("/me/profile/", form_of(p, remind_by_sms="on"))
    assert response.status_code == 400
    assert "Add your phone number to get SMS." in response.content.decode()
    p.refresh_from_db()
    assert not p.remind_by_sms


def test_bad_input_is_named_beside_its_field(client):
    p = patient()
    client.force_login(p.user)
    bad = form_of(p, phone="12", email="not-an-address", preferred_language="fr", first_name="1")
    response = client.post("/me/profile/", bad)
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("phone", "email", "preferred_language", "first_name"):
        (tag,) = re.findall(rf'<(?:input|select)[^>]*id="id_{field}"[^>]*>', page)
        assert 'aria-invalid="true"' in tag, tag  # its message is beside it
    assert Patient.objects.get(pk=p.pk).first_name == p.first_name


def test_a_new_email_takes_effect_only_once_its_link_is_opened(client):
    p = patient(email="old@example.com")
    client.force_login(p.user)
    response = client.post("/me/profile/", form_of(p, email="new@example.com"))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.email == "old@example.com"  # not yet
    assert mail.outbox[-1].to == ["new@example.com"]
    page = client.get("/me/profile/").content.decode()
    assert "Waiting for confirmation: new@example.com" in page
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert client.post(link.group(1)).status_code == 302
    p.refresh_from_db()
    p.user.refresh_from_db()
    assert p.email == "new@example.com" and p.user.email == "new@example.com"


def test_an_email_of_another_patient_is_refused(client):
    patient(email="taken@example.com")
    p = patient()
    client.force_login(p.user)
    response = client.post("/me/profile/", form_of(p, email="Taken@example.com"))
    assert response.status_code == 400
    assert "belongs to another patient record" in response.content.decode()
    assert not mail.outbox


def test_the_profile_needs_a_login_and_sends_staff_away(client):
    assert client.get("/me/profile/")["Location"].startswith("/accounts/login/")
    login_staff(client, staff(Role.RECEPTION))
    assert client.get("/me/profile/").status_code == 302


def test_the_profile_is_in_ukrainian_for_a_ukrainian_visitor(client):
    p = patient()
    client.force_login(p.user)
    client.post("/i18n/setlang/", {"language": "uk", "next": "/me/profile/"})
    page = client.get("/me/profile/").content.decode()
    assert "Ваш профіль" in page and "Нагадування перед кожним сеансом" in page


def test_signing_in_greets_the_patient_by_name_not_by_a_made_up_username(client):
    from allauth.account.models import EmailAddress

    p = patient(first_name="Oksana")
    EmailAddress.objects.create(user=p.user, email=p.user.email, verified=True, primary=True)
    form = {"login": p.user.email, "password": "pw-123456789"}
    page = client.post("/accounts/login/", form, follow=True).content.decode()
    assert "Successfully signed in as Oksana." in page
    assert p.user.username not in page


def test_the_email_confirmation_subject_is_in_sentence_case_in_both_languages(client):
    from django.utils import translation

    p = patient(email="old@example.com")
    client.force_login(p.user)
    client.post("/me/profile/", form_of(p, email="new@example.com"))
    assert mail.outbox[-1].subject.endswith("Please confirm your email address")
    with translation.override("uk"):
        client.post("/i18n/setlang/", {"language": "uk", "next": "/"})
        client.post("/me/profile/", form_of(p, email="new2@example.com"))
    assert mail.outbox[-1].subject.endswith("Будь ласка, підтвердьте адресу електронної пошти")
