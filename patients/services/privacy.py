"""A patient's own data: download everything (JSON), or erase the login and contact data.

Both walk every relation to Patient (and one level below it), so a model added later is
exported too, and nothing of another patient can slip in: every row is reached through
this patient's own foreign keys.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core import serializers
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Forbidden
from clinic.models import AuditEvent
from clinic.roles import Action, can
from patients.files import clinical_read
from patients.models import NON_CLINICAL, ErasureRecord, Patient, Photo

# Rows that are not the patient's data: security material and bookkeeping.
NOT_EXPORTED = {"appointments.idempotencykey"}


def _children(model: type[models.Model]) -> Iterator[tuple[type[models.Model], str]]:
    for rel in model._meta.related_objects:
        related = rel.related_model
        if rel.one_to_many or rel.one_to_one:
            label = related._meta.label_lower
            if not related.__name__.startswith("Historical") and label not in NOT_EXPORTED:
                yield related, rel.field.name


def _collect(patient: Patient) -> dict[str, list[models.Model]]:
    found: dict[str, list[models.Model]] = {"patients.patient": [patient]}
    level = [(Patient, [patient.pk])]
    for _depth in range(2):
        below = []
        for model, ids in level:
            for child, fk in _children(model):
                rows = list(child._base_manager.filter(**{f"{fk}__in": ids}).order_by("pk"))
                if child is not Patient and rows:
                    found.setdefault(child._meta.label_lower, []).extend(rows)
                    below.append((child, [r.pk for r in rows]))
        level = below
    return found


def patient_export(*, actor: Actor, patient: Patient) -> dict[str, Any]:
    if not can(actor.user, Action.PRIVACY_SELF, patient):
        raise Forbidden(_("You may download only your own data."), code="forbidden")
    records = {
        label: serializers.serialize("python", _dedupe(rows))
        for label, rows in _collect(patient).items()
    }
    records["clinic.auditevent"] = list(
        AuditEvent.objects.filter(patient_id=patient.pk).values(
            "at", "actor_label", "action", "object_type", "object_id"
        )
    )
    audit_record(actor, action="export", obj=patient, patient_id=patient.pk)
    return {
        "patient": patient.pk,
        "exported_at": timezone.now().isoformat(),
        "records": records,
        "photos": _photo_files(patient),
        "signed_consents": _signed_consent_files(patient),
    }


def _signed_consent_files(patient: Patient) -> list[dict[str, Any]]:
    """Each consent signed on screen, as the frozen PDF (with its SHA-256)."""
    return [
        {
            "id": signed.pk,
            "version": signed.consent.version,
            "sha256": signed.pdf_sha256,
            "pdf_base64": base64.b64encode(clinical_read(signed.pdf_name)).decode("ascii"),
        }
        for signed in patient.consents.exclude(pdf_name="").select_related("consent").order_by("pk")
    ]


def _photo_files(patient: Patient) -> list[dict[str, Any]]:
    """The photos themselves (as stored: upright, without EXIF), beside their rows."""
    return [
        {
            "id": photo.pk,
            "pose": photo.pose,
            "appointment": photo.appointment_id,
            "jpeg_base64": base64.b64encode(clinical_read(photo.file_name)).decode("ascii"),
        }
        for photo in Photo.objects.filter(patient=patient).order_by("pk")
    ]


def _dedupe(rows: list[models.Model]) -> list[models.Model]:
    seen, out = set(), []
    for row in rows:
        if row.pk not in seen:
            seen.add(row.pk)
            out.append(row)
    return out


@transaction.atomic
def patient_erase(*, actor: Actor, patient: Patient, reason: str = "") -> ErasureRecord:
    """Remove the login, contact data and reminder consent; keep the clinical record,
    as the law requires, and record why."""
    if not can(actor.user, Action.PRIVACY_SELF, patient):
        raise Forbidden(_("You may erase only your own data."), code="forbidden")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.erasures.exists():
        raise Conflict(_("This patient's data was already erased."), code="already_erased")
    removed = {
        "login": patient.user_id is not None,
        "email": bool(patient.email),
        "phone": bool(patient.phone),
        "reminder_consent": patient.reminder_consent_at is not None,
    }
    user = patient.user
    patient.user, patient.email, patient.phone = None, "", ""
    patient.remind_by_email = patient.remind_by_sms = False
    patient.reminder_consent_at = None
    patient.save()
    patient.history.update(email="", phone="")  # past versions held the contact data too
    # Photos stay with the clinical record (same retention); every other use of them ends.
    removed["photo_consents"] = _withdraw_non_clinical_photo_consent(patient)
    if user is not None:
        _retire_login(user)
    return ErasureRecord.objects.create(
        patient=patient,
        requested_by=actor.user if actor.user.is_authenticated else None,
        removed=removed,
        retention_reason=reason or settings.CLINIC_RECORD_RETENTION_REASON,
    )


def _withdraw_non_clinical_photo_consent(patient: Patient) -> list[str]:
    active = patient.photo_consents.filter(withdrawn_at__isnull=True, purpose__in=NON_CLINICAL)
    purposes = sorted(active.values_list("purpose", flat=True))
    active.update(withdrawn_at=timezone.now())
    return purposes


def _retire_login(user: Any) -> None:
    from clinic.tokens import api_tokens_revoke

    api_tokens_revoke(user_id=user.pk)
    user.username = f"erased-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.is_active = False  # every session of it stops working at once
    user.set_unusable_password()
    user.save()
