"""Reads of photos: the permission-scoped getter, a patient's photos by session, the
before/after comparison of one pose, and the photos a non-clinical use may take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.roles import Action, can, can_ever
from patients.models import Patient, Photo, PhotoConsent, PhotoPurpose, Pose

# Sessions a photo may belong to: held or under way (appointments' status values; the
# scheduling core sits above this app, so it is not imported).
NOT_A_SESSION = ("cancelled", "no_show")
SCORES = (
    ("tone_clinician", _("Tone")),
    ("puffiness_clinician", _("Puffiness")),
    ("elasticity_clinician", _("Elasticity")),
)


def photo_base() -> QuerySet[Photo]:
    return Photo.objects.select_related(
        "appointment__treatment", "appointment__session_record", "patient"
    )


def photo_get_for(user, photo_id: int) -> Photo:
    """The photo, if `user` may look at it: 403 for a role that never may (reception, the
    manager), 404 for a photo that is not theirs to see."""
    if not can_ever(user, Action.PHOTO_VIEW):
        raise PermissionDenied
    photo = photo_base().filter(pk=photo_id).first()
    if photo is None or not can(user, Action.PHOTO_VIEW, photo):
        raise Http404
    return photo


def patient_photos(patient: Patient) -> list[Photo]:
    return list(photo_base().filter(patient=patient).order_by("appointment__start", "pose", "id"))


def photo_sessions(patient: Patient) -> QuerySet:
    """The patient's sessions that a photo may be tied to, latest first."""
    return (
        patient.appointments.filter(start__lte=timezone.now())
        .exclude(status__in=NOT_A_SESSION)
        .select_related("treatment")
        .order_by("-start", "-id")
    )


@dataclass(frozen=True)
class ComparedPhoto:
    photo: Photo
    session_start: datetime
    scores: list[tuple[str, int | None]]


@dataclass(frozen=True)
class Comparison:
    pose: str
    before: ComparedPhoto
    after: ComparedPhoto


def _compared(photo: Photo) -> ComparedPhoto:
    try:
        record = photo.appointment.session_record
    except ObjectDoesNotExist:
        record = None
    scores = [(str(label), getattr(record, f, None) if record else None) for f, label in SCORES]
    return ComparedPhoto(photo, photo.appointment.start, scores)


def photo_comparison(
    photos: list[Photo], pose: str, before_id: int | None = None, after_id: int | None = None
) -> Comparison | None:
    """Two photos of one pose among `photos` (the caller's own scope): the chosen ones, or
    the first session's and the latest session's. None when the pose has fewer than two."""
    of_pose = [p for p in photos if p.pose == pose]
    if len(of_pose) < 2:
        return None
    by_id = {p.pk: p for p in of_pose}
    before = by_id.get(before_id) or of_pose[0]
    after = by_id.get(after_id) or of_pose[-1]
    return Comparison(pose, _compared(before), _compared(after))


def poses_with_photos(photos: list[Photo]) -> list[tuple[str, str]]:
    present = {p.pose for p in photos}
    return [(value, label) for value, label in Pose.choices if value in present]


def photo_consents(patient: Patient) -> dict[str, PhotoConsent | None]:
    """Each purpose with the patient's active consent to it, or None."""
    active = {c.purpose: c for c in patient.photo_consents.filter(withdrawn_at__isnull=True)}
    return {purpose: active.get(purpose) for purpose in PhotoPurpose.values}


def has_photo_consent(patient: Patient, purpose: str) -> bool:
    return patient.photo_consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists()


def photos_for_use(purpose: str) -> QuerySet[Photo]:
    """The photos a use (teaching, marketing) may take: only of patients whose consent to
    that purpose stands right now. Every non-clinical use goes through here, so a
    withdrawal takes the photos out of all of them at once."""
    consent = PhotoConsent.objects.filter(
        Q(patient=OuterRef("patient")), purpose=purpose, withdrawn_at__isnull=True
    )
    return photo_base().filter(Exists(consent))
