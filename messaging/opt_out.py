"""The link in a recall or survey to stop them (SPEC S11: "none if they opted out"), for
patients with no login too: the patient's id signed with the secret key (its own salt),
valid MESSAGES_LINK_MAX_AGE_DAYS. Opening it (GET) changes nothing; the page's button
(POST) does, so a mail scanner following links opts nobody out."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from messaging.links import LinkError
from patients.models import Patient

SALT = "messaging.follow-ups-off"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def opt_out_url(patient_id: int) -> str:
    token = _signer().sign(str(patient_id))
    path = reverse("outbox:no-follow-ups", kwargs={"token": token})
    return settings.CLINIC_BASE_URL.rstrip("/") + path


def opt_out_patient(token: str) -> Patient:
    """The patient the link names; LinkError if forged, altered or expired."""
    max_age = timedelta(days=settings.MESSAGES_LINK_MAX_AGE_DAYS)
    invalid = LinkError(
        _("This link is not valid. Please use the link exactly as it was sent to you."),
        status=400,
        code="invalid",
    )
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(_("This link has expired."), status=410, code="expired") from None
    except signing.BadSignature:
        raise invalid from None
    patient = Patient.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if patient is None:
        raise invalid
    return patient
