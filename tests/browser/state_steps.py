"""What is done on a staff page before axe checks it (tests/browser/state_pages.py): a
form sent empty, a closure or shorter hours over booked sessions, a feed address issued.
Each step leaves the page in the state to check and waits for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from playwright.sync_api import Page

Step = Callable[[Page], None]


def closure_over_sessions(day: date) -> Step:
    """The manager adds a closure over a day with a booked session: the form lists it."""

    def step(page: Page) -> None:
        page.get_by_label("First closed day").fill(day.isoformat())
        page.get_by_label("Last closed day").fill(day.isoformat())
        page.get_by_label("Reason").fill("Burst pipe")
        page.locator("main form").get_by_role("button", name="Save").click()
        page.wait_for_selector("#stranded")

    return step


EMPTIED = """() => document.querySelectorAll('main form').forEach(form => {
  form.noValidate = true;
  form.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea')
    .forEach(field => { field.value = ''; });
})"""


def sent_empty(button: str) -> Step:
    """The form sent with its fields emptied (and the browser's own checks off, as for a
    browser that has none): the page comes back with the server's errors beside them."""

    def step(page: Page) -> None:
        page.evaluate(EMPTIED)
        page.locator("main form").get_by_role("button", name=button, exact=True).first.click()
        page.wait_for_selector(".form-errors")

    return step


def shows_errors(page: Page) -> None:
    """A page opened with wrong input in its address (a report's range)."""
    page.wait_for_selector(".form-errors")


def hours_over_a_session(day: date) -> Step:
    """The clinic's hours cut short on `day`'s weekday, before Anna's 10:30 session."""

    def step(page: Page) -> None:
        page.locator(f"#id_close_{day.weekday()}").fill("10:00")
        page.locator("main form").get_by_role("button", name="Save").click()
        page.wait_for_selector("#stranded")

    return step


def rest_absent(page: Page) -> None:
    """The consultation form as "Mark the rest absent" shows it again (nothing saved)."""
    with page.expect_navigation():
        page.get_by_role("button", name="Mark the rest absent").click()


def issue_feed(page: Page) -> None:
    page.locator("main form button[value=issue]").click()  # "Get a (new) feed address"
    page.wait_for_selector("#feed-url")
