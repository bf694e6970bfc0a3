"""Checkout at the desk in a real Chromium: from the appointment page of a session that
took place, the patient's package pays for it, the invoice shows, the PDF receipt
downloads (and is queued by email), and the next booking is offered."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from appointments.models import Appointment, Status
from billing.models import Package, PackagePlan, Redemption
from billing.services.packages import package_sell
from clinic.audit import Actor
from demo.data import DEMO_PASSWORD
from messaging.models import Message
from tests.browser.staff_login import login_staff
from tests.browser.test_staff_web import (
    FACE,
    at,
    book,
    move_to_earlier_today,
    new_patients,
    next_weekday,
    shot,
    user,
)
from treatments.models import Treatment

pytestmark = pytest.mark.browser


def test_reception_checks_out_a_session_with_a_package_and_downloads_the_receipt(
    page: Page, clinic: str
) -> None:
    anna = new_patients("333")[0]
    plan = PackagePlan.objects.create(
        name="Microcurrent face, 10 sessions", sessions=10, price=Decimal("9000.00")
    )
    plan.treatments.set([Treatment.objects.get(slug=FACE)])
    package = package_sell(actor=Actor(user=user("reception")), patient_id=anna.pk, plan=plan)
    visit = move_to_earlier_today(book(anna, FACE, at(next_weekday(1), 10)), 50)
    Appointment.objects.filter(pk=visit.pk).update(status=Status.CHECKED_IN)

    login_staff(page, clinic, "reception", DEMO_PASSWORD)
    page.goto(f"{clinic}/desk/appointments/{visit.pk}/")
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checkout")
    expect(
        page.get_by_label("Microcurrent face, 10 sessions: 10 of 10 sessions left")
    ).to_be_checked()
    page.get_by_label("Payment method").select_option("cash")
    page.get_by_role("button", name="Check out").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice")
    expect(page.locator("#invoice-total")).to_have_text("0.00 UAH")
    expect(page.locator("main")).to_contain_text("prepaid: Microcurrent face, 10 sessions")
    expect(page.get_by_role("link", name="Book the next session")).to_be_visible()
    shot(page, "desk-checkout")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the receipt (PDF)").click()
    pdf = PdfReader(BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(pdf.pages[0].extract_text().split())
    assert anna.full_name in text and "prepaid" in text and "0.00 UAH" in text

    package.refresh_from_db()
    assert package.sessions_used == 1 and Redemption.objects.get().appointment_id == visit.pk
    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED
    assert Message.objects.filter(kind="receipt", patient=anna).count() == 1
    page.get_by_role("link", name="Book the next session").click()
    expect(page.get_by_label("Treatment")).to_have_value(str(visit.treatment_id))
    assert Package.objects.get(pk=package.pk).sessions_left == 9
