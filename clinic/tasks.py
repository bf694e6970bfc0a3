"""Cross-cutting Celery tasks: beat's heartbeat, the broker round trip, session and API
token expiry, the audit trail's head export."""

from celery import shared_task
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone

from clinic import health, tokens
from clinic.audit import audit_head_export


@shared_task(name="clinic.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Run by beat every minute; /api/health/ reports how long ago beat last ran."""
    health.record_beat(timezone.now())


@shared_task(name="clinic.tasks.echo")
def echo(value: str) -> str:
    """Round-trip through the broker and a worker; used by the health tests."""
    return value


@shared_task(name="clinic.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    """Run by beat every night: Django's `clearsessions` for the configured session engine."""
    close_old_connections()
    call_command("clearsessions")


@shared_task(name="clinic.tasks.audit_export_head", ignore_result=True)
def audit_export_head() -> None:
    """Run by beat every AUDIT_HEAD_EXPORT_SECONDS: the audit trail's newest row goes to
    AUDIT_HEAD_FILE and the log, where `audit_verify` finds it again (clinic.audit)."""
    close_old_connections()
    audit_head_export()


@shared_task(name="clinic.tasks.clear_expired_tokens", ignore_result=True)
def clear_expired_tokens() -> None:
    """Run by beat every night: delete expired API tokens (a token used after its expiry
    is refused and deleted at once: clinic.authentication)."""
    close_old_connections()
    tokens.api_tokens_clear_expired()
