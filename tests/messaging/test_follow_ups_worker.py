"""Recalls and surveys go out through the real Celery beat and worker, to a real SMTP
server: beat runs messaging.tasks.plan_follow_ups (every second here), the worker decides
each course once and the outbox sweep delivers the messages. Written for any hour: the
test clinic has no quiet hours (their rule is tested in test_follow_ups.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

import pytest

from messaging import tasks as messaging_tasks
from messaging.models import Recall, RecallOutcome, Survey, SurveyStatus
from tests.appointments.clinic_setup import build_clinic
from tests.conftest import RedisServer, wait_until
from tests.factories import consult, patient, screen
from tests.messaging.conftest import Outbox, outbox_to_smtp
from tests.messaging.follow_up_helpers import finished_course
from tests.messaging.smtp import RecordingSMTPServer

pytestmark = pytest.mark.slow


@pytest.fixture
def follow_up_outbox(live_db, redis_server: RedisServer, tmp_path: Path) -> Iterator[Outbox]:
    with outbox_to_smtp(
        redis_server, tmp_path, CLINIC_BASE_URL="http://clinic.test", FOLLOW_UPS_SECONDS="1"
    ) as box:
        yield box


def _subjects(smtp: RecordingSMTPServer, to: str) -> list[str]:
    return [r.email["Subject"] for r in smtp.received if to in r.to]


def _cleared(**fields):
    p = patient(**fields)
    screen(p)
    consult(p)
    return p


def test_beat_and_the_worker_send_one_recall_and_one_survey_per_course(follow_up_outbox):
    clinic = build_clinic(
        practitioners=2, rooms=2, devices=2, quiet_hours_start=clock(0), quiet_hours_end=clock(0)
    )
    clinic.face.recall_after_days = 90
    clinic.face.save(update_fields=["recall_after_days"])
    recalled = _cleared(preferred_language="uk", email="recalled@example.test")
    recall_course = finished_course(clinic, recalled, ended_ago=timedelta(days=91))
    screen(recalled)  # answered again lately: still cleared, so the recall offers booking
    surveyed = _cleared(preferred_language="en", email="surveyed@example.test")
    survey_course = finished_course(
        clinic,
        surveyed,
        ended_ago=timedelta(days=1),
        hour=14,
        practitioner=clinic.practitioners[1],
    )
    box = follow_up_outbox

    box.start()
    assert wait_until(lambda: box.smtp.count() >= 2, timeout=60), box.log()
    for _ in range(3):  # more runs, as from a retried task or a second beat
        messaging_tasks.plan_follow_ups.delay()
    time.sleep(5)  # several beat runs and sweeps: time for any duplicate to show up

    (recall_subject,) = _subjects(box.smtp, "recalled@example.test")
    (survey_subject,) = _subjects(box.smtp, "surveyed@example.test")
    assert "Мікрострумова терапія, обличчя" in recall_subject  # the patient's language
    assert "How was your course" in survey_subject
    assert Recall.objects.get(course=recall_course).outcome == RecallOutcome.BOOKING
    assert not Recall.objects.filter(course=survey_course).exists()  # not due yet
    assert Survey.objects.get(course=survey_course).status == SurveyStatus.SENT
    assert not Survey.objects.filter(course=recall_course).exists()  # ended too long ago
    recall_text = next(
        r.email.get_body(("plain",)).get_content()
        for r in box.smtp.received
        if "recalled@example.test" in r.to
    )
    assert "http://clinic.test/book/microcurrent-therapy-face/" in recall_text
    survey_text = next(
        r.email.get_body(("plain",)).get_content()
        for r in box.smtp.received
        if "surveyed@example.test" in r.to
    )
    assert re.search(r"http://clinic\.test/messages/survey/[^/\s]+/", survey_text)
