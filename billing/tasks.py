"""Billing's housekeeping in beat."""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from billing.services.deposits import deposits_void_lapsed


@shared_task(name="billing.tasks.void_lapsed_deposits", ignore_result=True)
def void_lapsed_deposits() -> int:
    """Every minute: credit the invoices of deposits whose hold lapsed unpaid (and release
    the hold if the holds task has not yet). Idempotent: each deposit is claimed locked
    and only while still awaiting."""
    close_old_connections()
    return deposits_void_lapsed()
