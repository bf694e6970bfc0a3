"""Stripe's hosted card page: paying online opens a Checkout Session (what Stripe's own SDK
sends, checked on a local fake of Stripe's API), and Stripe's signed webhooks settle the
payment through the same service, once; the page the patient returns to says "received"
only after that."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from billing.models import LedgerEntry, Payment
from billing.selectors import outstanding
from billing.services.invoices import invoice_issue
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.fake_stripe import signed_event
from tests.billing.helpers import desk, line
from tests.conftest import child_env
from tests.factories import api, patient, staff, token_api

pytestmark = [pytest.mark.django_db, at_clinic_now]
WEBHOOK = "/api/billing/webhooks/stripe/"


@pytest.fixture
def own(fake_stripe):
    p = patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("800.00")])
    client = Client()
    client.force_login(p.user)
    return p, invoice, client


def pay(client: Client, invoice) -> tuple[Payment, str]:
    started = client.post(f"/me/billing/invoices/{invoice.pk}/pay/")
    assert started.status_code == 302, started.content
    return Payment.objects.get(invoice=invoice, status="pending"), started["Location"]


def post_webhook(body: bytes, signature: str | None):
    headers = {"Stripe-Signature": signature} if signature is not None else {}
    return api().generic("POST", WEBHOOK, body, content_type="application/json", headers=headers)


def payment_ledger_rows(p) -> int:
    return LedgerEntry.objects.filter(patient_id=p.pk, kind="payment").count()


def test_paying_online_opens_a_checkout_session_in_kopiyky(own, fake_stripe):
    _p, invoice, client = own
    payment, location = pay(client, invoice)
    (sent,) = fake_stripe.creates()
    session = fake_stripe.sessions[payment.provider_ref]
    assert location == session["url"] == payment.checkout_url  # Stripe's page, stored
    assert sent.form["mode"] == "payment"
    assert sent.form["line_items[0][price_data][unit_amount]"] == "80000"
    assert sent.form["line_items[0][price_data][currency]"] == "uah"
    assert sent.form["metadata[payment_id]"] == str(payment.pk)
    assert sent.headers["Idempotency-Key"] == f"clinic-payment-{payment.pk}"
    assert sent.headers["Authorization"] == "Bearer sk_test_local"
    page = f"{settings.CLINIC_BASE_URL}/me/billing/payments/{payment.pk}/"
    assert sent.form["success_url"] == page + "?session_id={CHECKOUT_SESSION_ID}"
    assert sent.form["cancel_url"] == page + "?cancelled=1&session_id={CHECKOUT_SESSION_ID}"


def test_paying_again_while_waiting_goes_back_to_the_same_session(own, fake_stripe):
    _p, invoice, client = own
    _payment, location = pay(client, invoice)
    again = client.post(f"/me/billing/invoices/{invoice.pk}/pay/")
    assert again["Location"] == location
    assert len(fake_stripe.creates()) == 1 and Payment.objects.count() == 1


def test_the_api_answers_with_the_checkout_url(own, fake_stripe):
    p, invoice, _client = own
    response = token_api(p.user).post(
        f"/api/invoices/{invoice.pk}/payments/",
        {"method": "online", "amount": "300.00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["checkout_url"] == fake_stripe.sessions[body["provider_ref"]]["url"]
    assert fake_stripe.creates()[0].form["line_items[0][price_data][unit_amount]"] == "30000"


def test_a_signed_completed_event_settles_the_payment_and_the_page_says_so(own, fake_stripe):
    p, invoice, client = own
    payment, _location = pay(client, invoice)
    back = f"/me/billing/payments/{payment.pk}/?session_id={payment.provider_ref}"
    waiting = client.get(back).text  # back from Stripe before its webhook came
    assert "We are confirming your payment" in waiting and "Payment received" not in waiting
    fake_stripe.pay(payment.provider_ref)
    body, signature = signed_event(
        "checkout.session.completed", fake_stripe.sessions[payment.provider_ref]
    )
    assert post_webhook(body, signature).status_code == 200
    payment.refresh_from_db()
    assert payment.status == "succeeded" and outstanding(invoice) == 0
    assert payment_ledger_rows(p) == 1
    polled = client.get(back, headers={"HX-Request": "true"}).text
    assert "Payment received" in polled and "hx-trigger" not in polled


def test_a_replayed_event_settles_once(own, fake_stripe):
    p, invoice, client = own
    payment, _location = pay(client, invoice)
    fake_stripe.pay(payment.provider_ref)
    body, signature = signed_event(
        "checkout.session.completed", fake_stripe.sessions[payment.provider_ref]
    )
    for _ in range(3):
        assert post_webhook(body, signature).status_code == 200
    assert Payment.objects.get().status == "succeeded"
    assert payment_ledger_rows(p) == 1


@pytest.mark.parametrize("how", ["other secret", "missing", "body changed"])
def test_a_bad_signature_is_a_400_and_nothing_is_saved(own, fake_stripe, how):
    p, invoice, client = own
    payment, _location = pay(client, invoice)
    fake_stripe.pay(payment.provider_ref)
    session = fake_stripe.sessions[payment.provider_ref]
    body, signature = signed_event("checkout.session.completed", session)
    if how == "other secret":
        body, signature = signed_event("checkout.session.completed", session, secret="whsec_x")
    elif how == "missing":
        signature = None
    else:
        body = body.replace(b'"paid"', b'"paid" ')
    response = post_webhook(body, signature)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert Payment.objects.get().status == "pending" and payment_ledger_rows(p) == 0


def test_a_session_completed_unpaid_waits_for_its_async_result(own, fake_stripe):
    p, invoice, client = own
    payment, _location = pay(client, invoice)
    session = fake_stripe.sessions[payment.provider_ref]
    session.update(status="complete")  # a bank debit: paid later, or not
    assert post_webhook(*signed_event("checkout.session.completed", session)).status_code == 200
    assert Payment.objects.get().status == "pending"
    session.update(payment_status="paid")
    hook = post_webhook(*signed_event("checkout.session.async_payment_succeeded", session))
    assert hook.status_code == 200
    assert Payment.objects.get().status == "succeeded" and payment_ledger_rows(p) == 1


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("checkout.session.expired", "The payment page expired before the payment was made."),
        ("checkout.session.async_payment_failed", "The payment did not go through."),
    ],
)
def test_an_expired_or_failed_session_declines_the_payment(own, fake_stripe, kind, reason):
    p, invoice, client = own
    payment, _location = pay(client, invoice)
    session = fake_stripe.sessions[payment.provider_ref]
    assert post_webhook(*signed_event(kind, session)).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == ("failed", reason)
    assert payment_ledger_rows(p) == 0 and outstanding(invoice) == Decimal("800.00")
    page = client.get(f"/me/billing/payments/{payment.pk}/").text
    assert reason in page and "Try again" in page


def test_coming_back_cancelled_says_nothing_was_charged(own, fake_stripe):
    _p, invoice, client = own
    payment, location = pay(client, invoice)
    page = client.get(f"/me/billing/payments/{payment.pk}/?cancelled=1&session_id=x").text
    assert "You left the card page: nothing was charged." in page
    assert client.post(f"/me/billing/invoices/{invoice.pk}/pay/")["Location"] == location


def test_a_refund_to_the_card_names_the_sessions_payment_intent(own, fake_stripe):
    _p, invoice, client = own
    payment, _location = pay(client, invoice)
    fake_stripe.pay(payment.provider_ref)
    session = fake_stripe.sessions[payment.provider_ref]
    assert post_webhook(*signed_event("checkout.session.completed", session)).status_code == 200
    response = token_api(staff(Role.RECEPTION)).post(
        f"/api/payments/{payment.pk}/refunds/",
        {"amount": "150.00", "to": "method", "reason": "one session less"},
        format="json",
    )
    assert response.status_code == 201, response.content
    (refund,) = [r for r in fake_stripe.requests if r.path == "/v1/refunds"]
    assert refund.form == {"payment_intent": f"pi_of_{payment.provider_ref}", "amount": "15000"}
    assert refund.headers["Idempotency-Key"] == f"clinic-refund-{payment.pk}-15000"


@pytest.mark.parametrize(("provider", "allowed"), [("stripe", True), ("test", False)])
def test_the_pay_form_may_redirect_to_stripes_page_only_with_stripe(provider, allowed):
    """Chromium applies CSP's form-action to the redirect a form's POST is answered with,
    so Stripe's origin is allowed there when (and only when) Stripe takes the payments."""
    shown = subprocess.run(
        [sys.executable, "-c", PRINT_FORM_ACTION],
        env=child_env(BILLING_PROVIDER=provider, DJANGO_SETTINGS_MODULE="clinic.settings"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert shown[0] == "'self'"
    assert ("https://checkout.stripe.com" in shown) is allowed


PRINT_FORM_ACTION = (
    "import django; django.setup(); from django.conf import settings; "
    "print(*settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
)
