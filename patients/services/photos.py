"""Photos: upload (checked, cleaned and stored privately), their thumbnails, and the
patient's photo consent per purpose."""

from __future__ import annotations

import uuid
from typing import IO

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Invalid
from clinic.roles import Action
from patients.files import clinical_read, clinical_storage
from patients.imaging import Picture, photo_normalise, photo_thumbnail
from patients.models import Patient, Photo, PhotoConsent, PhotoPurpose, Pose
from patients.photo_selectors import NOT_A_SESSION, has_photo_consent
from patients.services._common import require, user_of

THUMBNAIL_TASK = "patients.tasks.make_photo_thumbnail"


def _check_session(patient: Patient, appointment_id: int) -> None:
    Appointment = Photo._meta.get_field("appointment").related_model
    row = (
        Appointment.objects.filter(pk=appointment_id)
        .values("patient_id", "status", "start")
        .first()
    )
    if row is None:
        raise Invalid(_("No such session."), fields={"appointment": [_("No such session.")]})
    if row["patient_id"] != patient.pk:
        message = _("This session is another patient's.")
        raise Invalid(message, code="other_patient", fields={"appointment": [message]})
    if row["status"] in NOT_A_SESSION:
        message = _("This appointment did not take place.")
        raise Invalid(message, fields={"appointment": [message]})
    if row["start"] > timezone.now():
        message = _("This session has not started yet.")
        raise Invalid(message, fields={"appointment": [message]})


def _check_request(patient: Patient, appointment_id: int, pose: str) -> None:
    if pose not in Pose.values:
        raise Invalid(_("Choose one of the poses."), fields={"pose": [_("Unknown pose.")]})
    _check_session(patient, appointment_id)
    _require_clinical_consent(patient)


def _require_clinical_consent(patient: Patient) -> None:
    if not has_photo_consent(patient, PhotoPurpose.CLINICAL):
        message = _("The patient has not agreed to photos for their clinical record.")
        raise Invalid(message, code="no_photo_consent", fields={"image": [message]})


def photo_upload(
    *, actor: Actor, patient: Patient, appointment_id: int, pose: str, upload: IO[bytes], size: int
) -> Photo:
    """Check everything first (nothing is stored for a refused photo), then store the
    cleaned photo and its row together: a failure after a file was written removes it."""
    require(actor, Action.PHOTO_UPLOAD, patient)
    _check_request(patient, appointment_id, pose)
    picture = photo_normalise(upload, size)
    later = size > settings.PHOTO_THUMB_ASYNC_BYTES
    written: list[str] = []
    try:
        with transaction.atomic(durable=True):
            photo = _store(actor, patient, appointment_id, pose, picture, written, later)
    except BaseException:
        for name in written:
            clinical_storage().delete(name)
        raise
    return photo


def _save_file(patient: Patient, data: bytes, written: list[str], suffix: str = "") -> str:
    name = clinical_storage().save(
        f"photos/{patient.pk}/{uuid.uuid4().hex}{suffix}.jpg", ContentFile(data)
    )
    written.append(name)
    return name


def _store(
    actor: Actor,
    patient: Patient,
    appointment_id: int,
    pose: str,
    picture: Picture,
    written: list[str],
    thumbnail_later: bool,
) -> Photo:
    # Checked again under the patient's lock: a withdrawal cannot slip in between.
    Patient.objects.select_for_update().get(pk=patient.pk)
    _require_clinical_consent(patient)
    thumb = (
        ""
        if thumbnail_later
        else _save_file(patient, photo_thumbnail(picture.data).data, written, "-t")
    )
    photo = Photo.objects.create(
        patient=patient,
        appointment_id=appointment_id,
        pose=pose,
        file_name=_save_file(patient, picture.data, written),
        thumb_name=thumb,
        width=picture.width,
        height=picture.height,
        byte_size=len(picture.data),
        uploaded_by=user_of(actor),
    )
    audit_record(actor, action="create", obj=photo, patient_id=patient.pk, pose=pose)
    if thumbnail_later:
        transaction.on_commit(lambda: current_app.send_task(THUMBNAIL_TASK, args=[photo.pk]))
    return photo


def photo_make_thumbnail(*, photo_id: int) -> bool:
    """Make the missing thumbnail of a photo (the worker's job for large uploads). The row
    is locked first and skipped when another worker holds it or the thumbnail exists, so
    running it twice does no harm. True when this call made it."""
    written: list[str] = []
    try:
        with transaction.atomic(durable=True):
            photo = (
                Photo.objects.select_for_update(skip_locked=True)
                .filter(pk=photo_id, thumb_name="")
                .first()
            )
            if photo is None:
                return False
            data = photo_thumbnail(clinical_read(photo.file_name)).data
            photo.thumb_name = _save_file(photo.patient, data, written, "-t")
            photo.save(update_fields=["thumb_name"])
    except BaseException:
        for name in written:
            clinical_storage().delete(name)
        raise
    return True


@transaction.atomic(durable=True)
def photo_consent_set(*, actor: Actor, patient: Patient, purposes: set[str]) -> None:
    """The patient's photo consent becomes exactly `purposes`: new ones are granted, the
    others withdrawn at once (a withdrawn purpose's photos leave every use of it)."""
    require(actor, Action.PHOTO_CONSENT, patient)
    unknown = purposes - set(PhotoPurpose.values)
    if unknown:
        raise Invalid(_("Unknown purpose."), fields={"purposes": [_("Unknown purpose.")]})
    Patient.objects.select_for_update().get(pk=patient.pk)
    now = timezone.now()
    active = patient.photo_consents.filter(withdrawn_at__isnull=True)
    withdrawn = list(active.exclude(purpose__in=purposes).values_list("purpose", flat=True))
    active.filter(purpose__in=withdrawn).update(withdrawn_at=now)
    held = set(active.values_list("purpose", flat=True))
    granted = sorted(purposes - held)
    PhotoConsent.objects.bulk_create(
        PhotoConsent(patient=patient, purpose=p, granted_at=now, recorded_by=user_of(actor))
        for p in granted
    )
    if granted or withdrawn:
        audit_record(
            actor,
            action="photo_consent",
            obj=patient,
            patient_id=patient.pk,
            granted=granted,
            withdrawn=sorted(withdrawn),
        )
