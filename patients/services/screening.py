"""The safety questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Invalid
from clinic.roles import Action
from patients.form_answers import answer_errors
from patients.models import (
    FormAnswer,
    FormResponse,
    FormVersion,
    Patient,
    Screening,
    ScreeningAnswer,
)
from patients.safety_form import safety_errors
from patients.services._common import require, user_of
from patients.services.forms import form_version_check_current
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


@transaction.atomic(durable=True)
def screening_submit_form(
    *, actor: Actor, patient: Patient, version: FormVersion, answers: Mapping[str, Any]
) -> Screening:
    """The safety questionnaire answered as the manager's form: the answers are kept with
    their form version, and each mapped question's yes/no becomes the screening answer
    of its contraindication, as clearance reads it."""
    require(actor, Action.SCREENING_SUBMIT, patient)
    form_version_check_current(version)
    questions = list(version.questions.select_related("contraindication"))
    if problems := safety_errors(questions):  # the catalog changed since this version
        raise Invalid(" ".join(problems), code="questionnaire_outdated")
    if errors := answer_errors(questions, answers):
        raise Invalid(
            _("Answer every question of the questionnaire, and only those."), fields=errors
        )
    response = FormResponse.objects.create(
        patient=patient, version=version, submitted_by=user_of(actor)
    )
    FormAnswer.objects.bulk_create(
        FormAnswer(response=response, question=q, value=answers[q.key])
        for q in questions
        if answers.get(q.key) is not None
    )
    declared = {q.contraindication.slug: answers[q.key] for q in questions if q.contraindication}
    return screening_submit(actor=actor, patient=patient, answers=declared)
