"""Availability: properties (hypothesis), daylight-saving days, and query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments.availability import free_slots
from appointments.calendar import local_date, zone
from appointments.models import Appointment, ClinicPolicy, Closure, WorkingException
from appointments.services import appointment_book
from clinic.audit import Actor
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import api, consult, patient, screen, staff, token_api

pytestmark = at_clinic_now

WORK = (time(9), time(18))


@pytest.fixture
def clinic(db):
    return build_clinic(practitioners=2, rooms=1, devices=1)


def _book(user, p, treatment, start, practitioner=None):
    return appointment_book(
        actor=Actor(user=user),
        patient=p,
        treatment=treatment,
        start=start,
        practitioner_id=practitioner,
    )


def _rolled_back(fn):
    """Run fn in a savepoint that is always rolled back: each example starts clean (and
    the calendar snapshot sees it: a rolled-back change leaves a version never used)."""
    with transaction.atomic():
        fn()
        transaction.set_rollback(True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day_offset=st.integers(1, 20), pick=st.integers(0, 10_000), device=st.booleans())
def test_every_offered_slot_can_be_booked_and_then_no_offered_slot_overlaps_it(
    clinic, day_offset, pick, device
):
    """One room and one device are shared by both practitioners, so after a booking no
    slot of anybody may overlap its blocked range (session plus cleanup buffer)."""
    desk = staff(Role.RECEPTION)
    treatment = clinic.face if device else clinic.consultation

    def example():
        day = days_ahead(day_offset)
        slots = free_slots(treatment=treatment, start=day, end=day, staff=True)
        assert slots  # an empty working day in the clinic
        chosen = slots[pick % len(slots)]
        p = patient(with_login=False)
        if device:
            screen(p)
            consult(p)
        a = _book(desk, p, treatment, chosen.start, chosen.practitioner)
        assert (a.start, a.practitioner_id) == (chosen.start, chosen.practitioner)
        buffer = a.blocked_until - a.end
        after = free_slots(treatment=treatment, start=day, end=day, staff=True)
        assert chosen not in after
        for s in after:
            assert s.end + buffer <= a.start or s.start >= a.blocked_until, (s, a.start)

    _rolled_back(example)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    closed_offset=st.integers(1, 14), off_offset=st.integers(1, 14), notice_hours=st.integers(0, 30)
)
def test_nothing_is_offered_in_a_closure_outside_hours_or_inside_the_notice(
    clinic, closed_offset, off_offset, notice_hours
):
    def example():
        closed = days_ahead(closed_offset)
        Closure.objects.create(start_date=closed, end_date=closed, reason="Holiday")
        WorkingException.objects.create(
            practitioner=clinic.practitioners[0], date=days_ahead(off_offset), kind="off"
        )
        ClinicPolicy.objects.filter(id=1).update(patient_min_notice_minutes=notice_hours * 60)
        now = timezone.now()
        slots = free_slots(treatment=clinic.consultation, start=days_ahead(0), end=days_ahead(15))
        assert slots
        for s in slots:
            day = local_date(s.start)
            assert day != closed
            assert not (
                day == days_ahead(off_offset) and s.practitioner == clinic.practitioners[0].pk
            )
            local_start, local_end = s.start.astimezone(zone()), s.end.astimezone(zone())
            assert WORK[0] <= local_start.time() and local_end.time() <= WORK[1]
            assert local_start.date() == local_end.date()
            assert s.start >= now + timedelta(hours=notice_hours)
            assert local_start.minute % 15 == 0

    _rolled_back(example)


# --- Daylight saving (Europe/Kyiv: 2027-03-28 03:00 -> 04:00, 2027-10-31 04:00 -> 03:00) ----


def a_month_before(day: date) -> datetime:
    """The clock of a test about `day`: the days around it are ahead, whatever the date."""
    return local(day - timedelta(days=30), 10).astimezone(UTC)


@pytest.mark.parametrize(
    "change_day", [date(2027, 3, 28), date(2027, 10, 31)], ids=["spring", "autumn"]
)
def test_a_ten_oclock_session_stays_at_ten_on_both_sides_of_the_change(
    db, time_machine, change_day
):
    time_machine.move_to(a_month_before(change_day))
    clinic = build_clinic(practitioners=1, rooms=2, devices=1, booking_horizon_days=800)
    desk = staff(Role.RECEPTION)
    client = token_api(desk)
    for day in (change_day - timedelta(days=1), change_day, change_day + timedelta(days=1)):
        p = patient(with_login=False)
        start = datetime.combine(day, time(10), tzinfo=zone())
        response = client.post(
            "/api/appointments/",
            {"treatment": clinic.consultation.pk, "patient": p.pk, "start": start.isoformat()},
            format="json",
        )
        assert response.status_code == 201, response.content
        a = Appointment.objects.get(pk=response.json()["id"])
        assert a.start.astimezone(zone()).time() == time(10)
        assert response.json()["start"].startswith(f"{day.isoformat()}T10:00:00")
    offsets = {a.start.astimezone(zone()).utcoffset() for a in Appointment.objects.all()}
    assert len(offsets) == 2  # the UTC time differs across the change; the local time does not


@pytest.mark.parametrize(
    "change_day", [date(2027, 3, 28), date(2027, 10, 31)], ids=["spring", "autumn"]
)
def test_availability_on_a_change_day_has_the_usual_number_of_slots(db, time_machine, change_day):
    time_machine.move_to(a_month_before(change_day))
    clinic = build_clinic(practitioners=1, rooms=1, devices=1, booking_horizon_days=800)
    counts = {
        day: len(free_slots(treatment=clinic.consultation, start=day, end=day))
        for day in (change_day - timedelta(days=1), change_day, change_day + timedelta(days=1))
    }
    # 09:00-18:00 local, 30-minute consultations on a 15-minute grid: 09:00 ... 17:30.
    assert set(counts.values()) == {35}, counts
    slots = free_slots(treatment=clinic.consultation, start=change_day, end=change_day)
    assert slots[0].start.astimezone(zone()).time() == time(9)
    assert slots[-1].start.astimezone(zone()).time() == time(17, 30)


# --- Query counts ---------------------------------------------------------------------------


def test_availability_takes_a_fixed_small_number_of_queries(clinic, django_assert_max_num_queries):
    client = api()
    q = {"treatment": clinic.face.pk, "start": str(days_ahead(1)), "end": str(days_ahead(14))}
    client.get("/api/availability/", q)  # loads the calendar configuration once
    # Then each request: the configuration's version (unchanged), the busy ranges.
    with django_assert_max_num_queries(2) as few:
        first = client.get("/api/availability/", q)
    assert first.status_code == 200 and first.json()["slots"]
    desk = staff(Role.RECEPTION)
    for i in range(1, 8):
        _book(desk, patient(with_login=False), clinic.consultation, local(days_ahead(i), 10))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/availability/", q)


def test_the_appointment_list_takes_the_same_queries_for_3_or_30_rows(
    clinic, django_assert_max_num_queries
):
    desk = staff(Role.RECEPTION)
    client = token_api(desk)
    for i in range(3):
        _book(desk, patient(with_login=False), clinic.consultation, local(days_ahead(1 + i), 10))
    client.get("/api/appointments/")
    with django_assert_max_num_queries(4) as few:
        assert len(client.get("/api/appointments/").json()["results"]) == 3
    for i in range(27):
        _book(
            desk,
            patient(with_login=False),
            clinic.consultation,
            local(days_ahead(4 + i % 20), 11 + i // 20),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/appointments/").json()["results"]) == 30


def test_booking_takes_at_most_eight_queries(clinic):
    desk = staff(Role.RECEPTION)
    client = token_api(desk)
    p = patient(with_login=False)
    client.get(
        "/api/availability/",
        {
            "treatment": clinic.consultation.pk,
            "start": str(days_ahead(1)),
            "end": str(days_ahead(1)),
        },
    )
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/appointments/",
            {
                "treatment": clinic.consultation.pk,
                "patient": p.pk,
                "start": local(days_ahead(2), 10).isoformat(),
            },
            format="json",
        )
    assert response.status_code == 201
    # Counted as the benchmark counts row W: the test's transaction wraps the booking's
    # atomic block in a SAVEPOINT and its RELEASE, where production has BEGIN and COMMIT,
    # which are no queries. The token check is 1 of them.
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) <= 8, sql
