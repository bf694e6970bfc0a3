"""Consultations: record, sign, amend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Invalid
from clinic.roles import Action
from patients.models import (
    Amendment,
    Clearance,
    Consultation,
    ConsultationStatus,
    ContraindicationReview,
    Patient,
    ReviewStatus,
    Screening,
    TreatmentPlan,
)
from patients.services._common import require
from patients.services.screening import screening_submit
from treatments.models import Contraindication, Indication, Kind, Scope, Treatment


@dataclass(frozen=True)
class ReviewInput:
    contraindication: str  # slug
    status: str
    area: str = ""
    review_date: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class PlanInput:
    treatment: Treatment
    sessions: int
    sessions_per_week: int
    program: str = ""
    home_care: str = ""
    preparations: str = ""


CONSULTATION_FIELDS = (
    "performed_on",
    "anamnesis",
    "skin_type",
    "fitzpatrick_type",
    "skin_concerns",
    "clearance",
    "excluded_areas",
    "clearance_notes",
)


def _validate_reviews(reviews: Sequence[ReviewInput], contras: dict[str, Contraindication]) -> None:
    fields: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, r in enumerate(reviews):
        key = f"reviews[{i}]"
        c = contras.get(r.contraindication)
        if c is None:
            fields[f"{key}.contraindication"] = [
                _("Unknown contraindication: %s.") % r.contraindication
            ]
            continue
        if r.contraindication in seen:
            fields[f"{key}.contraindication"] = [_("Reviewed twice.")]
        seen.add(r.contraindication)
        if r.status not in ReviewStatus.values:
            fields[f"{key}.status"] = [_("Must be absent, present or resolved.")]
        if c.scope == Scope.LOCAL and r.status != ReviewStatus.ABSENT and not r.area:
            fields[f"{key}.area"] = [_("Give the affected area of a local contraindication.")]
        if c.scope == Scope.SYSTEMIC and r.area:
            fields[f"{key}.area"] = [_("A systemic contraindication has no area.")]
        if c.kind == Kind.TEMPORARY and r.status != ReviewStatus.ABSENT and not r.review_date:
            fields[f"{key}.review_date"] = [
                _("Give a review date for a temporary contraindication.")
            ]
    if fields:
        raise Invalid(_("The contraindication review has errors."), fields=fields)


def _validate_plans(plans: Sequence[PlanInput]) -> None:
    fields: dict[str, list[str]] = {}
    for i, p in enumerate(plans):
        t = p.treatment
        if t.is_consultation:
            fields[f"plans[{i}].treatment"] = [_("A consultation is not a treatment course.")]
            continue
        lo, hi = t.course_sessions_min, t.course_sessions_max
        if lo is not None and hi is not None and not lo <= p.sessions <= hi:
            fields[f"plans[{i}].sessions"] = [
                _("%(name)s takes %(lo)s to %(hi)s sessions.")
                % {"name": t.name, "lo": lo, "hi": hi}
            ]
        if t.min_sessions_per_week and p.sessions_per_week < t.min_sessions_per_week:
            fields[f"plans[{i}].sessions_per_week"] = [
                _("%(name)s needs at least %(n)s sessions a week.")
                % {"name": t.name, "n": t.min_sessions_per_week}
            ]
        if p.sessions_per_week > 7:
            fields[f"plans[{i}].sessions_per_week"] = [_("At most 7 a week.")]
    if fields:
        raise Invalid(_("The treatment plan has errors."), fields=fields)


def _validate_for_signing(consultation: Consultation, *, record_screening: bool = False) -> None:
    """A signed decision must agree with the review: nothing is cleared past a finding, nor
    without the patient's own current answers to the safety questionnaire (or the
    dermatologist recording them now, `record_screening`)."""
    reviews = list(consultation.reviews.select_related("contraindication"))
    reviewed = {r.contraindication.slug for r in reviews}
    missing = list(
        Contraindication.objects.exclude(slug__in=reviewed).values_list("slug", flat=True)
    )
    fields: dict[str, list[str]] = {}
    if missing:
        fields["reviews"] = [_("Review every contraindication; missing: %s.") % ", ".join(missing)]
    if not consultation.clearance:
        fields["clearance"] = [_("Record the clearance decision.")]
    elif consultation.clearance != Clearance.NOT_CLEARED:
        if not consultation.plans.exists():
            # A consultation clears what it plans (patients.clearance): nothing, without one.
            fields["plans"] = [_("Plan the treatments this consultation clears the patient for.")]
        latest = Screening.objects.filter(patient_id=consultation.patient_id).first()
        if not record_screening and (latest is None or not latest.valid_on(timezone.now())):
            fields["record_screening"] = [
                _(
                    "The patient has no safety questionnaire of the last 30 days: ask them "
                    "to answer it, or record their answers with this review."
                )
            ]
    present = [r for r in reviews if r.status == ReviewStatus.PRESENT]
    systemic = [r for r in present if r.contraindication.scope == Scope.SYSTEMIC]
    if systemic and consultation.clearance != Clearance.NOT_CLEARED:
        fields["clearance"] = [
            _("%s is present: the patient cannot be cleared.") % systemic[0].contraindication.name
        ]
    local_areas = {r.area for r in present if r.contraindication.scope == Scope.LOCAL}
    if local_areas and consultation.clearance == Clearance.CLEARED:
        fields["clearance"] = [
            _(
                "A local contraindication is present: clear with restrictions "
                "excluding that area, or do not clear."
            )
        ]
    if consultation.clearance == Clearance.CLEARED_WITH_RESTRICTIONS:
        if not consultation.excluded_areas:
            fields["excluded_areas"] = [_("Name the excluded areas.")]
        elif not local_areas <= set(consultation.excluded_areas):
            fields["excluded_areas"] = [
                _("Exclude every area with a present local contraindication.")
            ]
    elif consultation.excluded_areas and consultation.clearance == Clearance.CLEARED:
        fields["excluded_areas"] = [_("Excluded areas need 'cleared with restrictions'.")]
    if fields:
        raise Invalid(
            _("The consultation cannot be signed yet."), fields=fields, code="cannot_sign"
        )


def _write_children(
    consultation: Consultation,
    reviews: Sequence[ReviewInput] | None,
    plans: Sequence[PlanInput] | None,
    indications: Sequence[str] | None,
) -> None:
    if reviews is not None:
        contras = {c.slug: c for c in Contraindication.objects.all()}
        _validate_reviews(reviews, contras)
        consultation.reviews.all().delete()
        ContraindicationReview.objects.bulk_create(
            ContraindicationReview(
                consultation=consultation,
                contraindication=contras[r.contraindication],
                status=r.status,
                area=r.area,
                review_date=r.review_date,
                notes=r.notes,
            )
            for r in reviews
        )
    if plans is not None:
        _validate_plans(plans)
        consultation.plans.all().delete()
        TreatmentPlan.objects.bulk_create(
            TreatmentPlan(consultation=consultation, **p.__dict__) for p in plans
        )
    if indications is not None:
        found = {i.slug: i for i in Indication.objects.filter(slug__in=indications)}
        unknown = sorted(set(indications) - set(found))
        if unknown:
            raise Invalid(_("Unknown indication."), fields={"indications": [", ".join(unknown)]})
        consultation.indications.set(found.values())


def _set_fields(consultation: Consultation, values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(CONSULTATION_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields."), fields={f: [_("Unknown field.")] for f in unknown})
    for name, value in values.items():
        setattr(consultation, name, value)
    if consultation.performed_on and consultation.performed_on > timezone.localdate():
        raise Invalid(
            _("A consultation cannot be in the future."),
            fields={"performed_on": [_("In the future.")]},
        )


@transaction.atomic
def consultation_create(
    *,
    actor: Actor,
    patient: Patient,
    reviews: Sequence[ReviewInput] = (),
    plans: Sequence[PlanInput] = (),
    indications: Sequence[str] = (),
    sign: bool = False,
    record_screening: bool = False,
    **values: Any,
) -> Consultation:
    require(actor, Action.CONSULTATION_WRITE, patient)
    if patient.merged_into_id:
        raise Invalid(_("This record was merged into another patient."), code="merged_patient")
    consultation = Consultation(patient=patient, dermatologist=actor.user)
    _set_fields(consultation, values)
    consultation.save()
    _write_children(consultation, reviews, plans, indications)
    audit_record(actor, action="create", obj=consultation, patient_id=patient.pk)
    if sign:
        consultation = consultation_sign(
            actor=actor, consultation=consultation, record_screening=record_screening
        )
    return consultation


def _locked(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


@transaction.atomic
def consultation_update(
    *,
    actor: Actor,
    consultation: Consultation,
    reviews: Sequence[ReviewInput] | None = None,
    plans: Sequence[PlanInput] | None = None,
    indications: Sequence[str] | None = None,
    **values: Any,
) -> Consultation:
    require(actor, Action.CONSULTATION_WRITE, consultation)
    consultation = _locked(consultation)
    if consultation.is_signed:
        raise Conflict(
            _("This consultation is signed and read-only: add an amendment instead."),
            code="signed_read_only",
        )
    _set_fields(consultation, values)
    consultation.save()
    _write_children(consultation, reviews, plans, indications)
    audit_record(actor, action="update", obj=consultation, patient_id=consultation.patient_id)
    return consultation


@transaction.atomic
def consultation_sign(
    *, actor: Actor, consultation: Consultation, record_screening: bool = False
) -> Consultation:
    """Sign: the decision becomes the patient's clearance. `record_screening`: the patient
    answered the safety questions in this consultation; the review's answers (present:
    yes) are recorded as their questionnaire, before the signature."""
    require(actor, Action.CONSULTATION_WRITE, consultation)
    consultation = _locked(consultation)
    if consultation.is_signed:
        raise Conflict(_("This consultation is already signed."), code="already_signed")
    _validate_for_signing(consultation, record_screening=record_screening)
    if record_screening:
        answers = {
            r.contraindication.slug: r.status == ReviewStatus.PRESENT
            for r in consultation.reviews.select_related("contraindication")
        }
        screening_submit(actor=actor, patient=consultation.patient, answers=answers)
    consultation.status = ConsultationStatus.SIGNED
    consultation.signed_at = timezone.now()
    consultation.signed_by = actor.user
    consultation.save(update_fields=["status", "signed_at", "signed_by"])
    audit_record(actor, action="sign", obj=consultation, patient_id=consultation.patient_id)
    return consultation


AMENDABLE_FIELDS = (
    "anamnesis",
    "skin_type",
    "fitzpatrick_type",
    "skin_concerns",
    "clearance",
    "excluded_areas",
    "clearance_notes",
)


@transaction.atomic
def consultation_amend(
    *, actor: Actor, consultation: Consultation, reason: str, changes: Mapping[str, Any]
) -> Amendment:
    """Correct a signed consultation. The original stays in its history and in the
    amendment's "from" values; the record shows the corrected values."""
    require(actor, Action.CONSULTATION_WRITE, consultation)
    consultation = _locked(consultation)
    if not consultation.is_signed:
        raise Conflict(_("A draft is edited directly, not amended."), code="not_signed")
    if not reason.strip():
        raise Invalid(
            _("Say why the record is amended."), fields={"reason": [_("This field is required.")]}
        )
    unknown = set(changes) - set(AMENDABLE_FIELDS)
    if unknown or not changes:
        raise Invalid(
            _("Amend one or more of: %s.") % ", ".join(AMENDABLE_FIELDS),
            fields={f: [_("Cannot be amended.")] for f in unknown}
            or {"changes": [_("Nothing to change.")]},
        )
    diff = {}
    for name, value in changes.items():
        old = getattr(consultation, name)
        if old != value:
            diff[name] = {"from": old, "to": value}
            setattr(consultation, name, value)
    if not diff:
        raise Invalid(
            _("The amendment changes nothing."), fields={"changes": [_("Same as the record.")]}
        )
    _validate_for_signing(consultation)
    consultation.full_clean(exclude=["patient", "dermatologist", "signed_by", "indications"])
    consultation.save()
    amendment = Amendment.objects.create(
        consultation=consultation,
        author=actor.user,
        reason=reason.strip(),
        changes={
            k: {"from": _jsonable(v["from"]), "to": _jsonable(v["to"])} for k, v in diff.items()
        },
    )
    audit_record(
        actor,
        action="amend",
        obj=consultation,
        patient_id=consultation.patient_id,
        fields=sorted(diff),
    )
    return amendment


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
