"""Celery tasks of billing: housekeeping run by beat (CELERY_BEAT_SCHEDULE).

Each calls a service; running one twice does no harm.
"""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from billing.services.deposits import deposits_void_lapsed
from billing.services.unpaid_packages import packages_cancel_unpaid


@shared_task(name="billing.tasks.cancel_unpaid_packages", ignore_result=True)
def cancel_unpaid_packages() -> int:
    """Every minute: cancel the packages bought online and not paid in time."""
    close_old_connections()  # connections persist across tasks (CELERY_DB_REUSE_MAX)
    return packages_cancel_unpaid()


@shared_task(name="billing.tasks.void_lapsed_deposits", ignore_result=True)
def void_lapsed_deposits() -> int:
    """Every minute: credit the invoices of deposits whose hold lapsed unpaid (and release
    the hold if the holds task has not yet). Idempotent: each deposit is claimed locked
    and only while still awaiting."""
    close_old_connections()
    return deposits_void_lapsed()
