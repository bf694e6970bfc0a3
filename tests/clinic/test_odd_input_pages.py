"""Odd input on the HTML pages: a date outside the clinic's window falls back with the
form's message (or is a form error), never a 500; names need letters, here as in the
API. Each test sends the request that broke (issue 15)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clinic.roles import Role
from patients.models import Patient
from tests.appointments.clinic_setup import at_clinic_now, build_clinic
from tests.desk.helpers import cleared_patient, client_for

pytestmark = [pytest.mark.django_db, at_clinic_now]

FAR_DATES = ["9999-12-31", "0001-01-01"]
WINDOW_MESSAGE = "Give a date from 1900-01-01 to 2100-12-31."


@pytest.fixture
def clinic(db):
    return build_clinic(practitioners=2, rooms=2, devices=1)


@pytest.mark.parametrize("far", FAR_DATES)
@pytest.mark.parametrize(
    ("role", "url"),
    [(Role.RECEPTION, "/desk/"), (Role.RECEPTION, "/desk/week/"), (Role.DERMATOLOGIST, "/chart/")],
)
def test_a_calendar_day_outside_the_window_falls_back_to_today_with_a_message(
    clinic, role, url, far
):
    response = client_for(role).get(url, {"day": far})
    assert response.status_code == 200
    assert WINDOW_MESSAGE in response.content.decode()


@pytest.mark.parametrize("far", FAR_DATES)
@pytest.mark.parametrize("url", ["/reports/", "/reports/export.csv"])
def test_a_report_range_outside_the_window_is_refused(clinic, url, far):
    manager = client_for(Role.MANAGER)
    for query in ({"start": far, "end": far}, {"start": "2026-05-01", "end": far}):
        response = manager.get(url, query)
        assert response.status_code in (200, 400), response.status_code
        if url == "/reports/":
            assert WINDOW_MESSAGE in response.content.decode()


@pytest.mark.parametrize("far", FAR_DATES)
def test_booking_on_behalf_refuses_a_day_outside_the_window(clinic, far):
    p = cleared_patient()
    response = client_for(Role.RECEPTION).get(
        f"/desk/patients/{p.pk}/book/", {"treatment": clinic.face.pk, "day": far}
    )
    assert response.status_code in (200, 400)
    assert WINDOW_MESSAGE in response.content.decode()


@pytest.mark.parametrize("far", FAR_DATES)
def test_the_course_wizard_refuses_a_first_day_outside_the_window(clinic, far):
    p = cleared_patient()
    plan = p.consultations.get().plans.get()
    query = {"plan": plan.pk, "sessions": 4, "weekdays": [0, 3], "time": "10:00"}
    response = client_for(Role.RECEPTION).get(
        f"/desk/patients/{p.pk}/course/", {**query, "start_date": far}
    )
    assert response.status_code == 400
    assert WINDOW_MESSAGE in response.content.decode()


@pytest.mark.parametrize("far", ["9999-12-31T10:00:00+02:00", "0001-01-01T00:00:00"])
def test_a_slot_outside_the_window_is_a_form_error(clinic, far):
    p = cleared_patient()
    url = f"/desk/patients/{p.pk}/book/?treatment={clinic.face.pk}&day=2026-06-12"
    response = client_for(Role.RECEPTION).post(url, {"slot": f"{far}|"})
    assert response.status_code in (200, 400)
    assert not p.appointments.exists()


REGISTER = {
    "first_name": "Olena",
    "last_name": "Koval",
    "date_of_birth": "1990-05-01",
    "phone": "+380501112233",
    "email": "olena@example.com",
    "preferred_language": "uk",
    "remind_by_email": "on",
}
ODD_NAMES = [
    ("first_name", "\u200b\u200b"),
    ("last_name", "Koval\u202e"),
    ("first_name", "Ole\u0007na"),
]


def test_the_desk_registers_a_plain_name(clinic):
    response = client_for(Role.RECEPTION).post("/desk/patients/new/", REGISTER)
    assert response.status_code == 302
    assert Patient.objects.filter(first_name="Olena").exists()


@pytest.mark.parametrize(("field", "value"), ODD_NAMES)
def test_the_desk_refuses_a_name_without_letters_or_with_odd_characters(clinic, field, value):
    response = client_for(Role.RECEPTION).post("/desk/patients/new/", {**REGISTER, field: value})
    assert response.status_code == 400
    assert "A name has at least one letter." in response.content.decode() or (
        "Remove the" in response.content.decode()
    )
    assert not Patient.objects.exists()


@pytest.mark.parametrize(("field", "value"), ODD_NAMES)
def test_sign_up_refuses_a_name_without_letters_or_with_odd_characters(field, value):
    body = {
        **REGISTER,
        "email": "olena@example.com",
        "password1": "a-long-pass-2026",
        "password2": "a-long-pass-2026",
        field: value,
    }
    response = Client().post("/accounts/signup/", body)
    assert response.status_code == 200  # the form again, with the message beside the field
    assert not get_user_model().objects.filter(email="olena@example.com").exists()
    assert not Patient.objects.exists()


def test_sign_up_refuses_a_birthday_in_year_one():
    body = {
        **REGISTER,
        "date_of_birth": "0001-01-01",
        "email": "olena@example.com",
        "password1": "a-long-pass-2026",
        "password2": "a-long-pass-2026",
    }
    response = Client().post("/accounts/signup/", body)
    assert response.status_code == 200
    assert WINDOW_MESSAGE in response.content.decode()
    assert not Patient.objects.exists()
