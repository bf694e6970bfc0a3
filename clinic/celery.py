"""The Celery app. Its configuration lives in Django settings under CELERY_*, the beat
schedule included (CELERY_BEAT_SCHEDULE), so the schedule is code, not database rows."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
