"""Every main staff page at a phone's width (390 x 844) in a real Chromium: nothing is
wider than the screen (tables scroll inside their own labelled box, or stack). The
patient's pages are checked the same way in test_patient_web.py (check_layout)."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Browser

from tests.browser.main_pages import STAFF, at, by_login, coming_working_day, main_pages, signed_in

pytestmark = pytest.mark.browser
PHONE = 390

WIDEST = """() => {
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5
                  && !(el.parentElement && el.parentElement.closest('[role=region]')))
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {width: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


def test_no_staff_page_is_wider_than_a_phone(browser: Browser, clinic: str) -> None:
    day = coming_working_day()
    with time_machine.travel(at(day, 10, 5), tick=True):
        pages = main_pages(day)
        too_wide = []
        for username, paths in by_login(pages):
            if username not in STAFF:
                continue
            page = signed_in(browser, clinic, username, PHONE)
            for name, path in paths:
                response = page.goto(clinic + path)
                assert response is not None and response.status == 200, f"{name}: {path}"
                found = page.evaluate(WIDEST)
                if found["width"] > PHONE:
                    too_wide.append((name, found["width"], found["wide"]))
            page.context.close()
    assert not too_wide, f"wider than {PHONE}px: {too_wide}"
