"""Cancellations counted by the reason from the manager's list: the table and the CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation

from appointments.models import CancelReason
from appointments.services import appointment_cancel
from clinic.audit import Actor
from clinic.roles import Role
from reports.selectors import report
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, cleared_patient
from tests.factories import staff

pytestmark = [pytest.mark.django_db, at_clinic_now]


@pytest.fixture
def cancelled(clinic):
    """Three cancellations three days ahead: two for illness, one "other"; one kept."""
    desk = Actor(user=staff(Role.RECEPTION))
    illness = CancelReason.objects.get(code="illness").pk
    day = days_ahead(3)
    for hour, reason_id, note in ((9, illness, ""), (11, illness, ""), (13, None, "Flooded")):
        a = book(cleared_patient(), clinic.face, local(day, hour))
        appointment_cancel(actor=desk, appointment=a, reason_id=reason_id, reason=note)
    book(cleared_patient(), clinic.face, local(day, 15))
    return day


def test_the_report_counts_cancellations_by_reason(clinic, cancelled):
    r = report(cancelled, cancelled)
    assert [(c.reason, c.count, c.percent) for c in r.cancellations] == [
        ("Illness", 2, 66.7),
        ("Other", 1, 33.3),
    ]
    assert r.cancelled == 3
    assert report(days_ahead(4), days_ahead(5)).cancellations == []


def test_the_page_and_the_csv_show_the_same_counts(clinic, cancelled, manager):
    query = {"start": cancelled.isoformat(), "end": cancelled.isoformat()}
    page = manager.get("/reports/", query).content.decode()
    assert "Cancellations by reason" in page
    assert '<th scope="row">Illness</th><td>2</td><td>66.7 %</td>' in page
    rows = list(csv.reader(io.StringIO(manager.get("/reports/export.csv", query).content.decode())))
    assert ["cancellations", "Illness", "cancelled", "2"] in rows
    assert ["cancellations", "Other", "percent_of_cancellations", "33.3"] in rows


def test_the_reasons_are_named_in_the_managers_language(clinic, cancelled, manager):
    query = {"start": cancelled.isoformat(), "end": cancelled.isoformat()}
    with translation.override("en"):  # the request's language must not stay on this thread
        page = manager.get("/reports/", query, HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "Хвороба" in page
