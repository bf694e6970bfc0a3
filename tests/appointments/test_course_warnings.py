"""Course warnings: more sessions in a week than the plan says, or two device sessions of
one area on a day, are booked only when the desk confirms them (service and API)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments.models import Appointment, Course
from appointments.services.course_warnings import (
    OVER_WEEKLY_PLAN,
    SAME_AREA_SAME_DAY,
    course_warnings,
)
from appointments.services.courses import SessionChoice, course_book
from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, local
from tests.appointments.test_courses import book_course, next_weekday, plan, ready_patient
from tests.desk.helpers import book
from tests.factories import consult, patient, screen, staff, token_api, treatment

pytestmark = at_clinic_now

MASSAGE = "microcurrent-massage-face"
FACE = "microcurrent-therapy-face"
BODY = "microcurrent-therapy-body"


@pytest.fixture
def clinic(db):
    return build_clinic(practitioners=2, rooms=2, devices=2)


def mondays_wednesdays_fridays(weeks: int) -> list:
    monday = next_weekday(0)
    return [local(monday + timedelta(weeks=w, days=d), 10) for w in range(weeks) for d in (0, 2, 4)]


def test_sessions_past_the_plans_weekly_number_are_warned_about(clinic):
    p, _c = ready_patient(MASSAGE)
    starts = mondays_wednesdays_fridays(2)
    warnings = course_warnings(patient=p, treatment=treatment(MASSAGE), per_week=2, starts=starts)
    assert [(w.code, w.start) for w in warnings] == [
        (OVER_WEEKLY_PLAN, starts[2]),
        (OVER_WEEKLY_PLAN, starts[5]),
    ]
    assert "3 sessions in the week of" in warnings[0].message
    assert "plan says 2 a week" in warnings[0].message
    assert not course_warnings(patient=p, treatment=treatment(MASSAGE), per_week=3, starts=starts)


def test_a_session_on_a_day_with_another_device_session_of_the_area_is_warned_about(clinic):
    p, _c = ready_patient(MASSAGE)
    monday = next_weekday(0)
    book(p, treatment(FACE), local(monday, 15))  # face therapy treats the face too
    starts = [local(monday, 10), local(monday + timedelta(days=3), 10)]
    warnings = course_warnings(patient=p, treatment=treatment(MASSAGE), per_week=2, starts=starts)
    assert [(w.code, w.start) for w in warnings] == [(SAME_AREA_SAME_DAY, starts[0])]
    assert "already has Microcurrent therapy, face at 15:00" in warnings[0].message


def test_a_device_session_of_another_area_that_day_is_no_warning(clinic):
    p = patient(with_login=False)
    screen(p)
    consult(p, plans={MASSAGE: 20, BODY: 8})
    monday = next_weekday(0)
    book(p, treatment(BODY), local(monday, 15))
    warnings = course_warnings(
        patient=p, treatment=treatment(MASSAGE), per_week=2, starts=[local(monday, 10)]
    )
    assert warnings == []


def test_the_service_books_warned_sessions_only_when_confirmed(clinic):
    p, c = ready_patient(MASSAGE)
    starts = mondays_wednesdays_fridays(7)[:20]
    kwargs = dict(
        actor=Actor(user=staff(Role.RECEPTION)),
        patient=p,
        treatment=treatment(MASSAGE),
        consultation=c,
        choices=[SessionChoice(s) for s in starts],
        weekdays=[0, 2, 4],
        time_of_day=starts[0].timetz().replace(tzinfo=None),
        start_date=next_weekday(0),
    )
    with pytest.raises(Invalid) as refused:
        course_book(**kwargs)
    assert refused.value.code == "course_needs_confirmation"
    assert len(refused.value.details["warnings"]) == 6  # the third session of each full week
    assert not Course.objects.exists() and not Appointment.objects.filter(patient=p).exists()
    course = course_book(**kwargs, confirm_warnings=True)
    assert course.appointments.count() == 20


def test_the_api_names_the_warnings_and_books_when_confirmed(clinic):
    desk = token_api(staff(Role.RECEPTION))
    p, c = ready_patient(MASSAGE)  # the plan says twice a week
    planned = plan(desk, p, weekdays=(0, 2, 4)).json()
    response = book_course(desk, p, c, planned, weekdays=(0, 2, 4))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "course_needs_confirmation"
    assert "confirm_warnings" in error["fields"]
    assert {w["code"] for w in error["warnings"]} == {OVER_WEEKLY_PLAN}
    assert error["warnings"][0]["start"] == planned["sessions"][2]["start"]
    assert not Course.objects.exists()
    body_ok = book_course(desk, p, c, planned, weekdays=(0, 2, 4), confirm_warnings=True)
    assert body_ok.status_code == 201, body_ok.content


def test_the_plan_endpoint_names_the_warnings_before_booking(clinic):
    desk = token_api(staff(Role.RECEPTION))
    p, _c = ready_patient(MASSAGE)  # twice a week
    body = plan(desk, p, weekdays=(0, 2, 4)).json()
    assert body["complete"]
    assert {w["code"] for w in body["warnings"]} == {OVER_WEEKLY_PLAN}
    assert body["warnings"][0]["start"] == body["sessions"][2]["start"]
    assert plan(desk, p, weekdays=(0, 3)).json()["warnings"] == []
