"""The day grid as a reception calendar, through Django's test client: the live refresh
(a per-day version: an unchanged day answers 204 after one small query), the closure
banner, Today, a free cell leading to booking that time on behalf of a patient, and the
drag-to-move endpoint (the move service decides; a refusal leaves the session where it
was). What the browser does with them is in tests/browser/test_desk_calendar.py."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, CancelReason, Closure, Status
from appointments.services import appointment_reschedule
from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.roles import Role
from desk.selectors import day_version
from patients.models import Patient
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, cleared_patient, client_for
from tests.factories import staff

pytestmark = [pytest.mark.django_db, at_clinic_now]
HTMX = {"HX-Request": "true"}


def poll_url(page: str) -> str:
    found = re.search(r'class="desk-poll"[^>]* hx-get="([^"]+)"', page)
    assert found, "the grid polls for changes"
    return found.group(1).replace("&amp;", "&")


def test_an_unchanged_day_answers_the_poll_with_204_after_one_query(clinic, reception):
    day = days_ahead(2)
    book(cleared_patient(), clinic.face, local(day, 10))
    url = poll_url(reception.get("/desk/", {"day": day.isoformat()}).content.decode())
    reception.get(url, headers=HTMX)  # the session and roles are warm
    with CaptureQueriesContext(connection) as ctx:
        response = reception.get(url, headers=HTMX)
    assert response.status_code == 204 and response.content == b""
    day_reads = [q for q in ctx.captured_queries if "appointments_appointment" in q["sql"]]
    assert len(day_reads) == 1, "one query reads the day"
    assert len(ctx.captured_queries) <= 4  # session, user with roles, second factor, the day


def test_the_poll_brings_a_booking_made_elsewhere(clinic, reception):
    day = days_ahead(2)
    url = poll_url(reception.get("/desk/", {"day": day.isoformat()}).content.decode())
    book(cleared_patient(last_name="Elsewhere"), clinic.face, local(day, 11))
    response = reception.get(url, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Elsewhere" in page and poll_url(page) != url


def test_the_day_version_moves_with_everything_the_grid_shows(clinic):
    day = days_ahead(2)
    before = day_version(day)
    a = book(cleared_patient(), clinic.face, local(day, 10))
    booked = day_version(day)
    assert booked != before
    Patient.objects.filter(pk=a.patient_id).update(last_name="Renamed")
    renamed = day_version(day)
    assert renamed != booked
    appointment_reschedule(
        actor=Actor(user=staff(Role.RECEPTION)),
        appointment=a,
        start=local(day + timedelta(days=1), 10),
        reason="asked by phone",
    )
    assert day_version(day) not in (renamed, booked)  # moved out of the day
    moved_out = day_version(day)
    Closure.objects.create(start_date=day, end_date=day, reason="Inventory")
    assert day_version(day) != moved_out
    closed = day_version(day)
    CancelReason.objects.filter(code="other").update(label_en="Something else")
    assert day_version(day) != closed  # the page's drag dialog lists the reasons
    assert day_version(day + timedelta(days=3)) == day_version(day + timedelta(days=3))


def test_the_drag_dialog_is_drawn_with_the_grid_and_follows_the_reasons_at_once(clinic, reception):
    url = f"/desk/?day={days_ahead(2).isoformat()}"
    cold = reception.get(url).content.decode()
    assert 'id="drop-reason"' in cold and ">Other<" in cold
    with CaptureQueriesContext(connection) as ctx:
        warm = reception.get(url).content.decode()
    assert warm.count('id="drop-reason"') == 1
    assert not any("cancelreason" in q["sql"] and "md5" not in q["sql"] for q in ctx)
    CancelReason.objects.filter(code="other").update(label_en="Something else")  # no signal
    page = reception.get(url).content.decode()
    assert ">Something else<" in page and ">Other<" not in page


def test_a_closed_day_shows_a_banner_with_its_reason_and_the_sessions_left(clinic, reception):
    day = days_ahead(2)
    book(cleared_patient(last_name="Stranded"), clinic.face, local(day, 10))
    Closure.objects.create(start_date=day, end_date=day + timedelta(days=1), reason="New Year")
    page = reception.get("/desk/", {"day": day.isoformat()}).content.decode()
    assert "closure-banner" in page and "The clinic is closed on this day" in page
    assert "New Year" in page and "still booked: move or cancel them" in page
    assert "Stranded" in page
    open_day = reception.get("/desk/", {"day": days_ahead(5).isoformat()}).content.decode()
    assert "closure-banner" not in open_day


def test_today_and_the_days_around_are_one_click_away(clinic, reception):
    page = reception.get("/desk/", {"day": days_ahead(9).isoformat()}).content.decode()
    today = days_ahead(0).isoformat()
    assert f'href="/desk/?day={today}&amp;by=practitioner"' in page
    assert ">Today<" in page and "Previous day" in page and "Next day" in page


def free_link(page: str, time: str) -> str:
    found = re.search(rf'<a class="free-book" href="([^"]+)">Free · book at {time}</a>', page)
    assert found, f"a free cell from {time}"
    return found.group(1).replace("&amp;", "&")


def test_a_free_cell_leads_to_booking_that_time_for_the_patient_found(clinic, reception):
    anna = cleared_patient(first_name="Anna", last_name="Bondarenko")
    day, doctor = days_ahead(2), clinic.practitioners[0]
    page = reception.get("/desk/", {"day": day.isoformat()}).content.decode()
    link = free_link(page, "09:00")  # the practitioners start at 09:00
    query = parse_qs(urlparse(link).query)
    assert query["by"] == ["practitioner"] and query["at"] == [f"{day}T09:00"]
    column = int(query["column"][0])
    assert column in {p.pk for p in clinic.practitioners}
    chosen = {"at": f"{day}T10:15", "by": "practitioner", "column": doctor.pk}
    search = reception.get(urlparse(link).path, {**chosen, "q": "Bondarenko"}).content.decode()
    assert "Booking" in search and "10:15 · Dr 0" in search
    book_link = re.search(rf'href="(/desk/patients/{anna.pk}/book/\?[^"]+)"', search).group(1)
    book_link = book_link.replace("&amp;", "&")
    assert parse_qs(urlparse(book_link).query) == {
        "day": [day.isoformat()],
        "at": ["10:15"],
        "practitioner": [str(doctor.pk)],
    }
    form = reception.get(book_link).content.decode()  # no treatment yet: filled in, no error
    assert "errorlist" not in form and 'name="at" value="10:15"' in form
    times = reception.get(book_link + f"&treatment={clinic.face.pk}").content.decode()
    assert "The time chosen on the grid: 10:15" in times
    value = f"{local(day, 10, 15).isoformat()}|{doctor.pk}"
    assert f'value="{value}"' in times
    response = reception.post(book_link + f"&treatment={clinic.face.pk}", {"slot": value})
    assert response.status_code == 302
    a = Appointment.objects.get(patient=anna)
    assert (a.start, a.practitioner_id) == (local(day, 10, 15), doctor.pk)


def test_a_free_cell_of_a_room_books_in_that_room(clinic, reception):
    p = cleared_patient()
    day, room = days_ahead(2), clinic.rooms[1]
    url = f"/desk/patients/{p.pk}/book/"
    query = {"day": day.isoformat(), "at": "11:00", "room": room.pk, "treatment": clinic.face.pk}
    page = reception.get(url, query).content.decode()
    assert f'name="room" value="{room.pk}"' in page
    slot = f"{local(day, 11).isoformat()}|{clinic.practitioners[0].pk}"
    reception.post(f"{url}?day={day}&treatment={clinic.face.pk}", {"slot": slot, "room": room.pk})
    assert Appointment.objects.get(patient=p).room_id == room.pk


def test_a_taken_time_chosen_on_the_grid_offers_the_nearest_free_times(clinic, reception):
    day = days_ahead(2)
    book(cleared_patient(), clinic.face, local(day, 10))  # the clinic's one device
    p = cleared_patient()
    query = {"day": day.isoformat(), "at": "10:00", "treatment": clinic.face.pk}
    page = reception.get(f"/desk/patients/{p.pk}/book/", query).content.decode()
    assert "does not fit at that time" in page and "Nearest free times" in page


def test_a_garbled_grid_time_is_said_plainly(reception):
    page = reception.get("/desk/patients/", {"at": "2026-13-01T25:00", "by": "x", "column": "0"})
    assert page.status_code == 200
    assert "That time could not be read" in page.content.decode()


def reason_pk(code: str = "illness") -> int:
    return CancelReason.objects.get(code=code).pk


def drop(client, a: Appointment, at: str, column: int, by: str = "practitioner", **why):
    """A drop as desk-grid.js posts it once the dialog said why (by default "Illness")."""
    fields = {"at": at, "by": by, "column": column, "reason_id": reason_pk(), "reason": ""}
    return client.post(f"/desk/appointments/{a.pk}/drop/", fields | why, headers=HTMX)


def test_dropping_a_session_on_a_free_time_moves_it(clinic, reception):
    day = days_ahead(2)
    a = book(cleared_patient(last_name="Dragged"), clinic.face, local(day, 10))
    other = next(p for p in clinic.practitioners if p.pk != a.practitioner_id)
    response = drop(reception, a, f"{day}T14:30", other.pk)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="desk-grid"' in page
    assert "Moved: " in page and "now 14:30" in page and "notice-ok" in page
    a.refresh_from_db()
    assert (a.start, a.practitioner_id, a.status) == (local(day, 14, 30), other.pk, Status.BOOKED)
    assert a.status_reason == "Illness"


def test_dropping_on_a_room_column_moves_it_to_that_room(clinic, reception):
    day = days_ahead(2)
    a = book(cleared_patient(), clinic.face, local(day, 10), room_id=clinic.rooms[0].pk)
    assert drop(reception, a, f"{day}T12:00", clinic.rooms[1].pk, by="room").status_code == 200
    a.refresh_from_db()
    assert (a.start, a.room_id) == (local(day, 12), clinic.rooms[1].pk)


def test_a_drop_records_the_reason_chosen_and_its_note(clinic, reception):
    day = days_ahead(2)
    a = book(cleared_patient(), clinic.face, local(day, 10))
    why = {"reason_id": reason_pk("other"), "reason": "Device service visit"}
    assert drop(reception, a, f"{day}T12:00", a.practitioner_id, **why).status_code == 200
    a.refresh_from_db()
    assert a.start == local(day, 12) and a.status_reason == "Other: Device service visit"
    assert a.status == Status.BOOKED and a.cancel_reason_id is None


@pytest.mark.parametrize(
    ("why", "message"),
    [
        ({"reason_id": None}, "Say why the session is moved: choose a reason."),
        ({"reason_id": ""}, "Say why the session is moved: choose a reason."),
        ({"reason_id": "999999"}, "Choose one of the listed reasons."),
        ({"reason_id": "by_patient"}, "Choose one of the listed reasons."),  # says "cancelled"
        ({"reason_id": "other"}, "Say what happened (this reason needs a note)."),
    ],
)
def test_a_drop_without_a_usable_reason_is_refused_and_nothing_moves(
    clinic, reception, why, message
):
    day = days_ahead(2)
    a = book(cleared_patient(), clinic.face, local(day, 10))
    chosen = why["reason_id"]
    fields = {"at": f"{day}T12:00", "by": "practitioner", "column": a.practitioner_id}
    if chosen is not None:
        fields["reason_id"] = reason_pk(chosen) if chosen in ("by_patient", "other") else chosen
    response = reception.post(f"/desk/appointments/{a.pk}/drop/", fields, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 400 and "notice-bad" in page and message in page
    a.refresh_from_db()
    assert (a.start, a.status_reason) == (local(day, 10), "")


def test_a_reason_the_manager_switched_off_is_not_taken(clinic, reception):
    day = days_ahead(2)
    a = book(cleared_patient(), clinic.face, local(day, 10))
    CancelReason.objects.filter(code="illness").update(is_active=False)
    response = drop(reception, a, f"{day}T12:00", a.practitioner_id)
    assert response.status_code == 400
    assert "Choose one of the listed reasons." in response.content.decode()


def test_the_day_page_asks_why_with_the_managers_reasons_first_one_chosen(clinic, reception):
    page = reception.get("/desk/", {"day": days_ahead(2).isoformat()}).content.decode()
    dialog = re.search(r'<dialog id="drop-reason".*?</dialog>', page, re.S)
    assert dialog, "the day page holds the dialog that asks why a dragged session moves"
    html = dialog.group(0)
    assert '<label for="drop_reason_id">Why is it moved?' in html
    pattern = r'<option value="(\d+)"( selected)?( data-needs-note)?>([^<]+)</option>'
    options = re.findall(pattern, html)
    offered = CancelReason.objects.filter(is_active=True).exclude(code="by_patient")
    assert [int(pk) for pk, *_rest in options] == [r.pk for r in offered]
    assert options[0][1] == " selected"  # the default: the manager's first reason
    needs_note = [label for _pk, _sel, note, label in options if note]
    assert needs_note == ["Other"]  # the dialog keeps itself open until it has a note
    assert "The patient cancelled" not in html
    assert 'name="reason"' in html and "Keep it where it was" in html


def test_a_refused_drop_leaves_the_session_and_says_why(clinic, reception):
    day = days_ahead(2)
    doctor = clinic.practitioners[0]
    a = book(cleared_patient(), clinic.face, local(day, 10), practitioner_id=doctor.pk)
    book(cleared_patient(), clinic.face, local(day, 14), practitioner_id=doctor.pk)
    taken = drop(reception, a, f"{day}T14:15", doctor.pk)
    assert taken.status_code == 409 and "notice-bad" in taken.content.decode()
    assert "taken" in taken.content.decode().lower()
    late = drop(reception, a, f"{day}T19:00", doctor.pk)  # the practitioner works until 18:00
    assert late.status_code == 400 and "Nobody performs this treatment" in late.content.decode()
    Closure.objects.create(start_date=day, end_date=day, reason="Inventory")
    closed = drop(reception, a, f"{day}T12:00", doctor.pk)
    assert closed.status_code == 400 and "Inventory" in closed.content.decode()
    a.refresh_from_db()
    assert (a.start, a.practitioner_id) == (local(day, 10), doctor.pk)


@pytest.mark.parametrize(
    "fields",
    [
        {"at": "tomorrow", "by": "practitioner", "column": "1"},
        {"at": "2026-06-12T10:00", "by": "chair", "column": "1"},
        {"at": "2026-06-12T10:00", "by": "practitioner", "column": "0"},
        {"at": "2026-06-12T10:00", "by": "room", "column": str(2**63)},
        {"at": "2026-06-12T10:00\x00", "by": "room", "column": "1"},
        {},
    ],
)
def test_a_bad_drop_is_a_400_with_the_reason(clinic, reception, fields):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    response = reception.post(f"/desk/appointments/{a.pk}/drop/", fields, headers=HTMX)
    assert response.status_code == 400 and "notice-bad" in response.content.decode()
    a.refresh_from_db()
    assert a.start == local(days_ahead(2), 10)


def test_a_drop_on_a_room_out_of_service_is_refused(clinic, reception):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    clinic.rooms[1].is_active = False
    clinic.rooms[1].save()
    response = drop(reception, a, f"{days_ahead(2)}T12:00", clinic.rooms[1].pk, by="room")
    assert response.status_code == 400 and "not in service" in response.content.decode()
    with pytest.raises(Invalid):
        appointment_reschedule(
            actor=Actor(user=staff(Role.RECEPTION)),
            appointment=a,
            start=local(days_ahead(2), 12),
            device_id=999_999,
            reason="x",
        )


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 302), (Role.PATIENT, 403), (Role.DERMATOLOGIST, 403)]
)
def test_only_the_desk_may_drop(clinic, role, expected):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    response = drop(client_for(role), a, f"{days_ahead(2)}T12:00", a.practitioner_id)
    assert response.status_code == expected
    a.refresh_from_db()
    assert a.start == local(days_ahead(2), 10)


def test_drop_takes_post_only_and_unknown_sessions_are_not_found(clinic, reception):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    assert reception.get(f"/desk/appointments/{a.pk}/drop/").status_code == 405
    response = reception.post(
        "/desk/appointments/999999/drop/", {"at": "2026-06-12T10:00", "by": "room", "column": 1}
    )
    assert response.status_code == 404


def test_the_calendar_speaks_ukrainian(clinic, reception):
    from django.conf import settings

    day = days_ahead(2)
    book(cleared_patient(), clinic.face, local(day, 10))
    Closure.objects.create(start_date=day, end_date=day, reason="Інвентаризація")
    reception.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    page = reception.get("/desk/", {"day": day.isoformat()}).content.decode()
    assert "Сьогодні" in page and "Цього дня клініка зачинена" in page
    assert "Сеанси нижче досі заплановані" in page
    open_day = reception.get("/desk/", {"day": days_ahead(3).isoformat()}).content.decode()
    assert "Вільно · записати на 09:00" in open_day and "Натисніть на вільний час" in open_day


def test_the_live_refresh_never_keeps_an_idle_desk_logged_in(clinic, reception):
    import time

    from clinic.security import SEEN_AT

    day = days_ahead(2)
    page = reception.get("/desk/", {"day": day.isoformat()}).content.decode()
    assert "X-Clinic-Background" in page  # the poll says it is not the person
    url = poll_url(page)
    background = {**HTMX, "X-Clinic-Background": "1"}
    session = reception.session
    session[SEEN_AT] = time.time() - 10 * 60
    session.save()
    assert reception.get(url, headers=background).status_code == 204
    assert reception.session[SEEN_AT] < time.time() - 9 * 60  # not counted as activity
    session = reception.session
    session[SEEN_AT] = time.time() - 16 * 60
    session.save()
    ended = reception.get(url, headers=background)
    assert ended.status_code == 204 and ended["HX-Redirect"].startswith("/accounts/login/")
    assert "_auth_user_id" not in reception.session
