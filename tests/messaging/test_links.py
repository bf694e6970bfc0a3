"""Signed links: confirm or cancel without logging in, once, within the policy."""

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from appointments.models import Appointment, Status
from messaging import compose, links
from messaging.models import LinkAction, Message, MessageKind, MessageLinkUse, MessageStatus
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import patient
from tests.messaging.helpers import book, desk_book

pytestmark = [pytest.mark.django_db, at_clinic_now]


@pytest.fixture
def booked(clinic, cleared) -> Appointment:
    return book(clinic, cleared, local(days_ahead(4), 10))


def url(appointment: Appointment, action: str, kind: str = MessageKind.REMINDER) -> str:
    message = Message.objects.filter(appointment=appointment, kind=kind).first()
    return links.link_url(message.pk, action).removeprefix("http://127.0.0.1:8000")


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def post(client: Client, path: str):
    """Open the page, then press its button (with the form's CSRF token)."""
    page = client.get(path)
    assert page.status_code == 200, page.content.decode()
    return client.post(path, {"csrfmiddlewaretoken": page.context["csrf_token"]})


def test_opening_a_link_changes_nothing_and_shows_the_appointment_in_her_language(booked):
    page = browser().get(url(booked, LinkAction.CANCEL))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="uk">' in html and "10:00" in html
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED and not MessageLinkUse.objects.exists()


def test_a_confirm_link_records_the_confirmation_once(booked):
    client, path = browser(), url(booked, LinkAction.CONFIRM)
    done = post(client, path)
    assert done.status_code == 200 and done.context["done"]
    (use,) = MessageLinkUse.objects.all()
    assert use.action == LinkAction.CONFIRM and use.ip == "127.0.0.1"
    again = client.get(path)
    assert again.status_code == 410
    assert again.context["error"].code == "used"
    assert client.post(path).status_code in (403, 410)  # no token, or used: nothing happens
    assert MessageLinkUse.objects.count() == 1


def test_a_cancel_link_cancels_within_the_policy_and_voids_the_reminders(booked):
    done = post(browser(), url(booked, LinkAction.CANCEL))
    assert done.status_code == 200
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED and booked.status_reason
    assert MessageLinkUse.objects.get().action == LinkAction.CANCEL
    reminders = Message.objects.filter(appointment=booked, kind=MessageKind.REMINDER)
    assert {m.status for m in reminders} == {MessageStatus.VOID}
    assert Message.objects.filter(appointment=booked, kind=MessageKind.CANCELLATION).exists()


def test_a_cancel_link_inside_the_cutoff_is_refused_and_nothing_changes(booked):
    path = url(booked, LinkAction.CANCEL)
    soon = timezone.now() + timedelta(hours=5)
    Appointment.objects.filter(pk=booked.pk).update(
        start=soon, end=soon + timedelta(minutes=45), blocked_until=soon + timedelta(minutes=55)
    )
    page = browser().get(path)
    assert page.status_code == 403
    assert "Зателефонуйте до клініки" in page.content.decode()  # her language: Ukrainian
    assert page.context["error"].code == "outside_policy"
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED and not MessageLinkUse.objects.exists()


def test_a_tampered_link_gets_a_clear_page_and_nothing_changes(booked):
    path = url(booked, LinkAction.CONFIRM)
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged_id = token.replace(token.split(".", 1)[0], str(int(token.split(".", 1)[0]) + 1), 1)
    other_action = token.replace(".c:", ".x:", 1)
    for bad in (forged_id, other_action, token[:-3] + "abc", "nonsense"):
        page = browser().get(f"/messages/link/{bad}/")
        assert page.status_code == 400, bad
        assert page.context["error"].code == "invalid"
        assert "not valid" in page.content.decode()
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED and not MessageLinkUse.objects.exists()


def test_an_expired_link_gets_a_clear_page(booked, settings):
    message = Message.objects.filter(appointment=booked).first()
    old = signing.TimestampSigner(salt=links.SALT)
    old.timestamp = lambda: signing.b62_encode(int(timezone.now().timestamp()) - 200 * 86400)
    page = browser().get(f"/messages/link/{old.sign(f'{message.pk}.c')}/")
    assert page.status_code == 410
    assert page.context["error"].code == "expired"
    assert "expired" in page.content.decode()


def test_a_link_of_a_cancelled_or_past_appointment_does_nothing(booked):
    path = url(booked, LinkAction.CONFIRM)
    Appointment.objects.filter(pk=booked.pk).update(status=Status.CANCELLED)
    assert browser().get(path).context["error"].code == "cancelled"
    past = timezone.now() - timedelta(hours=1)
    Appointment.objects.filter(pk=booked.pk).update(
        status=Status.BOOKED, start=past, end=past + timedelta(minutes=45)
    )
    assert browser().get(path).status_code == 410


def test_a_patient_without_a_login_cancels_by_the_link_in_her_message(clinic):
    """Registered at the desk, no login: the signed link is her authority (SPEC S5)."""
    p = patient(with_login=False)
    appointment = desk_book(clinic, p, local(days_ahead(4), 10))
    reminder = Message.objects.filter(appointment=appointment, kind=MessageKind.REMINDER).first()
    body = compose.compose_email(reminder).body
    assert links.link_url(reminder.pk, LinkAction.CANCEL) in body
    done = post(browser(), url(appointment, LinkAction.CANCEL))
    assert done.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert appointment.status_changed_by is None  # nobody logged in: the link did it
    assert appointment.status_reason == "Cancelled by the patient from a message link"
    assert Message.objects.filter(appointment=appointment, kind=MessageKind.CANCELLATION).exists()
    again = browser().get(url(appointment, LinkAction.CONFIRM))
    assert again.status_code == 409 and again.context["error"].code == "cancelled"
