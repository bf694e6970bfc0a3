"""Beat's sweep of packages bought online and not paid in time, run by a real Celery
worker (on the real clock, so the deadline is moved into the past rather than the clock
forward)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from billing.models import Package
from billing.services.packages import package_buy_online
from billing.tasks import cancel_unpaid_packages
from clinic.audit import Actor
from tests.billing.helpers import plan, priced_clinic
from tests.conftest import wait_until
from tests.factories import patient

pytestmark = pytest.mark.slow


def test_beat_runs_the_sweep_and_the_worker_cancels_only_the_lapsed_package(
    celery_worker_process, live_db
):
    entry = settings.CELERY_BEAT_SCHEDULE["packages-cancel-unpaid"]
    assert (entry["task"], entry["schedule"]) == ("billing.tasks.cancel_unpaid_packages", 60.0)
    face = plan(priced_clinic())
    lapsed, live = (
        package_buy_online(actor=Actor(user=patient().user), plan=face) for _ in range(2)
    )
    Package.objects.filter(invoice_id=lapsed.invoice_id).update(
        pay_by=timezone.now() - timedelta(seconds=1)
    )

    cancel_unpaid_packages.delay()

    assert wait_until(
        lambda: Package.objects.get(invoice_id=lapsed.invoice_id).status == "cancelled"
    )
    assert Package.objects.get(invoice_id=live.invoice_id).status == "awaiting"
