"""The thumbnail of a large upload is made by a real Celery worker process, off the
request, in the same private storage; a second delivery of the task changes nothing."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from clinic.audit import Actor
from clinic.roles import Role
from patients.files import clinical_read
from patients.models import Photo
from patients.services.photos import photo_make_thumbnail, photo_upload
from tests.appointments.clinic_setup import build_clinic
from tests.conftest import WorkerProcess, wait_until
from tests.desk.helpers import cleared_patient
from tests.factories import staff
from tests.patients.photo_helpers import (
    agree_to_photos,
    photo_bytes,
    private_files,
    session,
    stored_files,
    upload_of,
)

__all__ = ["private_files"]


@pytest.fixture
def worker(transactional_db, django_db_serialized_rollback, private_files, tmp_path):
    """A real worker that reads and writes the same private storage as the test."""
    process = WorkerProcess(tmp_path / "worker.log", CLINIC_FILES_DIR=str(private_files))
    process.start()
    yield process
    process.stop()


def test_a_real_worker_makes_the_thumbnail_of_a_large_upload(worker, private_files, settings):
    settings.PHOTO_THUMB_ASYNC_BYTES = 1000  # every upload of this test counts as large
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = cleared_patient()
    agree_to_photos(p)
    visit = session(p, clinic.face, days_ago=1)
    data = photo_bytes((1200, 900))
    photo = photo_upload(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        patient=p,
        appointment_id=visit.pk,
        pose="left_45",
        upload=upload_of(data),
        size=len(data),
    )
    assert photo.thumb_name == ""  # committed without it: the worker's job

    def made() -> bool:
        return bool(Photo.objects.get(pk=photo.pk).thumb_name)

    assert wait_until(made, timeout=30), worker.log.read_text()[-3000:]
    photo.refresh_from_db()
    thumb = Image.open(io.BytesIO(clinical_read(photo.thumb_name)))
    assert max(thumb.size) == settings.PHOTO_THUMB_EDGE and len(thumb.getexif()) == 0
    assert len(stored_files(private_files)) == 2
    assert photo_make_thumbnail(photo_id=photo.pk) is False  # delivered again: nothing new
    assert len(stored_files(private_files)) == 2
