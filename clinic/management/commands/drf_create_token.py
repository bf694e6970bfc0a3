"""`manage.py drf_create_token USERNAME`: print a new API token for a person (the name DRF's
own command had, so API clients' instructions still work). The operator who runs it
stands in for the login; a staff member must still have an authenticator app, as the
second-factor rule asks of every staff request (clinic.security)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from clinic.second_factor import second_factor_refusal
from clinic.tokens import api_token_issue


class Command(BaseCommand):
    help = "Print a new, expiring API token for USERNAME (Authorization: Token <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user named %(name)s.") % {"name": username})
        refusal = second_factor_refusal(user, proven=True)
        if refusal is not None:
            raise CommandError(refusal.message)
        token, expiry = api_token_issue(user=user)
        self.stderr.write(_("Expires %(expiry)s.") % {"expiry": expiry.isoformat()})
        self.stdout.write(token)
