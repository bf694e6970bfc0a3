"""The whole path, for real: bookings -> outbox rows -> Celery beat sweep -> a worker
process -> a local SMTP server, counted where the mail arrives."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings

from appointments import services
from clinic import health
from clinic.audit import Actor
from clinic.roles import Role
from messaging import compose, delivery
from messaging.models import Message, MessageKind, MessageStatus
from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.conftest import wait_until
from tests.factories import api, consult, patient, screen, staff
from tests.messaging.conftest import message_text
from tests.messaging.helpers import book, desk_book, local_clock, make_all_due, reminders

pytestmark = pytest.mark.slow


def cleared_patient(**kwargs):
    p = patient(**kwargs)
    screen(p)
    consult(p)
    return p


def wait_for(outbox, count: int, timeout: float = 45.0) -> None:
    ok = wait_until(lambda: outbox.smtp.count() >= count, timeout=timeout, interval=0.05)
    assert ok, f"{outbox.smtp.count()} of {count} arrived\n{outbox.log()}"


def settle(outbox, seconds: float = 5.0) -> None:
    """Longer than a claim lease plus a re-dispatch: time for any duplicate to show up."""
    time.sleep(seconds)


def kinds_by_patient(outbox) -> dict[str, list[tuple[str, int]]]:
    rows = {compose.message_id(m): m for m in Message.objects.all()}
    out: dict[str, list[tuple[str, int]]] = {}
    for received in outbox.smtp.received:
        row = rows[received.message_id]
        out.setdefault(received.to[0], []).append((row.kind, row.offset_minutes))
    return {k: sorted(v) for k, v in out.items()}


def test_bookings_go_out_once_moved_and_cancelled_ones_as_they_are_now(outbox):
    clinic = build_clinic()
    anna, olga, ivan, petro = (cleared_patient() for _ in range(4))
    # Anna books 30 hours ahead: one 24 h and one 2 h reminder, at 14:00 local the day
    # before and at 12:00 on the day. (No time-machine here: the worker process would not
    # see it. The day is taken once, so a run across midnight agrees with itself.)
    day = days_ahead(2)
    start = local(day, 14)
    a = book(clinic, anna, start, now=start - timedelta(hours=30))
    assert {o: local_clock(m.due_at) for o, m in reminders(a).items()} == {
        1440: f"{day - timedelta(days=1)} 14:00",
        120: f"{day} 12:00",
    }
    # Olga's session moves: her reminders follow it, and she is told of the move.
    o = book(clinic, olga, local(days_ahead(4), 10))
    moved_to = local(days_ahead(5), 16)
    services.appointment_reschedule(actor=Actor(user=olga.user), appointment=o, start=moved_to)
    # Ivan cancels: his reminders are void, only the cancellation notice goes.
    i = book(clinic, ivan, local(days_ahead(4), 12))
    services.appointment_cancel(actor=Actor(user=ivan.user), appointment=i)
    # Petro's booking is rolled back: nothing at all.
    with pytest.raises(RuntimeError), transaction.atomic():
        book(clinic, petro, local(days_ahead(4), 15))
        raise RuntimeError("rolled back")
    assert make_all_due() == 3 + 4 + 1  # travel in time: every pending message is due now
    outbox.start()
    wait_for(outbox, 8)
    settle(outbox)
    assert outbox.smtp.count() == 8
    assert max(outbox.smtp.per_message_id().values()) == 1
    assert kinds_by_patient(outbox) == {
        anna.email: [("confirmation", 0), ("reminder", 120), ("reminder", 1440)],
        olga.email: [("confirmation", 0), ("move", 0), ("reminder", 120), ("reminder", 1440)],
        ivan.email: [("cancellation", 0)],
    }
    olga_reminders = [
        r.email.get_body(("plain",)).get_content()
        for r in outbox.smtp.received
        if r.to[0] == olga.email
    ]
    assert all("16:00" in body for body in olga_reminders)
    assert set(Message.objects.values_list("status", flat=True)) == {
        MessageStatus.SENT,
        MessageStatus.VOID,
    }


def book_many(clinic, count: int) -> list:
    """`count` consultations over the next days, through the booking service."""
    booked, day, hour = [], 2, 9
    while len(booked) < count:
        for _ in range(len(clinic.practitioners)):
            booked.append(
                desk_book(clinic, patient(with_login=False), local(days_ahead(day), hour))
            )
        hour += 1
        if hour >= 17:
            day, hour = day + 1, 9
    return booked[:count]


KILLS, KILL_EVERY = 3, 25  # rounds; arrivals from a worker's start to its SIGKILL


def test_200_messages_survive_killed_workers_and_a_redis_restart_and_none_is_lost(outbox):
    """The fault test of the issue: 200 due messages; the worker SIGKILLed mid-batch, in
    the middle of a message, and started again, three rounds; Redis restarted once. All
    200 arrive. A message may arrive twice (delivery is at-least-once), only as a copy of
    itself: the same Message-ID, which belongs to one outbox row, and the same text. The
    duplicates are counted and reported."""
    clinic = build_clinic(practitioners=5, rooms=5)
    book_many(clinic, 200)  # 200 confirmations due now (their reminders are not)
    confirmations = Message.objects.filter(kind=MessageKind.CONFIRMATION)
    assert confirmations.count() == 200
    outbox.smtp.delay = 0.02  # a server that takes 20 ms to store a message
    armed_at: list[int] = []  # arrivals when the round's worker had started
    kills: list[int] = []

    def kill_mid_message(count: int) -> None:
        # While the worker waits for the server's reply to the message it just sent.
        if len(armed_at) > len(kills) and count >= armed_at[-1] + KILL_EVERY:
            outbox.worker.kill()
            kills.append(count)

    outbox.smtp.on_accept = kill_mid_message
    outbox.start()
    stranded = []
    for round_ in range(KILLS):
        armed_at.append(outbox.smtp.count())
        killed = wait_until(lambda n=round_: len(kills) > n, timeout=45)
        assert killed, f"round {round_}: {outbox.smtp.count()} arrived, killed at {kills}"
        stranded.append(confirmations.filter(status=MessageStatus.SENDING).count())
        # The next round counts from here: nothing arrives until this worker is up.
        outbox.worker.start(wait=False)
    resumed = len(outbox.smtp.per_message_id())
    arrived = wait_until(lambda: len(outbox.smtp.per_message_id()) >= resumed + 10, timeout=60)
    assert arrived, f"{outbox.smtp.count()} arrived, killed at {kills}\n{outbox.log()}"
    at_redis_restart = len(outbox.smtp.per_message_id())  # while the last worker delivers
    outbox.redis.stop()  # the broker goes away with every queued task ...
    time.sleep(1)
    outbox.redis.start()  # ... and comes back empty
    wait_until(lambda: not confirmations.exclude(status=MessageStatus.SENT).exists(), 60)
    settle(outbox)
    received = outbox.smtp.received
    rows = {compose.message_id(m): m for m in confirmations}
    copies: dict[str, list] = {}
    for r in received:
        copies.setdefault(r.message_id, []).append(r)
    duplicates, lost = len(received) - len(copies), set(rows) - set(copies)
    report = (
        f"duplicates seen: {duplicates} of {len(received)} arrived; lost: {len(lost)} of "
        f"{len(rows)} messages; killed at arrivals {kills} with {stranded} claimed rows "
        f"stranded; Redis restarted at {at_redis_restart}"
    )
    print(f"\nfault test: {report}")
    assert all(stranded), report  # each kill left claimed rows behind
    assert at_redis_restart < len(rows), report
    assert lost == set(), report
    assert set(copies) - set(rows) == set(), f"a Message-ID of no outbox row; {report}"
    for message_id, same in copies.items():  # a duplicate is a copy of its first
        first, *others = same
        for other in others:
            assert other.to == first.to, message_id
            assert message_text(other.email) == message_text(first.email), message_id
    # Each kill came while the server took a message not yet recorded: it went again. A
    # kill repeats at most the groups in flight (one per worker process); nothing else
    # (the Redis restart, a lease running out) sends a message twice.
    most = len(kills) * 2 * delivery.RECORD_EVERY
    assert len(kills) <= duplicates <= most, report
    assert set(confirmations.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_bookings_work_while_redis_is_down_and_their_messages_go_out_when_it_is_back(outbox):
    clinic = build_clinic()
    p = cleared_patient()
    outbox.redis.stop()
    with override_settings(REDIS_URL=outbox.redis.url):
        assert not health.check_redis().ok
        started = time.monotonic()
        response = api(staff(Role.RECEPTION)).post(
            "/api/appointments/",
            {
                "treatment": clinic.face.pk,
                "patient": p.pk,
                "start": local(days_ahead(3), 10).isoformat(),
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 2  # no waiting for a broker
    assert Message.objects.filter(status=MessageStatus.PENDING).count() == 3
    outbox.redis.start()
    outbox.start()
    wait_for(outbox, 1)
    settle(outbox, 2)
    assert outbox.smtp.count() == 1
    assert Message.objects.get(kind=MessageKind.CONFIRMATION).status == MessageStatus.SENT
