"""Delivery, in this process, to a real SMTP server: content, language, .ics, outcomes."""

from datetime import UTC, timedelta
from email import message_from_bytes, policy

import icalendar
import pytest
from django.test import override_settings
from django.utils import formats, timezone, translation

from appointments import services
from appointments.calendar import zone
from clinic.audit import Actor
from messaging import compose, delivery
from messaging.models import Message, MessageKind, MessageStatus
from messaging.sms import LocmemSmsBackend, SmsError
from patients import services as patient_services
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.conftest import free_port
from tests.factories import patient
from tests.messaging.helpers import attend, book, desk_book, make_all_due

pytestmark = [pytest.mark.django_db, at_clinic_now]


def due_ids() -> list[int]:
    return list(Message.objects.values_list("pk", flat=True))


def deliver() -> delivery.BatchResult:
    return delivery.deliver_batch(due_ids())


def ics_of(email) -> icalendar.Calendar:
    (part,) = [p for p in email.iter_attachments() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


def test_a_confirmation_goes_in_the_patients_language_with_links_and_an_ics_in_utc(
    clinic, cleared, smtp_settings, settings
):
    start = local(days_ahead(3), 10)
    appointment = book(clinic, cleared, start)
    result = deliver()
    assert (result.claimed, result.sent) == (1, 1)  # the reminders are not due yet
    (received,) = smtp_settings.received
    row = Message.objects.get(kind=MessageKind.CONFIRMATION)
    assert row.status == MessageStatus.SENT and row.sent_at and row.attempts == 1
    email = received.email
    assert received.message_id == compose.message_id(row)
    assert email["To"] == cleared.email and email["Content-Language"] == "uk"
    body = email.get_body(("plain",)).get_content()
    with translation.override("uk"):
        ukrainian_date = formats.date_format(start.astimezone(zone()), "DATE_FORMAT")
    with translation.override("en"):
        assert formats.date_format(start.astimezone(zone()), "DATE_FORMAT") != ukrainian_date
    assert ukrainian_date in body and "10:00" in body  # local time, her language
    assert body.startswith(f"Вітаємо, {cleared.first_name}!")
    assert email["Subject"].strip().startswith(f"{settings.CLINIC_NAME}: Запис")
    assert "/messages/link/" in body  # confirm and cancel links
    assert body.count("http://127.0.0.1:8000/messages/link/") == 2
    event = ics_of(email).walk("VEVENT")[0]
    assert event.decoded("dtstart") == appointment.start
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert "DTSTART:" + appointment.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") in (
        ics_of(email).to_ical().decode()
    )


def test_delivering_twice_sends_once(clinic, cleared, smtp_settings):
    book(clinic, cleared, local(days_ahead(3), 10))
    assert deliver().sent == 1
    assert deliver().claimed == 0
    assert smtp_settings.count() == 1


def test_an_unreachable_mail_server_leaves_the_message_pending_for_a_retry(
    clinic, cleared, smtp_settings, settings
):
    book(clinic, cleared, local(days_ahead(3), 10))
    settings.EMAIL_PORT = free_port()  # nothing listens there
    before = timezone.now()
    result = deliver()
    assert (result.retried, result.sent) == (1, 0)
    row = Message.objects.get(kind=MessageKind.CONFIRMATION)
    assert row.status == MessageStatus.PENDING and row.attempts == 1
    assert "unreachable" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=60)
    assert row.dispatched_at is None and row.claim_token == ""
    # Back up, and due again: it goes, once.
    settings.EMAIL_PORT = smtp_settings.port
    make_all_due(kind=MessageKind.CONFIRMATION)
    assert deliver().sent == 1
    assert smtp_settings.count() == 1


def test_after_the_last_try_the_message_is_failed_with_the_reason(
    clinic, cleared, smtp_settings, settings
):
    book(clinic, cleared, local(days_ahead(3), 10))
    settings.EMAIL_PORT = free_port()
    settings.MESSAGES_MAX_ATTEMPTS = 2
    deliver()
    make_all_due(kind=MessageKind.CONFIRMATION)
    assert deliver().failed == 1
    row = Message.objects.get(kind=MessageKind.CONFIRMATION)
    assert row.status == MessageStatus.FAILED and row.attempts == 2
    assert "unreachable" in row.last_error


def test_a_refusal_after_the_text_is_retried_or_failed_by_its_code(clinic, cleared, smtp_settings):
    book(clinic, cleared, local(days_ahead(3), 10))
    smtp_settings.reply = "451 4.3.0 Try again later"
    deliver()
    row = Message.objects.get(kind=MessageKind.CONFIRMATION)
    assert row.status == MessageStatus.PENDING and row.sent_at is None
    assert "451" in row.last_error
    smtp_settings.reply = "554 5.7.1 Rejected"
    make_all_due(kind=MessageKind.CONFIRMATION)
    deliver()
    row.refresh_from_db()
    assert row.status == MessageStatus.FAILED and row.sent_at is None and "554" in row.last_error
    assert smtp_settings.count() == 0


def test_a_message_voided_while_the_worker_writes_it_is_not_sent(
    clinic, cleared, smtp_settings, monkeypatch
):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    real = delivery.compose_email

    def compose_then_cancel(message, now=None):
        email = real(message, now)
        services.appointment_cancel(
            actor=Actor(user=cleared.user), appointment=appointment, reason="Changed my mind"
        )
        return email

    monkeypatch.setattr(delivery, "compose_email", compose_then_cancel)
    result = delivery.deliver_batch(
        list(Message.objects.filter(kind=MessageKind.CONFIRMATION).values_list("pk", flat=True))
    )
    assert (result.refused, result.sent) == (1, 0)
    assert smtp_settings.count() == 0  # found voided before it went: nothing reached the server
    assert Message.objects.get(kind=MessageKind.CONFIRMATION).status == MessageStatus.VOID


def test_a_reminder_never_goes_after_its_session_started(clinic, cleared, smtp_settings):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    deliver()  # the confirmation
    started = timezone.now() - timedelta(minutes=5)
    type(appointment).objects.filter(pk=appointment.pk).update(
        start=started,
        end=started + timedelta(minutes=45),
        blocked_until=started + timedelta(hours=1),
    )
    make_all_due(kind=MessageKind.REMINDER)
    result = deliver()
    assert (result.skipped, result.sent) == (2, 0)
    assert smtp_settings.count() == 1
    assert set(
        Message.objects.filter(kind=MessageKind.REMINDER).values_list("status", flat=True)
    ) == {MessageStatus.SKIPPED}


def test_a_patient_who_switched_email_off_gets_nothing_and_her_consent_is_kept(
    clinic, cleared, smtp_settings
):
    book(clinic, cleared, local(days_ahead(3), 10))
    consent = cleared.reminder_consent_at
    patient_services.patient_update(
        actor=Actor(user=cleared.user), patient=cleared, remind_by_email=False
    )
    result = deliver()
    assert (result.skipped, result.sent) == (1, 0)
    assert "switched email" in Message.objects.get(kind=MessageKind.CONFIRMATION).last_error
    cleared.refresh_from_db()
    assert cleared.reminder_consent_at == consent and consent is not None


def test_an_sms_goes_through_the_sms_backend_with_the_link(clinic, smtp_settings):
    p = patient(remind_by_sms=True, remind_by_email=False, phone="+380671234567")
    desk_book(clinic, p, local(days_ahead(3), 10))
    assert deliver().sent == 1
    (sms,) = LocmemSmsBackend.outbox
    assert sms.to == "+380671234567"
    assert sms.reference == compose.message_key(Message.objects.get(kind=MessageKind.CONFIRMATION))
    assert "10:00" in sms.body and "/messages/link/" in sms.body
    assert "\n" not in sms.body


class RefusingSms:
    enabled = True
    permanent = False

    def send(self, sms):
        raise SmsError("provider says no", permanent=type(self).permanent)


def test_an_sms_provider_failure_is_retried_then_a_permanent_one_fails(clinic):
    p = patient(remind_by_sms=True, remind_by_email=False)
    desk_book(clinic, p, local(days_ahead(3), 10))
    path = f"{__name__}.RefusingSms"
    with override_settings(SMS_BACKEND=path):
        deliver()
        row = Message.objects.get(kind=MessageKind.CONFIRMATION)
        assert row.status == MessageStatus.PENDING and "provider says no" in row.last_error
        RefusingSms.permanent = True
        try:
            make_all_due(kind=MessageKind.CONFIRMATION)
            deliver()
        finally:
            RefusingSms.permanent = False
    row.refresh_from_db()
    assert row.status == MessageStatus.FAILED


def test_the_cancellation_notice_carries_a_cancelled_calendar_entry(clinic, cleared, smtp_settings):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    services.appointment_cancel(actor=Actor(user=cleared.user), appointment=appointment)
    deliver()
    (received,) = smtp_settings.received  # the confirmation was voided, never sent
    assert "Скасовано" in received.email["Subject"] or "Cancelled" in received.email["Subject"]
    event = ics_of(received.email).walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED"


def test_a_refused_recipient_fails_at_once_with_the_reason(clinic, cleared, smtp_settings):
    book(clinic, cleared, local(days_ahead(3), 10))
    smtp_settings.rcpt_reply = "550 5.1.1 No such mailbox"
    assert deliver().failed == 1
    row = Message.objects.get(kind=MessageKind.CONFIRMATION)
    assert row.status == MessageStatus.FAILED and "550" in row.last_error
    assert row.sent_at is None and smtp_settings.count() == 0


def test_a_course_session_done_brings_home_care_advice_and_a_nudge_about_the_next(
    clinic, smtp_settings
):
    from datetime import time

    from appointments.services.courses import SessionChoice, course_book
    from clinic.roles import Role
    from tests.factories import screen, staff
    from tests.messaging.helpers import consult_with_home_care

    p = patient()
    screen(p)
    consultation = consult_with_home_care(p, "No sauna for two days.")
    first_day = days_ahead(2)
    desk = Actor(user=staff(Role.RECEPTION))
    course = course_book(
        actor=desk,
        patient=p,
        treatment=clinic.face,
        consultation=consultation,
        choices=[SessionChoice(start=local(first_day + timedelta(weeks=i), 10)) for i in range(7)],
        weekdays=[first_day.weekday()],
        time_of_day=time(10),
        start_date=first_day,
    )
    first, second = course.appointments.order_by("start")[:2]
    (confirmation,) = Message.objects.filter(patient=p, kind=MessageKind.CONFIRMATION)
    assert Message.objects.filter(patient=p, kind=MessageKind.REMINDER).count() == 7 * 2
    deliver()  # the one confirmation of the course, with every session
    (booked,) = smtp_settings.received
    assert booked.message_id == compose.message_id(confirmation)
    body = booked.email.get_body(("plain",)).get_content()
    assert "7 sessions" in body and body.count("10:00") == 7
    starts = sorted(e.decoded("dtstart") for e in ics_of(booked.email).walk("VEVENT"))
    assert starts == [a.start for a in course.appointments.order_by("start")]
    attend(first, now=first.start + timedelta(hours=1), actor=desk)
    make_all_due(appointment=first)
    deliver()
    by_subject = {r.email["Subject"]: r.email for r in smtp_settings.received[1:]}
    advice = next(e for s, e in by_subject.items() if "Home care" in s)
    assert "No sauna for two days." in advice.get_body(("plain",)).get_content()
    nudge = next(e for s, e in by_subject.items() if "next session" in s)
    body = nudge.get_body(("plain",)).get_content()
    assert "1 of the 7 sessions" in body
    with translation.override("en"):
        assert formats.date_format(second.start.astimezone(zone()), "DATE_FORMAT") in body


def test_with_the_file_backend_each_message_is_a_file_a_person_can_read(
    clinic, cleared, settings, tmp_path
):
    settings.MESSAGES_EMAIL_BACKEND = "messaging.email.FileBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    book(clinic, cleared, local(days_ahead(3), 10))
    make_all_due()
    assert deliver().sent == 3
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3 and all(f.suffix == ".eml" for f in files)
    emails = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert all(e["To"] == cleared.email for e in emails)
    assert len({e["Message-ID"] for e in emails}) == 3
    assert all(cleared.first_name in e.get_body(("plain",)).get_content() for e in emails)
