"""Print the current two-factor code of the demo staff logins (development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import data as demo


class Command(BaseCommand):
    help = "Print the current TOTP code shared by the demo staff logins."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("There are no demo logins in production.")
        self.stdout.write(demo.current_totp_code())
