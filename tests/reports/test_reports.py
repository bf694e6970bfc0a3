"""The manager's reports: utilisation, no-shows, course completion, messages; the CSV;
and the Django admin screens the manager configures the clinic with."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Room
from appointments.services import (
    appointment_check_in,
    appointment_complete,
    appointment_mark_no_show,
)
from appointments.services.courses import SessionChoice, course_book
from clinic.audit import Actor
from clinic.roles import Role
from messaging.models import Message, MessageStatus
from reports.selectors import report
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import booked_earlier_today, cleared_patient, client_for
from tests.factories import staff

pytestmark = [pytest.mark.django_db, at_clinic_now]


@pytest.fixture
def day_done(clinic):
    """Today: one consultation attended (Dr 0), one missed (Dr 1); a face course booked."""
    desk = Actor(user=staff(Role.RECEPTION))
    first, second = clinic.practitioners
    came = booked_earlier_today(
        cleared_patient(), clinic.consultation, practitioner_id=first.pk, room_id=clinic.rooms[0].pk
    )
    missed = booked_earlier_today(
        cleared_patient(),
        clinic.consultation,
        practitioner_id=second.pk,
        room_id=clinic.rooms[1].pk,
    )
    appointment_check_in(actor=desk, appointment=came)
    appointment_complete(actor=desk, appointment=came)
    appointment_mark_no_show(actor=desk, appointment=missed)
    p = cleared_patient()
    starts = [local(days_ahead(3 + 7 * n), 10) for n in range(7)]
    course_book(
        actor=desk,
        patient=p,
        treatment=clinic.face,
        consultation=p.consultations.get(),
        choices=[SessionChoice(s) for s in starts],
        weekdays=sorted({s.weekday() for s in starts}),
        time_of_day=starts[0].timetz().replace(tzinfo=None),
        start_date=starts[0].date(),
    )
    return came, missed


def test_the_report_counts_utilisation_no_shows_courses_and_messages(clinic, day_done):
    today = timezone.localdate()
    sent, failed = Message.objects.order_by("id")[:2]
    now = timezone.now()
    Message.objects.filter(pk=sent.pk).update(status=MessageStatus.SENT, due_at=now, sent_at=now)
    Message.objects.filter(pk=failed.pk).update(
        status=MessageStatus.FAILED, due_at=now, last_error="550 mailbox unavailable"
    )
    r = report(today, today + timedelta(days=60))
    doctors = {u.name: u for u in r.utilisation["practitioner"]}
    assert doctors["Dr 0"].booked_minutes == 30 + 7 * 45  # the consultation, the course
    assert doctors["Dr 0"].available_minutes == 61 * 9 * 60  # 09:00-18:00 every day
    assert (r.no_shows.count, r.no_shows.out_of, r.no_shows.percent) == (1, 2, 50.0)
    assert [(x.name, x.count, x.out_of) for x in r.no_shows_by_practitioner] == [
        ("Dr 0", 0, 1),
        ("Dr 1", 1, 1),
    ]
    (course,) = r.courses
    assert (course.started, course.completed, course.in_progress) == (1, 0, 1)
    assert r.messages_sent >= 1 and r.messages_failed == 1


def test_the_page_draws_the_charts_and_the_csv_has_the_same_numbers(clinic, day_done, manager):
    today = timezone.localdate().isoformat()
    page = manager.get("/reports/", {"start": today, "end": today}).content.decode()
    assert page.count('class="chart bar-chart"') >= 4
    assert "no-shows: 1 of 2" in page
    response = manager.get("/reports/export.csv", {"start": today, "end": today})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "metric", "value"]
    assert ["no_shows", "All practitioners", "no_show_percent", "50.0"] in rows
    assert ["utilisation_practitioner", "Dr 0", "booked_minutes", "30"] in rows


def test_a_name_a_spreadsheet_would_run_is_written_as_text(clinic, manager):
    Room.objects.create(name='=HYPERLINK("http://evil")')

    rows = manager.get("/reports/export.csv").content.decode()
    assert "'=HYPERLINK" in rows


def test_a_bad_range_is_shown_by_the_field(clinic, manager):
    response = manager.get("/reports/", {"start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 400
    assert "The last day comes after the first." in response.content.decode()
    too_long = manager.get("/reports/", {"start": "2024-01-01", "end": "2026-01-01"})
    assert "Choose at most a year." in too_long.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.PATIENT, 403),
        (Role.RECEPTION, 403),
        (Role.DERMATOLOGIST, 403),
        (Role.MANAGER, 200),
    ],
)
def test_only_the_manager_sees_the_reports(clinic, role, expected):
    client = client_for(role)
    assert client.get("/reports/").status_code == expected
    assert client.get("/reports/export.csv").status_code == expected


ADMIN_SCREENS = [
    "treatments/treatment/",
    "treatments/indication/",
    "treatments/contraindication/",
    "appointments/practitioner/",
    "appointments/room/",
    "appointments/device/",
    "appointments/openinghours/",
    "appointments/closure/",
    "appointments/clinicpolicy/1/change/",
    "patients/consenttext/",
]


def test_the_manager_configures_the_clinic_in_the_admin(clinic):
    manager = client_for(Role.MANAGER, is_staff=True)
    for screen in ADMIN_SCREENS:
        assert manager.get(f"/admin/{screen}").status_code == 200, screen
    policy = manager.get("/admin/appointments/clinicpolicy/1/change/").content.decode()
    assert "reminder_offsets_minutes" in policy
    practitioner = manager.get(
        f"/admin/appointments/practitioner/{clinic.practitioners[0].pk}/change/"
    )
    assert "hours-TOTAL_FORMS" in practitioner.content.decode()  # working hours inline
    reception = client_for(Role.RECEPTION)
    assert reception.get("/admin/appointments/room/").status_code == 302
