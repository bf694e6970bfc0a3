"""The beat task that voids lapsed deposits, run by a real Celery worker process: the
hold past its time is released and its invoice credited; a live one is left alone.
(Real clock: the worker does not see a frozen one; bookings are days ahead.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, Status
from billing import tasks as billing_tasks
from billing.models import Deposit, Invoice
from billing.selectors import balance_of
from tests.billing.deposit_helpers import book_online, deposit_clinic
from tests.billing.helpers import cleared_patient
from tests.conftest import wait_until

pytestmark = pytest.mark.slow


def test_the_worker_voids_the_lapsed_deposit_only(celery_worker_process, live_db):
    clinic = deposit_clinic()
    late, waiting = cleared_patient(), cleared_patient()
    lapsed, live = book_online(clinic, late, hour=10), book_online(clinic, waiting, hour=12)
    Appointment.objects.filter(pk=lapsed.pk).update(
        held_until=timezone.now() - timedelta(seconds=1)
    )

    billing_tasks.void_lapsed_deposits.delay()

    assert wait_until(lambda: Deposit.objects.filter(status="lapsed").exists())
    assert Deposit.objects.get(appointment=lapsed).status == "lapsed"
    assert Appointment.objects.get(pk=lapsed.pk).status == Status.RELEASED
    assert Invoice.objects.filter(kind="credit_note", patient=late).count() == 1
    assert balance_of(late.pk).owed == 0
    assert Deposit.objects.get(appointment=live).status == "awaiting"
    assert Appointment.objects.get(pk=live.pk).status == Status.HELD
