"""The course wizard: plan from a signed consultation's plan, review the proposed dates
(change the ones that conflict), book every session at once or none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from appointments.models import Appointment, Course
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import FACE, book
from tests.factories import consult, patient, screen

pytestmark = [pytest.mark.django_db, at_clinic_now]


def cleared_patient(per_week: int = 2):
    """Cleared for a face course of 8 whose plan says `per_week` sessions a week (the
    wizard's tests book Mondays and Thursdays)."""
    p = patient(with_login=False)
    screen(p)
    consult(p, plans={FACE: 8}, per_week={FACE: per_week})
    return p


def next_monday() -> date:
    day = days_ahead(2)
    return day + timedelta(days=(0 - day.weekday()) % 7)


def plan_query(p, sessions: int = 10, start: date | None = None) -> dict:
    plan = p.consultations.get().plans.get()
    return {
        "plan": plan.pk,
        "sessions": sessions,
        "weekdays": ["0", "3"],
        "time": "10:00",
        "start_date": (start or next_monday()).isoformat(),
        "practitioner": "",
    }


def review_url(p, **kwargs) -> str:
    from urllib.parse import urlencode

    return f"/desk/patients/{p.pk}/course/?{urlencode(plan_query(p, **kwargs), doseq=True)}"


def choices_from(page: str, n: int) -> dict[str, str]:
    """The selected option of every session select, as the browser would send it."""
    import re

    out = {}
    for i in range(1, n + 1):
        select = re.search(rf'<select name="session_{i}".*?</select>', page, re.S).group(0)
        chosen = re.search(r'<option value="([^"]+)" selected>', select)
        first = re.search(r'<option value="([^"]+)"', select.replace('value=""', "", 1))
        out[f"session_{i}"] = (chosen or first).group(1)
    return out


def test_without_a_signed_plan_the_wizard_explains_why(clinic, reception):
    p = patient()
    screen(p)
    page = reception.get(f"/desk/patients/{p.pk}/course/").content.decode()
    assert "No signed consultation has planned a course" in page


def test_the_plan_step_checks_the_course_rules(clinic, reception):
    p = cleared_patient()
    response = reception.get(review_url(p, sessions=12))
    assert response.status_code == 400
    assert "is a course of 7 to 10 sessions" in response.content.decode()


def test_the_review_proposes_every_date_and_books_them_all(clinic, reception):
    p = cleared_patient()
    url = review_url(p)
    page = reception.get(url).content.decode()
    assert "All 10 sessions fit" in page
    response = reception.post(url, choices_from(page, 10))
    assert response["Location"] == f"/desk/patients/{p.pk}/"
    course = Course.objects.get(patient=p)
    assert course.appointments.count() == 10 and course.planned_sessions == 10
    assert course.consultation == p.consultations.get()


def test_a_session_that_conflicts_is_offered_the_nearest_times(clinic, reception):
    p = cleared_patient()
    thursday = next_monday() + timedelta(days=3)
    book(p, clinic.consultation, local(thursday, 10))  # the patient is busy then
    url = review_url(p)
    page = reception.get(url).content.decode()
    assert "1 session does not fit" in page and "Taken at that time." in page
    data = choices_from(page, 10)
    assert local(thursday, 10).isoformat() not in data["session_2"]
    assert reception.post(url, data).status_code == 302
    assert Course.objects.get(patient=p).appointments.count() == 10


def test_a_session_left_without_a_time_is_marked_and_nothing_is_booked(clinic, reception):
    p = cleared_patient()
    url = review_url(p)
    data = choices_from(reception.get(url).content.decode(), 10)
    data["session_4"] = ""
    response = reception.post(url, data)
    assert response.status_code == 400
    assert "Choose a time for this session." in response.content.decode()
    assert not Course.objects.exists()


def test_a_time_typed_in_replaces_the_proposal(clinic, reception):
    p = cleared_patient()
    url = review_url(p)
    data = choices_from(reception.get(url).content.decode(), 10)
    data["other_1"] = f"{next_monday().isoformat()}T12:00"
    assert reception.post(url, data).status_code == 302
    first = Appointment.objects.filter(patient=p).order_by("start").first()
    assert first.start == local(next_monday(), 12)


def test_a_session_taken_meanwhile_fails_the_whole_course_with_its_reason(clinic, reception):
    p = cleared_patient()
    url = review_url(p)
    data = choices_from(reception.get(url).content.decode(), 10)
    thursday = next_monday() + timedelta(days=3)
    for doctor in clinic.practitioners:  # both practitioners taken at 10:00 meanwhile
        book(cleared_patient(), clinic.consultation, local(thursday, 10), practitioner_id=doctor.pk)
    response = reception.post(url, data)
    page = response.content.decode()
    assert response.status_code == 409
    assert "That time is no longer free" in page
    assert not Course.objects.filter(patient=p).exists()
    assert not Appointment.objects.filter(patient=p).exists()


def test_showing_the_treatment_plans_is_audit_logged(clinic, reception):
    from clinic.models import AuditEvent

    p = cleared_patient()
    reception.get(f"/desk/patients/{p.pk}/course/")
    read = AuditEvent.objects.get(action="read", patient_id=p.pk)
    assert (read.object_type, read.actor) == ("patients.consultation", reception.user)


def test_more_sessions_a_week_than_the_plan_are_shown_and_need_a_confirmation(clinic, reception):
    p = cleared_patient(per_week=1)  # the plan says once a week; Mondays and Thursdays asked
    url = review_url(p, sessions=8)
    page = reception.get(url).content.decode()
    assert page.count("Warning:") == 4  # the second session of each of the 4 weeks
    assert "the consultation&#x27;s plan says 1 a week" in page
    assert 'name="confirm_warnings"' in page
    data = choices_from(page, 8)
    response = reception.post(url, data)
    assert response.status_code == 400
    assert "Confirm to book despite the warnings." in response.content.decode()
    assert response.content.decode().count("Warning:") == 4
    assert not Course.objects.filter(patient=p).exists()
    response = reception.post(url, {**data, "confirm_warnings": "on"})
    assert response.status_code == 302
    assert Course.objects.get(patient=p).appointments.count() == 8


def test_a_session_on_a_day_with_a_face_session_is_warned_beside_it(clinic, reception):
    p = cleared_patient()
    thursday = next_monday() + timedelta(days=3)
    book(p, clinic.face, local(thursday, 15))  # already a face session that day
    url = review_url(p, sessions=8)
    page = reception.get(url).content.decode()
    assert page.count("Warning:") == 1
    assert "already has Microcurrent therapy, face at 15:00" in page
    data = choices_from(page, 8)
    data["session_2"] = ""
    data["other_2"] = f"{(thursday + timedelta(days=1)).isoformat()}T10:00"  # adjusted instead
    assert reception.post(url, data).status_code == 302
