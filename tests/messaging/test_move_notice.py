"""Moving an appointment tells the patient: the old and new time, an updated .ics (same
UID, higher SEQUENCE, RFC 5546 method), on every channel; a course move in one message.
Delivered to a real SMTP server, the .ics parsed with icalendar."""

from datetime import time, timedelta

import icalendar
import pytest
from django.utils import formats, timezone, translation

from appointments import services
from appointments.calendar import zone
from appointments.services.courses import SessionChoice, course_book, course_reflow_accept
from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.roles import Role
from messaging import compose, delivery
from messaging.models import Message, MessageKind, MessageStatus
from messaging.sms import LocmemSmsBackend
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import consult, patient, screen, staff
from tests.messaging.helpers import book

pytestmark = [pytest.mark.django_db, at_clinic_now]


def deliver_all() -> None:
    Message.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    delivery.deliver_batch(list(Message.objects.values_list("pk", flat=True)))


def calendar_part(email):
    (part,) = [p for p in email.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part


def events_of(email) -> list:
    return icalendar.Calendar.from_ical(calendar_part(email).get_content()).walk("VEVENT")


def received(smtp, kind_word: str):
    return [r.email for r in smtp.received if kind_word in r.email["Subject"]]


def local_date(moment, language: str) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(moment, zone()), "DATE_FORMAT")


def test_a_patients_move_sends_the_old_and_new_time_and_an_updated_calendar_entry(
    clinic, smtp_settings
):
    p = patient(preferred_language="en")
    screen(p)
    consult(p)
    old_start, new_start = local(days_ahead(3), 10), local(days_ahead(4), 15)
    appointment = book(clinic, p, old_start)
    deliver_all()
    (booked,) = received(smtp_settings, "Booked")
    (first_entry,) = events_of(booked)
    services.appointment_reschedule(
        actor=Actor(user=p.user), appointment=appointment, start=new_start
    )
    deliver_all()
    (moved,) = received(smtp_settings, "Moved")
    body = moved.get_body(("plain",)).get_content()
    assert local_date(old_start, "en") in body and "10:00" in body
    assert local_date(new_start, "en") in body and "15:00" in body
    assert body.index("10:00") < body.index("15:00")  # was, then now
    assert "/messages/link/" in body  # confirm and cancel the new time
    part = calendar_part(moved)
    assert part.get_param("method") == "PUBLISH"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert str(calendar["method"]) == "PUBLISH"
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == new_start
    assert str(entry["uid"]) == str(first_entry["uid"])
    assert int(entry["sequence"]) == int(first_entry["sequence"]) + 1
    assert str(entry["organizer"]).startswith("mailto:")


def test_moving_twice_tells_twice_with_a_rising_sequence(clinic, cleared, smtp_settings):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    desk = Actor(user=staff(Role.RECEPTION))
    for hour in (11, 12):
        services.appointment_reschedule(
            actor=desk, appointment=appointment, start=local(days_ahead(3), hour), reason="Room"
        )
    notices = Message.objects.filter(kind=MessageKind.MOVE).order_by("pk")
    assert [m.key for m in notices] == [f"move-{appointment.pk}-1", f"move-{appointment.pk}-2"]
    deliver_all()
    sequences = sorted(
        int(events_of(r.email)[0]["sequence"])
        for r in smtp_settings.received
        if r.email["Subject"].count("Перенесено")
    )
    assert sequences == [2, 2]  # each .ics is the entry as it is when sent: the latest
    assert len([r for r in smtp_settings.received if "Перенесено" in r.email["Subject"]]) == 2


def test_the_move_notice_goes_to_every_channel_the_patient_uses(clinic, smtp_settings):
    p = patient(remind_by_sms=True, phone="+380671234567", preferred_language="uk")
    screen(p)
    consult(p)
    appointment = book(clinic, p, local(days_ahead(3), 10))
    services.appointment_reschedule(
        actor=Actor(user=p.user), appointment=appointment, start=local(days_ahead(3), 14)
    )
    notices = Message.objects.filter(kind=MessageKind.MOVE)
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "sms"]
    LocmemSmsBackend.outbox.clear()
    deliver_all()
    sms_notice = notices.get(channel="sms")
    (sms,) = [s for s in LocmemSmsBackend.outbox if s.reference == compose.message_key(sms_notice)]
    assert "10:00" in sms.body and "14:00" in sms.body and "\n" not in sms.body
    assert all(m.status == MessageStatus.SENT for m in notices.all())


def test_a_failed_move_sends_nothing(clinic, cleared):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    with pytest.raises(Invalid):  # 03:00 is outside opening hours
        services.appointment_reschedule(
            actor=Actor(user=cleared.user), appointment=appointment, start=local(days_ahead(3), 3)
        )
    assert not Message.objects.filter(kind=MessageKind.MOVE).exists()
    appointment.refresh_from_db()
    assert appointment.sequence == 0


def test_the_cancellation_entry_is_a_cancel_with_a_higher_sequence(clinic, cleared, smtp_settings):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    services.appointment_cancel(actor=Actor(user=cleared.user), appointment=appointment)
    deliver_all()
    (email,) = [r.email for r in smtp_settings.received]
    assert calendar_part(email).get_param("method") == "CANCEL"
    (entry,) = events_of(email)
    assert int(entry["sequence"]) == 1 and str(entry["status"]) == "CANCELLED"
    assert str(entry["attendee"]) == f"mailto:{cleared.email}"


def test_a_course_move_sends_one_message_listing_every_change(clinic, smtp_settings):
    p = patient(preferred_language="en")
    screen(p)
    consultation = consult(p)
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
    sessions = list(course.appointments.order_by("start"))
    # The last three sessions an hour later, the others where they are.
    choices = [
        SessionChoice(start=a.start + timedelta(hours=1 if i >= 4 else 0))
        for i, a in enumerate(sessions)
    ]
    course_reflow_accept(actor=desk, course=course, choices=choices)
    (notice,) = Message.objects.filter(kind=MessageKind.MOVE)  # one, email only
    assert len(notice.context["changes"]) == 3
    deliver_all()
    (email,) = received(smtp_settings, "new times")
    body = email.get_body(("plain",)).get_content()
    for moved in sessions[4:]:
        assert local_date(moved.start, "en") in body
    assert body.count("10:00") == 3 and body.count("11:00") == 3
    entries = events_of(email)
    assert sorted(e.decoded("dtstart") for e in entries) == [
        a.start + timedelta(hours=1) for a in sessions[4:]
    ]
    assert {int(e["sequence"]) for e in entries} == {1}
