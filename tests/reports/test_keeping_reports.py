"""The manager's report of keeping patients: the rebooking rate per practitioner and
treatment (as reports.keeping defines it), the survey results, and the comments, which
only the manager sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from clinic.roles import Role
from messaging import follow_ups, surveys
from messaging.models import Survey
from reports.keeping import REBOOK_WITHIN_DAYS
from reports.selectors import csv_rows, report
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, cleared_patient, client_for
from tests.messaging.follow_up_helpers import finished_course
from tests.messaging.helpers import attend

pytestmark = [pytest.mark.django_db, at_clinic_now]


def _completed_yesterday(clinic, p, hour, practitioner):
    a = book(p, clinic.face, local(days_ahead(2), hour), practitioner_id=practitioner.pk)
    attend(a, now=a.end)
    shift = timedelta(days=3)
    Appointment.objects.filter(pk=a.pk).update(
        start=a.start - shift, end=a.end - shift, blocked_until=a.blocked_until - shift
    )
    a.refresh_from_db()
    return a


def test_the_rebooking_rate_counts_sessions_followed_by_a_booking_within_the_window(clinic):
    doc = clinic.practitioners[0]
    kept, lost, late = cleared_patient(), cleared_patient(), cleared_patient()
    _completed_yesterday(clinic, kept, 10, doc)
    _completed_yesterday(clinic, lost, 12, doc)
    done_late = _completed_yesterday(clinic, late, 14, doc)
    book(kept, clinic.face, local(days_ahead(6), 10), practitioner_id=doc.pk)
    too_late = book(late, clinic.face, local(days_ahead(20), 10), practitioner_id=doc.pk)
    Appointment.objects.filter(pk=too_late.pk).update(
        created_at=done_late.end + timedelta(days=REBOOK_WITHIN_DAYS, hours=1)
    )
    today = timezone.localdate()

    r = report(today - timedelta(days=7), today)

    (row,) = r.rebooking
    assert (row.practitioner, row.treatment) == (doc.display_name, "Microcurrent therapy, face")
    assert (row.completed, row.rebooked, row.percent) == (3, 1, 33.3)


def test_survey_results_per_practitioner_and_treatment_with_comments_for_the_manager_only(
    clinic, manager
):
    p, q = cleared_patient(), cleared_patient()
    finished_course(clinic, p, ended_ago=timedelta(days=1), sessions=7)
    finished_course(clinic, q, ended_ago=timedelta(days=1), hour=15)
    follow_ups.plan_due()
    first, second = Survey.objects.order_by("id")
    surveys.survey_answer(token=surveys.survey_token(first.pk), score=10, comment="Superb care.")
    surveys.survey_answer(token=surveys.survey_token(second.pk), score=4)
    today = timezone.localdate()

    r = report(today - timedelta(days=7), today)

    (row,) = r.surveys
    assert (row.sent, row.answered, row.average, row.nps) == (2, 2, 7.0, 0)
    assert [c.comment for c in r.survey_comments] == ["Superb care."]
    page = manager.get("/reports/").content.decode()
    assert "Superb care." in page and 'id="survey-table"' in page
    assert 'id="rebooking-table"' in page
    assert p.last_name not in page  # comments come without the patient's name
    flat = [str(cell) for line in csv_rows(r) for cell in line]
    assert "Superb care." not in flat and "nps" in flat
    for role in (Role.RECEPTION, Role.DERMATOLOGIST, Role.PATIENT):
        assert client_for(role).get("/reports/").status_code == 403
