"""Two production servers (gunicorn, separate processes and ports, as two hosts would run
them) sharing one PostgreSQL and one Redis: what one is told, the other enforces on the
very next request. The manager works in the admin on host A; reception books through
the API on host B."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import requests

from appointments.models import Closure
from clinic.roles import Role
from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.conftest import child_env, free_port, wait_until
from tests.factories import enable_totp, staff, totp_code
from tests.servers import start_gunicorn, stop_gunicorn

pytestmark = pytest.mark.slow

PASSWORD = "pw-123456789"  # tests.factories.UserFactory's
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Host:
    url: str
    web: subprocess.Popen

    def browser(self) -> Browser:
        return Browser(self.url)


class Browser:
    """A person's browser on one host: cookies, and forms posted with their CSRF token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url + path, timeout=20, **kwargs)

    def submit(self, path: str, data: dict) -> requests.Response:
        """Open the form at `path` and post it as the page's form would."""
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code)
        token = CSRF_FIELD.search(page.text)
        assert token, page.text[:500]
        return self.http.post(
            page.url,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Referer": page.url},
            timeout=20,
        )

    def log_in(self, user, code: str) -> requests.Response:
        self.submit("/accounts/login/", {"login": user.username, "password": PASSWORD})
        return self.submit("/accounts/2fa/authenticate/", {"code": code})


@pytest.fixture
def hosts(live_db, tmp_path: Path) -> Iterator[tuple[Host, Host]]:
    started: list[Host] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            env = child_env(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")
            host = Host(f"http://127.0.0.1:{port}", start_gunicorn(env, tmp_path / f"{name}.log"))
            started.append(host)
        for host in started:
            up = wait_until(lambda h=host: _answers(h.url), timeout=30)
            assert up, (tmp_path / "a.log").read_text()[-2000:]
        yield started[0], started[1]
    finally:
        for host in started:
            stop_gunicorn(host.web)


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def verified_staff(role: Role):
    from allauth.account.models import EmailAddress

    user = staff(role, email=f"{role}-{free_port()}@example.com", is_staff=role == Role.MANAGER)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def manager():
    user = verified_staff(Role.MANAGER)
    return user, enable_totp(user)


def token_of(user) -> str:
    from tests.factories import api_token_for

    return api_token_for(user)


class Desk:
    """Reception's API client on one host."""

    def __init__(self, host: Host, clinic, patient) -> None:
        self.host, self.clinic, self.patient = host, clinic, patient
        self.auth = {"Authorization": f"Token {token_of(verified_staff(Role.RECEPTION))}"}

    def slots(self, day: date) -> list[dict]:
        q = {"treatment": self.clinic.consultation.pk, "start": str(day), "end": str(day)}
        answer = requests.get(
            self.host.url + "/api/availability/", params=q, headers=self.auth, timeout=20
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["slots"]

    def book(self, day: date, hour: int) -> requests.Response:
        body = {
            "treatment": self.clinic.consultation.pk,
            "patient": self.patient.pk,
            "start": local(day, hour).isoformat(),
        }
        return requests.post(
            self.host.url + "/api/appointments/", json=body, headers=self.auth, timeout=20
        )


@pytest.fixture
def desk_b(hosts):
    from tests.factories import patient

    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    return Desk(hosts[1], clinic, patient(with_login=False))


def test_a_closure_saved_on_one_host_is_enforced_by_the_other_at_once(hosts, manager, desk_b):
    a, _ = hosts
    user, secret = manager
    day = days_ahead(5)
    assert desk_b.slots(day)  # host B has loaded the calendar: the day is open

    admin = a.browser()
    admin.log_in(user, totp_code(secret))
    saved = admin.submit(
        "/admin/appointments/closure/add/",
        {"start_date": day.isoformat(), "end_date": day.isoformat(), "reason": "Burst pipe"},
    )
    assert saved.status_code == 200 and Closure.objects.filter(start_date=day).exists()

    # The very next requests on host B.
    refused = desk_b.book(day, 10)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert "closed" in error["message"] and "Burst pipe" in error["message"]
    assert error["fields"]["start"] == [error["message"]]
    assert desk_b.slots(day) == []
    assert desk_b.book(days_ahead(6), 10).status_code == 201  # the next day is open


def test_a_change_of_policy_or_hours_on_one_host_is_enforced_by_the_other(hosts, manager, desk_b):
    from appointments.models import ClinicPolicy, OpeningHours

    a, _ = hosts
    user, secret = manager
    day = days_ahead(5)
    assert desk_b.slots(day)
    admin = a.browser()
    admin.log_in(user, totp_code(secret))

    policy = ClinicPolicy.objects.get(pk=1)
    form = {
        f.name: getattr(policy, f.name)
        for f in ClinicPolicy._meta.concrete_fields
        if f.editable and f.name != "reminder_offsets_minutes"
    }
    form.update(booking_horizon_days=3, reminder_offsets_minutes="1440,120")
    form["quiet_hours_start"] = policy.quiet_hours_start.strftime("%H:%M")
    form["quiet_hours_end"] = policy.quiet_hours_end.strftime("%H:%M")
    saved = admin.submit("/admin/appointments/clinicpolicy/1/change/", form)
    assert saved.status_code == 200 and ClinicPolicy.objects.get(pk=1).booking_horizon_days == 3
    refused = desk_b.book(day, 10)
    assert refused.status_code == 400 and "3 days ahead" in refused.json()["error"]["message"]

    soon = days_ahead(1)
    hours = OpeningHours.objects.get(weekday=soon.weekday())
    saved = admin.submit(
        f"/admin/appointments/openinghours/{hours.pk}/change/",
        {"weekday": hours.weekday, "start": "14:00", "end": "18:00"},
    )
    assert saved.status_code == 200
    assert desk_b.book(soon, 10).status_code == 400  # before the new opening time
    assert desk_b.book(soon, 15).status_code == 201
    assert all(local(soon, 14) <= _start(s) for s in desk_b.slots(soon))


def _start(slot: dict):
    from datetime import datetime

    return datetime.fromisoformat(slot["start"])


def test_an_authenticator_code_used_on_one_host_is_refused_on_the_other(hosts, manager):
    a, b = hosts
    user, secret = manager
    code = totp_code(secret, margin=15.0)  # the same period on both hosts

    first = a.browser()
    assert first.log_in(user, code).url.rstrip("/") != a.url + "/accounts/2fa/authenticate"
    assert first.get("/reports/").status_code == 200

    second = b.browser()
    replay = second.log_in(user, code)
    assert replay.url.endswith("/accounts/2fa/authenticate/")  # still asking for a code
    assert "Incorrect code" in replay.text
    assert second.get("/reports/", allow_redirects=False).status_code == 302


def test_login_lockout_counts_failures_on_both_hosts(hosts, settings):
    a, b = hosts
    reception = verified_staff(Role.RECEPTION)
    wrong = {"login": reception.username, "password": "not-the-password"}
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):  # on A and B in turn
        browser = (a if i % 2 else b).browser()
        assert browser.submit("/accounts/login/", wrong).status_code in (200, 429)
    for host in (a, b):
        locked = host.browser().submit(
            "/accounts/login/", {"login": reception.username, "password": PASSWORD}
        )
        assert locked.status_code == 429, host.url


def test_wrong_codes_on_both_hosts_lock_the_code_step_on_both(hosts, manager):
    """The code-step limit (allauth's, per account) lives in the shared Redis: wrong codes
    typed on A and B in turn add up, and then the right code is refused on either host,
    on the web and on the API token endpoint."""
    a, b = hosts
    user, secret = manager
    for i in range(5):
        wrong = (a if i % 2 else b).browser().log_in(user, "000000")
        assert "Incorrect code" in wrong.text
    on_a = a.browser()
    refused = on_a.log_in(user, totp_code(secret))
    assert refused.url.endswith("/accounts/2fa/authenticate/")
    assert "Too many failed login attempts" in refused.text
    assert on_a.get("/reports/", allow_redirects=False).status_code == 302
    body = {"login": user.username, "password": PASSWORD, "code": totp_code(secret)}
    api = requests.post(b.url + "/api/auth/token/", json=body, timeout=20)
    assert api.status_code == 429, api.text
    assert api.json()["error"]["code"] == "too_many_attempts"


def test_a_user_changed_elsewhere_is_seen_by_both_hosts_at_the_next_request(hosts, manager):
    """The user of a session and of a token comes from the shared cache (clinic.access,
    clinic.backends): a change committed by another process (this test's own) is seen by
    both hosts at the very next request."""
    from django.contrib.auth.models import Group

    a, b = hosts
    user, secret = manager
    on_a = a.browser()
    on_a.log_in(user, totp_code(secret))
    on_b = b.browser()
    on_b.http.cookies.update(on_a.http.cookies)  # the same session, kept in Redis
    token = {"Authorization": f"Token {token_of(user)}"}
    for host, browser in ((a, on_a), (b, on_b)):
        assert browser.get("/reports/", allow_redirects=False).status_code == 200, host.url
        assert requests.get(host.url + "/api/patients/", headers=token, timeout=20).ok

    user.groups.remove(Group.objects.get(name=Role.MANAGER))  # no longer staff
    for host, browser in ((a, on_a), (b, on_b)):
        assert browser.get("/reports/", allow_redirects=False).status_code == 403, host.url
        refused = requests.get(host.url + "/api/patients/", headers=token, timeout=20)
        assert refused.status_code == 403, host.url

    user.set_password("another-pw-987654")  # the session's password hash is stale now
    user.save()
    for browser in (on_a, on_b):
        page = browser.get("/reports/", allow_redirects=False)
        assert page.status_code == 302 and "/accounts/login/" in page.headers["Location"]


def test_a_token_revoked_on_one_host_is_refused_by_the_other_at_its_next_request(hosts):
    """A token is checked against its user's facts in the shared cache (clinic.access):
    logging out on one host drops them, and the other host, which had the token's facts,
    refuses it at once; the user's other token still works on both."""
    a, b = hosts
    user = verified_staff(Role.RECEPTION)
    phone, laptop = (
        {"Authorization": f"Token {token_of(user)}"},
        {"Authorization": f"Token {token_of(user)}"},
    )
    for host in (a, b):
        for token in (phone, laptop):
            assert requests.get(host.url + "/api/treatments/", headers=token, timeout=20).ok

    out = requests.post(a.url + "/api/auth/logout/", headers=phone, timeout=20)
    assert out.status_code == 204, out.text

    for host in (b, a):
        refused = requests.get(host.url + "/api/treatments/", headers=phone, timeout=20)
        assert refused.status_code == 401, host.url
        assert requests.get(host.url + "/api/treatments/", headers=laptop, timeout=20).ok
