"""axe-core (vendored in tests/browser/vendor/, see its README) on the main staff and
patient pages in a real Chromium, at a phone's and a desktop's width: no violation of
WCAG 2 A or AA. The script is evaluated through the DevTools protocol, so the site's
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

pytestmark = pytest.mark.browser
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WIDTHS = (390, 1280)
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}});
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
  }));
}"""


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;undefined")
    return page.evaluate(RUN_AXE)


def test_the_main_pages_have_no_wcag_a_or_aa_violation(browser: Browser, clinic: str) -> None:
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
