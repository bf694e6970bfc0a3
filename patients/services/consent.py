"""Treatment consent."""

from __future__ import annotations

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Invalid
from clinic.roles import Action
from patients.consent_pdf import SignedFacts, consent_pdf, signature_png
from patients.files import clinical_storage
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


def consent_is_current(patient: Patient) -> bool:
    current = ConsentText.objects.order_by("-version").values_list("pk", flat=True).first()
    return current is not None and patient.consents.filter(consent_id=current).exists()


def consent_sign(
    *,
    actor: Actor,
    patient: Patient,
    version: int,
    signature: str,
    ip: str | None,
    user_agent: str,
) -> ConsentAcceptance:
    """The patient signs the current text on screen (at home, or on the desk's tablet).
    What was signed is frozen as a PDF in the private storage with its SHA-256. Nothing is
    stored for an empty signature or an old version; a failure removes the written PDF."""
    require(actor, Action.CONSENT_ACCEPT, patient)
    current = _current_version(version)
    png = signature_png(signature)
    facts = SignedFacts(
        name=patient.full_name,
        version=current.version,
        body=current.body,
        signed_at=timezone.now(),
        ip=ip,
        user_agent=user_agent[:500],
    )
    pdf = consent_pdf(facts, png)
    written: list[str] = []
    try:
        with transaction.atomic(durable=True):
            return _store_signed(actor, patient, current, facts, pdf, written)
    except BaseException:
        for name in written:
            clinical_storage().delete(name)
        raise


def _current_version(version: int) -> ConsentText:
    current = consent_current()
    if version != current.version:
        raise Invalid(
            _("Please sign the current consent text (version %s).") % current.version,
            fields={"version": [_("Not the current version.")]},
        )
    return current


def _store_signed(
    actor: Actor,
    patient: Patient,
    current: ConsentText,
    facts: SignedFacts,
    pdf: bytes,
    written: list[str],
) -> ConsentAcceptance:
    Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.consents.filter(consent=current).exists():
        raise Conflict(_("This version of the consent is already signed."), code="already_signed")
    name = clinical_storage().save(
        f"consents/{patient.pk}/v{current.version}-{uuid.uuid4().hex}.pdf", ContentFile(pdf)
    )
    written.append(name)
    acceptance = ConsentAcceptance.objects.create(
        patient=patient,
        consent=current,
        accepted_at=facts.signed_at,
        recorded_by=user_of(actor),
        signed_name=facts.name,
        pdf_name=name,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        ip=facts.ip,
        user_agent=facts.user_agent,
    )
    audit_record(
        actor,
        action="consent_signed",
        obj=acceptance,
        patient_id=patient.pk,
        version=current.version,
        sha256=acceptance.pdf_sha256,
    )
    return acceptance
