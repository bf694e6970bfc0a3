"""A treatment's deposit rule: set on the manager's prices pages (and the admin) through
treatments.services.treatment_deposit_set; a percentage outside 1..100, an amount of zero
or less, or values that do not fit the kind are refused beside the field, nothing saved;
the database's check holds the same for every other writer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.audit import Actor
from clinic.errors import Forbidden, Invalid
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.desk.helpers import client_for
from tests.factories import staff
from treatments.models import Treatment
from treatments.services import treatment_deposit_set

pytestmark = [pytest.mark.django_db, at_clinic_now]


def rule(t: Treatment) -> tuple:
    t.refresh_from_db()
    return (t.deposit_kind, t.deposit_amount, t.deposit_percent, t.deposit_first_visit_only)


def test_the_manager_sets_a_fixed_deposit_and_sees_it_listed(clinic, manager):
    face = clinic.face
    assert f"/manager/prices/{face.pk}/deposit/" in manager.get("/manager/prices/").text
    form = manager.get(f"/manager/prices/{face.pk}/deposit/").text
    assert 'name="deposit_kind"' in form and 'name="deposit_first_visit_only"' in form
    saved = manager.post(
        f"/manager/prices/{face.pk}/deposit/",
        {"deposit_kind": "amount", "deposit_amount": "300", "deposit_first_visit_only": "on"},
    )
    assert saved.status_code == 302 and saved["Location"] == "/manager/prices/"
    assert rule(face) == ("amount", Decimal("300.00"), None, True)
    assert "first visit only" in manager.get("/manager/prices/").text


def test_a_percentage_deposit_and_back_to_none(clinic, manager):
    face = clinic.face
    url = f"/manager/prices/{face.pk}/deposit/"
    manager.post(url, {"deposit_kind": "percent", "deposit_percent": "25"})
    assert rule(face) == ("percent", None, 25, False)
    face.price = Decimal("1000.00")
    assert face.deposit == Decimal("250.00")
    manager.post(url, {"deposit_kind": "none"})
    assert rule(face) == ("none", None, None, False)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"deposit_kind": "percent", "deposit_percent": "0"}, "deposit_percent", "from 1 to 100"),
        ({"deposit_kind": "percent", "deposit_percent": "101"}, "deposit_percent", "from 1 to 100"),
        ({"deposit_kind": "percent"}, "deposit_percent", "as a percentage of the price"),
        ({"deposit_kind": "amount", "deposit_amount": "-5"}, "deposit_amount", "more than zero"),
        ({"deposit_kind": "amount", "deposit_amount": "0"}, "deposit_amount", "more than zero"),
        ({"deposit_kind": "amount", "deposit_amount": "1.234"}, "deposit_amount", "two decimals"),
        ({"deposit_kind": "amount"}, "deposit_amount", "Give the deposit amount."),
        (
            {"deposit_kind": "amount", "deposit_amount": "10", "deposit_percent": "5"},
            "deposit_percent",
            "Leave the percentage empty",
        ),
        ({"deposit_kind": "half"}, "deposit_kind", "Select a valid choice"),
    ],
)
def test_a_bad_deposit_is_refused_beside_the_field_and_nothing_saved(
    clinic, manager, data, field, words
):
    before = rule(clinic.face)
    response = manager.post(f"/manager/prices/{clinic.face.pk}/deposit/", data)
    page = response.text
    assert response.status_code == 400
    anchor = page.index(f'name="{field}"')
    assert words in page[anchor - 900 : anchor + 900]
    assert rule(clinic.face) == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), (Role.PATIENT, 403), (Role.DERMATOLOGIST, 403), (Role.RECEPTION, 403)],
)
def test_only_the_manager_changes_a_deposit(clinic, role, expected):
    client = client_for(role)
    url = f"/manager/prices/{clinic.face.pk}/deposit/"
    assert client.get(url).status_code == expected
    client.post(url, {"deposit_kind": "amount", "deposit_amount": "100"})
    assert rule(clinic.face)[0] == "none"


def test_the_service_refuses_others_and_bad_values(clinic):
    with pytest.raises(Forbidden):
        treatment_deposit_set(
            actor=Actor(user=staff(Role.RECEPTION)), treatment=clinic.face, kind="none"
        )
    with pytest.raises(Invalid) as refused:
        treatment_deposit_set(
            actor=Actor(user=staff(Role.MANAGER)),
            treatment=clinic.face,
            kind="percent",
            percent=150,
        )
    assert refused.value.fields == {"deposit_percent": ["A deposit percentage is from 1 to 100."]}


@pytest.mark.parametrize(
    "values",
    [
        {"deposit_kind": "percent", "deposit_percent": 0},
        {"deposit_kind": "percent", "deposit_percent": 101},
        {"deposit_kind": "amount", "deposit_amount": Decimal("-1")},
        {"deposit_kind": "amount", "deposit_amount": Decimal("0")},
        {"deposit_kind": "none", "deposit_amount": Decimal("10")},
        {"deposit_kind": "amount", "deposit_amount": Decimal("10"), "deposit_percent": 10},
    ],
)
def test_the_database_refuses_an_inconsistent_rule(clinic, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Treatment.objects.filter(pk=clinic.face.pk).update(**values)


def test_the_admins_form_check_names_the_field(clinic):
    face = clinic.face
    face.deposit_kind, face.deposit_percent = "percent", 0
    with pytest.raises(ValidationError) as refused:
        face.full_clean()
    assert "deposit_percent" in refused.value.message_dict
