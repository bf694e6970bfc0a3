"""Cross-cutting Celery tasks."""

from celery import shared_task
from django.utils import timezone

from clinic import health


@shared_task(name="clinic.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Run by beat every minute; /api/health/ reports how long ago beat last ran."""
    health.record_beat(timezone.now())


@shared_task(name="clinic.tasks.echo")
def echo(value: str) -> str:
    """Round-trip through the broker and a worker; used by the health tests."""
    return value
