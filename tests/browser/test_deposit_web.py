"""Booking online with a deposit, in a real Chromium: the confirm page names the deposit,
confirming holds the time and goes straight to the test provider's page, a declined card
keeps the hold and "Try again" pays, the booking is then made (its confirmation queued
only then), and the patient's money page lists the deposit as paid."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from appointments.models import Appointment, Status
from billing.models import Deposit
from messaging.models import Message
from tests.browser.pages import DESKTOP, PHONE, check_layout, log_in
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_patient_web import choose_day_and_time
from treatments.models import Treatment

pytestmark = pytest.mark.browser
FACE = "microcurrent-therapy-face"


def checked(page: Page, name: str) -> None:
    """The layout at both widths (and its screenshot), and axe: no WCAG A or AA violation."""
    check_layout(page, name)
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 900})
        assert axe_violations(page) == [], f"{name} at {width}px"


def test_a_patient_books_online_pays_the_deposit_and_is_booked(page: Page, clinic: str) -> None:
    Treatment.objects.filter(slug=FACE).update(deposit_kind="amount", deposit_amount=300)
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/book/{FACE}/")
    choose_day_and_time(page, days_ahead=3)
    expect(page.locator("#deposit")).to_contain_text("300.00 UAH, paid online now")
    checked(page, "deposit-confirm")
    page.get_by_role("button", name="Confirm and pay the deposit").click()

    expect(page).to_have_url(re.compile(r"/me/billing/payments/\d+/test-checkout/$"))
    expect(page.locator(".messages")).to_contain_text("Pay the deposit of 300.00 UAH")
    (held,) = Appointment.objects.filter(patient__user__username="patient1")
    assert held.status == Status.HELD
    assert not Message.objects.filter(appointment=held, kind="confirmation").exists()
    checked(page, "deposit-test-checkout")

    page.get_by_role("button", name="Decline the card").click()
    expect(page.locator("#deposit-state")).to_contain_text("We still hold the time for you")
    checked(page, "deposit-declined")
    held.refresh_from_db()
    assert held.status == Status.HELD
    page.get_by_role("button", name="Try again").click()
    expect(page).to_have_url(re.compile(r"/test-checkout/$"))
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page.locator("#deposit-state")).to_contain_text("Your appointment is booked")
    checked(page, "deposit-paid")
    held.refresh_from_db()
    assert held.status == Status.BOOKED
    assert Message.objects.filter(appointment=held, kind="confirmation").exists()
    deposit = Deposit.objects.get(appointment=held)
    assert deposit.status == "paid" and deposit.amount.amount == Decimal("300.00")

    page.goto(f"{clinic}/me/billing/")
    expect(page.locator("#deposits")).to_contain_text("Paid")
    checked(page, "deposit-my-billing")
    page.goto(f"{clinic}/me/appointments/{held.pk}/cancel/")
    expect(page.locator("#deposit-on-cancel")).to_contain_text("will be refunded")
