"""Session records: the device parameters and outcome of one treatment session.

Current limits (seed 003): up to 600 µA helps (the treatment's recommended maximum,
above which a written justification is required); at 1500 µA and above nothing happens
in the cells or processes slow down, so that is refused as outside microcurrent therapy.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import (
    Appointment,
    RecordStatus,
    SessionRecord,
    SessionRecordAmendment,
    Status,
)
from appointments.services.status import appointment_complete
from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import Action, can
from treatments.models import MICROCURRENT_HARD_LIMIT_UA, Treatment

EDITABLE = (
    "current_ua",
    "current_justification",
    "frequency_hz",
    "waveform",
    "program",
    "areas",
    "duration_minutes",
    "conductive_gel",
    "preparations",
    "skin_response",
    "tone_clinician",
    "puffiness_clinician",
    "elasticity_clinician",
    "tone_patient",
    "puffiness_patient",
    "elasticity_patient",
    "notes",
)


def _require(actor: Actor, obj: Any) -> None:
    if not can(actor.user, Action.SESSION_RECORD_WRITE, obj):
        raise Forbidden(_("Only dermatologists record sessions."), code="forbidden")


def check_parameters(treatment: Treatment, values: Mapping[str, Any]) -> None:
    """The current and frequency limits, and the areas the treatment covers."""
    fields: dict[str, list[str]] = {}
    current = values.get("current_ua")
    if current is not None:
        if current >= MICROCURRENT_HARD_LIMIT_UA:
            fields["current_ua"] = [
                _(
                    "%(c)s µA is outside microcurrent therapy: at %(lim)s µA and above nothing "
                    "happens in the cells or processes slow down."
                )
                % {"c": current, "lim": MICROCURRENT_HARD_LIMIT_UA}
            ]
        elif (
            current > treatment.recommended_max_current_ua
            and not str(values.get("current_justification", "")).strip()
        ):
            fields["current_justification"] = [
                _("%(c)s µA is above the recommended %(max)s µA for %(t)s: write why.")
                % {"c": current, "max": treatment.recommended_max_current_ua, "t": treatment.name}
            ]
    frequency = values.get("frequency_hz")
    if (
        frequency is not None
        and not treatment.min_frequency_hz <= Decimal(frequency) <= treatment.max_frequency_hz
    ):
        fields["frequency_hz"] = [
            _("%(t)s runs at %(lo)s to %(hi)s Hz.")
            % {
                "t": treatment.name,
                "lo": treatment.min_frequency_hz,
                "hi": treatment.max_frequency_hz,
            }
        ]
    areas = values.get("areas")
    if areas is not None and (not areas or not set(areas) <= treatment.treated_areas):
        fields["areas"] = [
            _("Areas treated by %(t)s: %(a)s.")
            % {"t": treatment.name, "a": ", ".join(sorted(treatment.treated_areas))}
        ]
    if fields:
        raise Invalid(_("The session parameters have errors."), fields=fields)


@transaction.atomic
def session_record_create(
    *, actor: Actor, appointment: Appointment, sign: bool = False, **values: Any
) -> SessionRecord:
    _require(actor, appointment)
    appointment = (
        Appointment.objects.select_for_update().select_related("treatment").get(pk=appointment.pk)
    )
    if appointment.status not in (Status.CHECKED_IN, Status.COMPLETED):
        raise Invalid(
            _("A session is recorded for a patient who came: this appointment is %s.")
            % appointment.get_status_display(),
            code="appointment_not_attended",
            fields={"appointment": [_("Not attended.")]},
        )
    if not appointment.treatment.requires_device:
        raise Invalid(
            _("Consultations are recorded as consultations."),
            fields={"appointment": [_("Not a device session.")]},
        )
    if SessionRecord.objects.filter(appointment=appointment).exists():
        raise Conflict(
            _("This session is already recorded: amend the record."), code="already_recorded"
        )
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise Invalid(_("Unknown fields."), fields={f: [_("Unknown field.")] for f in unknown})
    check_parameters(appointment.treatment, values)
    record = SessionRecord.objects.create(
        appointment=appointment,
        patient_id=appointment.patient_id,
        created_by=actor.user,
        recommended_max_ua=appointment.treatment.recommended_max_current_ua,
        **values,
    )
    if appointment.status == Status.CHECKED_IN:  # recording the session completes the visit
        appointment_complete(actor=actor, appointment=appointment)
    audit_record(actor, action="create", obj=record, patient_id=record.patient_id)
    return session_record_sign(actor=actor, record=record) if sign else record


def _locked(record: SessionRecord) -> SessionRecord:
    return (
        SessionRecord.objects.select_for_update()
        .select_related("appointment__treatment")
        .get(pk=record.pk)
    )


@transaction.atomic
def session_record_sign(*, actor: Actor, record: SessionRecord) -> SessionRecord:
    _require(actor, record)
    record = _locked(record)
    if record.is_signed:
        raise Conflict(_("This session record is already signed."), code="already_signed")
    record.status, record.signed_at, record.signed_by = (
        RecordStatus.SIGNED,
        timezone.now(),
        actor.user,
    )
    record.save(update_fields=["status", "signed_at", "signed_by"])
    audit_record(actor, action="sign", obj=record, patient_id=record.patient_id)
    return record


@transaction.atomic
def session_record_update(*, actor: Actor, record: SessionRecord, **values: Any) -> SessionRecord:
    _require(actor, record)
    record = _locked(record)
    if record.is_signed:
        raise Conflict(
            _("This record is signed and read-only: add an amendment."), code="signed_read_only"
        )
    return _apply(actor, record, values, action="update")


def _apply(
    actor: Actor, record: SessionRecord, values: Mapping[str, Any], *, action: str
) -> SessionRecord:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise Invalid(_("Unknown fields."), fields={f: [_("Unknown field.")] for f in unknown})
    merged = {name: getattr(record, name) for name in EDITABLE} | dict(values)
    check_parameters(record.appointment.treatment, merged)
    for name, value in values.items():
        setattr(record, name, value)
    record.save()
    audit_record(
        actor, action=action, obj=record, patient_id=record.patient_id, fields=sorted(values)
    )
    return record


@transaction.atomic
def session_record_amend(
    *, actor: Actor, record: SessionRecord, reason: str, changes: Mapping[str, Any]
) -> SessionRecordAmendment:
    """Correct a signed record: the original stays in history and in the amendment."""
    _require(actor, record)
    record = _locked(record)
    if not record.is_signed:
        raise Conflict(_("A draft is edited directly, not amended."), code="not_signed")
    if not reason.strip():
        raise Invalid(
            _("Say why the record is amended."), fields={"reason": [_("This field is required.")]}
        )
    diff = {
        k: {"from": _json(getattr(record, k)), "to": _json(v)}
        for k, v in changes.items()
        if k in EDITABLE and getattr(record, k) != v
    }
    if not diff:
        raise Invalid(
            _("The amendment changes nothing."), fields={"changes": [_("Same as the record.")]}
        )
    _apply(actor, record, changes, action="amend")
    return SessionRecordAmendment.objects.create(
        record=record, author=actor.user, reason=reason.strip(), changes=diff
    )


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
