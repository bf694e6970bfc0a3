"""What the photo pages of the chart, the desk and the patient share: serving a photo
(the only way its bytes leave the storage, each view audited), the upload step, the
comparison context and the photo consent step."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clinic.audit import Actor, audit_record
from clinic.errors import DomainError
from clinic.pages import show_domain_error
from patients.files import clinical_storage
from patients.models import Patient, Photo
from patients.photo_forms import PhotoCompareForm, PhotoConsentForm, PhotoUploadForm
from patients.photo_selectors import (
    patient_photos,
    photo_comparison,
    photo_consents,
    photo_get_for,
    poses_with_photos,
)
from patients.services.photos import photo_consent_set, photo_upload

VARIANTS = ("full", "thumb")


@login_required
@require_GET
def photo_file(request: HttpRequest, pk: int, variant: str) -> HttpResponse:
    """A photo's bytes, for a dermatologist or the patient it shows. Never cached by a
    browser or a proxy; each view is one audit row."""
    if variant not in VARIANTS:
        raise Http404
    photo = photo_get_for(request.user, pk)
    name = photo.thumb_name if variant == "thumb" and photo.thumb_name else photo.file_name
    audit_record(
        Actor.from_request(request),
        action="read",
        obj=photo,
        patient_id=photo.patient_id,
        variant=variant,
    )
    response = FileResponse(clinical_storage().open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}-{variant}.jpg"'
    return response


def upload_step(request: HttpRequest, patient: Patient) -> tuple[PhotoUploadForm, Photo | None]:
    """The upload form, and the photo when a valid POST stored one (errors beside the
    fields otherwise)."""
    posted = request.method == "POST"
    form = PhotoUploadForm(
        request.POST if posted else None, request.FILES if posted else None, patient=patient
    )
    if not (posted and form.is_valid()):
        return form, None
    upload = form.cleaned_data["image"]
    try:
        photo = photo_upload(
            actor=Actor.from_request(request),
            patient=patient,
            appointment_id=form.cleaned_data["appointment"],
            pose=form.cleaned_data["pose"],
            upload=upload,
            size=upload.size,
        )
    except DomainError as exc:
        show_domain_error(form, exc)
        return form, None
    messages.success(request, _("The photo is saved."))
    return form, photo


def compare_context(request: HttpRequest, photos: list[Photo]) -> dict[str, Any]:
    poses = poses_with_photos(photos)
    form = PhotoCompareForm(request.GET or None)
    pose, before, after = form.choice(poses[0][0] if poses else None)
    comparison = photo_comparison(photos, pose, before, after) if pose else None
    of_pose = [p for p in photos if p.pose == pose]
    return {
        "photos": photos,
        "poses": poses,
        "pose": pose,
        "of_pose": of_pose,
        "comparison": comparison,
    }


def consent_step(request: HttpRequest, patient: Patient) -> tuple[PhotoConsentForm, bool]:
    """The photo consent form; True when a valid POST changed it."""
    current = [p for p, c in photo_consents(patient).items() if c is not None]
    if request.method != "POST":
        return PhotoConsentForm(initial={"purposes": current}), False
    form = PhotoConsentForm(request.POST)
    if not form.is_valid():
        return form, False
    try:
        photo_consent_set(
            actor=Actor.from_request(request),
            patient=patient,
            purposes=set(form.cleaned_data["purposes"]),
        )
    except DomainError as exc:
        show_domain_error(form, exc)
        return form, False
    messages.success(request, _("The photo consent is saved."))
    return form, True


def photo_page_context(request: HttpRequest, patient: Patient) -> dict[str, Any]:
    """The comparison of the patient's photos (each shown image is fetched, and audited,
    through photo_file)."""
    return {"patient": patient, **compare_context(request, patient_photos(patient))}
