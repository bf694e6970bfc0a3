"""The Celery app. Its configuration lives in Django settings under CELERY_*, the beat
schedule included (CELERY_BEAT_SCHEDULE), so the schedule is code, not database rows."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _redbeat_names(sender: Celery, **kwargs: object) -> None:
    """celery-redbeat reads CELERY_REDBEAT_* through the namespace, but looks for its
    settings under their bare names to decide whether to warn that they are missing."""
    for key in ("redbeat_redis_url", "redbeat_redis_options"):
        sender.conf[key] = sender.conf[f"CELERY_{key.upper()}"]
