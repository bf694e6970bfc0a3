"""Registering patients: validation, duplicate detection, merge."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.errors import Invalid
from clinic.roles import Role
from patients import services
from patients.models import ConsentAcceptance, Patient, Screening
from tests.factories import api, consult, patient, screen, staff


@pytest.fixture
def desk(db):
    return api(staff(Role.RECEPTION))


def register(client, **overrides):
    body = {
        "first_name": "Olha",
        "last_name": "Petrenko",
        "date_of_birth": "1990-05-17",
        "email": "olha@example.com",
        "phone": "+380501234567",
    }
    body.update(overrides)
    return client.post("/api/patients/", body, format="json")


def test_reception_registers_a_patient_with_an_international_phone(desk):
    response = register(desk, phone="050 123 4567")  # local format, clinic region UA
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+380501234567"
    assert Patient.objects.get(pk=response.json()["id"]).created_by is not None


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("phone", "12345", "phone"),
        ("phone", "+380 not a number", "phone"),
        ("email", "not-an-email", "email"),
        ("date_of_birth", "2990-01-01", "future"),
        ("date_of_birth", "17/05/1990", "date_of_birth"),
        ("first_name", "", "first_name"),
        ("nickname", "Olly", "nickname"),
    ],
)
def test_bad_registration_input_names_the_field_and_saves_nothing(desk, field, value, fragment):
    response = register(desk, **{field: value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"] or fragment in error["message"].lower()
    assert Patient.objects.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "OLHA@example.com", "phone": "+380501111111", "first_name": "Other"},
        {"email": "someone@example.com", "phone": "+380501234567", "first_name": "Other"},
        {"email": "someone@example.com", "phone": "+380509999999"},  # same name and birthday
    ],
    ids=["same-email", "same-phone", "same-name-and-birth-date"],
)
def test_a_duplicate_is_offered_instead_of_created(desk, overrides):
    first = register(desk).json()
    response = register(desk, **overrides)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate_patient"
    assert [c["id"] for c in error["candidates"]] == [first["id"]]
    assert Patient.objects.count() == 1


def test_staff_may_confirm_a_namesake_is_a_different_person(desk):
    register(desk)
    response = register(
        desk, email="twin@example.com", phone="+380509999999", allow_same_name_and_birth_date=True
    )
    assert response.status_code == 201
    assert Patient.objects.count() == 2


def test_staff_cannot_force_a_duplicate_email_or_phone(desk):
    register(desk)
    response = register(desk, first_name="X", allow_same_name_and_birth_date=True)
    assert response.status_code == 409


def test_search_by_name_phone_or_email(desk):
    p = patient(first_name="Svitlana", last_name="Hnatiuk", phone="+380671234000")
    patient(first_name="Other", last_name="Person")
    for q in ("svitlana", "Hnatiuk Svit", "671234000", p.email.upper()):
        ids = [row["id"] for row in desk.get("/api/patients/", {"search": q}).json()["results"]]
        assert ids == [p.pk], q


def test_merge_moves_every_record_and_retires_the_duplicate(db):
    reception = staff(Role.RECEPTION)
    keep = patient(with_login=False, email="keep@example.com")
    dup = patient(email="dup@example.com")
    screen(dup)
    c = consult(dup)
    # Both accepted the consent (the factory's default); the kept record holds one.
    response = api(reception).post(
        f"/api/patients/{keep.pk}/merge/", {"duplicate": dup.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    dup.refresh_from_db()
    keep.refresh_from_db()
    assert dup.merged_into_id == keep.pk
    assert Screening.objects.filter(patient=keep).count() == 1
    c.refresh_from_db()
    assert c.patient_id == keep.pk
    assert ConsentAcceptance.objects.filter(patient=keep).count() == 1
    assert not ConsentAcceptance.objects.filter(patient=dup).exists()
    assert keep.user_id is not None  # the login moved to the kept record
    assert keep.email == "keep@example.com"
    # The retired record no longer counts as a duplicate nor shows in search.
    assert Patient.objects.filter(merged_into__isnull=True).count() == 1


def test_merging_a_patient_into_itself_is_refused(db):
    p = patient()
    response = api(staff(Role.MANAGER)).post(
        f"/api/patients/{p.pk}/merge/", {"duplicate": p.pk}, format="json"
    )
    assert response.status_code == 400


def test_future_date_of_birth_is_refused_by_the_service(db):
    with pytest.raises(Invalid):
        services.patient_register(
            actor=None,
            first_name="A",
            last_name="B",
            date_of_birth=timezone.localdate() + timedelta(days=1),
        )
