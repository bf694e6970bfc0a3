"""Online payments: the test provider's success, decline and webhook paths, signatures,
repeated events, and the Stripe adapter's signature check (its SDK, offline); Stripe's
hosted page in test_stripe_checkout.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
from django.test import override_settings

from billing.models import LedgerEntry, Payment
from billing.providers import BadSignature
from billing.providers.stripe_adapter import StripeProvider
from billing.providers.test import HEADER, sign
from billing.selectors import outstanding
from billing.services.invoices import invoice_issue
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import desk, line
from tests.factories import api, patient, token_api

pytestmark = at_clinic_now
WEBHOOK = "/api/billing/webhooks/test/"


@pytest.fixture
def own_invoice(db):
    p = patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("800.00")])
    return p, invoice


def start_online(p, invoice, amount="800.00") -> dict:
    response = token_api(p.user).post(
        f"/api/invoices/{invoice.pk}/payments/",
        {"method": "online", "amount": amount},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def post_event(body: dict, signature: str | None = None):
    payload = json.dumps(body).encode()
    headers = {HEADER: signature if signature is not None else sign(payload)}
    return api().generic("POST", WEBHOOK, payload, content_type="application/json", headers=headers)


def test_success_settles_the_payment_once_however_often_the_event_comes(own_invoice):
    p, invoice = own_invoice
    started = start_online(p, invoice)
    assert started["status"] == "pending" and started["client_secret"]
    assert LedgerEntry.objects.count() == 1  # the invoice; nothing paid yet
    event = {"type": "payment.succeeded", "reference": started["provider_ref"]}
    for _ in range(3):
        assert post_event(event).status_code == 200
    assert Payment.objects.get().status == "succeeded"
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert outstanding(invoice) == 0


def test_a_decline_records_the_reason_and_no_ledger_row(own_invoice):
    p, invoice = own_invoice
    started = start_online(p, invoice)
    event = {
        "type": "payment.declined",
        "reference": started["provider_ref"],
        "reason": "card declined",
    }
    assert post_event(event).status_code == 200
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_reason) == ("failed", "card declined")
    assert not LedgerEntry.objects.filter(kind="payment").exists()
    assert outstanding(invoice) == Decimal("800.00")
    start_online(p, invoice)  # the patient may try again


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=00", "garbage", sign(b"another body")],
    ids=["missing", "wrong", "malformed", "for another body"],
)
def test_a_bad_signature_is_a_400_and_changes_nothing(own_invoice, signature):
    p, invoice = own_invoice
    started = start_online(p, invoice)
    response = post_event(
        {"type": "payment.succeeded", "reference": started["provider_ref"]}, signature
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert "signature" in response.json()["error"]["fields"]
    assert Payment.objects.get().status == "pending"
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_an_old_signature_is_refused(own_invoice):
    p, invoice = own_invoice
    started = start_online(p, invoice)
    body = {"type": "payment.succeeded", "reference": started["provider_ref"]}
    stale = sign(json.dumps(body).encode(), at=int(time.time()) - 3600)
    assert post_event(body, stale).status_code == 400


def test_a_webhook_for_another_provider_is_not_found(db):
    response = api().post("/api/billing/webhooks/stripe/", {}, format="json")
    assert response.status_code == 404


def _stripe_signature(payload: str, secret: str, at: int) -> str:
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


@override_settings(STRIPE_WEBHOOK_SECRET="whsec_unit")
def test_the_stripe_adapter_reads_a_signed_event_and_refuses_a_forged_one():
    payload = json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": "payment_intent.payment_failed",
            "data": {
                "object": {
                    "id": "pi_123",
                    "object": "payment_intent",
                    "last_payment_error": {"message": "Your card was declined."},
                }
            },
        }
    )
    now = int(time.time())
    good = {"Stripe-Signature": _stripe_signature(payload, "whsec_unit", now)}
    event = StripeProvider().verify_webhook(payload.encode(), good)
    assert (event.reference, event.succeeded) == ("pi_123", False)
    assert event.reason == "Your card was declined."
    forged = {"Stripe-Signature": _stripe_signature(payload, "whsec_other", now)}
    with pytest.raises(BadSignature):
        StripeProvider().verify_webhook(payload.encode(), forged)


def test_a_refusal_by_stripe_is_a_409_and_nothing_is_saved(own_invoice, fake_stripe):
    p, invoice = own_invoice
    fake_stripe.refuse = True
    response = token_api(p.user).post(
        f"/api/invoices/{invoice.pk}/payments/",
        {"method": "online", "amount": "800.00"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "provider_refused"
    assert not Payment.objects.exists()
