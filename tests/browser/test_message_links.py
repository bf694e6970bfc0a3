"""The Confirm and Cancel links of a delivered email, clicked in a real Chromium with its
default settings (issue 17). The link page sent `Referrer-Policy: no-referrer`, so
Chromium posted its form with `Origin: null` and Django's CSRF check answered 403; the
tests of the day posted with a client that sends no Origin at all."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from appointments.models import Appointment, Status
from messaging.delivery import deliver_batch
from messaging.models import LinkAction, Message, MessageChannel, MessageKind, MessageLinkUse
from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.factories import consult, patient, screen
from tests.messaging.helpers import book
from tests.messaging.smtp import RecordingSMTPServer, delivering_to

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(live_db, live_server) -> Iterator[RecordingSMTPServer]:
    """The outbox delivers to a real SMTP server; links point at the live server."""
    server = RecordingSMTPServer()
    server.start()
    with delivering_to(server.port, CLINIC_BASE_URL=live_server.url):
        yield server
    server.stop()


def _links_of_the_delivered_confirmation(smtp: RecordingSMTPServer, a: Appointment) -> list[str]:
    ids = Message.objects.filter(
        appointment=a, kind=MessageKind.CONFIRMATION, channel=MessageChannel.EMAIL
    ).values_list("pk", flat=True)
    assert deliver_batch(list(ids)).sent == 1
    email = smtp.received[-1].email
    text = email.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://\S+/messages/link/\S+/", text)


def _booked(clinic, day: int) -> Appointment:
    p = patient()
    screen(p)
    consult(p)
    return book(clinic, p, local(days_ahead(day), 10))


def test_the_confirm_link_of_a_delivered_email_confirms_in_chromium(
    page: Page, smtp: RecordingSMTPServer, live_server
) -> None:
    a = _booked(build_clinic(practitioners=1, rooms=1, devices=1), 3)
    confirm, _cancel = _links_of_the_delivered_confirmation(smtp, a)
    assert confirm.startswith(live_server.url)
    page.goto(confirm)
    page.get_by_role("button", name="Yes, I am coming").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: see you soon")
    used = MessageLinkUse.objects.get(message__appointment=a)
    assert used.action == LinkAction.CONFIRM
    a.refresh_from_db()
    assert a.status == Status.BOOKED


def test_the_cancel_link_of_a_delivered_email_cancels_in_chromium(
    page: Page, smtp: RecordingSMTPServer
) -> None:
    a = _booked(build_clinic(practitioners=1, rooms=1, devices=1), 4)
    _confirm, cancel = _links_of_the_delivered_confirmation(smtp, a)
    page.goto(cancel)
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The appointment is cancelled")
    a.refresh_from_db()
    assert a.status == Status.CANCELLED
