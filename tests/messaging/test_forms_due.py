"""Forms due before a visit: their links in the booking confirmation, and a reminder
48 h before the visit while unanswered (once per appointment, after quiet hours, in the
patient's language, skipped when answered meanwhile). In this process, to a real SMTP
server; the real beat and worker are in test_forms_due_worker.py."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine

from messaging import delivery, form_reminders
from messaging.models import Message, MessageKind, MessageStatus
from patients.models import DueBefore
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.messaging.form_helpers import answer, due_form
from tests.messaging.helpers import book, desk_book

pytestmark = [pytest.mark.django_db, at_clinic_now]


def deliver(**filters) -> delivery.BatchResult:
    ids = Message.objects.filter(**filters).values_list("pk", flat=True)
    return delivery.deliver_batch(list(ids))


def form_due_rows(appointment) -> list[Message]:
    return list(Message.objects.filter(appointment=appointment, kind=MessageKind.FORM_DUE))


def body_of(received) -> str:
    return received.email.get_body(("plain",)).get_content()


def test_the_confirmation_links_the_forms_due_before_the_visit(clinic, cleared, smtp_settings):
    due_form("before-microcurrent")
    due_form("before-a-peel", due_before=DueBefore.TREATMENT, treatment=clinic.consultation)
    book(clinic, cleared, local(days_ahead(3), 10))
    assert deliver(kind=MessageKind.CONFIRMATION).sent == 1
    (received,) = smtp_settings.received
    body = body_of(received)
    assert "/me/forms/before-microcurrent/" in body
    assert "/me/forms/before-a-peel/" not in body  # due before another treatment
    assert "Будь ласка, заповніть перед візитом" in body  # her language (uk)


def test_no_form_line_once_the_form_is_answered(clinic, cleared, smtp_settings):
    version = due_form()
    answer(cleared, version)
    book(clinic, cleared, local(days_ahead(3), 10))
    deliver(kind=MessageKind.CONFIRMATION)
    assert "/me/forms/" not in body_of(smtp_settings.received[0])


def test_the_reminder_goes_48_hours_before_once_per_appointment(clinic, cleared, smtp_settings):
    due_form()
    start = local(days_ahead(3), 10)
    appointment = book(clinic, cleared, start)
    assert form_reminders.plan_due() == 0  # 72 h ahead: too early
    with time_machine.travel(start - timedelta(hours=47), tick=False):
        assert form_reminders.plan_due() == 1
        assert form_reminders.plan_due() == 0  # a second beat adds nothing
        assert form_reminders.form_reminder_plan(appointment_id=appointment.pk, now=start) is False
        (row,) = form_due_rows(appointment)
        assert row.context == {"forms": ["before-microcurrent"]}
        assert deliver(kind=MessageKind.FORM_DUE).sent == 1
    (received,) = [r for r in smtp_settings.received if "/me/forms/" in body_of(r)][-1:]
    assert "http://127.0.0.1:8000/me/forms/before-microcurrent/" in body_of(received)
    assert received.email["Content-Language"] == "uk"
    assert "ми ще чекаємо на ваші відповіді" in body_of(received)


def test_no_reminder_when_answered_and_none_sent_if_answered_meanwhile(
    clinic, cleared, smtp_settings
):
    version = due_form()
    start = local(days_ahead(3), 10)
    appointment = book(clinic, cleared, start)
    with time_machine.travel(start - timedelta(hours=47), tick=False):
        assert form_reminders.plan_due() == 1
        answer(cleared, version)  # answered after the reminder was queued
        deliver(kind=MessageKind.FORM_DUE)
    (row,) = form_due_rows(appointment)
    assert row.status == MessageStatus.SKIPPED and "answered" in row.last_error
    other = book(clinic, cleared, local(days_ahead(3), 14))
    with time_machine.travel(start - timedelta(hours=40), tick=False):
        assert form_reminders.plan_due() == 0  # answered: nothing to remind of
    assert form_due_rows(other) == []


def test_the_reminder_waits_for_the_end_of_quiet_hours(clinic, cleared):
    from appointments.models import ClinicPolicy

    ClinicPolicy.objects.filter(id=1).update(quiet_hours_start=time(21), quiet_hours_end=time(8))
    due_form()
    start = local(days_ahead(3), 12)
    appointment = book(clinic, cleared, start)
    night = local(days_ahead(1), 23)  # 37 h before: due, but in quiet hours
    with time_machine.travel(night, tick=False):
        assert form_reminders.plan_due() == 1
    (row,) = form_due_rows(appointment)
    assert row.due_at == local(days_ahead(2), 8)


def test_forms_due_before_first_visits_and_the_cancelled_visit(clinic, cleared):
    due_form("welcome", due_before=DueBefore.FIRST_VISIT)
    first = desk_book(clinic, cleared, local(days_ahead(1), 10))
    second = book(clinic, cleared, local(days_ahead(2), 10))
    assert [d.version.form.slug for d in form_reminders.visit_forms(first)] == ["welcome"]
    assert form_reminders.visit_forms(second) == []
    with time_machine.travel(local(days_ahead(1), 9), tick=False):
        assert form_reminders.plan_due() == 1  # the first visit only
    assert form_due_rows(second) == []
