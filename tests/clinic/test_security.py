"""Staff two-factor login, login throttling, session lifetimes, security headers."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clinic import access
from clinic.auth import has_totp
from clinic.roles import Role, is_staff_member, patient_id_of, roles_of
from clinic.security import LOGIN_AT, SEEN_AT
from tests.factories import enable_totp, login_staff, patient, staff, totp_code

PASSWORD = "pw-123456789"


def current_code(secret: str) -> str:
    return totp_code(secret)


def password_login(client: Client, user, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": user.username, "password": password})


@pytest.fixture
def reception(db):
    return staff(Role.RECEPTION, email="desk@example.com")


def verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def test_staff_log_in_with_password_then_a_totp_code(reception):
    secret = enable_totp(verified(reception))
    client = Client()
    first = password_login(client, reception)
    assert first.status_code == 302 and "/accounts/2fa/authenticate/" in first["Location"]
    assert client.get("/api/patients/").status_code in (401, 403)  # not logged in yet
    second = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert second.status_code == 302 and second["Location"] == "/desk/"  # the day's work
    assert client.get("/api/patients/").status_code == 200


@pytest.mark.parametrize(
    ("roles", "home"),
    [
        ([Role.RECEPTION], "/desk/"),
        ([Role.DERMATOLOGIST], "/chart/"),
        ([Role.MANAGER], "/reports/"),
        ([Role.MANAGER, Role.RECEPTION], "/desk/"),
    ],
)
def test_staff_land_on_their_own_work_page_after_login(db, roles, home):
    user = staff(roles[0], email=f"{roles[0]}@example.com")
    user.groups.add(*Group.objects.filter(name__in=roles[1:]))
    secret = enable_totp(verified(user))
    client = Client()
    password_login(client, user)
    done = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert done["Location"] == home
    assert client.get(home).status_code == 200


def test_a_login_that_asked_for_a_page_goes_there(reception):
    secret = enable_totp(verified(reception))
    client = Client()
    client.post(
        "/accounts/login/?next=/desk/week/", {"login": reception.username, "password": PASSWORD}
    )
    done = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert done["Location"] == "/desk/week/"


def test_a_wrong_totp_code_does_not_log_in(reception):
    enable_totp(verified(reception))
    client = Client()
    password_login(client, reception)
    client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert client.get("/api/patients/").status_code in (401, 403)


def test_staff_without_a_second_factor_cannot_reach_patient_data(reception):
    p = patient()
    client = Client()
    client.force_login(reception)  # a password login: no authenticator yet
    api = client.get(f"/api/patients/{p.pk}/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_factor_required"
    page = client.get("/")
    assert page.status_code == 302 and page["Location"] == "/accounts/2fa/totp/activate/"
    # Setting it up is allowed (allauth first asks for the password again).
    setup = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert setup.status_code == 200
    assert setup.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")


def test_removing_the_authenticator_app_stops_staff_access_at_the_next_request(reception):
    secret = enable_totp(verified(reception))
    client = Client()
    password_login(client, reception)
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert client.get("/api/patients/").status_code == 200
    Authenticator.objects.filter(user=reception).delete()  # e.g. a manager, in the admin
    refused = client.get("/api/patients/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"


def fresh(user):
    """The user as the next request loads it (Django's backend: one query)."""
    return get_user_model().objects.get(pk=user.pk)


def test_roles_patient_and_second_factor_come_from_the_shared_cache(reception):
    enable_totp(reception)
    own = patient()
    assert roles_of(fresh(reception)) and roles_of(fresh(own.user))  # the first read fills it
    with CaptureQueriesContext(connection) as queries:
        desk, person = fresh(reception), fresh(own.user)
        assert roles_of(desk) == {Role.RECEPTION} and is_staff_member(desk) and has_totp(desk)
        assert roles_of(person) == {Role.PATIENT} and patient_id_of(person) == own.pk
        assert not has_totp(person)
    assert len(queries) == 2  # loading the two users; their roles came from Redis
    assert cache.get(f"clinic:access:v:{reception.pk}") is not None


def test_a_process_keeps_a_versions_facts_and_rereads_them_when_the_version_moves(reception):
    assert roles_of(fresh(reception)) == {Role.RECEPTION}
    version_key = f"clinic:access:v:{reception.pk}"
    facts_key = f"clinic:facts:{reception.pk}:{cache.get(version_key)}"
    cache.delete(facts_key)  # gone from Redis: this process still knows that version's facts
    with CaptureQueriesContext(connection) as queries:
        assert roles_of(fresh(reception)) == {Role.RECEPTION}
    assert len(queries) == 1  # the user only
    assert cache.get(facts_key) is None  # neither read from the database nor stored again
    # Another process changes the roles and drops the version (clinic.access.forget); the
    # change is made here without the signals, as that other process's own write.
    get_user_model().groups.through.objects.filter(user_id=reception.pk).delete()
    cache.delete(version_key)
    assert roles_of(fresh(reception)) == frozenset()


def test_a_change_of_role_patient_record_or_authenticator_is_seen_at_the_next_request(
    reception,
):
    enable_totp(reception)
    assert roles_of(fresh(reception)) == {Role.RECEPTION} and has_totp(fresh(reception))
    reception.groups.add(Group.objects.get(name=Role.MANAGER))
    assert roles_of(fresh(reception)) == {Role.RECEPTION, Role.MANAGER}
    Group.objects.get(name=Role.MANAGER).user_set.remove(reception)  # from the group's side
    assert roles_of(fresh(reception)) == {Role.RECEPTION}
    Group.objects.get(name=Role.RECEPTION).user_set.clear()
    assert roles_of(fresh(reception)) == frozenset()
    Authenticator.objects.filter(user=reception).delete()
    assert not has_totp(fresh(reception))

    own, other = patient(), patient()
    assert patient_id_of(fresh(own.user)) == own.pk
    login = own.user
    own.user = None
    own.save()
    other.user = login
    other.save()
    assert patient_id_of(fresh(login)) == other.pk


def _user_queries(queries) -> list[str]:
    table = get_user_model()._meta.db_table
    return [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]]


def test_a_sessions_user_comes_from_the_shared_cache_with_its_facts(db):
    """clinic.backends: no query for the user of a logged-in request once their current
    version was read, in this process or (from Redis) in another."""
    p = patient()
    client = Client()
    client.force_login(p.user)  # the first backend that loads users: clinic.backends
    assert client.get(f"/api/patients/{p.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/patients/{p.pk}/").status_code == 200
    assert _user_queries(queries) == []
    access._seen.clear()  # as another process: only Redis knows the version's facts
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/patients/{p.pk}/").status_code == 200
    assert _user_queries(queries) == []


def test_a_user_saved_is_seen_by_the_next_request(db):
    p = patient()
    client = Client()
    client.force_login(p.user)
    assert client.get(f"/api/patients/{p.pk}/").status_code == 200
    p.user.first_name = "Renamed"
    p.user.save()
    assert access.user_of(p.user.pk).first_name == "Renamed"
    p.user.set_password("another-pw-987654")  # the session's hash no longer matches
    p.user.save()
    assert client.get(f"/api/patients/{p.pk}/").status_code == 401
    assert "_auth_user_id" not in client.session

    again = Client()
    again.force_login(p.user)
    assert again.get(f"/api/patients/{p.pk}/").status_code == 200
    p.user.is_active = False
    p.user.save()
    assert again.get(f"/api/patients/{p.pk}/").status_code == 401
    user_id = p.user.pk
    p.user.delete()  # (which sets p.user.pk to None)
    assert access.user_of(user_id) is None
    assert again.get(f"/api/patients/{p.pk}/").status_code == 401


def test_a_user_changed_without_signals_is_seen_once_its_version_is_dropped(db):
    """A change another process made without the model's signals (here an `update()`)
    is seen once the version moves, which is what `forget` does."""
    p = patient()
    assert access.user_of(p.user.pk).first_name == p.user.first_name
    get_user_model().objects.filter(pk=p.user.pk).update(first_name="Quietly")
    assert access.user_of(p.user.pk).first_name != "Quietly"  # still that version's row
    access.forget(p.user.pk)
    assert access.user_of(p.user.pk).first_name == "Quietly"


def test_a_staff_session_that_skipped_the_second_factor_is_ended(reception):
    enable_totp(reception)
    client = Client()
    client.force_login(reception)  # has an authenticator, but this session never used it
    assert client.get("/api/patients/").status_code == 403
    assert "_auth_user_id" not in client.session


def test_patients_may_log_in_without_a_second_factor(db):
    p = patient()
    verified(p.user)
    client = Client()
    assert password_login(client, p.user).status_code == 302
    assert client.get(f"/api/patients/{p.pk}/").status_code == 200


def test_repeated_failures_lock_the_login_out_with_a_clear_message(db, settings):
    p = patient()
    verified(p.user)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert password_login(client, p.user, "wrong-password").status_code in (200, 429)
    locked = password_login(client, p.user)  # even the right password, for a while
    assert locked.status_code == 429
    assert "locked" in locked.content.decode().lower()
    assert "_auth_user_id" not in client.session
    other = patient()
    verified(other.user)
    assert password_login(Client(), other.user).status_code == 302  # only that login is locked


@pytest.mark.parametrize("key", [SEEN_AT, LOGIN_AT], ids=["15-minutes-idle", "12-hours-in-all"])
def test_staff_sessions_end_when_idle_or_too_old(reception, key):
    client = Client()
    login_staff(client, reception)
    assert client.get("/api/patients/").status_code == 200
    session = client.session
    session[key] = time.time() - (16 * 60 if key == SEEN_AT else 13 * 3600)
    session.save()
    response = client.get("/api/patients/")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_an_active_staff_session_stays_open(reception):
    client = Client()
    login_staff(client, reception)
    session = client.session
    session[SEEN_AT] = time.time() - 10 * 60  # ten minutes idle: still in
    session.save()
    assert client.get("/api/patients/").status_code == 200


def test_logging_out_ends_the_users_other_sessions(db):
    p = patient()
    verified(p.user)
    laptop, phone = Client(), Client()
    password_login(laptop, p.user)
    password_login(phone, p.user)
    assert phone.get(f"/api/patients/{p.pk}/").status_code == 200
    laptop.post("/accounts/logout/")
    assert phone.get(f"/api/patients/{p.pk}/").status_code in (401, 403)


def test_changing_the_password_ends_the_other_sessions(db):
    p = patient()
    verified(p.user)
    laptop, phone = Client(), Client()
    password_login(laptop, p.user)
    password_login(phone, p.user)
    changed = laptop.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-42",
            "password2": "a-new-long-password-42",
        },
    )
    assert changed.status_code == 302
    assert laptop.get(f"/api/patients/{p.pk}/").status_code == 200
    assert phone.get(f"/api/patients/{p.pk}/").status_code in (401, 403)


def test_pages_carry_a_content_security_policy(db, client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
