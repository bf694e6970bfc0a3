"""The recall email and the feedback survey as the patient sees them, in real Chromium:
the messages are delivered to a real SMTP server with links to the live server; the
survey's link opens, a score is chosen and sent, the link then refuses a second answer.
Screenshots go to screenshots/follow-ups/ (a copy is kept in docs/screenshots/)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from messaging import follow_ups
from messaging.delivery import deliver_batch
from messaging.models import Message, MessageKind, Survey
from tests.appointments.clinic_setup import build_clinic
from tests.factories import consult, patient, screen
from tests.messaging.follow_up_helpers import finished_course
from tests.messaging.smtp import RecordingSMTPServer, delivering_to

pytestmark = pytest.mark.browser

# No quiet hours in these tests, so they run at any hour (the rule: test_follow_ups.py).
ANY_HOUR = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "follow-ups"


@pytest.fixture
def smtp(live_db, live_server) -> Iterator[RecordingSMTPServer]:
    server = RecordingSMTPServer()
    server.start()
    with delivering_to(server.port, CLINIC_BASE_URL=live_server.url):
        yield server
    server.stop()


def _cleared(**fields):
    p = patient(**fields)
    screen(p)
    consult(p)
    return p


def _delivered(smtp: RecordingSMTPServer, kind: str):
    ids = list(Message.objects.filter(kind=kind).values_list("pk", flat=True))
    assert deliver_batch(ids).sent == len(ids) == 1
    return smtp.received[-1].email


def _show_email(page: Page, email, name: str) -> None:
    """The email as a mail client shows a plain-text message: headers, then the text."""
    text = email.get_body(("plain",)).get_content()
    head = "".join(
        f"<div><b>{h}:</b> {html.escape(str(email[h]))}</div>" for h in ("From", "To", "Subject")
    )
    page.set_viewport_size({"width": 760, "height": 700})
    page.set_content(
        f"<html><body style='font-family:sans-serif;margin:24px'>{head}<hr>"
        f"<pre style='white-space:pre-wrap;font-size:15px'>{html.escape(text)}</pre></body></html>"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_recall_email_and_its_booking_link(page: Page, smtp, live_server):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1, **ANY_HOUR)
    clinic.face.recall_after_days = 90
    clinic.face.save(update_fields=["recall_after_days"])
    p = _cleared(first_name="Anna", preferred_language="en")
    finished_course(clinic, p, ended_ago=timedelta(days=91))
    screen(p)
    follow_ups.plan_due()

    email = _delivered(smtp, MessageKind.RECALL)
    _show_email(page, email, "recall-email")

    text = email.get_body(("plain",)).get_content()
    (link,) = re.findall(r"https?://\S+/book/\S+/", text)
    assert link == f"{live_server.url}/book/microcurrent-therapy-face/"
    response = page.goto(link)
    assert response is not None and response.ok


def test_the_survey_page_takes_one_answer_in_chromium(page: Page, smtp, live_server):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1, **ANY_HOUR)
    p = _cleared(first_name="Olena", preferred_language="en")
    finished_course(clinic, p, ended_ago=timedelta(days=1))
    follow_ups.plan_due()
    email = _delivered(smtp, MessageKind.SURVEY)
    _show_email(page, email, "survey-email")
    (link,) = re.findall(
        r"https?://\S+/messages/survey/\S+/", email.get_body(("plain",)).get_content()
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("How was your course?")
    page.screenshot(path=str(SHOTS / "survey-page.png"), full_page=True)
    page.get_by_label("9", exact=True).check()
    page.get_by_label("Anything you want to tell us? (optional)").fill("Very kind staff.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer was saved.")

    survey = Survey.objects.get()
    assert (survey.score, survey.comment) == (9, "Very kind staff.")
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("This survey was answered already.")
