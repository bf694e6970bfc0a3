"""Rebooking at the desk: after a completed session the appointment page offers the next
session of the course (from the course's spacing), or once the course is complete the
maintenance session at the recall date, or shows the booking already made."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments.calendar import local_date
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, cleared_patient
from tests.messaging.follow_up_helpers import finished_course
from tests.messaging.helpers import attend

pytestmark = [pytest.mark.django_db, at_clinic_now]


def test_a_completed_single_session_offers_the_maintenance_session_at_the_recall_date(
    clinic, reception
):
    clinic.face.recall_after_days = 60
    clinic.face.save(update_fields=["recall_after_days"])
    p = cleared_patient()
    a = attend(book(p, clinic.face, local(days_ahead(1), 10)), now=local(days_ahead(1), 11))
    page = reception.get(f"/desk/appointments/{a.pk}/").content.decode()
    due = local_date(a.end) + timedelta(days=60)
    assert "Book the maintenance session" in page
    assert f"?treatment={clinic.face.pk}&amp;day={due:%Y-%m-%d}" in page
    follow = reception.get(f"/desk/patients/{p.pk}/book/?treatment={clinic.face.pk}&day={due}")
    assert follow.status_code == 200


def test_during_a_course_the_next_session_is_offered_or_shown_when_booked(clinic, reception):
    p = cleared_patient()
    course = finished_course(clinic, p, ended_ago=timedelta(days=1), sessions=7)
    first, second = course.appointments.order_by("start")[:2]
    page = reception.get(f"/desk/appointments/{first.pk}/").content.decode()
    assert "Already booked" in page and f"/desk/appointments/{second.pk}/" in page
    last = course.appointments.order_by("-start").first()
    page = reception.get(f"/desk/appointments/{last.pk}/").content.decode()
    assert "7 of 7 sessions done" in page
    assert "Nothing to book next" in page  # the treatment has no recall interval


def test_a_session_not_completed_offers_nothing(clinic, reception):
    a = book(cleared_patient(), clinic.face, local(days_ahead(1), 10))
    assert "Next booking" not in reception.get(f"/desk/appointments/{a.pk}/").content.decode()
