"""bench/desk.py, which row D of the benchmark uses: a reception session made without the
login form, and the day page it opens."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from bench.desk import desk_day, desk_path, desk_queries, desk_session_cookie
from clinic.roles import Role
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_the_bench_session_opens_the_desk_day_page(clinic):
    staff(Role.RECEPTION, username="bench-reception")
    cookie = desk_session_cookie({})
    path = desk_path(date(2026, 11, 23))
    assert path == "/desk/?day=2026-11-23"
    response = Client(HTTP_COOKIE=cookie).get(path)
    assert response.status_code == 200
    assert "Monday" in response.content.decode()
    assert desk_queries(cookie, path) <= 8


def test_the_bench_day_is_a_working_day():
    assert desk_day(date(2026, 11, 20)) == date(2026, 11, 21)  # Friday: Saturday
    assert desk_day(date(2026, 11, 21)) == date(2026, 11, 23)  # Saturday: Monday
