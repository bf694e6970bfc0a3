"""The patient pays an invoice online from /me/billing/: the Pay button, the test
provider's hosted page (pay or decline), the result page; a payment is paid only when the
signed event settles it; nobody pays another patient's invoice."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client, override_settings

from billing.models import LedgerEntry, Payment
from billing.providers.test import HEADER, sign
from billing.selectors import balance_of, outstanding
from billing.services.invoices import invoice_issue
from billing.services.payments import payment_take
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import desk, line
from tests.factories import api, patient

pytestmark = [pytest.mark.django_db, at_clinic_now]


def logged_in(p) -> Client:
    client = Client()
    client.force_login(p.user)
    return client


@pytest.fixture
def own():
    p = patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("800.00")])
    return p, invoice, logged_in(p)


def test_the_pay_button_shows_for_an_invoice_with_something_left(own):
    _p, invoice, client = own
    assert f"/me/billing/invoices/{invoice.pk}/pay/" in client.get("/me/billing/").text
    payment_take(actor=desk(), invoice=invoice, method="cash", amount=Decimal("800.00"))
    assert f"/me/billing/invoices/{invoice.pk}/pay/" not in client.get("/me/billing/").text


def test_paying_through_the_test_provider(own):
    p, invoice, client = own
    started = client.post(f"/me/billing/invoices/{invoice.pk}/pay/")
    payment = Payment.objects.get(invoice=invoice)
    assert started["Location"] == f"/me/billing/payments/{payment.pk}/test-checkout/"
    assert payment.status == "pending" and payment.amount.amount == Decimal("800.00")
    assert "800.00" in client.get(started["Location"]).text
    done = client.post(started["Location"], {"outcome": "pay"}, follow=True)
    assert "Payment received" in done.text
    payment.refresh_from_db()
    assert payment.status == "succeeded" and outstanding(invoice) == 0
    assert balance_of(p.pk).owed == 0


def test_a_declined_card_records_the_reason_and_no_ledger_row(own):
    p, invoice, client = own
    started = client.post(f"/me/billing/invoices/{invoice.pk}/pay/")
    done = client.post(started["Location"], {"outcome": "decline"}, follow=True)
    assert "The payment was declined: Card declined (test provider)" in done.text
    assert Payment.objects.get(invoice=invoice).status == "failed"
    assert LedgerEntry.objects.filter(patient_id=p.pk).count() == 1  # the invoice only
    again = client.post(f"/me/billing/invoices/{invoice.pk}/pay/")  # try again: a new one
    assert Payment.objects.filter(invoice=invoice).count() == 2 and again.status_code == 302


def test_a_payment_waits_until_the_webhook_confirms_it(own):
    _p, invoice, client = own
    client.post(f"/me/billing/invoices/{invoice.pk}/pay/")
    payment = Payment.objects.get(invoice=invoice)
    page = client.get(f"/me/billing/payments/{payment.pk}/").text
    assert "We are confirming your payment" in page and "Payment received" not in page
    assert 'hx-trigger="every 2s"' in page  # HTMX asks again until the webhook comes
    polled = client.get(f"/me/billing/payments/{payment.pk}/", headers={"HX-Request": "true"})
    assert "We are confirming" in polled.text and "<html" not in polled.text
    resumed = client.post(f"/me/billing/invoices/{invoice.pk}/pay/")  # no second payment
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert resumed["Location"].endswith(f"/payments/{payment.pk}/test-checkout/")
    body = json.dumps({"type": "payment.succeeded", "reference": payment.provider_ref}).encode()
    hook = api().generic(
        "POST",
        "/api/billing/webhooks/test/",
        body,
        content_type="application/json",
        headers={HEADER: sign(body)},
    )
    assert hook.status_code == 200
    polled = client.get(f"/me/billing/payments/{payment.pk}/", headers={"HX-Request": "true"})
    assert "Payment received" in polled.text and "hx-trigger" not in polled.text  # stops
    assert client.get(f"/me/billing/payments/{payment.pk}/test-checkout/").status_code == 302


def test_another_patient_cannot_pay_or_see_the_payment(own):
    _p, invoice, client = own
    client.post(f"/me/billing/invoices/{invoice.pk}/pay/")
    payment = Payment.objects.get(invoice=invoice)
    stranger = logged_in(patient())
    assert stranger.post(f"/me/billing/invoices/{invoice.pk}/pay/").status_code == 404
    assert stranger.get(f"/me/billing/payments/{payment.pk}/").status_code == 404
    assert (
        stranger.post(
            f"/me/billing/payments/{payment.pk}/test-checkout/", {"outcome": "pay"}
        ).status_code
        == 404
    )
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_paying_a_paid_invoice_says_so_and_starts_nothing(own):
    _p, invoice, client = own
    payment_take(actor=desk(), invoice=invoice, method="card", amount=Decimal("800.00"))
    response = client.post(f"/me/billing/invoices/{invoice.pk}/pay/", follow=True)
    assert f"Invoice {invoice.number} is paid already." in response.text
    assert not Payment.objects.filter(invoice=invoice, method="online").exists()


def test_the_test_checkout_is_gone_with_a_real_provider(own):
    _p, invoice, client = own
    client.post(f"/me/billing/invoices/{invoice.pk}/pay/")
    payment = Payment.objects.get(invoice=invoice)
    with override_settings(BILLING_PROVIDER="stripe"):
        page = client.post(f"/me/billing/payments/{payment.pk}/test-checkout/", {"outcome": "pay"})
    assert page.status_code == 404
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_staff_and_anonymous_visitors_do_not_pay_here(own):
    from clinic.roles import Role
    from tests.desk.helpers import client_for

    _p, invoice, _client = own
    assert Client().post(f"/me/billing/invoices/{invoice.pk}/pay/").status_code == 302
    for role in (Role.RECEPTION, Role.DERMATOLOGIST, Role.MANAGER):
        assert client_for(role).post(f"/me/billing/invoices/{invoice.pk}/pay/").status_code == 403
    assert not Payment.objects.exists()


@pytest.fixture
def face_plan(db):
    from billing.models import PackagePlan

    return PackagePlan.objects.create(
        name="Face x7", sessions=7, price=Decimal("6300.00"), valid_days=120
    )


def test_a_patient_buys_a_package_online(face_plan):
    from billing.models import Package

    p = patient()
    client = logged_in(p)
    assert f"/me/billing/packages/{face_plan.pk}/buy/" in client.get("/me/billing/").text
    started = client.post(f"/me/billing/packages/{face_plan.pk}/buy/")
    package = Package.objects.get(patient=p)
    payment = Payment.objects.get(invoice=package.invoice)
    assert started["Location"] == f"/me/billing/payments/{payment.pk}/test-checkout/"
    assert payment.status == "pending" and payment.amount.amount == Decimal("6300.00")
    client.post(started["Location"], {"outcome": "pay"})
    assert balance_of(p.pk).owed == 0 and package.sessions_total == 7
    assert "Face x7: 7 of 7 sessions left" in client.get("/me/billing/").text


def test_a_declined_package_purchase_leaves_its_invoice_to_pay(face_plan):
    from billing.models import Package

    p = patient()
    client = logged_in(p)
    started = client.post(f"/me/billing/packages/{face_plan.pk}/buy/")
    client.post(started["Location"], {"outcome": "decline"})
    package = Package.objects.get(patient=p)
    assert balance_of(p.pk).owed == Decimal("6300.00")
    assert f"/me/billing/invoices/{package.invoice_id}/pay/" in client.get("/me/billing/").text


def test_a_plan_withdrawn_from_sale_is_not_bought(face_plan):
    from billing.models import Invoice, Package

    face_plan.active = False
    face_plan.save()
    p = patient()
    client = logged_in(p)
    assert f"/packages/{face_plan.pk}/buy/" not in client.get("/me/billing/").text
    refused = client.post(f"/me/billing/packages/{face_plan.pk}/buy/", follow=True)
    assert "This package is no longer sold." in refused.text
    assert not Package.objects.exists() and not Invoice.objects.exists()
    assert not Payment.objects.exists()


def test_staff_do_not_buy_packages_online(face_plan):
    from billing.models import Package
    from clinic.roles import Role
    from tests.desk.helpers import client_for

    for role in (Role.RECEPTION, Role.MANAGER, Role.DERMATOLOGIST):
        buy = client_for(role).post(f"/me/billing/packages/{face_plan.pk}/buy/")
        assert buy.status_code == 403
    assert not Package.objects.exists()
