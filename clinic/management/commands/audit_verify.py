"""Verify the audit trail: the keyed hash chain, and every exported head still in it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic.audit import Head, HeadFileError, read_heads, verify_chain
from clinic.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Check that no audit row was edited, forged or deleted: each row's HMAC and link to "
        "the previous row, and each head exported by beat (AUDIT_HEAD_FILE, or --heads) "
        "still in the trail with the same hash and the same number of rows up to it. "
        "Exits with status 1, naming the row, when something is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--heads",
            action="append",
            type=Path,
            metavar="FILE",
            help="a file of exported heads (repeatable; e.g. copies from each worker host); "
            "default: AUDIT_HEAD_FILE",
        )

    def handle(self, *args: object, heads: list[Path] | None = None, **options: object) -> None:
        files = heads or ([Path(settings.AUDIT_HEAD_FILE)] if settings.AUDIT_HEAD_FILE else [])
        exported = self._read(files)
        broken = verify_chain(exported)
        if broken is not None:
            raise CommandError(f"Audit trail broken at row {broken.event_id}: {broken.reason}.")
        rows = AuditEvent.objects.count()
        if exported:
            latest = exported[-1]
            found = f"{len(exported)} exported heads found in it"
            found += f" (latest: row {latest.id}, exported {latest.at})"
        else:
            found = "no exported head to check against"
            self.stderr.write(
                self.style.WARNING(
                    "No exported audit head was found, so rows deleted from the end of the "
                    "trail (or all of them) cannot be detected. Beat exports one every "
                    "AUDIT_HEAD_EXPORT_SECONDS to AUDIT_HEAD_FILE."
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {rows} rows; {found}."))

    def _read(self, files: list[Path]) -> list[Head]:
        heads: list[Head] = []
        for path in files:
            if not path.exists():
                self.stderr.write(self.style.WARNING(f"No exported heads at {path}."))
                continue
            try:
                heads += read_heads(path)
            except HeadFileError as exc:
                raise CommandError(str(exc)) from exc
        return heads
