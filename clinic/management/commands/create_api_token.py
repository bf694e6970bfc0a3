"""`manage.py create_api_token USERNAME`: the same as `drf_create_token`."""

from clinic.management.commands.drf_create_token import Command  # noqa: F401
