"""The calendar configuration is right everywhere at once: any committed change, by any
path, moves the version, and the next request loads it; a booking is validated against
the configuration committed when it commits (the version is locked FOR SHARE)."""

from __future__ import annotations

import threading
import time
from datetime import time as clock

import pytest
from django.db import connection, connections, transaction

from appointments.calendar import calendar_config, calendar_snapshot, locked_calendar_config
from appointments.models import CalendarVersion, ClinicPolicy, Closure, OpeningHours
from appointments.services import appointment_book
from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import api, patient, staff

pytestmark = at_clinic_now


def version() -> int:
    return CalendarVersion.objects.get(pk=1).version


@pytest.mark.django_db
def test_every_kind_of_change_moves_the_version_and_the_next_read_sees_it():
    build_clinic(practitioners=1)
    before = calendar_config()
    day = days_ahead(3)

    Closure.objects.create(start_date=day, end_date=day, reason="Inventory")  # a save
    assert day in calendar_config().closed_days
    Closure.objects.filter(start_date=day).update(reason="Stock-take")  # no signal fires
    assert calendar_config().closure_reasons[day] == "Stock-take"
    ClinicPolicy.objects.filter(pk=1).update(booking_horizon_days=7)
    assert calendar_config().policy.booking_horizon_days == 7
    with connection.cursor() as cursor:  # raw SQL, as a shell or another app would
        cursor.execute("UPDATE appointments_openinghours SET start = '12:00'")
    assert {s for spans in calendar_config().opening.values() for s, _ in spans} == {clock(12)}
    assert calendar_config().version != before.version


@pytest.mark.django_db
def test_a_change_rolled_back_to_a_savepoint_leaves_no_trace_in_the_snapshot():
    build_clinic(practitioners=1)
    day = days_ahead(3)
    with transaction.atomic():
        Closure.objects.create(start_date=day, end_date=day, reason="Maybe")
        assert day in calendar_config().closed_days
        transaction.set_rollback(True)
    assert day not in calendar_config().closed_days


def test_no_change_costs_one_small_query_per_request(db, django_assert_num_queries):
    build_clinic(practitioners=1)
    client = api()
    q = {"treatment": 1, "start": str(days_ahead(2)), "end": str(days_ahead(2))}
    client.get("/api/availability/", q)
    with django_assert_num_queries(2) as queries:  # the version, then the busy ranges
        client.get("/api/availability/", q)
    assert "appointments_calendarversion" in queries.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_the_snapshot_is_used_for_display_without_a_query(django_assert_num_queries):
    build_clinic(practitioners=1)
    loaded = calendar_config()
    with django_assert_num_queries(0):
        assert calendar_snapshot() is loaded


def test_locking_the_configuration_needs_a_transaction(live_db):
    with pytest.raises(transaction.TransactionManagementError):
        locked_calendar_config()


@pytest.mark.slow
def test_a_closure_committing_during_a_booking_is_waited_for_and_refuses_it(live_db):
    """The closure's transaction has moved the version but not committed when the booking
    starts: the booking waits for it, then sees the closure and refuses, naming it."""
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    desk = staff(Role.RECEPTION)
    who = patient(with_login=False)
    day = days_ahead(4)
    calendar_config()  # this process's snapshot is from before the closure
    closing, closed = threading.Event(), threading.Event()

    def close_the_day() -> None:
        try:
            with transaction.atomic():
                Closure.objects.create(start_date=day, end_date=day, reason="Burst pipe")
                closing.set()
                time.sleep(1.0)  # the booking starts meanwhile and must wait
            closed.set()
        finally:
            connections.close_all()

    admin = threading.Thread(target=close_the_day)
    admin.start()
    assert closing.wait(10)
    started = time.monotonic()
    with pytest.raises(Invalid) as refused:
        appointment_book(
            actor=Actor(user=desk),
            patient=who,
            treatment=clinic.consultation,
            start=local(day, 10),
        )
    admin.join(10)
    assert closed.is_set()
    assert time.monotonic() - started > 0.5  # it waited for the closure to commit
    assert "closed" in str(refused.value) and "Burst pipe" in str(refused.value)
    assert refused.value.fields == {"start": [str(refused.value)]}


@pytest.mark.slow
def test_a_change_waits_for_a_booking_that_holds_the_lock(live_db):
    """The other order: a booking transaction holds the version; a change of opening
    hours commits only after it, so the booking was valid when it committed."""
    build_clinic(practitioners=1)
    holding = threading.Event()
    changed_at: list[float] = []

    def change_hours() -> None:
        try:
            assert holding.wait(10)
            OpeningHours.objects.update(start=clock(12))
            changed_at.append(time.monotonic())
        finally:
            connections.close_all()

    changer = threading.Thread(target=change_hours)
    changer.start()
    with transaction.atomic():
        locked_calendar_config()
        holding.set()
        time.sleep(1.0)
        committed_at = time.monotonic()
    changer.join(10)
    assert changed_at and changed_at[0] >= committed_at
    assert calendar_config().opening  # and the change is there now
    assert {s for spans in calendar_config().opening.values() for s, _ in spans} == {clock(12)}
