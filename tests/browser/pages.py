"""Helpers of the browser tests: log in, read the verification mail, check a page's layout."""

from __future__ import annotations

import re
from pathlib import Path

from django.core import mail
from playwright.sync_api import Page

from demo.data import DEMO_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "patient"
PHONE, DESKTOP = 390, 1280


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("main form").get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/me/appointments/$"))


def verification_link() -> str:
    body = mail.outbox[-1].body
    match = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body)
    assert match, body
    return match.group(0)


def check_layout(page: Page, name: str) -> None:
    """At a phone's and a desktop's width: nothing overflows sideways, every form control
    has a label, and a screenshot goes to screenshots/patient/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
        unlabelled = page.evaluate(UNLABELLED_CONTROLS)
        assert not unlabelled, f"{name}: controls without a label: {unlabelled}"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": DESKTOP, "height": 900})


UNLABELLED_CONTROLS = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.type !== 'submit' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)
"""
