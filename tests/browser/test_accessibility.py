"""axe-core (vendored in tests/browser/vendor/, see its README) on every staff page (with
its records in each state: tests/browser/state_pages.py) and every patient page in a real
Chromium, at a phone's and a desktop's width: no violation of axe's default rule set
(WCAG 2.0 to 2.2 A and AA, and its best practices: landmarks, heading order, empty table
headers...). tests/test_axe_covers_every_staff_page.py fails when a staff page is left
out. The script is evaluated through the DevTools protocol, so the site's
Content-Security-Policy stays as it is (it would refuse an injected <script>)."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Browser, Page

from tests.browser.main_pages import (
    FACE,
    at,
    by_login,
    coming_working_day,
    main_pages,
    signed_in,
)
from tests.browser.state_pages import state_pages
from tests.browser.state_steps import Step
from tests.patients.photo_helpers import private_files

pytestmark = pytest.mark.browser
__all__ = ["private_files"]
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WIDTHS = (390, 1280)
RUN_AXE = """async () => {
  const result = await axe.run(document);  // axe's default rules, best practices included
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
  }));
}"""


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;undefined")
    return page.evaluate(RUN_AXE)


def test_the_main_pages_have_no_violation(browser: Browser, clinic: str) -> None:
    day = coming_working_day()
    found = []
    with time_machine.travel(at(day, 10, 5), tick=True):
        pages = main_pages(day)
        for username, paths in by_login(pages):
            for width in WIDTHS:
                page = signed_in(browser, clinic, username, width)
                for name, path in paths:
                    response = page.goto(clinic + path)
                    if not (response and response.ok):  # an error page would prove nothing
                        found.append((name, width, f"status {response and response.status}"))
                        continue
                    found += [(name, width, v) for v in axe_violations(page)]
                page.context.close()
    assert not found, "\n".join(f"{name} at {width}px: {v}" for name, width, v in found)


def _visit(page: Page, base: str, pages: list[tuple[str, str]], width: int) -> list[tuple]:
    found: list[tuple] = []
    for name, path in pages:
        response = page.goto(base + path)
        if not (response and response.ok) or page.url != base + path:  # no error or redirect
            found.append((name, width, f"status {response and response.status} at {page.url}"))
            continue
        found += [(name, width, v) for v in axe_violations(page)]
    return found


def _after_steps(page: Page, base: str, steps: list[tuple[str, str, Step]], width: int) -> list:
    found: list[tuple] = []
    for name, path, step in steps:
        page.goto(base + path)
        step(page)
        found += [(name, width, v) for v in axe_violations(page)]
    return found


def test_every_staff_page_with_its_records_in_each_state_has_no_violation(
    browser: Browser, clinic: str, private_files: Path
) -> None:
    """The pages of a draft and a signed record, a checked-in session, an open and a paid
    invoice, a closure over booked sessions...: one page load per page and width, one
    logged-in context per role and width."""
    day = coming_working_day()
    found = []
    with time_machine.travel(at(day, 10, 5), tick=True):
        main_pages(day)
        pages = state_pages(day)
        roles = {
            "reception": pages.reception,
            "dermatologist": pages.dermatologist,
            "manager": pages.manager,
        }
        for username, paths in roles.items():
            for width in WIDTHS:
                page = signed_in(browser, clinic, username, width)
                found += _visit(page, clinic, paths, width)
                found += _after_steps(page, clinic, pages.after_a_step.get(username, []), width)
                page.context.close()
    assert not found, "\n".join(f"{name} at {width}px: {v}" for name, width, v in found)


def test_axe_finds_a_violation_when_there_is_one(page: Page, clinic: str) -> None:
    """The check can fail: an unlabelled field added to a clean page is reported."""
    page.goto(f"{clinic}/accounts/login/")
    assert axe_violations(page) == []
    page.evaluate("document.querySelector('main').appendChild(document.createElement('input'))")
    assert "label" in {v["rule"] for v in axe_violations(page)}


def test_a_page_with_a_flash_message_has_no_violation(browser: Browser, clinic: str) -> None:
    day = coming_working_day()
    with time_machine.travel(at(day, 10, 5), tick=True):
        pages = main_pages(day)
        page = signed_in(browser, clinic, "reception", 1280)
        path = dict(pages.reception)["book-on-behalf"]
        page.goto(clinic + path)
        page.locator("ul.slot-times button").last.click()  # clear of her 10:30 visit
        page.wait_for_selector(".messages")
        found = axe_violations(page)
        page.context.close()
    assert not found, found


def with_a_flash(page: Page, base: str, path: str) -> None:
    """Open `path` with a flash message on it: a hand-made confirm link without a time
    leaves "Please choose a time from the list." for the next page shown."""
    response = page.context.request.get(
        f"{base}/book/{FACE}/confirm/?start=not-a-time", max_redirects=0
    )
    assert response.status == 302
    page.goto(base + path)
    assert page.url == base + path and page.locator(".messages").is_visible(), path


def test_every_patient_page_has_no_violation_with_and_without_a_flash(
    browser: Browser, clinic: str
) -> None:
    day = coming_working_day()
    found = []
    with time_machine.travel(at(day, 10, 5), tick=True):
        paths = main_pages(day).patient
        for width in WIDTHS:
            page = signed_in(browser, clinic, "patient1", width)
            for name, path in paths:
                page.goto(clinic + path)
                assert page.url == clinic + path, f"{name} went to {page.url}"
                found += [(name, width, v) for v in axe_violations(page)]
                with_a_flash(page, clinic, path)
                found += [(f"{name} with a flash", width, v) for v in axe_violations(page)]
            page.context.close()
    assert not found, "\n".join(f"{name} at {width}px: {v}" for name, width, v in found)
