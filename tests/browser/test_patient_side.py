"""The patient's side in a real Chromium (issue 17): moving an appointment on the web
sends a move notice whose .ics updates the calendar entry; the profile page in English
and Ukrainian; one-click unsubscribe from a delivered email; the HTML emails as Chromium
renders them (screenshots in screenshots/patient/)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Appointment
from messaging.delivery import deliver_batch
from messaging.models import Message, MessageChannel, MessageKind
from patients.models import Patient
from tests.browser.pages import SCREENSHOTS, check_layout, log_in
from tests.browser.test_patient_web import choose_day_and_time
from tests.messaging.smtp import RecordingSMTPServer, delivering_to

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(clinic: str) -> Iterator[RecordingSMTPServer]:
    """The outbox delivers to a real SMTP server; links point at the live server."""
    server = RecordingSMTPServer()
    server.start()
    with delivering_to(server.port, CLINIC_BASE_URL=clinic):
        yield server
    server.stop()


def deliver(kind: str, **filters) -> list:
    rows = Message.objects.filter(kind=kind, channel=MessageChannel.EMAIL, **filters)
    rows.update(next_attempt_at=timezone.now())  # a reminder is due later: make it due now
    ids = list(rows.values_list("pk", flat=True))
    assert deliver_batch(ids).sent == len(ids) > 0
    return ids


def calendar_of(email) -> icalendar.Calendar:
    (part,) = [p for p in email.iter_attachments() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


def screenshot_html(page: Page, email, name: str) -> None:
    """The HTML part as Chromium renders it, at a phone's and a desktop's width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    html = email.get_body(("html",)).get_content()
    # A blank page of its own: the clinic's pages' CSP (no inline styles) must not apply
    # to the email, as it does not in a mail client.
    page.goto("about:blank")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.set_content(html)
        page.screenshot(path=str(SCREENSHOTS / f"email-{name}-{width}.png"), full_page=True)


def test_moving_on_the_web_sends_a_notice_whose_ics_updates_the_entry(
    page: Page, clinic: str, smtp: RecordingSMTPServer
) -> None:
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/book/microcurrent-therapy-face/")
    choose_day_and_time(page, days_ahead=3)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".messages")).to_contain_text("Booked")
    (appointment,) = Appointment.objects.filter(patient__user__username="patient1")
    deliver(MessageKind.CONFIRMATION, appointment=appointment)
    booked = smtp.received[-1].email
    (before,) = calendar_of(booked).walk("VEVENT")
    screenshot_html(page, booked, "confirmation")

    page.goto(f"{clinic}/me/appointments/")
    page.locator(".appointment.card").first.get_by_role("link", name="Move").click()
    choose_day_and_time(page, days_ahead=5)
    page.get_by_role("button", name=re.compile("Move")).click()
    expect(page.locator(".messages")).to_contain_text("moved")
    appointment.refresh_from_db()
    assert appointment.start != before.decoded("dtstart")

    deliver(MessageKind.MOVE, patient=appointment.patient)
    moved = smtp.received[-1].email
    calendar = calendar_of(moved)
    (after,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "PUBLISH"
    assert after.decoded("dtstart") == appointment.start
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) > int(before["sequence"])
    screenshot_html(page, moved, "move")


def test_the_profile_page_in_english_and_ukrainian(page: Page, clinic: str) -> None:
    log_in(page, clinic, "patient1")
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    check_layout(page, "profile")
    page.get_by_label("Phone").fill("+380501112233")
    page.get_by_label("Advice and suggestions").uncheck()
    page.get_by_label("Language of messages").select_option("uk")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Your profile is saved.")
    patient = Patient.objects.get(user__username="patient1")
    assert (str(patient.phone), patient.preferred_language) == ("+380501112233", "uk")
    assert not patient.optional_messages

    page.get_by_role("button", name="Українська").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ваш профіль")
    page.get_by_label("Телефон").fill("12")
    page.get_by_role("button", name="Зберегти").click()
    expect(page.locator(".field.invalid")).to_have_count(1)
    check_layout(page, "profile-uk-error")
    patient.refresh_from_db()
    assert str(patient.phone) == "+380501112233"


def test_one_click_unsubscribe_from_a_delivered_reminder_works_in_chromium(
    page: Page, clinic: str, smtp: RecordingSMTPServer
) -> None:
    log_in(page, clinic, "patient1")
    page.goto(f"{clinic}/book/microcurrent-therapy-face/")
    choose_day_and_time(page, days_ahead=3)
    page.get_by_role("button", name="Confirm booking").click()
    reminder = Message.objects.filter(kind=MessageKind.REMINDER, offset_minutes=1440).first()
    deliver(MessageKind.REMINDER, pk=reminder.pk)
    email = smtp.received[-1].email
    screenshot_html(page, email, "reminder")
    url = "".join(str(email["List-Unsubscribe"]).split()).strip("<>")
    assert url.startswith(clinic)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    assert not Patient.objects.get(user__username="patient1").remind_before_session
