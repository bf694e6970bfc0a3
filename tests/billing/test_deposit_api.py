"""Deposits through the API: a patient token's booking of a treatment with a deposit is
`held` and answers the deposit's invoice and payment start data (documented in the
schema); the provider's signed webhook books it; a staff token's booking is not held;
paying a lapsed hold's invoice is a 409 in the shared error shape, nothing saved."""

from __future__ import annotations

import json

import pytest
import time_machine

from appointments.models import Appointment, Status
from billing.models import LedgerEntry, Payment
from billing.providers.test import HEADER, sign
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.billing.deposit_helpers import after_hold, deposit_clinic, deposit_of
from tests.billing.helpers import cleared_patient
from tests.factories import api, staff, token_api

pytestmark = [pytest.mark.django_db, at_clinic_now]


@pytest.fixture
def clinic():
    return deposit_clinic()


def book(client, clinic, headers: dict | None = None, **extra):
    body = {"treatment": clinic.face.pk, "start": local(days_ahead(3), 10).isoformat(), **extra}
    return client.post("/api/appointments/", body, format="json", **(headers or {}))


def test_a_patient_tokens_booking_is_held_and_answers_the_deposit(clinic):
    p = cleared_patient()
    answer = book(token_api(p.user), clinic)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    held = Appointment.objects.get(pk=body["id"])
    deposit = deposit_of(held)
    payment = Payment.objects.get(invoice=deposit.invoice)
    assert body["status"] == "held" and body["held_until"]
    assert body["deposit"] == {
        "invoice": deposit.invoice_id,
        "invoice_number": deposit.invoice.number,
        "amount": "300.00",
        "currency": "UAH",
        "held_until": body["held_until"],
        "payment": payment.pk,
        "provider": "test",
        "client_secret": f"{payment.provider_ref}_secret",
        "pay_url": f"/me/billing/payments/{payment.pk}/test-checkout/",
    }


def test_the_webhook_books_the_held_appointment(clinic):
    p = cleared_patient()
    client = token_api(p.user)
    body = book(client, clinic).json()
    payment = Payment.objects.get(pk=body["deposit"]["payment"])
    event = json.dumps({"type": "payment.succeeded", "reference": payment.provider_ref}).encode()
    hook = api().generic(
        "POST",
        "/api/billing/webhooks/test/",
        event,
        content_type="application/json",
        headers={HEADER: sign(event)},
    )
    assert hook.status_code == 200
    shown = client.get(f"/api/appointments/{body['id']}/").json()
    assert shown["status"] == "booked"


def test_a_replayed_booking_answers_the_same_deposit(clinic):
    client = token_api(cleared_patient().user)
    first = book(client, clinic, headers={"HTTP_IDEMPOTENCY_KEY": "deposit-1"}).json()
    again = book(client, clinic, headers={"HTTP_IDEMPOTENCY_KEY": "deposit-1"}).json()
    assert again == first and Payment.objects.count() == 1


def test_a_staff_tokens_booking_is_not_held(clinic):
    p = cleared_patient()
    answer = book(token_api(staff(Role.RECEPTION)), clinic, patient=p.pk)
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "booked" and body["deposit"] is None


def test_paying_a_lapsed_holds_invoice_is_a_409_and_saves_nothing(clinic):
    p = cleared_patient()
    client = token_api(p.user)
    body = book(client, clinic).json()
    held = Appointment.objects.get(pk=body["id"])
    payments, rows = Payment.objects.count(), LedgerEntry.objects.count()
    with time_machine.travel(after_hold(held)):
        answer = client.post(
            f"/api/invoices/{body['deposit']['invoice']}/payments/",
            {"method": "online", "amount": "300.00"},
            format="json",
        )
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "hold_expired" and "invoice" in error["fields"]
    assert (Payment.objects.count(), LedgerEntry.objects.count()) == (payments, rows)
    assert held.status == Status.HELD


def test_the_schema_documents_the_deposit_of_a_booking():
    schema = api().get("/api/schema/", {"format": "json"}).json()
    created = schema["paths"]["/api/appointments/"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    booked = schema["components"]["schemas"][ref]
    assert {"deposit", "held_until"} <= set(booked["properties"])
    due = schema["components"]["schemas"]["PrepaymentDueOutput"]
    assert {"invoice", "amount", "client_secret", "pay_url"} <= set(due["properties"])
