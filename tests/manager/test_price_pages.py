"""Treatment prices on the manager's settings pages: in the clinic's currency, set through
treatments.services.treatment_price_set, refusals in words beside the field, and the
pages open to the manager only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings

from clinic.audit import Actor
from clinic.errors import Forbidden, Invalid
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.desk.helpers import client_for
from tests.factories import staff
from treatments.services import treatment_price_set

pytestmark = [pytest.mark.django_db, at_clinic_now]


def test_the_manager_sees_the_prices_and_changes_one(clinic, manager):
    face = clinic.face
    listed = manager.get("/manager/prices/").content.decode()
    assert settings.CLINIC_CURRENCY in listed and f"/manager/prices/{face.pk}/" in listed
    form = manager.get(f"/manager/prices/{face.pk}/").content.decode()
    assert f"Price ({settings.CLINIC_CURRENCY})" in form
    saved = manager.post(f"/manager/prices/{face.pk}/", {"price": "1450.50"})
    assert saved.status_code == 302 and saved["Location"] == "/manager/prices/"
    face.refresh_from_db()
    assert face.price == Decimal("1450.50")
    assert "1450.50" in manager.get("/manager/prices/").content.decode()


@pytest.mark.parametrize(
    ("price", "words"),
    [
        ("-5", "A price cannot be negative."),
        ("12.345", "at most two decimals"),
        ("123456789", "at most two decimals"),
        ("twelve", "Enter the price as a number"),
        ("", "This field is required."),
    ],
)
def test_a_bad_price_is_refused_beside_the_field_and_nothing_changes(clinic, manager, price, words):
    before = clinic.face.price
    response = manager.post(f"/manager/prices/{clinic.face.pk}/", {"price": price})
    page = response.content.decode()
    assert response.status_code == 400
    field = page[page.index('id="id_price"') - 600 : page.index('id="id_price"') + 600]
    assert words in field
    clinic.face.refresh_from_db()
    assert clinic.face.price == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.PATIENT, 403),
        (Role.DERMATOLOGIST, 403),
        (Role.RECEPTION, 403),
        (Role.MANAGER, 200),
    ],
)
def test_only_the_manager_opens_the_price_pages(clinic, role, expected):
    client = client_for(role)
    for url in ("/manager/prices/", f"/manager/prices/{clinic.face.pk}/"):
        assert client.get(url).status_code == expected, url
    if expected != 200:
        client.post(f"/manager/prices/{clinic.face.pk}/", {"price": "1"})
        clinic.face.refresh_from_db()
        assert clinic.face.price != Decimal("1")


def test_the_service_refuses_others_and_bad_prices(clinic):
    with pytest.raises(Forbidden):
        treatment_price_set(
            actor=Actor(user=staff(Role.RECEPTION)), treatment=clinic.face, price=Decimal("1")
        )
    with pytest.raises(Invalid) as refused:
        treatment_price_set(
            actor=Actor(user=staff(Role.MANAGER)), treatment=clinic.face, price=Decimal("-1")
        )
    assert refused.value.fields == {"price": ["A price cannot be negative."]}
