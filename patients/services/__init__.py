"""Writes to patients and their clinical record. Views and serializers call these only."""

from patients.services.consent import (
    consent_current,
    consent_is_current,
    consent_sign,
)
from patients.services.consultations import (
    AMENDABLE_FIELDS,
    PlanInput,
    ReviewInput,
    consultation_amend,
    consultation_create,
    consultation_sign,
    consultation_update,
)
from patients.services.profile import (
    MESSAGE_WISHES,
    email_taken,
    patient_email_confirmed,
    patient_profile_update,
    patient_wish_off,
)
from patients.services.records import (
    patient_find_duplicates,
    patient_link_verified_email,
    patient_merge,
    patient_register,
    patient_sign_up,
    patient_update,
)
from patients.services.screening import (
    screening_confirm,
    screening_submit,
    screening_submit_form,
)

__all__ = [
    "AMENDABLE_FIELDS",
    "MESSAGE_WISHES",
    "PlanInput",
    "ReviewInput",
    "consent_current",
    "consent_is_current",
    "consent_sign",
    "consultation_amend",
    "consultation_create",
    "consultation_sign",
    "consultation_update",
    "email_taken",
    "patient_email_confirmed",
    "patient_find_duplicates",
    "patient_link_verified_email",
    "patient_merge",
    "patient_profile_update",
    "patient_register",
    "patient_sign_up",
    "patient_update",
    "patient_wish_off",
    "screening_confirm",
    "screening_submit",
    "screening_submit_form",
]
