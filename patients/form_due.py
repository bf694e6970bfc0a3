"""Which of the manager's forms a visit needs answered first (reads only). The caller
(messaging, the desk, the chart) says what the visit is; this app knows nothing of
appointments (the layers: patients sits below scheduling)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from patients.form_models import DueBefore, FormResponse, FormVersion
from treatments.models import Treatment


@dataclass(frozen=True)
class DueForm:
    version: FormVersion
    answered: bool

    @property
    def title(self) -> str:
        return self.version.form.title

    @property
    def path(self) -> str:
        return reverse("patients:form", args=[self.version.form.slug])


def _current_versions() -> list[FormVersion]:
    """The newest published version of every form (one query)."""
    return list(
        FormVersion.objects.filter(published_at__isnull=False)
        .exclude(due_before=DueBefore.NONE)
        .select_related("form")
        .order_by("form_id", "-number")
        .distinct("form_id")
    )


def _due(version: FormVersion, treatment: Treatment, first_visit: bool) -> bool:
    if version.due_before == DueBefore.TREATMENT:
        return version.due_treatment_id == treatment.pk
    if version.due_before == DueBefore.DEVICE:
        return treatment.requires_device
    return version.due_before == DueBefore.FIRST_VISIT and first_visit


def forms_due(*, patient_id: int, treatment: Treatment, first_visit: bool) -> list[DueForm]:
    """The forms due before a visit of `treatment`, each answered or not: answered means
    a response to the current version (a new version asks again)."""
    versions = [v for v in _current_versions() if _due(v, treatment, first_visit)]
    answered = set(
        FormResponse.objects.filter(patient_id=patient_id, version__in=versions).values_list(
            "version_id", flat=True
        )
    )
    return [DueForm(version=v, answered=v.pk in answered) for v in versions]
