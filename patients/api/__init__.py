"""Patients API views (SPEC S7)."""

from patients.api.consent import ConsentAccept
from patients.api.consultations import (
    ConsultationAmend,
    ConsultationDetail,
    ConsultationListCreate,
    ConsultationSign,
)
from patients.api.records import PatientDetail, PatientListCreate, PatientMerge
from patients.api.screening import ScreeningListCreate

__all__ = [
    "ConsentAccept",
    "ConsultationAmend",
    "ConsultationDetail",
    "ConsultationListCreate",
    "ConsultationSign",
    "PatientDetail",
    "PatientListCreate",
    "PatientMerge",
    "ScreeningListCreate",
]
