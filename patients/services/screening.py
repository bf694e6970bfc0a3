"""The safety questionnaire."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Invalid
from clinic.roles import Action
from patients.models import (
    Patient,
    Screening,
    ScreeningAnswer,
)
from patients.services._common import require, user_of
from treatments.models import Contraindication


@transaction.atomic
def screening_submit(*, actor: Actor, patient: Patient, answers: Mapping[str, bool]) -> Screening:
    """The patient's yes/no answer to every contraindication question (keyed by slug)."""
    require(actor, Action.SCREENING_SUBMIT, patient)
    contras = {c.slug: c for c in Contraindication.objects.all()}
    unknown = sorted(set(answers) - set(contras))
    missing = sorted(set(contras) - set(answers))
    fields = {s: [_("Unknown contraindication.")] for s in unknown}
    fields |= {s: [_("Please answer yes or no.")] for s in missing}
    if fields:
        raise Invalid(
            _("Answer every question of the questionnaire, and only those."), fields=fields
        )
    screening = Screening.objects.create(patient=patient, recorded_by=user_of(actor))
    ScreeningAnswer.objects.bulk_create(
        ScreeningAnswer(screening=screening, contraindication=contras[slug], answer=bool(value))
        for slug, value in answers.items()
    )
    audit_record(actor, action="create", obj=screening, patient_id=patient.pk)
    return screening


@transaction.atomic
def screening_confirm(*, actor: Actor, patient: Patient) -> Screening:
    """At check-in: the patient confirms the last answers still hold."""
    require(actor, Action.SCREENING_SUBMIT, patient)
    screening = Screening.objects.select_for_update().filter(patient=patient).first()
    if screening is None:
        raise Invalid(
            _("This patient has not answered the safety questionnaire yet."),
            code="screening_missing",
        )
    screening.confirmed_at = timezone.now()
    screening.save(update_fields=["confirmed_at"])
    audit_record(actor, action="confirm", obj=screening, patient_id=patient.pk)
    return screening
