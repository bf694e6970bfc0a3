"""The safety questionnaire as a form the manager edits (writes nothing). Its rule: every
contraindication of the catalog is asked by exactly one yes/no question mapped to it, so
clearance reads the answers as it always did (Screening, ScreeningAnswer)."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _

from patients.models import FormVersion, Question
from treatments.models import Contraindication

SAFETY_FORM = "safety-questionnaire"


def safety_version() -> FormVersion | None:
    """The current published version of the safety questionnaire, if it covers the whole
    catalog (a contraindication added since is asked by the built-in questionnaire until
    the manager publishes a version that maps it)."""
    version = (
        FormVersion.objects.filter(form__slug=SAFETY_FORM, published_at__isnull=False)
        .order_by("-number")
        .first()
    )
    if version is None or safety_errors(list(version.questions.all())):
        return None
    return version


def safety_errors(questions: list[Question]) -> list[str]:
    """What keeps these questions from being the safety questionnaire."""
    mapped = Counter(q.contraindication_id for q in questions if q.contraindication_id)
    errors = [
        _("%(key)s asks about a contraindication: it must be required and always asked.")
        % {"key": q.key}
        for q in questions
        if q.contraindication_id and (not q.required or q.show_if_key)
    ]
    for c in Contraindication.objects.all():
        if mapped[c.pk] != 1:
            errors.append(
                _("Ask about %(name)s in exactly one yes/no question.") % {"name": c.name}
            )
    return errors
