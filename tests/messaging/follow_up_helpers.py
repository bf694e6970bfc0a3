"""A finished course, made as the clinic makes one (booked as a course, every session
checked in and completed through the services), then moved back in time as a whole."""

from __future__ import annotations

import math
from datetime import time, timedelta

from django.db.models import F, Max
from django.utils import timezone

from appointments.models import Appointment, Course
from appointments.services.courses import SessionChoice, course_book
from clinic.audit import Actor
from clinic.roles import Role
from patients.models import Consultation, Screening
from tests.appointments.clinic_setup import days_ahead, local
from tests.factories import staff
from tests.messaging.helpers import attend


def finished_course(
    clinic, p, *, ended_ago: timedelta, hour: int = 10, practitioner=None, sessions: int = 7
) -> Course:
    """`p` (cleared for the face) had a whole face course; its last session ended at
    least `ended_ago` ago (whole days earlier, so every session keeps its clock time)."""
    consultation = Consultation.objects.filter(patient=p).latest("id")
    first_day = days_ahead(2)
    desk = Actor(user=staff(Role.RECEPTION))
    course = course_book(
        actor=desk,
        patient=p,
        treatment=clinic.face,
        consultation=consultation,
        choices=[
            SessionChoice(start=local(first_day + timedelta(weeks=i), hour))
            for i in range(sessions)
        ],
        weekdays=[first_day.weekday()],
        time_of_day=time(hour),
        start_date=first_day,
        practitioner_id=(practitioner or clinic.practitioners[0]).pk,
    )
    for session in course.appointments.order_by("start"):
        attend(session, now=session.end, actor=desk)
    last_end = course.appointments.aggregate(m=Max("end"))["m"]
    days = math.ceil((last_end - timezone.now() + ended_ago) / timedelta(days=1))
    shift = timedelta(days=days)
    Appointment.objects.filter(course=course).update(
        start=F("start") - shift, end=F("end") - shift, blocked_until=F("blocked_until") - shift
    )
    # The questionnaire, answered before the course and re-confirmed at each check-in,
    # moves back with the sessions.
    Screening.objects.filter(patient=p).update(answered_at=F("answered_at") - shift)
    Screening.objects.filter(patient=p, confirmed_at__isnull=False).update(
        confirmed_at=F("confirmed_at") - shift
    )
    return course


def course_end(course: Course):
    return course.appointments.aggregate(m=Max("end"))["m"]
