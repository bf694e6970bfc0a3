"""Treatment consent."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from clinic.audit import Actor
from clinic.errors import Invalid
from clinic.roles import Action
from patients.models import (
    ConsentAcceptance,
    ConsentText,
    Patient,
)
from patients.services._common import require, user_of


def consent_current() -> ConsentText:
    text = ConsentText.objects.order_by("-version").first()
    if text is None:
        raise Invalid(_("No consent text is published."), code="no_consent_text")
    return text


@transaction.atomic
def consent_accept(*, actor: Actor, patient: Patient, version: int) -> ConsentAcceptance:
    require(actor, Action.CONSENT_ACCEPT, patient)
    current = consent_current()
    if version != current.version:
        raise Invalid(
            _("Please accept the current consent text (version %s).") % current.version,
            fields={"version": [_("Not the current version.")]},
        )
    acceptance, _created = ConsentAcceptance.objects.get_or_create(
        patient=patient, consent=current, defaults={"recorded_by": user_of(actor)}
    )
    return acceptance


def consent_is_current(patient: Patient) -> bool:
    current = ConsentText.objects.order_by("-version").values_list("pk", flat=True).first()
    return current is not None and patient.consents.filter(consent_id=current).exists()
