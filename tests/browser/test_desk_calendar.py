"""The desk's day grid as a reception calendar, in a real Chromium: it opens at the
current time with the now-line and fills the window, Today comes back to it, a click on
a free cell books that time for a patient, a session dragged to a free time asks why
(the manager's reasons, keyboard-usable, Escape keeps it) and moves (and one dropped
where it does not fit snaps back with the reason), and a booking made
elsewhere appears without a reload.

The clock: the live server runs in this process, so time-machine moves its clock (and
the test's) to 10:05 on a coming working day; the grid's script takes the time from the
server, so the browser's own clock plays no part. A day in the future, not a past one:
the cookies the server sets must not look expired to the real browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from appointments.models import Appointment, Practitioner, Status
from appointments.services import appointment_book
from clinic.audit import Actor
from demo.data import DEMO_PASSWORD
from patients.models import Patient
from tests.browser.main_pages import at, coming_working_day
from tests.browser.staff_login import login_staff
from tests.factories import consult, patient, screen
from treatments.models import Treatment

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "staff"  # copied to docs/
FACE = "microcurrent-therapy-face"
IRYNA = "Dr Iryna Melnyk"


@pytest.fixture
def morning(clinic: str) -> Iterator[date]:
    """The clinic's clock at 10:05 on a coming working day, ticking on; yields that day."""
    day = coming_working_day()
    with time_machine.travel(at(day, 10, 5), tick=True):
        yield day


def first_move_reason():
    from desk.forms import move_reasons_offered

    return move_reasons_offered().first()


def user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def cleared(first: str, last: str) -> Patient:
    n = Patient.objects.count()
    email, phone = f"{last.lower()}.cal@example.com", f"+38050333{n:04d}"
    p = patient(with_login=False, first_name=first, last_name=last, email=email, phone=phone)
    screen(p)
    consult(p, plans={FACE: 8})
    return p


def book(p: Patient, start: datetime, who: str = "dermatologist") -> Appointment:
    return appointment_book(
        actor=Actor(user=user("reception")),
        patient=p,
        treatment=Treatment.objects.get(slug=FACE),
        start=start,
        practitioner_id=Practitioner.objects.get(user__username=who).pk,
        channel="desk",
    )


def open_day(page: Page, base: str, day: date | None = None) -> None:
    page.goto(f"{base}/desk/" + (f"?day={day.isoformat()}" if day else ""))
    expect(page.locator("#desk-grid .day-grid")).to_be_visible()


def row_y(page: Page, label: str) -> float:
    """The page y of the middle of the grid's row that starts at `label` (HH:MM)."""
    return page.evaluate(
        """(label) => {
          const t = document.querySelector('#desk-grid .day-grid');
          const lo = t.dataset.loLabel.split(':').map(Number);
          const want = label.split(':').map(Number);
          const index = ((want[0] - lo[0]) * 60 + want[1] - lo[1]) / 15;
          const row = t.tBodies[0].rows[index];
          row.scrollIntoView({block: 'center'});
          const r = row.getBoundingClientRect();
          return r.top + r.height / 2;
        }""",
        label,
    )


def column_x(page: Page, name: str) -> float:
    header = page.locator("#desk-grid thead th", has_text=name)
    box = header.bounding_box()
    return box["x"] + box["width"] / 2


def drag(page: Page, source, x: float, y: float) -> None:
    start = source.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 8)
    page.mouse.down()
    page.mouse.move(x, y, steps=12)
    page.mouse.up()


def test_the_grid_opens_at_now_fills_the_window_and_today_comes_back(
    page: Page, clinic: str, morning: date
) -> None:
    book(cleared("Viktor", "Boyko"), at(morning, 10, 30))
    book(cleared("Olha", "Rudenko"), at(morning, 16), who="cosmetologist")
    login_staff(page, clinic, "reception", DEMO_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    open_day(page, clinic)
    line = page.locator("#desk-grid .now-line")
    expect(line).to_be_visible()
    expect(line).to_contain_text("10:0")  # 10:05 and ticking
    sizes = page.evaluate(
        """() => {
          const box = document.querySelector('#desk-grid .grid-scroll');
          const line = box.querySelector('.now-line').getBoundingClientRect();
          const r = box.getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, height: r.height, scroll: box.scrollTop,
                  line: line.top, window: window.innerHeight};
        }"""
    )
    assert sizes["bottom"] >= sizes["window"] - 40, "the grid reaches the window's bottom"
    assert sizes["scroll"] > 0, "opened scrolled to the current time"
    assert sizes["top"] <= sizes["line"] <= sizes["bottom"], "the now-line is in view"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "desk-grid-now-1280.png"))

    page.get_by_role("link", name="Next day →").click()
    expect(page.locator("#desk-title")).to_contain_text(
        (morning + timedelta(days=1)).strftime("%A")
    )
    expect(line).to_be_hidden()
    page.get_by_role("link", name="Today", exact=True).click()
    expect(page.locator("#desk-title")).to_contain_text(morning.strftime("%A"))
    expect(page).to_have_url(f"{clinic}/desk/?day={morning.isoformat()}&by=practitioner")
    expect(page.locator("#desk-grid .now-line")).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    open_day(page, clinic)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the day page is {width}px wide at 390px"
    page.screenshot(path=str(SHOTS / "desk-grid-390.png"))


def test_a_click_on_a_free_time_books_it_for_the_patient_found(
    page: Page, clinic: str, morning: date
) -> None:
    day = morning + timedelta(days=1 if morning.weekday() < 5 else 2)
    anna = Patient.objects.get(user__username="patient1")
    login_staff(page, clinic, "reception", DEMO_PASSWORD)
    open_day(page, clinic, day)
    y = row_y(page, "11:30")
    page.mouse.click(column_x(page, IRYNA), y)
    page.wait_for_url("**/desk/patients/?**")
    expect(page.locator(".book-at")).to_contain_text(f"at 11:30 · {IRYNA}")
    page.get_by_label("Name, phone or email").fill("Bondarenko")
    page.locator("#patient-results").get_by_role("link", name="Anna Bondarenko").click()
    expect(page.get_by_label("Practitioner")).to_have_value(
        str(Practitioner.objects.get(display_name=IRYNA).pk)
    )
    expect(page.get_by_label("Day")).to_have_value(day.isoformat())
    page.get_by_label("Treatment").select_option(label="Microcurrent therapy, face")
    page.get_by_role("button", name="Show free times").click()
    chosen = page.locator(".chosen-time")
    expect(chosen).to_contain_text("The time chosen on the grid: 11:30")
    chosen.get_by_role("button", name=f"11:30 · {IRYNA}").click()
    expect(page.locator(".messages")).to_contain_text("Booked: Microcurrent therapy, face")
    a = Appointment.objects.get(patient=anna, status=Status.BOOKED)
    assert (a.start, a.practitioner.display_name) == (at(day, 11, 30), IRYNA)


def test_a_session_dragged_to_a_free_time_moves_and_a_refused_one_snaps_back(
    page: Page, clinic: str, morning: date
) -> None:
    day = morning + timedelta(days=1 if morning.weekday() < 5 else 2)
    moving = book(cleared("Sofiia", "Marchenko"), at(day, 15))  # below the fold
    book(cleared("Dmytro", "Savchenko"), at(day, 17))
    login_staff(page, clinic, "reception", DEMO_PASSWORD)
    open_day(page, clinic, day)
    in_view = page.evaluate(
        """() => {
          const scroll = document.querySelector('#desk-grid .grid-scroll');
          const box = scroll.getBoundingClientRect();
          const first = document.querySelector('#desk-grid td.appt').getBoundingClientRect();
          return scroll.scrollTop > 0 && first.top >= box.top && first.top < box.bottom;
        }"""
    )
    assert in_view, "another day opens scrolled to its first visit (15:00)"
    cell = page.locator("td.appt", has_text="Sofiia Marchenko")
    drag(page, cell, column_x(page, IRYNA), row_y(page, "16:00"))
    # The drop asks why first; Escape leaves the session where it was.
    dialog = page.get_by_role("dialog", name="Move the session")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Sofiia Marchenko → 16:00")
    reason = dialog.get_by_label("Why is it moved?")
    expect(reason).to_be_focused()
    expect(reason).to_have_value(str(first_move_reason().pk))  # the manager's first
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    moving.refresh_from_db()
    assert moving.start == at(day, 15)

    cell = page.locator("td.appt", has_text="Sofiia Marchenko")
    drag(page, cell, column_x(page, IRYNA), row_y(page, "16:00"))
    expect(dialog).to_be_visible()
    # "Other" needs a note: Enter without one keeps the dialog open and says so.
    reason.select_option(label="Other")
    page.keyboard.press("Tab")
    note = dialog.get_by_label("Note")
    expect(note).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("alert")).to_have_text(
        "Say what happened (this reason needs a note)."
    )
    expect(dialog).to_be_visible()
    expect(note).to_be_focused()
    moving.refresh_from_db()
    assert moving.start == at(day, 15)
    # Keyboard only: back to the select, choose "Travel" and add a note.
    page.keyboard.press("Shift+Tab")
    expect(reason).to_be_focused()
    reason.select_option(label="Travel")
    page.keyboard.press("Tab")
    expect(note).to_be_focused()
    page.keyboard.type("Back from Lviv later")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "desk-drag-reason.png"))
    page.keyboard.press("Enter")
    expect(page.locator(".grid-notice")).to_contain_text(
        "Moved: Sofiia Marchenko, now 16:00"
    )  # 16:45 is free, but the 45 minutes from there run into the 17:00 session.
    cell = page.locator("td.appt", has_text="Sofiia Marchenko")
    drag(page, cell, column_x(page, IRYNA), row_y(page, "16:45"))
    dialog.get_by_role("button", name="Move").click()  # the default reason
    notice = page.locator(".grid-notice.notice-bad")
    expect(notice).to_contain_text("no longer free")
    expect(page.locator("td.appt", has_text="Sofiia Marchenko")).to_contain_text("16:00–16:45")
    moving.refresh_from_db()
    assert moving.start == at(day, 16)


def test_a_booking_made_at_another_desk_appears_without_a_reload(
    page: Page, browser: Browser, clinic: str, morning: date
) -> None:
    day = morning + timedelta(days=1 if morning.weekday() < 5 else 2)
    login_staff(page, clinic, "reception", DEMO_PASSWORD)
    open_day(page, clinic, day)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    polls: list[dict] = []
    page.on("request", lambda r: polls.append(r.headers) if "&v=" in r.url else None)
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        manager = other.new_page()
        login_staff(manager, clinic, "manager", DEMO_PASSWORD)
        anna = Patient.objects.get(user__username="patient1")
        manager.goto(f"{clinic}/desk/patients/{anna.pk}/book/?day={day}")
        manager.get_by_label("Treatment").select_option(label="Microcurrent therapy, face")
        manager.get_by_label("Practitioner").select_option(label=IRYNA)
        manager.get_by_role("button", name="Show free times").click()
        manager.get_by_role("button", name=f"15:00 · {IRYNA}").click()
        expect(manager.locator(".messages")).to_contain_text("Booked")
    finally:
        other.close()
    cell = page.locator("td.appt", has_text="Anna Bondarenko")
    expect(cell).to_contain_text("15:00–15:45", timeout=25_000)  # within one poll
    assert page.evaluate("window.__sameDocument") is True
    # The polls say they are the page's own (they keep no idle session open).
    assert polls and all(h.get("x-clinic-background") == "1" for h in polls)
