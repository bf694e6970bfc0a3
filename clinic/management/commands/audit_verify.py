"""Verify the audit trail's hash chain; name the first broken row."""

from django.core.management.base import BaseCommand, CommandError

from clinic.audit import verify_chain
from clinic.models import AuditEvent


class Command(BaseCommand):
    help = "Check that no audit row was edited or deleted (each row carries the previous hash)."

    def handle(self, *args: object, **options: object) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"Audit chain broken at row {broken.event_id}: {broken.reason}.")
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {AuditEvent.objects.count()} rows.")
        )
