"""The request id follows a booking to the worker: the outbox rows keep the id of the
request that created them, and the worker's JSON log line about sending one carries it."""

from __future__ import annotations

import uuid

import pytest

from clinic.roles import Role
from messaging.models import Message
from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.clinic.test_logging import json_lines
from tests.conftest import wait_until
from tests.factories import api, consult, patient, screen, staff

pytestmark = pytest.mark.slow


def test_the_worker_logs_a_message_with_the_id_of_the_booking_request(outbox):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient()
    screen(p)
    consult(p)
    booking = api(staff(Role.RECEPTION)).post(
        "/api/appointments/",
        {"treatment": clinic.face.pk, "patient": p.pk, "start": local(days_ahead(3), 10)},
        format="json",
        HTTP_X_REQUEST_ID=(given := uuid.uuid4().hex),
    )
    assert booking.status_code == 201, booking.content
    assert set(Message.objects.values_list("request_id", flat=True)) == {given}

    outbox.start()

    assert wait_until(lambda: outbox.smtp.count() >= 1, timeout=45), outbox.log()
    assert wait_until(lambda: " sent: confirmation by email" in outbox.log(), timeout=10)
    logged = outbox.worker.log.read_text().splitlines()
    records = json_lines("\n".join(line for line in logged if line.startswith("{")))
    [sent] = [r for r in records if " sent: confirmation by email" in r["message"]]
    assert sent["request_id"] == given
