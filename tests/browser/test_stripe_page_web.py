"""Paying on Stripe's hosted card page in a real Chromium: the patient's "Pay" form is
answered with a redirect to Stripe's page (which CSP's form-action must allow), Stripe
sends them back, and the clinic's page says "Payment received" by itself (HTMX polling)
once Stripe's signed webhook has settled the payment, not before. Stripe's API and page
are a local fake (tests/billing/fake_stripe.py); the webhook comes over HTTP."""

from __future__ import annotations

import copy
import urllib.request
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from billing.models import Package, PackagePlan, Payment
from billing.selectors import outstanding
from billing.services.invoices import LineInput, invoice_issue
from clinic.audit import Actor
from tests.billing.fake_stripe import FakeStripe, serve, signed_event
from tests.browser.pages import log_in
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_staff_web import FACE, demo_patient, shot, user
from treatments.models import Treatment

pytestmark = pytest.mark.browser


@pytest.fixture
def stripe_api(clinic: str, settings) -> Iterator[FakeStripe]:
    state, server = serve(settings)
    settings.CLINIC_BASE_URL = clinic
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(state.base)  # as STRIPE_CHECKOUT_ORIGIN does
    settings.CONTENT_SECURITY_POLICY = policy
    yield state
    server.shutdown()
    server.server_close()


def send_webhook(clinic: str, kind: str, session: dict) -> int:
    body, signature = signed_event(kind, session)
    request = urllib.request.Request(  # noqa: S310 (our live server)
        f"{clinic}/api/billing/webhooks/stripe/",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our server)
        return answer.status


def test_a_patient_pays_on_stripes_page_and_the_clinic_confirms_after_the_webhook(
    page: Page, clinic: str, stripe_api: FakeStripe
) -> None:
    me = demo_patient("patient1")
    invoice = invoice_issue(
        actor=Actor(user=user("reception")),
        patient_id=me.pk,
        lines=[LineInput(kind="fee", description="Skin analysis", unit_price=Decimal("650.00"))],
    )
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/me/billing/")
    page.get_by_role("button", name=f"Pay invoice {invoice.number} online").click()

    expect(page).to_have_title("Fake Stripe Checkout")  # the form's redirect went through
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay 65000 uah")
    page.get_by_role("link", name="Back to the clinic").click()
    payment = Payment.objects.get(invoice=invoice)
    page.wait_for_url(f"{clinic}/me/billing/payments/{payment.pk}/?session_id=*")
    expect(page.locator("#payment-state")).to_contain_text("We are confirming your payment")
    assert axe_violations(page) == []
    page.evaluate("window.stillTheSamePage = true")  # gone if the page were reloaded

    stripe_api.pay(payment.provider_ref)
    session = stripe_api.sessions[payment.provider_ref]
    assert send_webhook(clinic, "checkout.session.completed", session) == 200

    expect(page.locator("#payment-state")).to_contain_text("Payment received", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert axe_violations(page) == []
    shot(page, "patient-paid-on-stripe")
    assert outstanding(invoice) == 0


def test_a_package_bought_on_stripes_page_shows_as_awaiting_payment_until_paid(
    page: Page, clinic: str, stripe_api: FakeStripe
) -> None:
    plan = PackagePlan.objects.create(
        name="Microcurrent face, 7 sessions", sessions=7, price=Decimal("6300.00")
    )
    plan.treatments.set([Treatment.objects.get(slug=FACE)])
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/me/billing/")
    page.get_by_role("button", name=f"Buy {plan.name}").click()
    expect(page).to_have_title("Fake Stripe Checkout")

    page.goto(f"{clinic}/me/billing/")  # back without paying
    packages = page.locator("ul.packages").first
    expect(packages).to_contain_text(f"{plan.name}: awaiting payment")
    expect(packages).not_to_contain_text("sessions left")
    assert axe_violations(page) == []

    payment = Payment.objects.get(invoice=Package.objects.get(plan=plan).invoice)
    stripe_api.pay(payment.provider_ref)
    session = stripe_api.sessions[payment.provider_ref]
    assert send_webhook(clinic, "checkout.session.completed", session) == 200
    page.reload()
    expect(packages).to_contain_text(f"{plan.name}: 7 of 7 sessions left")
