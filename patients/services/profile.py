"""The patient's own profile: details, language and what messages they want.

The email address is not changed here: a new address takes effect only once its owner
opens allauth's confirmation link (patient_email_confirmed), so nobody can point a
record's messages at an address they do not hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor
from clinic.errors import Invalid
from patients.models import Patient
from patients.services.records import patient_find_duplicates, patient_update

PROFILE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "phone",
        "preferred_language",
        "remind_by_email",
        "remind_by_sms",
        "remind_before_session",
        "optional_messages",
    }
)


def _check_channels(patient: Patient, wanted: dict[str, Any], consent: bool) -> bool:
    """Whether this change gives the consent to messages for the first time. A channel
    needs its address, and the patient's consent once (kept when channels go off)."""
    if wanted["remind_by_sms"] and not wanted["phone"]:
        raise Invalid(
            _("Add your phone number to get SMS."),
            fields={"phone": [_("Add your phone number to get SMS.")]},
        )
    any_channel = wanted["remind_by_email"] or wanted["remind_by_sms"]
    if any_channel and patient.reminder_consent_at is None and not consent:
        message = _("Please agree to receive messages on the channels you chose.")
        raise Invalid(message, fields={"consent": [message]})
    return any_channel and patient.reminder_consent_at is None


@transaction.atomic(durable=True)
def patient_profile_update(
    *,
    actor: Actor,
    patient: Patient,
    changes: dict[str, Any],
    consent: bool = False,
    now: datetime | None = None,
) -> Patient:
    """The patient's own changes to their profile (PROFILE_FIELDS), all or nothing."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise Invalid(
            _("These fields cannot be changed here."),
            fields={f: [_("Not editable.")] for f in unknown},
        )
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    wanted = {name: changes.get(name, getattr(patient, name)) for name in PROFILE_FIELDS}
    first_consent = _check_channels(patient, wanted, consent)
    patient = patient_update(actor=actor, patient=patient, **changes)
    if first_consent:
        patient.reminder_consent_at = now or timezone.now()
        patient.save(update_fields=["reminder_consent_at"])
    return patient


def email_taken(email: str, *, patient: Patient) -> bool:
    """Another patient's record has this address (a new one would be a duplicate)."""
    return patient_find_duplicates(email=email, phone="", exclude_id=patient.pk).exists()


@transaction.atomic
def patient_email_confirmed(*, user: Any, email: str) -> Patient | None:
    """The login proved it holds `email` (allauth's confirmation): its patient record's
    messages go there from now on. A record with another patient's address is left."""
    patient = (
        Patient.objects.select_for_update().filter(user=user, merged_into__isnull=True).first()
    )
    if patient is None or patient.email.lower() == email.lower():
        return patient
    if email_taken(email, patient=patient):
        return patient
    patient.email = email
    patient.save(update_fields=["email"])
    return patient


# Kinds of optional message a patient can switch off by one click in an email.
MESSAGE_WISHES = frozenset({"remind_before_session", "optional_messages"})


@transaction.atomic(durable=True)
def patient_wish_off(*, patient: Patient, wish: str) -> Patient:
    """Switch one kind of optional message off (a signed unsubscribe link: the link is the
    patient's authority). Again is a no-op."""
    if wish not in MESSAGE_WISHES:
        raise Invalid(_("There is no such kind of message."), fields={"wish": [_("Unknown.")]})
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if getattr(patient, wish):
        setattr(patient, wish, False)
        patient.save(update_fields=[wish])
    return patient
