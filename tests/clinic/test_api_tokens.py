"""API tokens (clinic.tokens, clinic.token_api) and the second-factor rule on every API
authenticator (clinic.authentication), login lockout per person, the code-step limit."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.roles import Role
from clinic.tokens import api_token_issue
from tests.factories import consult, enable_totp, patient, screen, staff, totp_code

PASSWORD = "pw-123456789"  # tests.factories.UserFactory's


def verified(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def get_token(login: str, password: str = PASSWORD, code: str | None = None):
    body = {"login": login, "password": password}
    if code is not None:
        body["code"] = code
    return APIClient().post("/api/auth/token/", body, format="json")


@pytest.fixture
def dermatologist(db):
    return verified(staff(Role.DERMATOLOGIST, email="derm@example.com"))


# --- The second factor, whatever authenticates ------------------------------------------


def test_a_dermatologist_without_an_authenticator_reads_no_clinical_notes_with_a_token(
    dermatologist,
):
    """The finding: a DRF token let this account read consultations and screenings (200)
    while the web refused it. Now the token gets the web's answer."""
    p = patient()
    screen(p)
    note = consult(p, dermatologist=staff(Role.DERMATOLOGIST))
    token, _ = api_token_issue(user=dermatologist)  # e.g. from before the rule: by hand
    client = bearer(token)
    for path in (
        f"/api/patients/{p.pk}/consultations/",
        f"/api/consultations/{note.pk}/",
        f"/api/patients/{p.pk}/screenings/",
    ):
        response = client.get(path)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["error"]["code"] == "second_factor_required", path
        assert set(response.json()["error"]) >= {"code", "message", "fields"}
    enable_totp(dermatologist)  # the same token once the account has its authenticator
    assert client.get(f"/api/patients/{p.pk}/consultations/").status_code == 200


def test_every_api_view_authenticates_through_the_second_factor_rule():
    """The rule sits in the authenticators: a view with its own authenticators would
    bypass it. Only the health check, the token endpoint and the payment provider's webhook
    (which proves itself by its signature) take no credential."""
    from django.conf import settings
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.settings import api_settings

    from clinic.authentication import SecondFactorRule

    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert all(issubclass(a, SecondFactorRule) for a in api_settings.DEFAULT_AUTHENTICATION_CLASSES)

    def views(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from views(p.url_patterns)
            elif isinstance(p, URLPattern) and hasattr(p.callback, "cls"):
                yield p.callback.cls

    seen = set()
    for view in views(get_resolver().url_patterns):
        seen.add(view.__name__)
        authenticators = list(view.authentication_classes)
        if view.__name__ in {"HealthView", "TokenLoginView", "ProviderWebhook"}:
            assert authenticators == [], view
            continue
        assert authenticators, view
        assert all(issubclass(a, SecondFactorRule) for a in authenticators), view
    assert len(seen) > 20


def test_a_token_check_asks_the_database_nothing_once_its_user_is_cached(db):
    user = patient().user
    client = bearer(api_token_issue(user=user)[0])
    client.get("/api/treatments/")  # warm: the calendar, the catalog and the user's facts
    with CaptureQueriesContext(connection) as anonymous:
        APIClient().get("/api/treatments/")
    with CaptureQueriesContext(connection) as with_token:
        assert client.get("/api/treatments/").status_code == 200
    # the token's owner and the user's tokens come from the shared cache
    # (clinic.access.token_owners, Access.tokens), and knox's read of the user's other
    # tokens is skipped (clinic.authentication)
    assert len(with_token) == len(anonymous), [q["sql"] for q in with_token]
    # and a token issued since is seen at once: issuing it dropped the user's facts
    second = bearer(api_token_issue(user=user)[0])
    assert second.get("/api/treatments/").status_code == 200


def test_two_users_tokens_with_the_same_key_are_each_their_own_users(db, monkeypatch):
    """A token's key names its user (clinic.access.token_owners). A later token of
    another user with the same key (a collision) is seen at once, and each token stays
    its own user's."""
    from knox import crypto
    from knox.settings import CONSTANTS

    first, second = patient(), patient()
    for p in (first, second):
        verified(p.user)
    mine = api_token_issue(user=first.user)[0]
    assert bearer(mine).get(f"/api/patients/{first.pk}/").status_code == 200
    key = mine[: CONSTANTS.TOKEN_KEY_LENGTH]
    monkeypatch.setattr(crypto, "create_token_string", lambda: key + "f" * (len(mine) - len(key)))
    theirs = api_token_issue(user=second.user)[0]
    assert theirs.startswith(key) and theirs != mine

    assert bearer(theirs).get(f"/api/patients/{second.pk}/").status_code == 200
    assert bearer(theirs).get(f"/api/patients/{first.pk}/").status_code == 404
    assert bearer(mine).get(f"/api/patients/{first.pk}/").status_code == 200
    assert bearer(key + "0" * (len(mine) - len(key))).get("/api/treatments/").status_code == 401


# --- Getting a token ---------------------------------------------------------------------


def test_staff_get_a_token_with_password_and_a_current_code(dermatologist):
    secret = enable_totp(dermatologist)
    before = timezone.now()
    response = get_token(dermatologist.username, code=totp_code(secret))
    assert response.status_code == 200, response.content
    body = response.json()
    expiry = timezone.datetime.fromisoformat(body["expiry"])
    assert timedelta(hours=9, minutes=59) < expiry - before <= timedelta(hours=10, minutes=1)
    assert bearer(body["token"]).get("/api/patients/").status_code == 200
    assert AuthToken.objects.get(user=dermatologist).digest != body["token"]  # stored hashed


def test_staff_without_the_code_or_with_a_wrong_one_get_no_token(dermatologist):
    enable_totp(dermatologist)
    missing = get_token(dermatologist.username)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "code_required"
    assert "code" in missing.json()["error"]["fields"]
    wrong = get_token(dermatologist.username, code="000000")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "incorrect_code"
    assert not AuthToken.objects.filter(user=dermatologist).exists()


def test_staff_without_an_authenticator_get_no_token(dermatologist):
    response = get_token(dermatologist.username, code="123456")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"
    assert not AuthToken.objects.filter(user=dermatologist).exists()
    with pytest.raises(CommandError, match="authenticator"):
        call_command("drf_create_token", dermatologist.username, stdout=StringIO())


def test_a_wrong_password_gets_no_token_and_says_nothing_more(db):
    p = patient()
    for login in (p.user.username, "nobody-at-all"):
        response = get_token(login, password="not-the-password")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_credentials"


def test_patients_get_a_longer_token_by_username_or_email(db):
    p = patient()
    refused = get_token(p.user.username)  # as on the web: not before the email is confirmed
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "email_unverified"
    verified(p.user)
    for login in (p.user.username, p.user.email.upper()):
        response = get_token(login)
        assert response.status_code == 200, response.content
        expiry = timezone.datetime.fromisoformat(response.json()["expiry"])
        assert expiry - timezone.now() > timedelta(days=29)
        assert bearer(response.json()["token"]).get(f"/api/patients/{p.pk}/").status_code == 200


def test_the_token_command_prints_a_working_token(dermatologist):
    enable_totp(dermatologist)
    out = StringIO()
    call_command("drf_create_token", dermatologist.username, stdout=out, stderr=StringIO())
    assert bearer(out.getvalue().strip()).get("/api/patients/").status_code == 200
    out = StringIO()
    call_command("create_api_token", patient().user.username, stdout=out, stderr=StringIO())
    assert len(out.getvalue().strip()) == 64


def test_the_schema_documents_the_token_endpoints(db):
    schema = APIClient().get("/api/schema/?format=json").json()
    token = schema["paths"]["/api/auth/token/"]["post"]
    body = token["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert set(fields["properties"]) == {"login", "password", "code"}
    assert "429" in token["responses"]
    assert {"/api/auth/logout/", "/api/auth/logout-all/"} <= set(schema["paths"])


# --- Expiry and revocation -----------------------------------------------------------------


@pytest.fixture
def patient_token(db):
    p = patient()
    verified(p.user)
    return p, api_token_issue(user=p.user)[0]


def test_an_expired_token_is_refused_and_deleted(patient_token):
    p, token = patient_token
    client = bearer(token)
    assert client.get(f"/api/patients/{p.pk}/").status_code == 200
    expiry = AuthToken.objects.get(user=p.user).expiry
    with time_machine.travel(expiry + timedelta(seconds=1)):
        assert client.get(f"/api/patients/{p.pk}/").status_code == 401
    assert not AuthToken.objects.filter(user=p.user).exists()


@pytest.mark.parametrize("header", ["Token nonsense", "Token " + "é" * 70, "Token  ", "Token a b"])
def test_a_malformed_or_unknown_token_is_a_401(db, header):
    response = APIClient().get("/api/treatments/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"code", "message", "fields"}


def test_changing_the_password_revokes_the_tokens(patient_token):
    p, token = patient_token
    web = Client()
    web.force_login(p.user)
    changed = web.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-42",
            "password2": "a-new-long-password-42",
        },
    )
    assert changed.status_code == 302
    assert bearer(token).get(f"/api/patients/{p.pk}/").status_code == 401


def test_a_password_reset_revokes_the_tokens(patient_token, mailoutbox):
    import re

    p, token = patient_token
    web = Client()
    assert web.post("/accounts/password/reset/", {"email": p.user.email}).status_code == 302
    link = re.search(r"http://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[-1].body)
    form = web.get(link.group(1), follow=True)
    assert form.status_code == 200
    new = "a-new-long-password-42"
    done = web.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert done.status_code == 302, done.content[:300]
    assert bearer(token).get(f"/api/patients/{p.pk}/").status_code == 401


def test_logging_out_revokes_that_token_and_logging_out_everywhere_all(patient_token):
    p, laptop = patient_token
    phone, tablet = api_token_issue(user=p.user)[0], api_token_issue(user=p.user)[0]
    assert bearer(laptop).post("/api/auth/logout/").status_code == 204
    assert bearer(laptop).get(f"/api/patients/{p.pk}/").status_code == 401
    assert bearer(phone).get(f"/api/patients/{p.pk}/").status_code == 200
    web = Client()
    web.post("/accounts/login/", {"login": p.user.username, "password": PASSWORD})
    assert web.get(f"/api/patients/{p.pk}/").status_code == 200
    assert bearer(phone).post("/api/auth/logout-all/").status_code == 204
    for token in (phone, tablet):
        assert bearer(token).get(f"/api/patients/{p.pk}/").status_code == 401
    assert web.get(f"/api/patients/{p.pk}/").status_code in (401, 403)  # the session too


def test_logging_out_on_the_web_revokes_the_tokens(patient_token):
    p, token = patient_token
    web = Client()
    web.post("/accounts/login/", {"login": p.user.username, "password": PASSWORD})
    web.post("/accounts/logout/")
    assert bearer(token).get(f"/api/patients/{p.pk}/").status_code == 401


def test_deactivation_revokes_the_tokens(patient_token):
    p, token = patient_token
    p.user.is_active = False
    p.user.save()
    assert bearer(token).get(f"/api/patients/{p.pk}/").status_code == 401
    assert not AuthToken.objects.filter(user=p.user).exists()


def test_removing_the_authenticator_or_becoming_staff_revokes_the_tokens(dermatologist):
    enable_totp(dermatologist)
    token = api_token_issue(user=dermatologist)[0]
    Authenticator.objects.filter(user=dermatologist).delete()
    enable_totp(dermatologist)  # a new app proves new tokens, not the old ones
    assert bearer(token).get("/api/patients/").status_code == 401

    p = patient()
    token = api_token_issue(user=p.user)[0]
    enable_totp(p.user)
    p.user.groups.add(Group.objects.get(name=Role.RECEPTION))  # the patient joins the staff
    assert bearer(token).get("/api/patients/").status_code == 401


# --- Limits on the code step -----------------------------------------------------------------


def web_password_step(user) -> Client:
    client = Client()
    first = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert first.status_code == 302 and "/accounts/2fa/authenticate/" in first["Location"]
    return client


def test_six_wrong_codes_on_the_web_then_the_right_one_is_refused(dermatologist):
    """The finding: 200 wrong codes were all just "Incorrect code", then the right one
    logged in. Now 5 wrong codes lock the code step of the account."""
    secret = enable_totp(dermatologist)
    client = web_password_step(dermatologist)
    for _ in range(6):
        wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert wrong.status_code == 200
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert right.status_code == 200  # the code form again, not a login
    assert "Too many failed login attempts" in right.content.decode()
    assert client.get("/api/patients/").status_code in (401, 403)
    # The API's code step is the same lock: the password and the right code get no token.
    api = get_token(dermatologist.username, code=totp_code(secret))
    assert api.status_code == 429 and api.json()["error"]["code"] == "too_many_attempts"


def test_wrong_codes_on_the_api_lock_the_web_code_step_too(dermatologist):
    secret = enable_totp(dermatologist)
    for _ in range(5):
        assert get_token(dermatologist.username, code="000000").status_code == 400
    locked = get_token(dermatologist.username, code=totp_code(secret))
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_attempts"
    client = web_password_step(dermatologist)
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert "Too many failed login attempts" in right.content.decode()
    assert client.get("/api/patients/").status_code in (401, 403)


def test_the_code_lock_is_per_account_and_kept_in_the_shared_cache(dermatologist, settings):
    import redis

    secret = enable_totp(dermatologist)
    other = verified(staff(Role.RECEPTION, email="desk@example.com"))
    other_secret = enable_totp(other)
    for _ in range(5):
        get_token(dermatologist.username, code="000000")
    assert redis.Redis.from_url(settings.CACHE_URL).keys("*login_failed*")  # not in a process
    assert get_token(other.username, code=totp_code(other_secret)).status_code == 200
    assert get_token(dermatologist.username, code=totp_code(secret)).status_code == 429


def test_the_code_lock_ends_after_a_while(dermatologist):
    secret = enable_totp(dermatologist)
    for _ in range(5):
        get_token(dermatologist.username, code="000000")
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=True):
        response = get_token(dermatologist.username, code=totp_code(secret))
    assert response.status_code == 200, response.content


# --- One lockout per person, whatever they type ------------------------------------------


@pytest.fixture
def person(db):
    p = patient()
    return verified(p.user)


def web_login(login: str, password: str = PASSWORD):
    return Client().post("/accounts/login/", {"login": login, "password": password})


@pytest.mark.parametrize(
    ("wrong_as", "right_as"),
    [("username", "email"), ("email", "username"), ("USERNAME", "email")],
)
def test_failures_count_for_the_person_whatever_login_they_type(
    person, settings, wrong_as, right_as
):
    """The finding: 5 wrong passwords for `patient2` locked that username, but
    `patient2@example.com` then logged in (and cleared the count)."""
    typed = {
        "username": person.username,
        "USERNAME": person.username.upper(),
        "email": person.email,
    }
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert web_login(typed[wrong_as], "wrong-password").status_code in (200, 429)
    locked = web_login(typed[right_as])
    assert locked.status_code == 429, locked.status_code
    api = get_token(typed[right_as])
    assert api.status_code == 429 and api.json()["error"]["code"] == "too_many_attempts"


def test_failures_on_the_api_and_the_web_count_together(person, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login = person.email if i % 2 else person.username
        if i % 2:
            web_login(login, "wrong-password")
        else:
            get_token(login, password="wrong-password")
    assert web_login(person.username).status_code == 429
    assert get_token(person.email).status_code == 429


def test_a_login_that_names_nobody_is_counted_as_typed(db, settings):
    from axes.models import AccessAttempt

    web_login("No-Such-Person@example.com", "wrong-password")
    assert AccessAttempt.objects.filter(username="no-such-person@example.com").exists()
