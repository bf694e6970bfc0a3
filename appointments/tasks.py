"""Celery tasks of the scheduling core: housekeeping run by beat (CELERY_BEAT_SCHEDULE).

Each loads what it needs and calls a service; running one twice does no harm.
"""

from celery import shared_task
from django.db import close_old_connections

from appointments import idempotency
from appointments.services.holds import hold_release_all_lapsed
from appointments.services.waitlist import waitlist_expire_offers


@shared_task(name="appointments.tasks.expire_waitlist_offers", ignore_result=True)
def expire_waitlist_offers() -> int:
    """Every minute: close the waitlist offers past their time, and offer each slot to the
    next waiting patient."""
    close_old_connections()  # connections persist across tasks (CELERY_DB_REUSE_MAX)
    return waitlist_expire_offers()


@shared_task(name="appointments.tasks.prune_idempotency_keys", ignore_result=True)
def prune_idempotency_keys() -> int:
    """Every hour: forget the Idempotency-Keys older than their replay window."""
    close_old_connections()
    return idempotency.prune_expired()


@shared_task(name="appointments.tasks.release_lapsed_holds", ignore_result=True)
def release_lapsed_holds() -> int:
    """Every minute: release the slot holds past their time (availability already ignores
    them; this frees their rows in the database)."""
    close_old_connections()
    return hold_release_all_lapsed()
