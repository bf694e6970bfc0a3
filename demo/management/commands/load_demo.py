"""Load the demo clinic idempotently (make run). Refused in production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import data as demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo clinic: staff, patients, resources, hours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--logins-only", action="store_true", help="Only print the demo logins."
        )

    def handle(self, *args: object, logins_only: bool = False, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (DJANGO_ENV=production).")
        if not logins_only:
            summary = demo.load()
            self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {summary}"))
        self.stdout.write(demo.logins_table())
