"""Photos for the tests: real JPEG/PNG/HEIC files made with Pillow (with EXIF, a GPS
position and an orientation, as a phone writes them), sessions of a patient in the past,
and the private storage pointed at a temporary directory."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from appointments.models import Appointment
from appointments.services import appointment_check_in
from chart.services import session_record_create
from clinic.audit import Actor
from clinic.roles import Role
from patients.models import Patient, PhotoPurpose
from patients.services.photos import photo_consent_set
from tests.desk.helpers import book, later
from tests.factories import staff

ORIENTATION, GPS_IFD, MAKE = 0x0112, 0x8825, 0x010F


def photo_bytes(
    size: tuple[int, int] = (60, 40), fmt: str = "JPEG", orientation: int | None = None
) -> bytes:
    """A picture whose left half is red and right half blue, with the EXIF a phone writes:
    camera make, GPS position and (optionally) an orientation tag."""
    image = Image.new("RGB", size, (200, 0, 0))
    image.paste((0, 0, 200), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    exif[GPS_IFD] = {1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.from_pillow(image).save(out, quality=80, exif=exif.tobytes())
    else:
        image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def upload_of(data: bytes, name: str = "face.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def session(p: Patient, treatment, days_ago: int, **scores: int) -> Appointment:
    """A face session held `days_ago` days ago (checked in, then recorded with `scores`
    when given, which completes it)."""
    a = book(p, treatment, later(days=3 + days_ago % 5, hour=9 + days_ago % 7))
    start = timezone.now() - timedelta(days=days_ago, minutes=5)
    Appointment.objects.filter(pk=a.pk).update(
        start=start,
        end=start + (a.end - a.start),
        blocked_until=start + (a.blocked_until - a.start),
    )
    a.refresh_from_db()
    if days_ago == 0:
        appointment_check_in(
            actor=Actor(user=staff(Role.RECEPTION)), appointment=a, screening_confirmed=True
        )
    else:  # a past session was checked in on its day
        Appointment.objects.filter(pk=a.pk).update(status="checked_in")
    a.refresh_from_db()
    if scores:
        session_record_create(
            actor=Actor(user=staff(Role.DERMATOLOGIST)),
            appointment=a,
            current_ua=400,
            frequency_hz="10",
            waveform="sine",
            areas=["face"],
            duration_minutes=40,
            **scores,
        )
        a.refresh_from_db()
    return a


def agree_to_photos(p: Patient, *purposes: str) -> None:
    photo_consent_set(
        actor=Actor(user=staff(Role.RECEPTION)),
        patient=p,
        purposes=set(purposes or [PhotoPurpose.CLINICAL]),
    )


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def private_files(settings, tmp_path) -> Path:
    """The clinical storage in a temporary directory of this test."""
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "clinical": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root
