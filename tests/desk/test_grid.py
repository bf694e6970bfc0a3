"""The desk's day and week grids: every row of every column covered once, who is where,
free and closed time, arrival states, and a full day in a handful of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import WorkingException
from appointments.services import appointment_check_in, appointment_mark_no_show
from clinic.audit import Actor
from clinic.roles import Role
from desk import grid
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.desk.helpers import book, booked_earlier_today, cleared_patient
from tests.factories import patient, staff

pytestmark = [pytest.mark.django_db, at_clinic_now]
FULL_DAY_MAX_QUERIES = 6


def rows_covered(day_grid: grid.DayGrid) -> list[int]:
    """For each column, how many rows its cells cover (must be every row, once).

    The cells are laid out as a browser lays out a table with row spans: each cell of a
    row takes the next column that no cell of a row above still covers."""
    n = len(day_grid.columns)
    covered_until, covered = [0] * n, [0] * n
    for r, row in enumerate(day_grid.rows):
        open_columns = (i for i in range(n) if covered_until[i] <= r)
        for cell in row.cells:
            i = next(open_columns, None)
            assert i is not None, f"row {r} has more cells than open columns"
            covered_until[i] = r + cell.rows
            covered[i] += cell.rows
    return covered


def test_column_cells_cover_every_row_once_around_the_appointments():
    lo = 0
    b = grid.Booking(
        1, 1, "A B", "Face", "booked", "Booked", 1800, 1800 + 2700, "", 1, 1, 1, "", False
    )
    cells = grid.column_cells([b], n_rows=8, lo=lo, free=[(0, 3600)])
    assert [(first, c.kind, c.rows) for first, c in cells] == [
        (0, "free", 2),
        (2, "appt", 3),  # 45 minutes from row 2: three 15-minute rows
        (5, "off", 3),  # after 01:00 the resource does not work
    ]


def test_the_day_page_shows_who_is_where_with_free_and_closed_time(clinic, reception):
    p = cleared_patient(first_name="Anna", last_name="Bondarenko")
    day = days_ahead(2)
    a = book(p, clinic.face, local(day, 10), practitioner_id=clinic.practitioners[0].pk)
    room, device = a.room.name, a.device.name
    response = reception.get("/desk/", {"day": day.isoformat()})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dr 0" in page and "Dr 1" in page
    assert "Anna Bondarenko" in page and "10:00–10:45" in page
    assert f"{room} · {device}" in page  # by practitioner: where and with which device
    assert 'class="free"' in page and 'class="off"' in page  # the clinic opens at 07:00
    by_room = reception.get("/desk/", {"day": day.isoformat(), "by": "room"}).content.decode()
    assert f"Dr 0 · {device}" in by_room
    by_device = reception.get("/desk/", {"day": day.isoformat(), "by": "device"}).content
    assert f"Dr 0 · {room}" in by_device.decode()


def test_every_row_has_its_time_the_quarter_hours_for_screen_readers_only(clinic, reception):
    """A row header is never empty (axe's empty-table-header): 07:00 and 07:30 are shown,
    07:15 and 07:45 are read out only."""
    day = days_ahead(2)
    page = reception.get("/desk/", {"day": day.isoformat()}).content.decode()
    assert '<th scope="row" class="t"></th>' not in page
    assert '<th scope="row" class="t">07:30</th>' in page
    hidden = '<th scope="row" class="t"><span class="visually-hidden">{}</span></th>'
    assert hidden.format("07:15") in page and hidden.format("07:45") in page


def test_every_row_is_covered_once_in_every_column(clinic):
    for n in range(3):
        book(cleared_patient(), clinic.face, local(days_ahead(2), 9 + n * 2))
    WorkingException.objects.create(
        practitioner=clinic.practitioners[1], date=days_ahead(2), kind="off"
    )

    for by in grid.BY_CHOICES:
        day_grid = grid.day_grid(days_ahead(2), by)
        assert set(rows_covered(day_grid)) == {len(day_grid.rows)}
    names = [c.name for c in grid.day_grid(days_ahead(2)).columns]
    assert "Dr 1" not in names  # not working that day, nothing booked


def test_arrivals_and_no_shows_stand_out(clinic, reception):
    desk = Actor(user=staff(Role.RECEPTION))
    places = [
        {"practitioner_id": p.pk, "room_id": r.pk}
        for p, r in zip(clinic.practitioners, clinic.rooms, strict=True)
    ]
    came = booked_earlier_today(cleared_patient(last_name="Came"), clinic.consultation, **places[0])
    missed = booked_earlier_today(
        cleared_patient(last_name="Missed"), clinic.consultation, **places[1]
    )
    appointment_check_in(actor=desk, appointment=came)
    appointment_mark_no_show(actor=desk, appointment=missed)
    page = reception.get("/desk/").content.decode()
    assert 'class="appt st-checked_in"' in page and "Checked in" in page
    assert 'class="appt st-no_show"' in page and "No-show" in page
    assert "checked in 1" in page and "no-shows 1" in page


def test_a_day_with_nothing_and_the_clinic_closed_says_so(reception):
    from appointments.models import OpeningHours

    OpeningHours.objects.all().delete()
    page = reception.get("/desk/").content.decode()
    assert "The clinic is closed on this day and nothing is booked." in page


def test_htmx_swaps_only_the_grid_and_a_bad_day_falls_back_to_today(clinic, reception):
    response = reception.get("/desk/", {"day": "2026-13-45"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'id="desk-grid"' in page and "HX-Request" in response["Vary"]


def test_the_week_shows_each_day_with_its_bookings_and_free_time(clinic, reception):
    p = cleared_patient(last_name="Weekly")
    book(p, clinic.face, local(days_ahead(2), 10))
    page = reception.get("/desk/week/", {"day": days_ahead(2).isoformat()}).content.decode()
    # 09:00-18:00 less one 45-minute session and its 10-minute cleanup
    assert "Weekly" in page and "free 8 h 5 min" in page
    assert page.count('scope="row"') == 2  # two practitioners
    rooms = reception.get("/desk/week/", {"day": days_ahead(2).isoformat(), "by": "room"})
    assert rooms.content.decode().count('scope="row"') == 2


@pytest.fixture
def full_day(db):
    """The benchmark's kind of day: 10 practitioners, 5 rooms, 4 devices, every room
    taken all day by half-hour consultations (90 appointments)."""
    clinic = build_clinic(practitioners=10, rooms=5, devices=4)
    day = days_ahead(1)
    people = [patient(with_login=False) for _ in range(5)]
    for slot in range(18):  # 09:00 to 18:00 every half hour, five rooms
        start = local(day, 9) + timedelta(minutes=30 * slot)
        for p in people:
            book(p, clinic.consultation, start)
    return day


def test_a_full_day_takes_a_handful_of_queries(full_day, reception, django_assert_max_num_queries):
    reception.get("/desk/", {"day": full_day.isoformat()})  # the calendar snapshot is warm now
    with CaptureQueriesContext(connection) as ctx:
        response = reception.get("/desk/", {"day": full_day.isoformat()})
    page = response.content.decode()
    assert page.count('class="appt st-booked"') == 90
    print(f"\ndesk day page, full day: {len(ctx.captured_queries)} queries")
    with django_assert_max_num_queries(FULL_DAY_MAX_QUERIES):
        reception.get("/desk/", {"day": full_day.isoformat(), "by": "room"})
    with django_assert_max_num_queries(FULL_DAY_MAX_QUERIES):
        reception.get("/desk/week/", {"day": full_day.isoformat()})


def test_staff_grids_need_the_desk_role(clinic):
    from tests.desk.helpers import client_for

    assert client_for(None).get("/desk/")["Location"].startswith("/accounts/login/")
    for role in (Role.PATIENT, Role.DERMATOLOGIST):
        assert client_for(role).get("/desk/").status_code == 403
    assert client_for(Role.MANAGER).get("/desk/week/").status_code == 200


def test_the_desk_speaks_ukrainian(clinic, reception):
    from django.conf import settings

    reception.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    page = reception.get("/desk/", {"day": days_ahead(2).isoformat()}).content.decode()
    assert "← Попередній день" in page and "Рецепція" in page and "Кабінети" in page
