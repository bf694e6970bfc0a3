"""The staff's web pages in a real Chromium: reception registers (and is warned of a
duplicate), books a 10-session course through the wizard and checks a patient in; the
dermatologist signs a consultation, records a session within and beyond the current
limits and amends a signed note; reception cannot open a consultation; the manager's
report shows the no-show just marked. Screenshots go to screenshots/staff/."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.calendar import zone
from appointments.models import Appointment, Course, Practitioner, SessionRecord, Status
from appointments.services import appointment_book, appointment_check_in
from appointments.services.courses import SessionChoice, course_book
from chart.services import session_record_create
from clinic.audit import Actor
from clinic.models import AuditEvent
from demo.data import DEMO_PASSWORD
from patients.models import Consultation, Patient
from patients.services import consent_sign
from tests.appointments.clinic_setup import started_today
from tests.browser.pages import DESKTOP
from tests.browser.signing import draw_signature
from tests.browser.staff_login import login_staff
from tests.factories import consult, patient, screen
from tests.patients.photo_helpers import private_files
from tests.patients.signature_helpers import signature_data_url
from treatments.models import Treatment

pytestmark = pytest.mark.browser
__all__ = ["private_files"]  # a fixture: signed consents go to a temporary directory
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "staff"
FACE = "microcurrent-therapy-face"
PEOPLE = [
    ("Iryna", "Kovalenko"),
    ("Viktor", "Boyko"),
    ("Sofiia", "Marchenko"),
    ("Dmytro", "Savchenko"),
    ("Olha", "Rudenko"),
    ("Yuliia", "Lytvynenko"),
]


def new_patients(tag: str) -> list[Patient]:
    """Six screened patients a dermatologist has seen (cleared for face therapy)."""
    people = []
    for i, (first, last) in enumerate(PEOPLE):
        p = patient(
            with_login=False,
            first_name=first,
            last_name=last,
            email=f"{last.lower()}.{tag}@example.com",
            phone=f"+38050{tag}00{i:02d}",
        )
        screen(p)
        consult(p, plans={FACE: 7})
        people.append(p)
    return people


def shot(page: Page, name: str, height: int = 900) -> None:
    """A full-page screenshot at a desktop's width (the desk grid scrolls inside a box of
    the window's height: a taller window shows the whole day)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": DESKTOP, "height": height})
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": DESKTOP, "height": 900})


def follow_main_nav(page: Page, name: str) -> None:
    """Open a page from the site's main navigation and wait until its scripts have run.

    The link is looked for in the navigation: a page's breadcrumb may repeat its name, and
    only CSS (`::before`) tells them apart, which Playwright may read before the stylesheet
    applies. And the page is waited for: the patient search answers as one types only once
    htmx has loaded. (Both show when the static files come slowly: under a TEST_CLOCK in the
    past, Chromium revalidates them on every page, their Last-Modified being ahead.)"""
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}", wait_until="load")


def user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def demo_patient(username: str) -> Patient:
    return Patient.objects.get(user__username=username)


def practitioner(username: str) -> Practitioner:
    return Practitioner.objects.get(user__username=username)


def next_weekday(weekday: int) -> date:
    """The next such weekday at least two days away (the demo clinic works Mon to Sat)."""
    day = timezone.localdate() + timedelta(days=2)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone())


def book(patient: Patient, slug: str, start: datetime, who: str = "dermatologist") -> Appointment:
    return appointment_book(
        actor=Actor(user=user("reception")),
        patient=patient,
        treatment=Treatment.objects.get(slug=slug),
        start=start,
        practitioner_id=practitioner(who).pk,
        channel="desk",
    )


def move_to_earlier_today(a: Appointment, minutes_ago: int = 10) -> Appointment:
    """A session booked for today that has started: the desk's everyday case."""
    start = started_today(minutes_ago)
    Appointment.objects.filter(pk=a.pk).update(
        start=start,
        end=start + (a.end - a.start),
        blocked_until=start + (a.blocked_until - a.start),
    )
    a.refresh_from_db()
    return a


BUSY_DAY = [  # (practitioner, hour, minute, treatment) for the screenshots
    ("dermatologist", 9, 0, "initial-consultation"),
    ("cosmetologist", 9, 0, FACE),
    ("dermatologist", 9, 30, FACE),
    ("cosmetologist", 10, 15, "initial-consultation"),
    ("dermatologist", 11, 0, FACE),
    ("cosmetologist", 11, 30, FACE),
    ("dermatologist", 12, 0, "initial-consultation"),
    ("cosmetologist", 13, 0, FACE),
    ("dermatologist", 14, 0, FACE),
    ("cosmetologist", 15, 0, "initial-consultation"),
    ("dermatologist", 15, 0, FACE),
    ("cosmetologist", 16, 0, FACE),
    ("dermatologist", 16, 30, "initial-consultation"),
]
SHOWN_STATES = {0: Status.COMPLETED, 1: Status.COMPLETED, 2: Status.NO_SHOW, 3: Status.CHECKED_IN}


def busy_day(day: date) -> None:
    """A realistic day at the desk for the screenshots: both practitioners booked, some
    patients done, one missed, one in the waiting room."""
    people = new_patients("111")
    for i, (who, hour, minute, slug) in enumerate(BUSY_DAY):
        a = book(people[i % len(people)], slug, at(day, hour, minute), who)
        if i in SHOWN_STATES:
            Appointment.objects.filter(pk=a.pk).update(status=SHOWN_STATES[i])


def test_reception_registers_books_a_course_and_checks_a_patient_in(
    page: Page, clinic: str, private_files
) -> None:
    anna = demo_patient("patient1")
    monday = next_weekday(0)
    # Anna already has a consultation at 10:00 on the second Thursday of the course.
    taken = book(anna, "initial-consultation", at(monday + timedelta(days=10), 10), "cosmetologist")
    today = move_to_earlier_today(book(anna, FACE, at(monday + timedelta(days=5), 12)))
    busy_day(monday + timedelta(days=1))
    login_staff(page, clinic, "reception", DEMO_PASSWORD)

    page.goto(f"{clinic}/desk/patients/new/")
    page.get_by_label("First name").fill("Anna")
    page.get_by_label("Last name").fill("Bondarenko")
    page.locator("#id_date_of_birth").fill("1988-04-12")
    page.get_by_label("Phone").fill("+380501112233")
    page.get_by_role("button", name="Register").click()
    warning = page.locator(".duplicates")
    expect(warning).to_contain_text("This patient may already be registered")
    expect(warning.get_by_role("link", name="Anna Bondarenko")).to_be_visible()
    expect(page.get_by_label("I checked: this is a different person")).to_be_visible()
    assert Patient.objects.filter(last_name="Bondarenko").count() == 1

    page.get_by_label("First name").fill("Mariia")
    page.get_by_label("Last name").fill("Hnatiuk")
    page.locator("#id_date_of_birth").fill("1990-06-15")
    page.locator("#id_email").fill("mariia@example.com")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".messages")).to_contain_text("Registered: Mariia Hnatiuk")
    assert Patient.objects.filter(email="mariia@example.com").exists()

    follow_main_nav(page, "Patients")
    page.get_by_label("Name, phone or email").fill("Bondarenko")  # results come as one types
    page.locator("#patient-results").get_by_role("link", name="Anna Bondarenko").click()
    expect(page.locator("table.clearance")).to_contain_text("Cleared")
    expect(page.locator("main")).not_to_contain_text("No chronic diseases")  # no notes
    page.get_by_role("link", name="Book a course").click()

    page.get_by_label("Number of sessions").fill("10")
    page.get_by_label("First day").fill(monday.isoformat())
    page.get_by_label("Preferred time").fill("10:00")
    page.get_by_role("button", name="Propose the dates").click()
    expect(page.locator(".notice")).to_contain_text("1 session does not fit")
    unplaced = page.locator(".session.unplaced")
    expect(unplaced).to_have_count(1)
    unplaced.locator("select").select_option(index=1)  # the nearest free time that day
    shot(page, "desk-course-review")
    page.get_by_role("button", name="Book all sessions").click()
    expect(page.locator(".messages")).to_contain_text("Course booked: 10 sessions")
    course = Course.objects.get(patient=anna)
    booked = list(course.appointments.order_by("start"))
    assert len(booked) == 10 and all(a.status == Status.BOOKED for a in booked)
    assert taken.start not in [a.start for a in booked]

    follow_main_nav(page, "Desk")
    cell = page.locator("td.appt", has_text="Anna Bondarenko")
    expect(cell).to_contain_text("Microcurrent therapy, face")
    cell.locator("a.appt-time").click()
    page.get_by_role("link", name="Check in").click()
    page.get_by_role("button", name="Check in").click()
    expect(page.locator(".field.invalid")).to_contain_text("Confirm the questionnaire")
    page.get_by_label("The patient confirms the answers").check()
    page.get_by_role("button", name="Check in").click()
    # No signed treatment consent on file: refused, naming it; the patient signs on the
    # desk's tablet page and the desk comes back to the check-in.
    expect(page.locator(".form-errors")).to_contain_text(
        "has not signed the current treatment consent (version 1)"
    )
    assert today.patient.consents.count() == 0
    expect(page.get_by_label("The patient has read the treatment consent")).to_have_count(0)
    shot(page, "check-in-consent-missing")
    page.get_by_role("link", name="Let the patient sign on the tablet").click()
    expect(page.get_by_role("heading", name="Treatment consent")).to_be_visible()
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.locator("#signature-errors")).to_contain_text("the signature is empty")
    assert today.patient.consents.count() == 0
    draw_signature(page)
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.locator(".messages")).to_contain_text("The signed consent is recorded.")
    page.wait_for_url(f"**/desk/appointments/{today.pk}/check-in/**")
    signed = today.patient.consents.get()
    assert signed.pdf_name and signed.pdf_sha256
    expect(page.locator("#consent-missing")).to_have_count(0)
    page.get_by_label("The patient confirms the answers").check()
    page.get_by_role("button", name="Check in").click()
    expect(page.locator(".messages")).to_contain_text("Checked in: Anna Bondarenko")
    expect(page.locator("td.appt.st-checked_in")).to_contain_text("Checked in")
    today.refresh_from_db()
    assert today.status == Status.CHECKED_IN
    page.goto(f"{clinic}/desk/?day={monday + timedelta(days=1)}")
    expect(page.locator("td.appt.st-no_show")).to_contain_text("No-show")
    shot(page, "desk-day", height=1900)
    page.get_by_role("link", name="Rooms").click()
    expect(page.locator(".day-grid thead")).to_contain_text("Room 3")
    shot(page, "desk-day-rooms", height=1900)
    page.get_by_role("link", name="Week").click()
    expect(page.locator(".week-grid")).to_contain_text("Anna Bondarenko")
    shot(page, "desk-week")

    consultation = Consultation.objects.filter(patient=anna).first()
    page.goto(f"{clinic}/chart/consultations/{consultation.pk}/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("No chronic diseases")


def _past_course_sessions(anna: Patient, count: int) -> list[Appointment]:
    """A face course whose first sessions are done and recorded, with improving scores."""
    derm = Actor(user=user("dermatologist"))
    monday = next_weekday(0)
    starts = [at(monday + timedelta(days=7 * (i // 2) + 3 * (i % 2)), 11) for i in range(8)]
    course = course_book(
        actor=Actor(user=user("reception")),
        patient=anna,
        treatment=Treatment.objects.get(slug=FACE),
        consultation=Consultation.objects.filter(patient=anna).first(),
        choices=[SessionChoice(s, practitioner("dermatologist").pk) for s in starts],
        weekdays=[0, 3],
        time_of_day=time(11),
        start_date=monday,
        confirm_warnings=True,  # twice a week on a once-a-week plan: agreed for the demo
    )
    sessions = list(course.appointments.order_by("start"))
    for i, a in enumerate(sessions[:count]):
        day = timezone.localdate() - timedelta(days=3 * (count - i) + 1)
        Appointment.objects.filter(pk=a.pk).update(
            start=at(day, 11),
            end=at(day, 11, 45),
            blocked_until=at(day, 11, 55),
            status="completed",
        )
        a.refresh_from_db()
        session_record_create(
            actor=derm,
            appointment=a,
            sign=True,
            current_ua=400 + 25 * i,
            frequency_hz="10.00",
            waveform="biphasic",
            areas=["face"],
            duration_minutes=45,
            tone_clinician=3 + i,
            puffiness_clinician=7 - i,
            elasticity_clinician=4 + i // 2,
        )
    return sessions


def _signs_consent(p: Patient) -> None:
    consent_sign(
        actor=Actor(user=p.user),
        patient=p,
        version=1,
        signature=signature_data_url(),
        ip="203.0.113.7",
        user_agent="Tablet",
    )


def test_the_dermatologist_signs_records_within_the_limits_and_amends(
    page: Page, clinic: str, private_files
) -> None:
    anna, oksana = demo_patient("patient1"), demo_patient("patient2")
    screen(oksana)  # she answered the questionnaire online: no contraindication
    sessions = _past_course_sessions(anna, count=3)
    visit = move_to_earlier_today(sessions[3])
    _signs_consent(anna)
    appointment_check_in(
        actor=Actor(user=user("reception")), appointment=visit, screening_confirmed=True
    )
    login_staff(page, clinic, "dermatologist", DEMO_PASSWORD)

    page.goto(f"{clinic}/chart/patients/")
    page.get_by_label("Name, phone or email").fill("Tkachenko")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Oksana Tkachenko").click()
    page.get_by_role("link", name="New consultation").first.click()
    page.get_by_label("Anamnesis").fill("No chronic diseases. No implants.")
    reviews = page.locator(".review")
    for i in range(reviews.count() - 1):  # the last one is forgotten
        reviews.nth(i).get_by_label("Absent").check()
    page.get_by_label("Cleared", exact=True).check()
    page.get_by_label("Planned treatment").select_option(label="Microcurrent therapy, face")
    page.locator("#id_plan_sessions").fill("8")
    page.locator("#id_plan_per_week").fill("2")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.locator(".review.invalid")).to_contain_text("Review this contraindication.")
    assert not Consultation.objects.filter(patient=oksana).exists()
    reviews.last.get_by_label("Absent").check()
    page.get_by_role("button", name="Save and sign").click()
    expect(page.locator(".messages")).to_contain_text("The consultation is signed.")
    signed = Consultation.objects.get(patient=oksana)
    assert signed.is_signed and signed.clearance == "cleared"
    page.get_by_role("link", name="Oksana Tkachenko").click()
    face_row = page.locator("table.clearance tr", has_text="Microcurrent therapy, face")
    expect(face_row).to_contain_text("Cleared")

    follow_main_nav(page, "Today's patients")
    row = page.locator("tr", has_text="Anna Bondarenko")
    row.get_by_role("link", name="Record the session").click()
    expect(page.locator(".limits")).to_contain_text("up to 600 µA recommended")
    page.get_by_label("Current (µA)").fill("1600")
    page.get_by_label("Frequency (Hz)").fill("10")
    page.get_by_label("Waveform").select_option("biphasic")
    for name, value in (("Tone, clinician", "7"), ("Puffiness, clinician", "3")):
        page.get_by_label(name).fill(value)
    page.get_by_label("Elasticity, clinician").fill("6")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.locator(".field.invalid")).to_contain_text("outside microcurrent therapy")
    page.get_by_label("Current (µA)").fill("700")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.locator(".field.invalid")).to_contain_text("above the recommended 600 µA")
    assert not SessionRecord.objects.filter(appointment=visit).exists()
    page.get_by_label("Why above the recommended current").fill(
        "Marked hypertonicity of the masseter."
    )
    page.get_by_role("button", name="Save and sign").click()
    expect(page.locator(".messages")).to_contain_text("The session record is signed.")
    record = SessionRecord.objects.get(appointment=visit)
    assert (record.current_ua, record.is_signed) == (700, True)

    page.get_by_role("link", name="Amend").click()
    page.get_by_label("Reason for the amendment").fill("Typo in the skin response.")
    page.get_by_label("Skin response").fill("Mild erythema, gone in 20 minutes.")
    page.get_by_role("button", name="Record the amendment").click()
    expect(page.locator(".messages")).to_contain_text("The amendment is recorded.")
    expect(page.locator(".amendments")).to_contain_text("Typo in the skin response.")

    page.goto(f"{clinic}/chart/consultations/{signed.pk}/amend/")
    page.get_by_label("Reason for the amendment").fill("Allergy to nickel was left out.")
    page.get_by_label("Anamnesis").fill("No chronic diseases. No implants. Nickel allergy.")
    page.get_by_role("button", name="Record the amendment").click()
    expect(page.locator(".amendments")).to_contain_text("Allergy to nickel was left out.")
    signed.refresh_from_db()
    assert "Nickel" in signed.anamnesis and signed.amendments.count() == 1

    page.goto(f"{clinic}/chart/patients/{anna.pk}/")
    expect(page.locator(".course-outcome svg.line-chart")).to_be_visible()
    expect(page.locator(".course-outcome")).to_contain_text("4 of 8 sessions done")
    assert AuditEvent.objects.filter(action="read", patient_id=anna.pk).exists()
    shot(page, "chart")


def _to_past(a: Appointment, day: date, hour: int, status: str) -> None:
    length, block = a.end - a.start, a.blocked_until - a.start
    start = at(day, hour)
    Appointment.objects.filter(pk=a.pk).update(
        start=start, end=start + length, blocked_until=start + block, status=status
    )


def _finished_course(p: Patient, days_ago: list[int], done: int) -> None:
    monday = next_weekday(0) + timedelta(weeks=6)
    starts = [at(monday + timedelta(days=7 * (i // 2) + 3 * (i % 2)), 17) for i in range(7)]
    course = course_book(
        actor=Actor(user=user("reception")),
        patient=p,
        treatment=Treatment.objects.get(slug=FACE),
        consultation=Consultation.objects.filter(patient=p).first(),
        choices=[SessionChoice(s, practitioner("dermatologist").pk) for s in starts],
        weekdays=[0, 3],
        time_of_day=time(17),
        start_date=monday,
        confirm_warnings=True,  # twice a week on a once-a-week plan: agreed for the demo
    )
    today = timezone.localdate()
    for a, ago in zip(course.appointments.order_by("start")[:done], days_ago, strict=False):
        _to_past(a, today - timedelta(days=ago), 17, Status.COMPLETED)
    Course.objects.filter(pk=course.pk).update(start_date=today - timedelta(days=days_ago[0]))


MONTH_NO_SHOWS = 3


def busy_month() -> None:
    """Four weeks of history for the report: sessions done and missed, a finished and a
    running course, messages sent and one that failed (all with Dr Iryna Melnyk)."""
    from messaging.models import Message, MessageStatus

    people = new_patients("222")
    today, future = timezone.localdate(), next_weekday(1) + timedelta(weeks=1)
    for i in range(16):
        slug = FACE if i % 2 else "initial-consultation"
        a = book(people[i % 6], slug, at(future + timedelta(days=7 * (i // 8)), 9 + i % 8))
        status = Status.NO_SHOW if i % 5 == 2 and i < 15 else Status.COMPLETED
        _to_past(a, today - timedelta(days=2 + i), 9 + i % 8, status)
    _finished_course(people[0], [25, 22, 19, 16, 13, 10, 7], done=7)
    _finished_course(people[1], [24, 21], done=2)
    due = Message.objects.filter(due_at__lte=timezone.now()).order_by("id")
    ids = list(due.values_list("id", flat=True))
    Message.objects.filter(id__in=ids[:-1]).update(
        status=MessageStatus.SENT, sent_at=timezone.now()
    )
    Message.objects.filter(id=ids[-1]).update(
        status=MessageStatus.FAILED, last_error="550 mailbox unavailable"
    )


def test_the_managers_report_shows_the_no_show_they_just_marked(page: Page, clinic: str) -> None:
    busy_month()
    oksana = demo_patient("patient2")
    missed = move_to_earlier_today(
        book(oksana, "initial-consultation", at(next_weekday(1), 15), "cosmetologist"), 20
    )
    login_staff(page, clinic, "manager", DEMO_PASSWORD)
    page.goto(f"{clinic}/desk/")
    page.locator("td.appt", has_text="Oksana Tkachenko").locator("a.appt-time").click()
    page.get_by_role("link", name="Mark as no-show").click()  # asks first
    expect(page.get_by_role("heading", level=1)).to_contain_text("as a no-show?")
    page.get_by_role("button", name="Yes, mark as no-show").click()
    expect(page.locator(".messages")).to_contain_text("Marked as a no-show: Oksana Tkachenko")
    expect(page.get_by_role("button", name="Undo the no-show")).to_be_visible()
    missed.refresh_from_db()
    assert missed.status == Status.NO_SHOW

    page.get_by_role("link", name="Reports").click()
    expect(page.locator("#tile-no-shows")).to_contain_text(f"no-shows: {MONTH_NO_SHOWS + 1} of")
    expect(page.locator(".tile-bad")).to_contain_text("messages failed")
    taras = page.locator("#no-show-table tr", has_text="Dr Taras Lysenko")
    expect(taras).to_contain_text("100.0 %")  # her only settled appointment: the one just marked
    expect(page.locator("svg.bar-chart").first).to_be_visible()
    shot(page, "reports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert ["no_shows", "All practitioners", "no_shows", str(MONTH_NO_SHOWS + 1)] in rows
    assert ["no_shows", "Dr Taras Lysenko", "no_shows", "1"] in rows
    assert ["courses", "Microcurrent therapy, face", "completed", "1"] in rows

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic settings")
    page.get_by_role("link", name="Admin").click()  # prices and the catalog stay there
    expect(page.locator("#treatments-treatment")).to_be_visible()
