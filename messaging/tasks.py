"""Celery tasks of the messaging app: the outbox sweep and message delivery.

Both take ids (or nothing), load rows and call a service; both are idempotent.
"""

from celery import shared_task
from django.db import close_old_connections

from messaging import delivery, dispatch, follow_ups, form_reminders, retention


@shared_task(name="messaging.tasks.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    """Run by beat every MESSAGES_SWEEP_SECONDS (60): hand due messages to the workers."""
    close_old_connections()  # connections persist across tasks (CELERY_DB_REUSE_MAX)
    return dispatch.sweep().dispatched


@shared_task(name="messaging.tasks.deliver_messages", ignore_result=True)
def deliver_messages(message_ids: list[int]) -> int:
    """Deliver the due rows among `message_ids` that this call manages to claim."""
    close_old_connections()
    return delivery.deliver_batch(message_ids).sent


@shared_task(name="messaging.tasks.prune_outbox", ignore_result=True)
def prune_outbox() -> int:
    """Every night: remove the final messages past the retention period (messaging.retention)."""
    close_old_connections()
    return retention.outbox_prune()


@shared_task(name="messaging.tasks.plan_follow_ups", ignore_result=True)
def plan_follow_ups() -> int:
    """Run by beat every FOLLOW_UPS_SECONDS (3600): queue the recalls and surveys due.
    Idempotent: each course gets its one Recall and one Survey row, ever."""
    close_old_connections()
    planned = follow_ups.plan_due()
    return planned.recalls + planned.surveys


@shared_task(name="messaging.tasks.plan_form_reminders", ignore_result=True)
def plan_form_reminders() -> int:
    """Run by beat every FORM_REMINDERS_SECONDS (900): remind of forms still unanswered
    48 h before a visit. Idempotent: one reminder per appointment, ever."""
    close_old_connections()
    return form_reminders.plan_due()
