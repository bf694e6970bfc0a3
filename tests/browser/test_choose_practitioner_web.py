"""Choosing a practitioner when booking, in a real Chromium: the choice narrows the free
times, is carried to the confirm page and books that practitioner."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from appointments.models import Appointment, Practitioner
from tests.browser.pages import check_layout, log_in
from tests.browser.test_patient_web import choose_day_and_time

pytestmark = pytest.mark.browser


def test_a_patient_chooses_a_practitioner_and_is_booked_with_them(page: Page, clinic: str) -> None:
    chosen = Practitioner.objects.filter(is_active=True).order_by("-display_name").first()
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/book/microcurrent-therapy-face/")
    select = page.get_by_label("Practitioner")
    expect(select).to_have_value("")  # "any" unless the patient chooses
    select.select_option(label=chosen.display_name)
    page.get_by_role("button", name="Show their times").click()
    expect(page).to_have_url(f"{clinic}/book/microcurrent-therapy-face/?practitioner={chosen.pk}")
    expect(page.get_by_label("Practitioner")).to_have_value(str(chosen.pk))
    choose_day_and_time(page, days_ahead=3)
    expect(page.locator(".summary")).to_contain_text(chosen.display_name)
    check_layout(page, "book-confirm-practitioner")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".messages")).to_contain_text("Booked")
    (booked,) = Appointment.objects.filter(patient__user__username="patient1")
    assert booked.practitioner_id == chosen.pk


def test_a_practitioner_who_does_not_give_the_treatment_is_a_message(
    page: Page, clinic: str
) -> None:
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/book/microcurrent-therapy-face/?practitioner=987654")
    expect(page.locator(".field.invalid")).to_contain_text("does not give this treatment")
    expect(page.locator("#picker")).to_have_count(0)
    check_layout(page, "book-practitioner-error")
