"""The waitlist end to end in a real Chromium (issue 17): a patient joins from the booking
pages; another patient cancels; the offer email reaches a real SMTP server; its one-tap
link, opened in Chromium, books the freed time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.availability import free_slots
from appointments.models import Appointment, Status, WaitlistOffer
from appointments.services import appointment_book, appointment_cancel
from clinic.audit import Actor
from messaging.delivery import deliver_batch
from messaging.models import Message, MessageChannel, MessageKind
from tests.browser.pages import check_layout, log_in
from tests.browser.test_patient_side import screenshot_html
from tests.factories import consult, patient, screen
from tests.messaging.smtp import RecordingSMTPServer, delivering_to
from treatments.models import Treatment

pytestmark = pytest.mark.browser
FACE = "microcurrent-therapy-face"


@pytest.fixture
def smtp(clinic: str) -> Iterator[RecordingSMTPServer]:
    """The outbox delivers to a real SMTP server; links point at the live server."""
    server = RecordingSMTPServer()
    server.start()
    with delivering_to(server.port, CLINIC_BASE_URL=clinic):
        yield server
    server.stop()


def someone_books_the_first_free_time(face: Treatment) -> Appointment:
    """Another patient takes the first free face session three or more days ahead (the
    demo clinic's hours decide which day: the test runs at any date and hour)."""
    first = timezone.localdate() + timedelta(days=3)
    slot = free_slots(treatment=face, start=first, end=first + timedelta(days=7))[0]
    # Contact details of her own: the factory's would match the demo patients'.
    other = patient(email="waiting-room@example.com", phone="+380679990017")
    screen(other)
    consult(other)
    return appointment_book(
        actor=Actor(user=other.user),
        patient=other,
        treatment=face,
        start=slot.start,
        practitioner_id=slot.practitioner,
    )


def join_the_waitlist(page: Page, clinic: str, day: str) -> None:
    page.goto(f"{clinic}/book/{FACE}/")
    page.get_by_role("link", name="Join the waitlist for an earlier time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the waitlist")
    page.get_by_label("From:", exact=True).fill(day)
    page.get_by_label("Until:", exact=True).fill(day)
    check_layout(page, "waitlist-join")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.locator(".messages")).to_contain_text("You are on the waitlist")


def offer_link_delivered(smtp: RecordingSMTPServer, page: Page) -> str:
    ids = list(
        Message.objects.filter(
            kind=MessageKind.WAITLIST_OFFER, channel=MessageChannel.EMAIL
        ).values_list("pk", flat=True)
    )
    assert deliver_batch(ids).sent == len(ids) == 1
    email = smtp.received[-1].email
    screenshot_html(page, email, "waitlist-offer")
    text = email.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(r"https?://\S+/me/offers/\d+/", text)
    assert len(links) == 1, text
    return links[0]


def test_joining_the_waitlist_and_taking_the_offer_by_its_emailed_link(
    page: Page, clinic: str, smtp: RecordingSMTPServer
) -> None:
    face = Treatment.objects.get(slug=FACE)
    taken = someone_books_the_first_free_time(face)
    log_in(page, clinic, "patient1")
    join_the_waitlist(page, clinic, timezone.localtime(taken.start).date().isoformat())

    appointment_cancel(actor=Actor(user=taken.patient.user), appointment=taken)
    offer = WaitlistOffer.objects.get(entry__patient__user__username="patient1")
    assert offer.start == taken.start

    link = offer_link_delivered(smtp, page)
    assert link.startswith(clinic)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("An earlier time")
    check_layout(page, "waitlist-offer")
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator(".messages")).to_contain_text("Booked: the earlier time is yours.")
    booked = Appointment.objects.get(pk=offer.appointment_id)
    assert (booked.patient.user.username, booked.status, booked.start) == (
        "patient1",
        Status.BOOKED,
        taken.start,
    )
