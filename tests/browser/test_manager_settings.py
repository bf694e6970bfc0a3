"""The manager's settings in Chromium: a closure over a booked session lists it and closes
only on "Close anyway", then the closure's page (and the desk) offers to move it, and the
manager moves it there in one click; the policy page offers
reminders in days and hours. Screenshots for the closing note go to docs/screenshots/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import ClinicPolicy, Closure, Status
from demo.data import DEMO_PASSWORD
from messaging.models import Message, MessageKind
from tests.browser.pages import DESKTOP, PHONE, UNLABELLED_CONTROLS
from tests.browser.staff_login import login_staff
from tests.browser.test_staff_web import at, book, demo_patient, next_weekday

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def doc_shot(page: Page, name: str) -> None:
    (DOCS / name).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def fits_a_phone(page: Page, name: str) -> None:
    """At 390 px nothing scrolls sideways and every control has a label."""
    page.set_viewport_size({"width": PHONE, "height": 900})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways at {PHONE}px"
    assert not page.evaluate(UNLABELLED_CONTROLS), name
    page.set_viewport_size({"width": DESKTOP, "height": 900})


def test_a_closure_lists_the_booked_session_and_the_manager_moves_it_there(page: Page, clinic: str):
    anna = demo_patient("patient1")
    tuesday = next_weekday(1)
    booked = book(anna, "microcurrent-therapy-face", at(tuesday, 11))
    login_staff(page, clinic, "manager", DEMO_PASSWORD)
    page.goto(f"{clinic}/desk/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Closures").click()
    page.get_by_role("link", name="Add a closure").click()

    page.get_by_label("First closed day").fill(str(tuesday))
    page.get_by_label("Last closed day").fill(str(tuesday - timedelta(days=1)))
    page.get_by_label("Reason").fill("Burst pipe")
    page.get_by_role("button", name="Save").click()
    field = page.locator(".field", has=page.get_by_label("Last closed day"))
    expect(field).to_contain_text("The last day cannot be before the first day.")
    expect(page.locator("main")).not_to_contain_text("closure_dates_ordered")

    page.get_by_label("Last closed day").fill(str(tuesday + timedelta(days=1)))
    page.get_by_role("button", name="Save").click()
    warning = page.locator("#stranded")
    expect(warning).to_contain_text("1 booked session falls on these days")
    expect(warning).to_contain_text(anna.full_name)
    assert not Closure.objects.exists()
    fits_a_phone(page, "closure warning")
    doc_shot(page, "closure-warning")

    page.get_by_role("button", name="Close anyway").click()
    # The closure's own page lists the session with its proposed time and the actions.
    page.wait_for_url("**/manager/closures/*/")
    closure_page = page.url
    expect(page.locator(".messages")).to_contain_text("the patients are told")
    row = page.locator(".closure-sessions tr", has_text=anna.full_name)
    expect(row).to_contain_text("Microcurrent therapy, face")
    expect(row.get_by_role("button", name="Cancel and tell the patient")).to_be_visible()
    assert Message.objects.filter(kind=MessageKind.CLOSURE_NOTICE, appointment=booked).exists()
    doc_shot(page, "closure-sessions-to-move")
    doc_shot(page, "staff/closure-sessions-to-move")
    fits_a_phone(page, "sessions to move on the closure page")
    page.goto(f"{clinic}/desk/closed-days/")  # reception sees the same rows at the desk
    expect(page.locator("tr", has_text=anna.full_name)).to_contain_text("Move to the proposed")
    fits_a_phone(page, "sessions on closed days")
    page.goto(closure_page)
    proposed = row.locator("td").nth(3).inner_text()
    row.get_by_role("button", name="Move to the proposed time").click()
    page.wait_for_url(closure_page)
    expect(page.locator(".messages")).to_contain_text("Moved to")
    expect(page.locator(".closure-sessions")).to_have_count(0)
    booked.refresh_from_db()
    moved_to = timezone.localtime(booked.start)
    assert booked.status == Status.BOOKED and moved_to.date() > tuesday + timedelta(days=1)
    assert f"{moved_to:%H:%M}" in proposed  # where the list proposed, nothing else
    doc_shot(page, "staff/closure-session-moved")

    page.goto(f"{clinic}/desk/appointments/{booked.pk}/move/")
    proposals = page.get_by_role("list", name="Proposed free times")
    expect(proposals.get_by_role("button").first).to_be_visible()
    fits_a_phone(page, "move dialog")
    doc_shot(page, "staff/move-dialog")


def test_the_policy_page_offers_reminders_in_days_and_hours(page: Page, clinic: str):
    login_staff(page, clinic, "manager", DEMO_PASSWORD)
    page.goto(f"{clinic}/manager/")
    fits_a_phone(page, "settings")
    doc_shot(page, "settings-home")
    page.get_by_role("link", name="Opening hours").click()
    expect(page.get_by_label("Monday: opens")).to_be_visible()
    fits_a_phone(page, "opening hours")
    doc_shot(page, "settings-opening-hours")
    page.goto(f"{clinic}/manager/policy/")
    expect(page.get_by_label("1 day before", exact=True)).to_be_checked()
    expect(page.get_by_label("2 hours before", exact=True)).to_be_checked()
    page.get_by_label("2 hours before", exact=True).uncheck()
    page.get_by_label("3 hours before", exact=True).check()
    fits_a_phone(page, "policy")
    doc_shot(page, "settings-policy")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")
    assert ClinicPolicy.objects.get(pk=1).reminder_offsets_minutes == [1440, 180]


def test_the_manager_changes_a_price_and_a_bad_one_is_refused_beside_it(page: Page, clinic: str):
    from django.conf import settings

    from treatments.models import Treatment

    login_staff(page, clinic, "manager", DEMO_PASSWORD)
    page.goto(f"{clinic}/manager/")
    page.get_by_role("link", name="Prices").click()
    fits_a_phone(page, "prices")
    doc_shot(page, "settings-prices")
    page.get_by_role("link", name="Change the price · Microcurrent therapy, face").click()
    field = page.get_by_label(f"Price ({settings.CLINIC_CURRENCY})")
    field.fill("-10")
    page.get_by_role("button", name="Save").click()
    box = page.locator(".field", has=page.get_by_label(f"Price ({settings.CLINIC_CURRENCY})"))
    expect(box).to_contain_text("A price cannot be negative.")
    page.get_by_label(f"Price ({settings.CLINIC_CURRENCY})").fill("1500")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")
    assert Treatment.objects.get(slug="microcurrent-therapy-face").price == 1500
