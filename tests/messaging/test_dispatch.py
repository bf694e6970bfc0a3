"""The beat sweep: due rows out in batches, once; lost tasks and dead claims recovered."""

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from celery import Celery
from django.db import connections, transaction
from django.utils import timezone

from messaging import dispatch
from messaging.models import Message, MessageKind, MessageStatus
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.conftest import RedisServer
from tests.factories import patient
from tests.messaging.helpers import desk_book

pytestmark = at_clinic_now


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """This process publishes to a throwaway Redis; the test reads its queue."""
    from clinic.celery import app as main

    app = Celery("clinic", broker=redis_server.url, set_as_current=False)
    app.conf.broker_transport_options = {"socket_connect_timeout": 1}
    app.set_current()
    yield redis.Redis(port=redis_server.port)
    main.set_current()
    app.close()


def queued(client: redis.Redis) -> int:
    return client.llen("celery")


def seven_due(clinic) -> list[int]:
    for hour in range(9, 16):
        desk_book(clinic, patient(), local(days_ahead(3), hour))
    return list(Message.objects.filter(kind=MessageKind.CONFIRMATION).values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_sweep_hands_due_rows_out_in_batches_and_only_once(clinic, broker, settings):
    settings.MESSAGES_BATCH_SIZE = 3
    ids = seven_due(clinic)
    result = dispatch.sweep()
    assert (result.dispatched, result.tasks) == (7, 3)
    assert queued(broker) == 3
    stamped = Message.objects.filter(pk__in=ids, dispatched_at__isnull=False).count()
    assert stamped == 7
    assert not Message.objects.filter(kind=MessageKind.REMINDER, dispatched_at__isnull=False)
    assert dispatch.sweep().dispatched == 0  # handed out already: not again
    later = timezone.now() + timedelta(seconds=settings.MESSAGES_REDISPATCH_SECONDS + 1)
    assert dispatch.sweep(later).dispatched == 7  # their tasks may be lost: handed out again


@pytest.mark.django_db
def test_the_sweep_takes_back_claims_of_a_dead_worker(clinic, broker, settings):
    ids = seven_due(clinic)
    old = timezone.now() - timedelta(seconds=settings.MESSAGES_CLAIM_LEASE_SECONDS + 1)
    Message.objects.filter(pk__in=ids[:2]).update(
        status=MessageStatus.SENDING, claim_token="dead", claimed_at=old, attempts=1
    )
    Message.objects.filter(pk=ids[2]).update(
        status=MessageStatus.SENDING, claim_token="dead", claimed_at=old, attempts=5
    )
    Message.objects.filter(pk=ids[3]).update(
        status=MessageStatus.SENDING, claim_token="alive", claimed_at=timezone.now(), attempts=1
    )
    result = dispatch.sweep()
    assert result.recovered == 3
    statuses = dict(Message.objects.filter(pk__in=ids[:4]).values_list("pk", "status"))
    assert [statuses[i] for i in ids[:4]] == ["pending", "pending", "failed", "sending"]
    assert result.dispatched == 7 - 2  # the failed one and the live claim stay out


@pytest.mark.django_db
def test_with_the_broker_down_the_sweep_fails_and_leaves_the_rows_to_the_next(
    clinic, broker, redis_server
):
    ids = seven_due(clinic)
    redis_server.stop()
    with pytest.raises(Exception):  # noqa: B017 (kombu's error type depends on the transport)
        dispatch.sweep()
    assert not Message.objects.filter(pk__in=ids, dispatched_at__isnull=False).exists()


@pytest.mark.slow
def test_two_sweeps_never_take_the_same_row(live_db, broker):
    clinic = build_clinic()
    ids = seven_due(clinic)
    locked, release = threading.Event(), threading.Event()

    def hold_two_rows() -> None:
        with transaction.atomic():
            list(Message.objects.select_for_update().filter(pk__in=ids[:2]))
            locked.set()
            release.wait(10)
        connections.close_all()

    other = threading.Thread(target=hold_two_rows)
    other.start()
    assert locked.wait(10)
    try:
        result = dispatch.sweep()  # does not wait for the locked rows, skips them
    finally:
        release.set()
        other.join()
    assert result.dispatched == 5
    assert not Message.objects.filter(pk__in=ids[:2], dispatched_at__isnull=False).exists()
    assert dispatch.sweep().dispatched == 2
