"""Celery tasks of the patients app: they take ids and call a service; running one twice
does no harm (the service claims the row first)."""

from celery import shared_task
from django.db import close_old_connections

from patients.services.photos import photo_make_thumbnail


@shared_task(name="patients.tasks.make_photo_thumbnail", ignore_result=True)
def make_photo_thumbnail(photo_id: int) -> bool:
    """The thumbnail of a large uploaded photo, made off the request."""
    close_old_connections()  # connections persist across tasks (CELERY_DB_REUSE_MAX)
    return photo_make_thumbnail(photo_id=photo_id)
