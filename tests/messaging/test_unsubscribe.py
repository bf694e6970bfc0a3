"""One-click unsubscribe (RFC 8058) from optional messages, and the profile link in every
message's footer. Delivered to a real SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from appointments import services
from clinic.audit import Actor
from clinic.roles import Role
from messaging import delivery
from messaging.models import Message, MessageKind, MessageStatus
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import consult, login_staff, patient, screen, staff
from tests.messaging.helpers import book

pytestmark = [pytest.mark.django_db, at_clinic_now]


def deliver(**filters) -> None:
    rows = Message.objects.filter(status="pending", **filters)
    rows.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    delivery.deliver_batch(list(rows.values_list("pk", flat=True)))


@pytest.fixture
def english(db):
    p = patient(preferred_language="en")
    screen(p)
    consult(p)
    return p


def unsubscribe_header(email) -> str:
    return "".join(str(email["List-Unsubscribe"]).split()).strip("<>")  # unfolded


def by_kind(smtp, word: str):
    (email,) = [r.email for r in smtp.received if word in r.email["Subject"]]
    return email


def test_a_reminder_carries_one_click_unsubscribe_and_a_booking_message_does_not(
    clinic, english, smtp_settings
):
    appointment = book(clinic, english, local(days_ahead(3), 10))
    deliver(kind=MessageKind.CONFIRMATION)
    deliver(appointment=appointment, kind=MessageKind.REMINDER, offset_minutes=1440)
    reminder, confirmation = by_kind(smtp_settings, "Reminder"), by_kind(smtp_settings, "Booked")
    assert confirmation["List-Unsubscribe"] is None
    url = unsubscribe_header(reminder)
    assert url.startswith("http://127.0.0.1:8000/messages/unsubscribe/")
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for email in (reminder, confirmation):
        body = email.get_body(("plain",)).get_content()
        assert "http://127.0.0.1:8000/me/profile/" in body  # the footer of every message
    assert url in reminder.get_body(("plain",)).get_content()


def test_a_mail_clients_one_click_post_stops_reminders_and_keeps_booking_messages(
    client, clinic, english, smtp_settings
):
    appointment = book(clinic, english, local(days_ahead(3), 10))
    deliver(kind=MessageKind.REMINDER, offset_minutes=1440)
    url = unsubscribe_header(smtp_settings.received[-1].email)
    path = url.removeprefix("http://127.0.0.1:8000")
    # RFC 8058: a POST without cookies, form-encoded "List-Unsubscribe=One-Click".
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    english.refresh_from_db()
    assert not english.remind_before_session and english.optional_messages
    deliver(appointment=appointment)
    two_hours = Message.objects.get(kind=MessageKind.REMINDER, offset_minutes=120)
    assert two_hours.status == MessageStatus.SKIPPED
    confirmation = Message.objects.get(kind=MessageKind.CONFIRMATION)
    assert confirmation.status == MessageStatus.SENT


def test_opening_the_link_changes_nothing_and_a_forged_one_is_refused(client, english):
    from messaging.unsubscribe import unsubscribe_url

    path = unsubscribe_url(english.pk, MessageKind.HOME_CARE).removeprefix("http://127.0.0.1:8000")
    page = client.get(path)
    assert page.status_code == 200 and "Stop advice and suggestions?" in page.content.decode()
    english.refresh_from_db()
    assert english.optional_messages
    other = patient()
    forged = path.replace(f"/{english.pk}.", f"/{other.pk}.")
    assert client.post(forged).status_code == 404
    assert client.post(path.replace("optional_messages", "remind_by_email")).status_code == 404
    other.refresh_from_db()
    assert other.optional_messages and other.remind_by_email


def test_the_outbox_reasons_are_kept_in_english_and_shown_in_the_readers_language(
    client, clinic, english
):
    appointment = book(clinic, english, local(days_ahead(3), 10))
    with translation.override("uk"):  # a change made on a Ukrainian page
        services.appointment_cancel(actor=Actor(user=english.user), appointment=appointment)
    voided = Message.objects.filter(status=MessageStatus.VOID).first()
    assert voided.last_error == "The appointment was cancelled."
    login_staff(client, staff(Role.RECEPTION))
    client.post("/i18n/setlang/", {"language": "uk", "next": "/"})
    page = client.get("/messages/").content.decode()
    assert "Запис скасовано." in page and "The appointment was cancelled." not in page
