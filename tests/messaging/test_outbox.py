"""The outbox rows: created with the change that causes them, moved, voided, never twice."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments import services
from appointments.calendar import zone
from clinic.audit import Actor
from clinic.errors import Conflict
from clinic.roles import Role
from messaging import outbox, timing
from messaging.models import Message, MessageChannel, MessageKind, MessageStatus
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import consult, patient, screen, staff
from tests.messaging.helpers import (
    attend,
    book,
    consult_with_home_care,
    desk_book,
    local_clock,
    reminders,
)

pytestmark = [pytest.mark.django_db, at_clinic_now]


def test_a_booking_30_hours_ahead_gets_one_24h_and_one_2h_reminder_at_the_right_local_times(
    clinic, cleared
):
    start = local(days_ahead(2), 14)
    now = start - timedelta(hours=30)
    appointment = book(clinic, cleared, start, now=now)
    rows = Message.objects.filter(appointment=appointment)
    assert sorted((m.kind, m.offset_minutes, m.channel) for m in rows) == [
        ("confirmation", 0, "email"),
        ("reminder", 120, "email"),
        ("reminder", 1440, "email"),
    ]
    due = reminders(appointment)
    assert due[1440].due_at == start - timedelta(hours=24)
    assert due[120].due_at == start - timedelta(hours=2)
    assert local_clock(due[120].due_at) == f"{days_ahead(2)} 12:00"
    assert all(m.status == MessageStatus.PENDING for m in rows)
    assert all(m.next_attempt_at == m.due_at for m in rows)
    confirmation = rows.get(kind=MessageKind.CONFIRMATION)
    assert confirmation.due_at == now  # at once


def test_a_rolled_back_booking_leaves_no_message(clinic, cleared):
    with pytest.raises(RuntimeError), transaction.atomic():
        book(clinic, cleared, local(days_ahead(3), 10))
        assert Message.objects.count() == 3  # written in the booking's transaction...
        raise RuntimeError("the caller's transaction fails after the booking")
    assert not Message.objects.exists()  # ...and gone with it


def test_a_booking_refused_by_the_database_leaves_no_message(clinic, cleared):
    other = patient()
    screen(other)
    consult(other)
    start = local(days_ahead(3), 10)
    first = book(clinic, cleared, start)
    with pytest.raises(Conflict):
        book(clinic, other, start)  # the only device is taken
    assert set(Message.objects.values_list("appointment_id", flat=True)) == {first.pk}
    assert not Message.objects.filter(patient=other).exists()


def test_the_database_refuses_a_second_message_of_the_same_kind(clinic, cleared):
    appointment = book(clinic, cleared, local(days_ahead(3), 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            patient=cleared,
            appointment=appointment,
            kind=MessageKind.REMINDER,
            offset_minutes=1440,
            channel=MessageChannel.EMAIL,
            due_at=timezone.now(),
            next_attempt_at=timezone.now(),
        )
    outbox.on_booked(appointment)  # a hook run twice is harmless
    assert Message.objects.filter(appointment=appointment).count() == 3


def test_rescheduling_moves_pending_reminders_and_keeps_a_sent_one_sent(clinic, cleared):
    appointment = book(clinic, cleared, local(days_ahead(5), 10))
    sent = reminders(appointment)[1440]
    Message.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT, sent_at=timezone.now())
    new_start = local(days_ahead(7), 11)
    services.appointment_reschedule(
        actor=Actor(user=cleared.user), appointment=appointment, start=new_start
    )
    moved = reminders(appointment)
    assert moved[120].due_at == new_start - timedelta(hours=2)
    assert moved[120].status == MessageStatus.PENDING
    assert moved[1440].status == MessageStatus.SENT  # at most once: not repeated
    assert moved[1440].due_at == sent.due_at


def test_rescheduling_takes_back_a_claimed_reminder_and_revives_a_voided_one(clinic, cleared):
    appointment = book(clinic, cleared, local(days_ahead(5), 10))
    day_before, two_hours = reminders(appointment)[1440], reminders(appointment)[120]
    Message.objects.filter(pk=day_before.pk).update(
        status=MessageStatus.SENDING, claim_token="abc", claimed_at=timezone.now(), attempts=1
    )
    Message.objects.filter(pk=two_hours.pk).update(status=MessageStatus.VOID)
    new_start = local(days_ahead(6), 15)
    services.appointment_reschedule(
        actor=Actor(user=cleared.user), appointment=appointment, start=new_start
    )
    for offset, row in reminders(appointment).items():
        assert row.status == MessageStatus.PENDING
        assert row.claim_token == "" and row.attempts == 0
        assert row.due_at == new_start - timedelta(minutes=offset)


def test_moving_a_session_closer_skips_reminders_whose_time_has_passed(clinic, cleared):
    appointment = desk_book(clinic, cleared, local(days_ahead(5), 10), treatment=clinic.face)
    now = local(days_ahead(2), 9)
    new_start = local(days_ahead(2), 15)  # six hours ahead: the 24 h reminder is too late
    services.appointment_reschedule(
        actor=Actor(user=staff(Role.RECEPTION)),
        appointment=appointment,
        start=new_start,
        reason="Doctor's schedule",
        now=now,
    )
    rows = reminders(appointment)
    assert rows[1440].status == MessageStatus.SKIPPED
    assert rows[120].status == MessageStatus.PENDING
    assert rows[120].due_at == local(days_ahead(2), 13)


def test_cancelling_voids_reminders_and_queues_the_notice(clinic, cleared):
    appointment = book(clinic, cleared, local(days_ahead(5), 10))
    services.appointment_cancel(
        actor=Actor(user=cleared.user), appointment=appointment, reason="Travelling"
    )
    rows = {m.kind: m for m in Message.objects.filter(appointment=appointment, offset_minutes=0)}
    assert all(m.status == MessageStatus.VOID for m in reminders(appointment).values())
    assert rows[MessageKind.CONFIRMATION].status == MessageStatus.VOID  # not yet gone: never
    assert rows[MessageKind.CANCELLATION].status == MessageStatus.PENDING


def test_a_patient_with_sms_on_gets_sms_rows_too(clinic):
    p = patient(remind_by_sms=True)
    appointment = desk_book(clinic, p, local(days_ahead(3), 10))
    channels = Message.objects.filter(appointment=appointment).values_list("channel", flat=True)
    assert sorted(channels) == ["email"] * 3 + ["sms"] * 3


def test_a_patient_with_every_channel_off_gets_no_rows(clinic):
    p = patient(remind_by_email=False, remind_by_sms=False)
    desk_book(clinic, p, local(days_ahead(3), 10))
    assert not Message.objects.exists()


def test_completing_a_session_queues_the_home_care_advice_of_the_plan(clinic):
    p = patient()
    screen(p)
    consult_with_home_care(p, "No sauna for two days; drink water.")
    # Three days ahead: both reminders (24 h and 2 h before) are still pending when the
    # booking is made, whatever the hour the test runs at (a session tomorrow morning,
    # booked in the afternoon, has its 24 h reminder skipped as too late).
    appointment = desk_book(clinic, p, local(days_ahead(3), 10), treatment=clinic.face)
    assert {m.status for m in reminders(appointment).values()} == {MessageStatus.PENDING}
    attend(appointment, now=local(days_ahead(3), 11))
    advice = Message.objects.get(appointment=appointment, kind=MessageKind.HOME_CARE)
    assert advice.context == {"advice": "No sauna for two days; drink water."}
    assert advice.due_at == local(days_ahead(3), 11)
    assert all(m.status == MessageStatus.VOID for m in reminders(appointment).values())


def test_home_care_after_an_evening_session_waits_for_the_morning(clinic):
    p = patient()
    screen(p)
    consult_with_home_care(p, "Moisturise.")
    appointment = desk_book(clinic, p, local(days_ahead(1), 10), treatment=clinic.face)
    late = local(days_ahead(1), 22, 30)
    attend(appointment, now=late)
    advice = Message.objects.get(appointment=appointment, kind=MessageKind.HOME_CARE)
    assert advice.due_at == local(days_ahead(2), 8)


def test_a_waitlist_offer_is_queued_once_per_key(clinic, cleared):
    start = local(days_ahead(2), 10)
    for _ in range(2):
        rows = outbox.enqueue_waitlist_offer(
            patient=cleared,
            treatment=clinic.face,
            start=start,
            key="waitlist-offer-7",
            expires_at=timezone.now() + timedelta(hours=2),
        )
    assert len(rows) == 1
    assert rows[0].kind == MessageKind.WAITLIST_OFFER and rows[0].appointment_id is None
    assert rows[0].context["start"] == start.isoformat()


# --- the timing rules, on plain times -----------------------------------------------------


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone())


QUIET = (time(21), time(8))


def test_a_reminder_due_in_quiet_hours_goes_before_them_not_after():
    day = date(2026, 6, 10)
    session = at(day, 9)
    assert timing.reminder_due(session, 120, *QUIET) == at(day - timedelta(days=1), 20, 45)
    assert timing.reminder_due(session, 24 * 60, *QUIET) == at(day - timedelta(days=1), 9)
    late = at(day, 23)  # a session at 23:00: its 2 h reminder at 21:00 moves to 20:45
    assert timing.reminder_due(late, 120, *QUIET) == at(day, 20, 45)


def test_quiet_hours_that_do_not_cross_midnight_and_none_at_all():
    lunch = (time(13), time(14))
    assert timing.before_quiet_hours(at(date(2026, 6, 10), 13, 30), *lunch) == at(
        date(2026, 6, 10), 12, 45
    )
    assert timing.after_quiet_hours(at(date(2026, 6, 10), 13, 30), *lunch) == at(
        date(2026, 6, 10), 14
    )
    nothing = (time(0), time(0))
    assert timing.before_quiet_hours(at(date(2026, 6, 10), 3), *nothing) == at(date(2026, 6, 10), 3)


def test_quiet_hours_on_the_daylight_saving_night_keep_the_local_clock():
    # Kyiv moves its clocks from 03:00 to 04:00 on 28 March 2027.
    dst_day = date(2027, 3, 28)
    session = at(dst_day, 9)
    due = timing.reminder_due(session, 120, *QUIET)
    assert due == at(dst_day - timedelta(days=1), 20, 45)
    assert due.utcoffset() != session.utcoffset()  # winter time before, summer time after
    assert timing.after_quiet_hours(at(dst_day, 2, 30), *QUIET) == at(dst_day, 8)


def test_retries_back_off():
    waits = [timing.retry_backoff(n, 60).total_seconds() for n in range(1, 7)]
    assert waits == [60, 240, 960, 3840, 15360, 6 * 3600]
