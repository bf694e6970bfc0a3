"""The money pages in a real Chromium: the desk sells a package from the patient's page
and refunds part of its payment to account credit; a patient pays an invoice online
through the test provider (a declined card first, then a card that goes through)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from billing.models import Package, PackagePlan, Payment, Refund
from billing.selectors import balance_of, outstanding
from billing.services.invoices import LineInput, invoice_issue
from clinic.audit import Actor
from demo.data import DEMO_PASSWORD
from tests.browser.pages import log_in
from tests.browser.staff_login import login_staff
from tests.browser.test_staff_web import FACE, demo_patient, new_patients, shot, user
from treatments.models import Treatment

pytestmark = pytest.mark.browser


def test_the_desk_sells_a_package_and_refunds_part_of_it_to_credit(page: Page, clinic: str) -> None:
    anna = new_patients("444")[0]
    plan = PackagePlan.objects.create(
        name="Microcurrent face, 10 sessions", sessions=10, price=Decimal("9000.00")
    )
    plan.treatments.set([Treatment.objects.get(slug=FACE)])

    login_staff(page, clinic, "reception", DEMO_PASSWORD)
    page.goto(f"{clinic}/desk/patients/{anna.pk}/")
    page.get_by_role("link", name="Money and packages").click()
    expect(page.locator("#owed")).to_have_text("0.00")
    page.get_by_role("link", name="Sell a package").click()
    page.get_by_label("Package").select_option(str(plan.pk))
    page.get_by_label("Paid now by").select_option("card")
    page.get_by_role("button", name="Sell", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice")
    expect(page.locator("#invoice-total")).to_have_text("9000.00 UAH")
    expect(page.locator("#outstanding")).to_have_text("0.00 UAH")
    page.get_by_role("link", name="Refund", exact=True).click()
    page.get_by_label("Amount to refund").fill("2500.00")  # above reception's 2000.00
    page.get_by_label("Account credit").check()
    page.get_by_label("Reason").fill("Two sessions moved to a friend's package")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator(".field.invalid")).to_contain_text("At most 2000.00 for reception.")
    page.get_by_label("Amount to refund").fill("1800.00")
    page.get_by_role("button", name="Refund", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice")
    page.get_by_role("link", name="The patient's money").click()
    expect(page.locator("#credit")).to_have_text("1800.00")
    expect(page.locator("#ledger tbody tr")).to_have_count(3)  # invoice, payment, refund
    shot(page, "desk-money")
    package = Package.objects.get(patient=anna)
    assert package.sessions_total == 10
    assert Refund.objects.get(payment__invoice=package.invoice).amount.amount == Decimal("1800.00")
    assert balance_of(anna.pk).credit == Decimal("1800.00")


def test_a_patient_pays_an_invoice_online_after_a_declined_card(page: Page, clinic: str) -> None:
    me = demo_patient("patient1")
    invoice = invoice_issue(
        actor=Actor(user=user("reception")),
        patient_id=me.pk,
        lines=[LineInput(kind="fee", description="Skin analysis", unit_price=Decimal("650.00"))],
    )
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/me/billing/")
    pay = page.get_by_role("button", name=f"Pay invoice {invoice.number} online")
    pay.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment")
    expect(page.locator("main")).to_contain_text(f"Invoice {invoice.number}: 650.00 UAH")
    page.get_by_role("button", name="Decline the card").click()
    expect(page.locator("#payment-state")).to_contain_text("The payment was declined")
    page.get_by_role("button", name="Try again").click()
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("#payment-state")).to_contain_text("Payment received")
    shot(page, "patient-paid-online")

    page.get_by_role("link", name="My invoices and packages").click()
    expect(page.get_by_role("button", name=f"Pay invoice {invoice.number} online")).to_have_count(0)
    statuses = list(Payment.objects.filter(invoice=invoice).values_list("status", flat=True))
    assert sorted(statuses) == ["failed", "succeeded"]
    assert outstanding(invoice) == 0
