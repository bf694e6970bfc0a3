"""Odd input on the API is a 4xx in the shared error shape naming the field, never a 500,
and never silently read as something else. Each test sends the request that broke
(issue 15) and checks the answer and that nothing was saved."""

from __future__ import annotations

import json

import pytest

from appointments.models import Appointment, IdempotencyKey, WaitlistEntry
from clinic.roles import Role
from patients.models import Patient
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.desk.helpers import book
from tests.factories import consult, enable_totp, patient, screen, staff, token_api

pytestmark = [pytest.mark.django_db, at_clinic_now]

FAR_DATES = ["9999-12-31", "0001-01-01"]


def caller(user):
    """An API client with the user's token (staff have their second factor set up)."""
    if not user.groups.filter(name=Role.PATIENT).exists():
        enable_totp(user)
    return token_api(user)


@pytest.fixture
def clinic(db):
    return build_clinic()


@pytest.fixture
def cleared(db):
    p = patient()
    screen(p)
    consult(p, plans={"microcurrent-therapy-face": 8})
    return p


@pytest.fixture
def reception(db):
    return caller(staff(Role.RECEPTION))


def refused(response, field: str, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    return error


@pytest.mark.parametrize("far", FAR_DATES)
def test_availability_refuses_a_date_outside_the_window(clinic, far):
    client = caller(staff(Role.RECEPTION))
    for query, field in [
        ({"start": far, "end": far}, "start"),
        ({"start": "2026-12-01", "end": far}, "end"),
    ]:
        response = client.get("/api/availability/", {"treatment": clinic.face.pk, **query})
        refused(response, field)


@pytest.mark.parametrize("far", FAR_DATES)
@pytest.mark.parametrize("name", ["date", "date_from", "date_to"])
def test_the_appointment_list_refuses_a_date_outside_the_window(reception, far, name):
    refused(reception.get("/api/appointments/", {name: far}), name)


@pytest.mark.parametrize("far", FAR_DATES)
def test_course_plan_refuses_a_start_date_outside_the_window(clinic, cleared, reception, far):
    body = {
        "patient": cleared.pk,
        "treatment": clinic.face.pk,
        "sessions": 4,
        "weekdays": [0, 3],
        "time": "10:00",
        "start_date": far,
    }
    refused(reception.post("/api/courses/plan/", body, format="json"), "start_date")


@pytest.mark.parametrize("far", ["9999-12-31T10:00:00+02:00", "0001-01-01T00:00:00+02:00"])
def test_booking_refuses_a_start_outside_the_window(clinic, cleared, far):
    body = {"treatment": clinic.face.pk, "start": far}
    refused(caller(cleared.user).post("/api/appointments/", body, format="json"), "start")
    assert not Appointment.objects.exists()


def test_a_nul_after_a_valid_start_is_refused_and_nothing_is_booked(clinic, cleared):
    start = local(days_ahead(3), 10).isoformat()
    body = {"treatment": clinic.face.pk, "start": start + "\u0000"}
    refused(caller(cleared.user).post("/api/appointments/", body, format="json"), "start")
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("start", ["20261203T100000+0200", "2026-W49-4T10:00", "{day}T10:00\n"])
def test_a_start_in_another_iso_form_is_refused(clinic, cleared, start):
    """Python reads "20261203T100000", week dates and a trailing line break; the schema's
    date-time does not."""
    body = {"treatment": clinic.face.pk, "start": start.format(day=days_ahead(3).isoformat())}
    refused(caller(cleared.user).post("/api/appointments/", body, format="json"), "start")
    assert not Appointment.objects.exists()


def test_json_nested_a_thousand_levels_is_a_400(cleared):
    body = "[" * 1000 + "]" * 1000
    response = caller(cleared.user).post(
        "/api/appointments/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "parse_error"


def test_nesting_inside_a_string_is_not_counted(clinic, cleared):
    body = json.dumps({"treatment": clinic.face.pk, "start": "[" * 50})
    response = caller(cleared.user).post(
        "/api/appointments/", body, content_type="application/json"
    )
    refused(response, "start")


def test_a_lone_surrogate_in_a_key_with_an_idempotency_key_is_a_400(cleared):
    response = caller(cleared.user).post(
        "/api/appointments/",
        '{"\\ud800": 1}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert response.status_code == 400, response.content
    assert not IdempotencyKey.objects.exists()


@pytest.fixture
def booked(clinic, cleared):
    return book(cleared, clinic.face, local(days_ahead(3), 10))


def test_a_control_character_in_a_text_is_refused_naming_where(booked, reception):
    body = {"reason": "moved\u001b[31m"}
    response = reception.post(f"/api/appointments/{booked.pk}/cancel/", body, format="json")
    refused(response, "reason")
    booked.refresh_from_db()
    assert booked.status == "booked"


LISTS = ["/api/appointments/", "/api/patients/", "/api/messages/"]


@pytest.mark.parametrize("url", LISTS)
def test_a_huge_limit_is_a_400_naming_it(reception, url):
    refused(reception.get(url, {"limit": "100000000000000000000"}), "limit")


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    ("param", "value"),
    [("offset", "null"), ("offset", "-1"), ("offset", "100000000000000000000"), ("limit", "0")],
)
def test_a_bad_limit_or_offset_is_a_400_naming_it(reception, url, param, value):
    refused(reception.get(url, {param: value}), param)


@pytest.mark.parametrize("url", LISTS)
def test_a_page_within_the_bounds_is_answered(reception, url):
    response = reception.get(url, {"limit": "200", "offset": "1000000000"})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_a_number_for_a_text_field_is_refused(booked, reception):
    response = reception.post(
        f"/api/appointments/{booked.pk}/cancel/", {"reason": 0}, format="json"
    )
    refused(response, "reason")
    booked.refresh_from_db()
    assert booked.status == "booked"


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_a_non_boolean_for_a_boolean_is_refused(cleared, value):
    response = caller(cleared.user).patch(
        "/api/messages/preferences/", {"remind_by_sms": value}, format="json"
    )
    refused(response, "remind_by_sms")
    cleared.refresh_from_db()
    assert cleared.remind_by_sms is False


@pytest.mark.parametrize("value", ["5", 5.0, True])
def test_a_non_integer_for_an_id_is_refused(clinic, cleared, value):
    start = local(days_ahead(3), 10).isoformat()
    body = {"treatment": value, "start": start}
    refused(caller(cleared.user).post("/api/appointments/", body, format="json"), "treatment")


@pytest.mark.parametrize("value", [0, -1, 2**63])
def test_an_id_below_one_or_beyond_a_bigint_is_refused(clinic, cleared, value):
    start = local(days_ahead(3), 10).isoformat()
    body = {"treatment": value, "start": start}
    refused(caller(cleared.user).post("/api/appointments/", body, format="json"), "treatment")


def test_an_unknown_field_is_refused(clinic, cleared):
    start = local(days_ahead(3), 10).isoformat()
    body = {"treatment": clinic.face.pk, "start": start, "colour": "red"}
    refused(caller(cleared.user).post("/api/appointments/", body, format="json"), "colour")
    assert not Appointment.objects.exists()


def test_a_boolean_inside_a_dictionary_is_strict_too(cleared):
    response = caller(cleared.user).post(
        f"/api/patients/{cleared.pk}/screenings/", {"answers": {"epilepsy": 0}}, format="json"
    )
    refused(response, "answers")


def test_a_patient_naming_another_patient_on_the_waitlist_gets_403(clinic, cleared):
    other = patient()
    body = {
        "treatment": clinic.face.pk,
        "earliest": days_ahead(3).isoformat(),
        "latest": days_ahead(9).isoformat(),
        "patient": other.pk,
    }
    response = caller(cleared.user).post("/api/waitlist/", body, format="json")
    refused(response, "patient", status=403)
    assert not WaitlistEntry.objects.exists()
    body["patient"] = cleared.pk  # their own id is fine
    assert caller(cleared.user).post("/api/waitlist/", body, format="json").status_code == 201


def _new_patient(reception, **names):
    body = {"first_name": "Olena", "last_name": "Koval", "date_of_birth": "1990-05-01", **names}
    return reception.post("/api/patients/", body, format="json")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "\u200b\u200b"),  # zero-width spaces only
        ("first_name", "\u200d"),  # a zero-width joiner only
        ("last_name", "Koval\u202e"),  # right-to-left override
        ("last_name", "\u2067Koval\u2069"),  # right-to-left isolate
        ("first_name", "42"),  # no letter at all
    ],
)
def test_a_name_without_letters_or_with_direction_controls_is_refused(reception, field, value):
    refused(_new_patient(reception, **{field: value}), field)
    assert not Patient.objects.exists()


def test_names_in_any_script_are_accepted(reception):
    response = _new_patient(reception, first_name="Олена", last_name="ש\u200dלום")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("born", ["1899-12-31", "9999-12-31"])
def test_a_birthday_outside_the_window_is_refused(reception, born):
    refused(_new_patient(reception, date_of_birth=born), "date_of_birth")


@pytest.mark.parametrize(
    "path", ["/api/appointments/%0A/", "/api/%0A", "/api/appointments/1%0A/", "/api/x%00y/"]
)
def test_an_odd_api_path_answers_the_json_404(reception, path):
    response = reception.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/appointments/", "date_to=", "date_to"),
        ("/api/appointments/", "status=", "status"),
        ("/api/appointments/", "patient=0.5", "patient"),
        ("/api/messages/", "patient=0.5", "patient"),
        ("/api/treatments/", "requires_device=null&requires_device=null", "requires_device"),
        ("/api/treatments/", "is_consultation=1", "is_consultation"),
    ],
)
def test_a_filter_sent_empty_or_of_another_type_is_a_400_naming_it(reception, url, query, field):
    refused(reception.get(f"{url}?{query}"), field)


def test_a_filter_by_an_id_beyond_a_bigint_is_an_empty_list(reception):
    response = reception.get("/api/appointments/?patient=100000000000000000000")
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_a_consultation_patch_with_a_plan_missing_its_treatment_is_a_400(cleared):
    dermatologist = staff(Role.DERMATOLOGIST)
    consultation = cleared.consultations.get()
    body = {"plans": [{"sessions": 4, "sessions_per_week": 1}]}
    response = caller(dermatologist).patch(
        f"/api/consultations/{consultation.pk}/", body, format="json"
    )
    assert response.status_code in (400, 409), response.content
    if response.status_code == 400:
        assert "plans.0.treatment" in response.json()["error"]["fields"]


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return json.loads(response.content)


def test_the_schema_closes_every_request_body(schema):
    requests = {
        name: body
        for name, body in schema["components"]["schemas"].items()
        if name.endswith("Request")
    }
    assert len(requests) > 20
    assert all(body.get("additionalProperties") is False for body in requests.values())


def test_the_schema_gives_ids_a_minimum_of_one(schema):
    path = schema["paths"]["/api/appointments/{appointment_id}/"]["get"]
    (parameter,) = [p for p in path["parameters"] if p["name"] == "appointment_id"]
    assert parameter["schema"]["minimum"] == 1
    book = schema["components"]["schemas"]["BookInputRequest"]["properties"]
    assert book["treatment"]["minimum"] == 1 and book["patient"]["minimum"] == 1


def test_the_schema_gives_local_times_a_pattern_not_rfc3339_full_time(schema):
    text = json.dumps(schema)
    assert '"format": "time"' not in text
    course = schema["components"]["schemas"]["CourseOutput"]["properties"]["preferred_time"]
    assert course["pattern"].startswith("^([01]")


def test_the_schema_bounds_limit_and_offset(schema):
    params = schema["paths"]["/api/patients/"]["get"]["parameters"]
    bounds = {
        p["name"]: (p["schema"]["minimum"], p["schema"]["maximum"])
        for p in params
        if p["name"] in ("limit", "offset")
    }
    assert bounds["limit"] == (1, 200) and bounds["offset"] == (0, 1_000_000_000)


@pytest.mark.parametrize("text", ["a\u0000b", "a\u001bb", "a\u0085b"])
def test_a_search_with_a_control_character_is_a_400_naming_it(reception, text):
    refused(reception.get("/api/patients/", {"search": text}), "search")
