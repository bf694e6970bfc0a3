"""The main staff and patient pages, with the data that makes them show what they show
on a working day (a booked session today, a signed consultation, messages in the outbox),
for the browser checks that visit every page: the phone layout and axe-core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.utils import timezone
from playwright.sync_api import Browser, Page

from appointments.availability import free_slots
from appointments.calendar import zone
from appointments.models import Appointment, Practitioner, WaitlistOffer
from appointments.services import appointment_book, appointment_cancel
from appointments.services.waitlist import waitlist_join
from clinic.audit import Actor
from demo.data import DEMO_PASSWORD
from patients.models import Patient
from tests.browser.pages import log_in
from tests.browser.staff_login import login_staff
from treatments.models import Treatment

FACE = "microcurrent-therapy-face"


@dataclass(frozen=True)
class MainPages:
    reception: list[tuple[str, str]]  # (name, path)
    dermatologist: list[tuple[str, str]]
    manager: list[tuple[str, str]]
    patient: list[tuple[str, str]]
    anonymous: list[tuple[str, str]]


def coming_working_day() -> date:
    """Tomorrow or later, Monday to Saturday (the demo clinic's days)."""
    day = timezone.localdate() + timedelta(days=1)
    return day if day.weekday() < 6 else day + timedelta(days=1)


def working_day_after(day: date, days: int) -> date:
    """`days` after `day`, or the Monday after when that is a Sunday (the demo clinic is
    closed on Sundays): the pages' data must not depend on the weekday the tests run."""
    later = day + timedelta(days=days)
    return later if later.weekday() < 6 else later + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone())


def _book(anna: Patient, start: datetime) -> Appointment:
    from django.contrib.auth import get_user_model

    return appointment_book(
        actor=Actor(user=get_user_model().objects.get(username="reception")),
        patient=anna,
        treatment=Treatment.objects.get(slug=FACE),
        start=start,
        practitioner_id=Practitioner.objects.get(user__username="dermatologist").pk,
        channel="desk",
    )


def _offer_to(anna: Patient, start: datetime) -> WaitlistOffer:
    """Anna waits for `start`'s day; another patient's session then frees: her offer."""
    from tests.factories import consult, patient, screen

    face = Treatment.objects.get(slug=FACE)
    other = patient(email="frees-a-time@example.com", phone="+380679990018")
    screen(other)
    consult(other)
    freed = appointment_book(
        actor=Actor(user=other.user), patient=other, treatment=face, start=start
    )
    day = timezone.localtime(start).date()
    waitlist_join(
        actor=Actor(user=anna.user), patient=anna, treatment=face, earliest=day, latest=day
    )
    appointment_cancel(actor=Actor(user=other.user), appointment=freed)
    return WaitlistOffer.objects.get(entry__patient=anna)


def _patient_pages(anna: Patient, today: date) -> list[tuple[str, str]]:
    """Every page a patient reads, with data: a day's times, a confirm page, an offer."""
    offer = _offer_to(anna, at(working_day_after(today, 2), 15))
    face = Treatment.objects.get(slug=FACE)
    later = today + timedelta(days=1)
    free = free_slots(treatment=face, start=later, end=later + timedelta(days=7))[0].start
    return [
        ("book-start", "/book/"),
        ("book-treatment", f"/book/{FACE}/"),
        ("book-times", f"/book/{FACE}/?{urlencode({'day': timezone.localtime(free).date()})}"),
        ("book-confirm", f"/book/{FACE}/confirm/?{urlencode({'start': free.isoformat()})}"),
        ("waitlist-join", f"/book/{FACE}/waitlist/"),
        ("waitlist-offer", f"/me/offers/{offer.pk}/"),
        ("my-appointments", "/me/appointments/"),
        ("profile", "/me/profile/"),
        ("questionnaire", "/me/questionnaire/"),
        ("my-photos", "/me/photos/"),
        ("consent", "/me/consent/"),
        ("my-billing", "/me/billing/"),
    ]


def main_pages(today: date) -> MainPages:
    """Book Anna (the demo's patient1) today at 10:30 and tomorrow; the pages to visit."""
    anna = Patient.objects.get(user__username="patient1")
    visit = _book(anna, at(today, 10, 30))
    _book(anna, at(working_day_after(today, 2), 11))
    a, p, face = visit.pk, anna.pk, Treatment.objects.get(slug=FACE).pk
    consultation = anna.consultations.order_by("pk").first()
    return MainPages(
        reception=[
            ("desk-day", f"/desk/?day={today}"),
            ("desk-week", f"/desk/week/?day={today}"),
            ("patient-search", "/desk/patients/?q=Bondarenko"),
            ("patient-page", f"/desk/patients/{p}/"),
            ("book-on-behalf", f"/desk/patients/{p}/book/?day={today}&treatment={face}"),
            ("appointment", f"/desk/appointments/{a}/"),
            ("check-in", f"/desk/appointments/{a}/check-in/"),
            ("move", f"/desk/appointments/{a}/move/"),
            ("waitlist", "/desk/waitlist/"),
            ("desk-photos", f"/desk/patients/{p}/photos/"),
            ("desk-photo-consent", f"/desk/patients/{p}/photo-consent/"),
            ("desk-consent-sign", f"/desk/patients/{p}/consent/"),
            ("desk-money", f"/desk/patients/{p}/money/"),
            ("desk-package-sell", f"/desk/patients/{p}/packages/sell/"),
            ("messages", "/messages/"),
            ("register", "/desk/patients/new/"),
            ("course-wizard", f"/desk/patients/{p}/course/"),
            ("waitlist-add", f"/desk/patients/{p}/waitlist/"),
            ("no-show", f"/desk/appointments/{a}/no-show/"),
            ("cancel", f"/desk/appointments/{a}/cancel/"),
            ("closed-days", "/desk/closed-days/"),
        ],
        dermatologist=[
            ("chart-day", "/chart/"),
            ("chart-search", "/chart/patients/?q=Bondarenko"),
            ("chart-patient", f"/chart/patients/{p}/"),
            ("chart-photos", f"/chart/patients/{p}/photos/"),
            ("chart-consultation-new", f"/chart/patients/{p}/consultations/new/"),
            ("chart-consultation", f"/chart/consultations/{consultation.pk}/"),
        ],
        manager=[
            ("reports", "/reports/"),
            ("reports-money", "/reports/money/"),
            *SETTINGS,
            ("settings-price", f"/manager/prices/{face}/"),
        ],
        patient=_patient_pages(anna, today),
        anonymous=[("login", "/accounts/login/"), ("catalog", "/")],
    )


SETTINGS = [
    (f"settings{path.replace('/', '-').rstrip('-')}", f"/manager{path}")
    for path in (
        "/",
        "/hours/",
        "/policy/",
        "/closures/",
        "/closures/new/",
        "/resources/",
        "/rooms/new/",
        "/devices/new/",
        "/practitioners/",
        "/practitioners/new/",
        "/cancel-reasons/",
        "/cancel-reasons/new/",
        "/prices/",
    )
]


def signed_in(browser: Browser, base: str, username: str | None, width: int) -> Page:
    """A new browser context at `width` (a phone's height), logged in as `username`."""
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    if username in STAFF:
        login_staff(page, base, username, DEMO_PASSWORD)
    elif username:
        log_in(page, base, username)
    return page


STAFF = ("reception", "dermatologist", "manager")


def by_login(pages: MainPages) -> list[tuple[str | None, list[tuple[str, str]]]]:
    return [
        ("reception", pages.reception),
        ("dermatologist", pages.dermatologist),
        ("manager", pages.manager),
        ("patient1", pages.patient),
        (None, pages.anonymous),
    ]
