"""Photo upload: what the clinic keeps (upright, no EXIF or location, capped, thumbnail),
and every refusal leaving nothing behind: no row, no file."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.models import AuditEvent
from clinic.roles import Role
from patients.files import clinical_read
from patients.models import Photo
from patients.services import photos as photo_service
from patients.services.photos import photo_make_thumbnail, photo_upload
from tests.appointments.clinic_setup import at_clinic_now
from tests.desk.helpers import cleared_patient
from tests.factories import staff
from tests.patients.photo_helpers import (
    GPS_IFD,
    ORIENTATION,
    agree_to_photos,
    photo_bytes,
    private_files,
    session,
    stored_files,
    upload_of,
)

pytestmark = [pytest.mark.django_db, at_clinic_now]
__all__ = ["private_files"]


@pytest.fixture
def visit(clinic):
    p = cleared_patient()
    agree_to_photos(p)
    return session(p, clinic.face, days_ago=0)


@pytest.fixture
def clinic(db):
    from tests.appointments.clinic_setup import build_clinic

    return build_clinic(practitioners=1, rooms=1, devices=1)


def _upload(visit, data: bytes, *, pose: str = "front", role: Role = Role.DERMATOLOGIST, **kw):
    return photo_upload(
        actor=Actor(user=staff(role)),
        patient=kw.get("patient", visit.patient),
        appointment_id=kw.get("appointment_id", visit.pk),
        pose=pose,
        upload=upload_of(data),
        size=kw.get("size", len(data)),
    )


def _refused(visit, private_files, data: bytes, code: str, **kw) -> Invalid:
    with pytest.raises(Invalid) as caught:
        _upload(visit, data, **kw)
    assert caught.value.code == code
    assert not Photo.objects.exists()
    assert stored_files(private_files) == []
    return caught.value


def test_the_stored_photo_is_upright_and_has_no_exif_or_location(visit, private_files):
    # Orientation 6: the camera was turned; the picture must be rotated 90° to stand up.
    photo = _upload(visit, photo_bytes((60, 40), orientation=6))
    stored = Image.open(io.BytesIO(clinical_read(photo.file_name)))
    assert stored.format == "JPEG"
    assert (stored.width, stored.height) == (photo.width, photo.height) == (40, 60)
    exif = stored.getexif()
    assert ORIENTATION not in exif and GPS_IFD not in exif and len(exif) == 0
    assert "exif" not in stored.info
    # What was the left (red) edge of the sensor is now the top: the rotation happened.
    top, bottom = stored.convert("RGB").getpixel((20, 2)), stored.convert("RGB").getpixel((20, 57))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    assert photo.patient_id == visit.patient_id and photo.appointment_id == visit.pk
    assert len(stored_files(private_files)) == 2  # the photo and its thumbnail


def test_large_photos_are_capped_and_get_a_small_thumbnail(visit, private_files, settings):
    settings.PHOTO_MAX_EDGE, settings.PHOTO_THUMB_EDGE = 500, 100
    photo = _upload(visit, photo_bytes((1500, 1000)))
    assert (photo.width, photo.height) == (500, 333)
    thumb = Image.open(io.BytesIO(clinical_read(photo.thumb_name)))
    assert max(thumb.size) == 100 and len(thumb.getexif()) == 0


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "face.png"), ("HEIF", "face.heic")])
def test_png_and_heic_photos_are_accepted_and_stored_as_jpeg(visit, private_files, fmt, name):
    photo = _upload(visit, photo_bytes((64, 48), fmt=fmt, orientation=1))
    stored = Image.open(io.BytesIO(clinical_read(photo.file_name)))
    assert stored.format == "JPEG" and stored.size == (64, 48)
    assert len(stored.getexif()) == 0


def test_a_file_that_is_not_an_image_is_refused_and_nothing_stored(visit, private_files):
    err = _refused(visit, private_files, b"%PDF-1.4 not a photo at all", "not_an_image")
    assert "image" in err.fields


def test_a_gif_is_not_a_photo_format(visit, private_files):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    _refused(visit, private_files, out.getvalue(), "not_an_image")


def test_an_image_bomb_is_refused_before_it_is_decoded(visit, private_files):
    # 14000 x 14000 pixels in a few kilobytes: over Pillow's decompression bomb limit.
    out = io.BytesIO()
    Image.new("1", (14_000, 14_000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    _refused(visit, private_files, out.getvalue(), "image_bomb")


def test_a_picture_over_the_clinic_pixel_cap_is_refused(visit, private_files, settings):
    settings.PHOTO_MAX_PIXELS = 1000  # below Pillow's own limit: the clinic's cap decides
    _refused(visit, private_files, photo_bytes((60, 40)), "image_bomb")


def test_a_file_over_the_size_cap_is_refused(visit, private_files, settings):
    settings.PHOTO_MAX_UPLOAD_MB = 1
    data = photo_bytes()
    _refused(visit, private_files, data, "too_large", size=1024 * 1024 + 1)


def test_a_pose_that_does_not_exist_is_refused(visit, private_files):
    err = _refused(visit, private_files, photo_bytes(), "invalid", pose="upside_down")
    assert "pose" in err.fields


def test_a_photo_for_another_patients_session_is_refused(clinic, visit, private_files):
    other = cleared_patient()
    agree_to_photos(other)
    err = _refused(visit, private_files, photo_bytes(), "other_patient", patient=other)
    assert "appointment" in err.fields


def test_a_session_that_does_not_exist_is_refused(visit, private_files):
    _refused(visit, private_files, photo_bytes(), "invalid", appointment_id=10**9)


def test_a_session_in_the_future_or_cancelled_takes_no_photo(clinic, visit, private_files):
    from appointments.models import Appointment
    from tests.desk.helpers import book, later

    upcoming = book(visit.patient, clinic.face, later(days=5))
    _refused(visit, private_files, photo_bytes(), "invalid", appointment_id=upcoming.pk)
    Appointment.objects.filter(pk=upcoming.pk).update(status="cancelled")
    _refused(visit, private_files, photo_bytes(), "invalid", appointment_id=upcoming.pk)


def test_no_photo_without_the_patients_consent_to_photos(clinic, private_files):
    visit = session(cleared_patient(), clinic.face, days_ago=0)
    _refused(visit, private_files, photo_bytes(), "no_photo_consent")


def test_the_manager_may_not_upload(visit, private_files):
    with pytest.raises(Exception) as caught:
        _upload(visit, photo_bytes(), role=Role.MANAGER)
    assert getattr(caught.value, "code", "") == "forbidden"
    assert stored_files(private_files) == []


def test_a_failure_after_the_files_were_written_removes_them(visit, private_files, monkeypatch):
    def broken_audit(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(photo_service, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        _upload(visit, photo_bytes())
    assert not Photo.objects.exists()
    assert stored_files(private_files) == []


def test_the_upload_is_audited(visit, private_files):
    photo = _upload(visit, photo_bytes(), role=Role.RECEPTION)
    row = AuditEvent.objects.get(action="create", object_type="patients.photo")
    assert row.object_id == str(photo.pk) and row.patient_id == visit.patient_id


def test_a_large_upload_gets_its_thumbnail_from_the_worker_task_once(
    visit, private_files, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PHOTO_THUMB_ASYNC_BYTES = 100
    sent = []
    # Only the hand-over to the broker is replaced: the task is then run as the worker would.
    monkeypatch.setattr(photo_service.current_app, "send_task", lambda *a, **k: sent.append((a, k)))
    with django_capture_on_commit_callbacks(execute=True):
        photo = _upload(visit, photo_bytes((300, 200)))
    assert sent == [((photo_service.THUMBNAIL_TASK,), {"args": [photo.pk]})]
    assert photo.thumb_name == "" and len(stored_files(private_files)) == 1
    assert photo_make_thumbnail(photo_id=photo.pk) is True
    assert photo_make_thumbnail(photo_id=photo.pk) is False  # a second delivery does nothing
    photo.refresh_from_db()
    assert photo.thumb_name and len(stored_files(private_files)) == 2
