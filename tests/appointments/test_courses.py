"""Courses: planned and booked whole, all or none, re-flowed after a miss."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta
from itertools import pairwise

import pytest
from django.db import connection
from django.utils import timezone

from appointments.calendar import local_date, zone
from appointments.models import Appointment, Course, Status
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import consult, patient, screen, staff, token_api, treatment

pytestmark = at_clinic_now

MASSAGE = "microcurrent-massage-face"


def next_weekday(weekday: int, after: int = 2) -> date:
    day = days_ahead(after)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def ready_patient(slug: str = MASSAGE, sessions: int = 20):
    p = patient(with_login=False)
    screen(p)
    return p, consult(p, plans={slug: sessions})


def plan(client, p, slug=MASSAGE, sessions=20, weekdays=(0, 3), at="10:00", start=None, **extra):
    body = {
        "patient": p.pk,
        "treatment": treatment(slug).pk,
        "sessions": sessions,
        "weekdays": list(weekdays),
        "time": at,
        "start_date": str(start or next_weekday(0)),
        **extra,
    }
    return client.post("/api/courses/plan/", body, format="json")


def book_course(
    client, p, c, planned: dict, slug=MASSAGE, weekdays=(0, 3), at="10:00", start=None, **extra
):
    body = {
        **extra,
        "patient": p.pk,
        "treatment": treatment(slug).pk,
        "consultation": c.pk,
        "weekdays": list(weekdays),
        "time": at,
        "start_date": str(start or next_weekday(0)),
        "sessions": [
            {"start": s["start"], "practitioner": s["practitioner"]} for s in planned["sessions"]
        ],
    }
    return client.post("/api/courses/", body, format="json")


def weekly_counts(days: list[date]) -> list[int]:
    first, counts = days[0], []
    while first + timedelta(days=7) <= days[-1]:
        counts.append(sum(first <= d < first + timedelta(days=7) for d in days))
        first += timedelta(days=7)
    return counts


@pytest.fixture
def desk(db):
    build_clinic(practitioners=2, rooms=2, devices=1)
    return token_api(staff(Role.RECEPTION))


def test_a_twenty_session_massage_course_is_planned_and_booked_in_one_call(desk):
    p, c = ready_patient()
    proposal = plan(desk, p)
    assert proposal.status_code == 200, proposal.content
    planned = proposal.json()
    assert planned["complete"] and len(planned["sessions"]) == 20
    response = book_course(desk, p, c, planned)
    assert response.status_code == 201, response.content
    course = Course.objects.get(pk=response.json()["id"])
    sessions = list(course.appointments.order_by("start"))
    assert len(sessions) == 20 and course.planned_sessions == 20
    days = [local_date(a.start) for a in sessions]
    assert all((b - a).days >= 1 for a, b in pairwise(days))
    assert min(weekly_counts(days)) >= 2  # "at least twice a week" (seed 003)
    assert {d.weekday() for d in days} == {0, 3}
    assert all(a.start.astimezone(zone()).time() == time(10) for a in sessions)
    assert all(a.device_id and a.room_id and a.status == Status.BOOKED for a in sessions)
    progress = response.json()["progress"]
    assert progress == {
        "planned": 20,
        "done": 0,
        "missed": 0,
        "booked": 20,
        "remaining": 20,
        "completed": False,
    }


def test_a_taken_time_is_reported_with_the_nearest_alternatives(desk):
    p, _c = ready_patient()
    other, _ = ready_patient()
    first_monday = next_weekday(0)
    desk.post(
        "/api/appointments/",
        {
            "treatment": treatment(MASSAGE).pk,
            "patient": other.pk,
            "start": local(first_monday, 10).isoformat(),
        },
        format="json",
    )
    planned = plan(desk, p).json()
    assert not planned["complete"]
    [gap] = planned["unplaced"]
    assert gap["index"] == 0 and gap["wanted"].startswith(f"{first_monday}T10:00")
    assert len(gap["alternatives"]) == 3  # the nearest free times that day
    assert all(a["start"].startswith(str(first_monday)) for a in gap["alternatives"])


def test_a_course_with_one_impossible_session_books_nothing_and_names_the_conflict(desk):
    p, c = ready_patient()
    planned = plan(desk, p).json()
    other, _ = ready_patient()
    taken = planned["sessions"][5]
    desk.post(
        "/api/appointments/",
        {"treatment": treatment(MASSAGE).pk, "patient": other.pk, "start": taken["start"]},
        format="json",
    )
    before = Appointment.objects.count()
    response = book_course(desk, p, c, planned)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "course_conflict"
    assert [s["index"] for s in error["sessions"]] == [5]
    assert error["sessions"][0]["start"] == taken["start"]
    assert Appointment.objects.count() == before
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sessions": 25}, "sessions"),
        ({"sessions": 5}, "sessions"),
        ({"weekdays": [2]}, "weekdays"),  # massage: at least twice a week
        ({"weekdays": [1, 1]}, "weekdays"),
        ({"weekdays": [0, 9]}, "weekdays"),
        ({"time": "25:00"}, "time"),
        ({"treatment": 99999}, "treatment"),
    ],
)
def test_bad_course_requests_get_a_400_naming_the_field(desk, overrides, field):
    p, _ = ready_patient()
    body = {"sessions": 20, "weekdays": [0, 3], "time": "10:00", **overrides}
    response = plan(
        desk,
        p,
        **{k: v for k, v in body.items() if k not in ("treatment",)},
        **({"treatment": overrides["treatment"]} if "treatment" in overrides else {}),
    )
    assert response.status_code == 400, response.content
    assert any(name.startswith(field) for name in response.json()["error"]["fields"])


def test_face_therapy_needs_two_days_between_sessions(desk):
    p, _ = ready_patient("microcurrent-therapy-face", 8)
    response = plan(desk, p, slug="microcurrent-therapy-face", sessions=8, weekdays=[0, 1])
    assert response.status_code == 400
    assert "2 days" in response.json()["error"]["fields"]["weekdays"][0]
    assert (
        plan(desk, p, slug="microcurrent-therapy-face", sessions=8, weekdays=[0, 3]).status_code
        == 200
    )


def test_booking_a_course_needs_the_consultation_that_planned_it(desk):
    p, _ = ready_patient("microcurrent-therapy-face", 8)  # planned face, not massage
    planned = plan(desk, p).json()
    other_c = consult(patient(with_login=False), plans={MASSAGE: 20})
    response = book_course(desk, p, p.consultations.first(), planned)
    assert response.status_code == 400 and "consultation" in response.json()["error"]["fields"]
    response = book_course(desk, p, other_c, planned)
    assert response.status_code == 400 and "consultation" in response.json()["error"]["fields"]


def test_patients_cannot_plan_or_book_courses(desk):
    p, _ = ready_patient()
    from tests.factories import api

    client = api(staff(Role.PATIENT))
    assert plan(client, p).status_code == 403


@pytest.mark.slow
def test_two_receptionists_booking_overlapping_courses_at_once_one_wins_whole(live_db):
    build_clinic(practitioners=1, rooms=2, devices=1)
    clients = [token_api(staff(Role.RECEPTION)) for _ in range(2)]
    (p1, c1), (p2, c2) = ready_patient(), ready_patient()
    planned = plan(clients[0], p1).json()
    assert planned["complete"]
    barrier = threading.Barrier(2)

    def go(args):
        client, p, c = args
        try:
            barrier.wait(timeout=20)
            return book_course(client, p, c, planned).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(go, [(clients[0], p1, c1), (clients[1], p2, c2)]))
    assert codes == [201, 409]
    [course] = Course.objects.all()
    assert course.appointments.count() == 20
    assert Appointment.objects.count() == 20


def test_reflow_after_a_missed_session_keeps_two_sessions_a_week(desk):
    p, c = ready_patient()
    planned = plan(desk, p).json()
    course_id = book_course(desk, p, c, planned).json()["id"]
    course = Course.objects.get(pk=course_id)
    first = course.appointments.order_by("start").first()
    # The first session was yesterday and the patient did not come.
    yesterday = timezone.now() - timedelta(days=1)
    Appointment.objects.filter(pk=first.pk).update(
        start=yesterday,
        end=yesterday + timedelta(minutes=40),
        blocked_until=yesterday + timedelta(minutes=50),
    )
    assert desk.post(f"/api/appointments/{first.pk}/no-show/", {}, format="json").status_code == 200
    proposal = desk.post(f"/api/courses/{course_id}/reflow/", {}, format="json")
    assert proposal.status_code == 200, proposal.content
    new_plan = proposal.json()
    assert (
        new_plan["complete"] and len(new_plan["sessions"]) == 20
    )  # 19 moved and 1 to replace the miss
    accepted = desk.post(
        f"/api/courses/{course_id}/reflow/accept/",
        {
            "sessions": [
                {"start": s["start"], "practitioner": s["practitioner"]}
                for s in new_plan["sessions"]
            ]
        },
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    booked = list(course.appointments.filter(status=Status.BOOKED).order_by("start"))
    assert len(booked) == 20
    days = [local_date(a.start) for a in booked]
    assert min(weekly_counts(days)) >= 2
    progress = accepted.json()["progress"]
    assert progress["missed"] == 1 and progress["remaining"] == 20
    assert Counter(a.status for a in course.appointments.all()) == {
        Status.BOOKED: 20,
        Status.NO_SHOW: 1,
    }
