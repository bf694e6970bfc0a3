"""The reminder of forms due before a visit goes through the real Celery beat and worker
to a real SMTP server: beat runs messaging.tasks.plan_form_reminders (every second here),
the outbox sweep delivers. Written for any hour: the visit is tomorrow at 10:00 (always
within 48 h) and the test clinic has no quiet hours (their rule: test_forms_due.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import time as clock
from pathlib import Path

import pytest

from messaging import tasks as messaging_tasks
from messaging.models import Message, MessageKind, MessageStatus
from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.conftest import RedisServer, wait_until
from tests.factories import consult, patient, screen
from tests.messaging.conftest import Outbox, outbox_to_smtp
from tests.messaging.form_helpers import due_form
from tests.messaging.helpers import book
from tests.messaging.smtp import RecordingSMTPServer

pytestmark = pytest.mark.slow


@pytest.fixture
def forms_outbox(live_db, redis_server: RedisServer, tmp_path: Path) -> Iterator[Outbox]:
    with outbox_to_smtp(
        redis_server, tmp_path, CLINIC_BASE_URL="http://clinic.test", FORM_REMINDERS_SECONDS="1"
    ) as box:
        yield box


def _bodies(smtp: RecordingSMTPServer) -> list[tuple[str, str]]:
    return [(r.email["Subject"], r.email.get_body(("plain",)).get_content()) for r in smtp.received]


def test_beat_and_the_worker_send_one_form_reminder_per_appointment(forms_outbox):
    clinic = build_clinic(quiet_hours_start=clock(0), quiet_hours_end=clock(0))
    due_form("before-microcurrent")
    p = patient(preferred_language="en", email="forms@example.test")
    screen(p)
    consult(p)
    appointment = book(clinic, p, local(days_ahead(1), 10))
    box = forms_outbox

    box.start()
    assert wait_until(lambda: box.smtp.count() >= 2, timeout=60), box.log()
    for _ in range(3):  # more runs, as from a retried task or a second beat
        messaging_tasks.plan_form_reminders.delay()
    time.sleep(5)  # several beat runs and sweeps: time for any duplicate to show up

    subjects = [s for s, _ in _bodies(box.smtp)]
    reminders = [b for s, b in _bodies(box.smtp) if "please answer" in s]
    assert len(reminders) == 1, subjects
    assert "http://clinic.test/me/forms/before-microcurrent/" in reminders[0]
    (row,) = Message.objects.filter(appointment=appointment, kind=MessageKind.FORM_DUE)
    assert row.status == MessageStatus.SENT
    confirmation = next(b for s, b in _bodies(box.smtp) if "Booked" in s)
    assert "http://clinic.test/me/forms/before-microcurrent/" in confirmation
