"""The patient's web pages in a real Chromium: sign-up to first booking, the clearance
gate, cancelling inside and outside the policy, the language switch, and every main page
at a phone's and a desktop's width."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Appointment, ClinicPolicy, Status
from patients.models import Patient
from tests.browser.pages import check_layout, log_in, verification_link
from tests.browser.signing import draw_signature
from tests.patients.photo_helpers import private_files

pytestmark = pytest.mark.browser
__all__ = ["private_files"]  # a fixture: the signed consent goes to a temporary directory


def pick_day(page: Page, *, days_ahead: int = 1) -> None:
    """In the picker: the first listed day at least `days_ahead` days away (not today by
    default: today's first time lies just past the minimum notice, and may be inside it a
    second later, when the booking is confirmed). HTMX swaps in its free times, moves the
    focus to them and puts the day in the address bar."""
    first_day = timezone.localdate() + timedelta(days=days_ahead)
    days = page.locator("ul.days a.day")
    expect(days.first).to_be_visible()
    hrefs = [days.nth(i).get_attribute("href") or "" for i in range(days.count())]
    index = next(i for i, h in enumerate(hrefs) if h.split("day=")[1] >= first_day.isoformat())
    days.nth(index).click()
    expect(page.locator("#times-title")).to_be_focused()
    expect(page).to_have_url(re.compile(r"\?day="))


def choose_day_and_time(page: Page, *, days_ahead: int = 1) -> None:
    pick_day(page, days_ahead=days_ahead)
    page.locator("ul.times a.time").first.click()


def test_a_new_patient_signs_up_verifies_the_email_answers_the_questionnaire_and_books(
    page: Page, clinic: str
) -> None:
    page.goto(clinic)
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("First name").fill("Mariia")
    page.get_by_label("Last name").fill("Hnatiuk")
    page.get_by_label("Date of birth").fill("2099-01-01")
    page.get_by_label("Email").fill("mariia@example.com")
    page.locator("#id_password1").fill("a-long-pass-phrase-2026")
    page.locator("#id_password2").fill("a-long-pass-phrase-2026")
    page.locator("main form").get_by_role("button", name="Sign up").click()
    # Bad input: the error sits beside its field, what was typed stays, nothing is saved.
    expect(page.locator(".field.invalid")).to_contain_text("cannot be in the future")
    expect(page.get_by_label("First name")).to_have_value("Mariia")
    assert not Patient.objects.filter(email="mariia@example.com").exists()

    page.get_by_label("Date of birth").fill("1990-06-15")
    page.locator("#id_password1").fill("a-long-pass-phrase-2026")
    page.locator("#id_password2").fill("a-long-pass-phrase-2026")
    page.locator("main form").get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(verification_link())
    page.get_by_role("button", name="Yes, confirm it").click()
    expect(page.get_by_role("heading", name="My appointments")).to_be_visible()
    assert Patient.objects.get(email="mariia@example.com").user.username

    page.get_by_role("link", name="Book", exact=True).click()
    expect(page.get_by_role("heading", name="Safety questionnaire")).to_be_visible()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.locator(".field.invalid").first).to_contain_text("Please answer yes or no.")
    for group in page.locator("fieldset").all():
        group.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save my answers").click()

    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    consultation = page.locator(".card", has_text="Initial dermatologist consultation")
    consultation.get_by_role("link", name=re.compile("Choose a time")).click()
    choose_day_and_time(page)
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".messages")).to_contain_text("Booked")
    expect(page.locator(".appointment").first).to_contain_text("Initial dermatologist consultation")
    booked = Appointment.objects.get(patient__email="mariia@example.com")
    assert booked.treatment.is_consultation and booked.booked_via == "online"


def test_a_patient_who_declared_a_pacemaker_cannot_book_a_treatment_and_is_told_why(
    page: Page, clinic: str
) -> None:
    log_in(page, clinic, "patient3")
    page.goto(f"{clinic}/book/")
    face = page.locator(".card", has_text="Microcurrent therapy, face")
    expect(face).to_contain_text("Please call the clinic")
    expect(face.get_by_role("link")).to_have_count(0)

    page.goto(f"{clinic}/book/microcurrent-therapy-face/")
    expect(page.get_by_role("heading", name="Please call the clinic")).to_be_visible()
    expect(page.locator(".reasons")).to_contain_text("Artificial pacemaker")
    expect(page.locator("ul.times")).to_have_count(0)
    assert not Appointment.objects.filter(patient__user__username="patient3").exists()


def test_patient1_books_a_face_session_cancels_it_inside_the_policy_and_is_refused_outside_it(
    page: Page, clinic: str
) -> None:
    log_in(page, clinic, "patient1")
    for days_ahead in (3, 4):
        page.goto(f"{clinic}/book/microcurrent-therapy-face/")
        choose_day_and_time(page, days_ahead=days_ahead)
        page.get_by_role("button", name="Confirm booking").click()
        expect(page.locator(".messages")).to_contain_text("Booked")
    first, second = Appointment.objects.filter(patient__user__username="patient1")

    card = page.locator(".appointment.card").first
    expect(card).to_contain_text("Microcurrent therapy, face")
    card.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator(".messages")).to_contain_text("cancelled")
    first.refresh_from_db()
    assert first.status == Status.CANCELLED

    # The manager tightens the policy: the other session is now inside the cut-off.
    policy = ClinicPolicy.objects.get(id=1)
    policy.patient_cancel_cutoff_hours = 24 * 60
    policy.save()
    page.goto(f"{clinic}/me/appointments/")
    card = page.locator(".appointment.card").first
    expect(card.get_by_role("link", name="Cancel")).to_have_count(0)
    expect(card).to_contain_text("please call us at")
    page.goto(f"{clinic}/me/appointments/{second.pk}/cancel/")
    expect(page.get_by_role("heading", name="Please call the clinic")).to_be_visible()
    second.refresh_from_db()
    assert second.status == Status.BOOKED


def test_the_language_switch_shows_the_ukrainian_page(page: Page, clinic: str) -> None:
    page.goto(clinic)
    page.get_by_role("button", name="Українська").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ласкаво просимо")
    expect(page.get_by_role("link", name="Мікрострумова терапія, обличчя")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_every_main_page_fits_a_phone_and_a_desktop_and_labels_its_controls(
    page: Page, clinic: str, private_files
) -> None:
    pages = [
        ("home", "/"),
        ("treatment", "/treatments/microcurrent-therapy-face/"),
        ("sign-up", "/accounts/signup/"),
        ("log-in", "/accounts/login/"),
        ("password-reset", "/accounts/password/reset/"),
    ]
    for name, path in pages:
        page.goto(f"{clinic}{path}")
        check_layout(page, name)

    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/me/questionnaire/")
    check_layout(page, "questionnaire")
    page.goto(f"{clinic}/book/")
    check_layout(page, "book")
    page.goto(f"{clinic}/book/microcurrent-therapy-face/")
    pick_day(page, days_ahead=2)
    check_layout(page, "times")
    page.locator("ul.times a.time").first.click()
    check_layout(page, "confirm")
    page.get_by_role("button", name="Confirm booking").click()
    check_layout(page, "my-appointments")

    page.get_by_role("link", name="Read and accept the consent").click()
    check_layout(page, "consent")
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.locator(".field.invalid")).to_contain_text("the signature is empty")
    draw_signature(page)
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.locator(".messages")).to_contain_text("consent is recorded")
