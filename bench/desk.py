"""Row D of the benchmark (PERFORMANCE.md): the reception's day page (HTML), all
practitioners, a full day, requested with a logged-in reception session.

How bench/run.py uses it (run.py starts the server and wrk; this module starts nothing):

1. After `bench.build` has made the clinic (it creates the `bench-reception` user), run
   this module in a subprocess with the production environment, as `queries()` does:

       out = subprocess.run(
           [sys.executable, "-m", "bench.desk", str(info_path)],
           cwd=ROOT, env=production_env(), check=True, capture_output=True, text=True,
       ).stdout
       desk = json.loads(out.strip().splitlines()[-1])
       # {"cookie": "sessionid=...", "path": "/desk/?day=YYYY-MM-DD", "queries": 4}

   or, in-process under production settings: `cookie = desk_session_cookie(info)`,
   `path = desk_path(desk_day())`, `desk_queries(cookie, path)`.

2. Load the page with wrk, the cookie as a header (run.wrk() needs a `headers` argument
   that adds `-H "Cookie: ..."`), after the usual warm-up:

       wrk -t2 -c16 -d10s --latency --timeout 10s -H "Cookie: sessionid=..." \\
           "http://127.0.0.1:8099/desk/?day=YYYY-MM-DD"

   then judge(row, base, 0.25); `desk["queries"]` is D's entry in row Q (<= 8).

The session is written straight into the session store, as a finished password and
second-factor (TOTP) login leaves it, so no login form and no code is involved. Two
things to keep: the server must run with the same DJANGO_SECRET_KEY as the process that
made the cookie (run.production_env() draws a new key on every call: compute the
environment once and pass it to both), and a staff session ends after the idle timeout
(15 minutes by default), so make it right before row D.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

RECEPTION = "bench-reception"
BACKEND = "clinic.backends.AuthenticationBackend"


def desk_day(today: date | None = None) -> date:
    """The next working day (Monday to Saturday): bench.build fills the days after today
    to about 85 %."""
    from django.utils import timezone

    day = (today or timezone.localdate()) + timedelta(days=1)
    return day if day.weekday() < 6 else day + timedelta(days=1)


def desk_path(day: date) -> str:
    return f"/desk/?day={day.isoformat()}"


def _second_factor(user: Any) -> dict[str, Any]:
    """What a password plus TOTP login leaves in the session (allauth, clinic.security)."""
    from django.apps import apps

    now = time.time()
    values: dict[str, Any] = {}
    if apps.is_installed("allauth.mfa"):
        from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        from allauth.account.internal.flows import login as login_flow

        values[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "username": user.get_username()},
            {"method": "mfa", "at": now, "type": "totp"},
        ]
        # allauth keeps the records only for the user they were made for.
        user_key = getattr(login_flow, "_AUTHENTICATION_METHODS_USER_SESSION_KEY", None)
        if user_key:
            values[user_key] = str(user.pk)
    try:
        from clinic.security import LOGIN_AT, SEEN_AT
    except ImportError:
        return values
    return values | {LOGIN_AT: now, SEEN_AT: now}


def desk_session_cookie(info: dict | None = None, username: str = RECEPTION) -> str:
    """A logged-in session of the bench's reception user, and the CSRF cookie its first
    page set (a browser sends back both on every later page): the value of a Cookie
    header."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.test import Client

    user = get_user_model().objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.update(_second_factor(user))
    store.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
    first = Client(HTTP_HOST="127.0.0.1", HTTP_COOKIE=cookie)
    first.get(desk_path(desk_day()))
    return f"{cookie}; {settings.CSRF_COOKIE_NAME}={first.cookies[settings.CSRF_COOKIE_NAME].value}"


def desk_queries(cookie: str, path: str) -> int:
    """SQL queries of one request of the page, the calendar snapshot warm (row Q)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_COOKIE=cookie)
    client.get(path)  # warm: the calendar configuration is cached per process
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


def main() -> None:
    import django

    django.setup()
    info = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else {}
    path = desk_path(desk_day())
    queries = desk_queries(desk_session_cookie(info), path)
    cookie = desk_session_cookie(info)  # a fresh session for the load
    print(json.dumps({"cookie": cookie, "path": path, "queries": queries}))


if __name__ == "__main__":
    main()
