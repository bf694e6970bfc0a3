"""Forms the manager edits: publishing a version, and a patient's answers to one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Invalid
from clinic.roles import Action
from patients.form_answers import answer_errors
from patients.models import FormAnswer, FormResponse, FormVersion, Patient
from patients.safety_form import SAFETY_FORM, safety_errors
from patients.services._common import require, user_of


def _version_errors(version: FormVersion) -> list[str]:
    questions = list(version.questions.all())
    if not questions:
        return [_("A form needs at least one question.")]
    errors, earlier = [], set()
    for q in questions:
        if q.show_if_key and q.show_if_key not in earlier:
            errors.append(
                _("%(key)s depends on a question that does not come before it.") % {"key": q.key}
            )
        if q.kind == "choice" and not q.choices:
            errors.append(_("%(key)s offers no answers to choose from.") % {"key": q.key})
        earlier.add(q.key)
    if version.form.slug == SAFETY_FORM:
        errors += safety_errors(questions)
    return errors


@transaction.atomic(durable=True)
def form_version_publish(*, actor: Actor, version: FormVersion) -> FormVersion:
    """Publish a draft version: from now on it is what patients answer, and it is frozen."""
    require(actor, Action.FORMS_MANAGE)
    version = FormVersion.objects.select_for_update().select_related("form").get(pk=version.pk)
    if version.published_at is not None:
        raise Conflict(_("This version is already published."), code="already_published")
    if errors := _version_errors(version):
        raise Invalid(" ".join(errors), fields={"questions": errors})
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


def form_version_check_current(version: FormVersion) -> None:
    latest = (
        FormVersion.objects.filter(form_id=version.form_id, published_at__isnull=False)
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    if latest != version.pk:
        message = _("This is not the current version of the form.")
        raise Invalid(message, code="not_current_version", fields={"version": [message]})


@transaction.atomic(durable=True)
def form_response_submit(
    *, actor: Actor, patient: Patient, version: FormVersion, answers: Mapping[str, Any]
) -> FormResponse:
    """The patient's answers to the current version of a form, stored with that version.
    Any wrong type, missing required answer or answer to a question not asked: nothing
    is stored, and each problem is named beside its question."""
    require(actor, Action.SCREENING_SUBMIT, patient)
    form_version_check_current(version)
    questions = list(version.questions.all())
    if errors := answer_errors(questions, answers):
        raise Invalid(_("Some answers need your attention."), fields=errors)
    response = FormResponse.objects.create(
        patient=patient, version=version, submitted_by=user_of(actor)
    )
    FormAnswer.objects.bulk_create(
        FormAnswer(response=response, question=q, value=answers[q.key])
        for q in questions
        if answers.get(q.key) is not None
    )
    audit_record(actor, action="form_response", obj=response, patient_id=patient.pk)
    return response
