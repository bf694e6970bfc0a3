"""Entry points load the settings through here, so bad configuration stops start-up with
one clear line instead of a traceback."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def load_settings_or_exit() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018  (forces the settings module to load)
    except ImproperlyConfigured as exc:
        sys.exit(f"Configuration error: {exc}")
