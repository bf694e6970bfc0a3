"""Roles and the one place that answers "may this user do X (to this object)?".

Every staff member is in a group named after the role (SPEC S1); a patient is a user
linked to a Patient record. Pages, the API and services all ask `can()`.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from clinic.access import access_of


class Role(StrEnum):
    PATIENT = "patient"
    RECEPTION = "reception"
    DERMATOLOGIST = "dermatologist"
    MANAGER = "manager"


STAFF_ROLES = frozenset({Role.RECEPTION, Role.DERMATOLOGIST, Role.MANAGER})
CLINICAL_ROLES = frozenset({Role.DERMATOLOGIST})


class Action(StrEnum):
    PATIENT_LIST = "patient.list"
    PATIENT_CREATE = "patient.create"
    PATIENT_VIEW = "patient.view"
    PATIENT_UPDATE = "patient.update"
    PATIENT_MERGE = "patient.merge"
    CLEARANCE_VIEW = "clearance.view"  # cleared or not, and what to offer
    CLEARANCE_FINDINGS = "clearance.findings"  # the clinical findings behind it
    SCREENING_SUBMIT = "screening.submit"
    SCREENING_VIEW = "screening.view"
    CONSULTATION_VIEW = "consultation.view"
    CONSULTATION_WRITE = "consultation.write"
    CONSENT_ACCEPT = "consent.accept"
    APPOINTMENT_BOOK = "appointment.book"
    APPOINTMENT_VIEW = "appointment.view"
    APPOINTMENT_CHANGE = "appointment.change"
    APPOINTMENT_FRONT_DESK = "appointment.front_desk"  # check-in, no-show
    COURSE_MANAGE = "course.manage"
    SESSION_RECORD_WRITE = "session_record.write"
    SESSION_RECORD_VIEW = "session_record.view"
    AUDIT_VIEW = "audit.view"
    REPORTS_VIEW = "reports.view"
    PRIVACY_SELF = "privacy.self"  # download all of one's data; erase one's login and contacts
    MESSAGES_VIEW = "messages.view"  # the outbox: status of every message to patients
    MESSAGE_PREFERENCES = "messages.preferences"  # a patient's own reminder channels
    DESK_VIEW = "desk.view"  # the reception desk: day and week grids, patients, waitlist
    CHART_VIEW = "chart.view"  # the dermatologist's chart pages (clinical notes)
    BILLING_VIEW = "billing.view"  # invoices, payments, packages, balance (patients: own)
    BILLING_TAKE = "billing.take"  # invoice, take payments, sell packages, refund to a limit
    BILLING_REFUND_ANY = "billing.refund_any"  # refunds above the reception's limit
    # Photos are clinical: reception may take them at the desk, never look at them.
    PHOTO_UPLOAD = "photo.upload"
    PHOTO_VIEW = "photo.view"
    PHOTO_CONSENT = "photo.consent"  # grant or withdraw a purpose of one's photos
    CONSENT_PDF_VIEW = "consent.pdf_view"  # download a signed consent's frozen PDF
    FORMS_MANAGE = "forms.manage"  # write and publish versions of the patients' forms
    CLINIC_SETTINGS = "clinic.settings"  # hours, closures, policy, rooms, devices, people


# Which roles may take each action on any object, and which only on their own records.
_ANY: dict[Action, frozenset[Role]] = {
    Action.PATIENT_LIST: STAFF_ROLES,
    Action.PATIENT_CREATE: STAFF_ROLES,
    Action.PATIENT_VIEW: STAFF_ROLES,
    Action.PATIENT_UPDATE: frozenset({Role.RECEPTION, Role.MANAGER}),
    Action.PATIENT_MERGE: frozenset({Role.RECEPTION, Role.MANAGER}),
    Action.CLEARANCE_VIEW: STAFF_ROLES,
    Action.CLEARANCE_FINDINGS: CLINICAL_ROLES,
    Action.SCREENING_SUBMIT: frozenset({Role.RECEPTION, Role.DERMATOLOGIST}),
    Action.SCREENING_VIEW: CLINICAL_ROLES,
    Action.CONSULTATION_VIEW: CLINICAL_ROLES,
    Action.CONSULTATION_WRITE: CLINICAL_ROLES,
    Action.CONSENT_ACCEPT: frozenset({Role.RECEPTION}),
    Action.APPOINTMENT_BOOK: STAFF_ROLES,
    Action.APPOINTMENT_VIEW: STAFF_ROLES,
    Action.APPOINTMENT_CHANGE: STAFF_ROLES,
    Action.APPOINTMENT_FRONT_DESK: frozenset({Role.RECEPTION, Role.MANAGER}),
    Action.COURSE_MANAGE: STAFF_ROLES,
    Action.SESSION_RECORD_WRITE: CLINICAL_ROLES,
    Action.SESSION_RECORD_VIEW: CLINICAL_ROLES,
    Action.AUDIT_VIEW: frozenset({Role.MANAGER}),
    Action.REPORTS_VIEW: frozenset({Role.MANAGER}),
    Action.CLINIC_SETTINGS: frozenset({Role.MANAGER}),
    Action.MESSAGES_VIEW: frozenset({Role.RECEPTION, Role.MANAGER}),
    Action.DESK_VIEW: frozenset({Role.RECEPTION, Role.MANAGER}),
    Action.CHART_VIEW: CLINICAL_ROLES,
    # Dermatologists see no money (SPEC S9).
    Action.BILLING_VIEW: frozenset({Role.RECEPTION, Role.MANAGER}),
    Action.BILLING_TAKE: frozenset({Role.RECEPTION, Role.MANAGER}),
    Action.BILLING_REFUND_ANY: frozenset({Role.MANAGER}),
    Action.PHOTO_UPLOAD: frozenset({Role.RECEPTION, Role.DERMATOLOGIST}),
    Action.PHOTO_VIEW: CLINICAL_ROLES,
    Action.PHOTO_CONSENT: frozenset({Role.RECEPTION}),
    Action.CONSENT_PDF_VIEW: STAFF_ROLES,
    Action.FORMS_MANAGE: frozenset({Role.MANAGER}),
}
_OWN: frozenset[Action] = frozenset(
    {
        Action.PATIENT_VIEW,
        Action.PATIENT_UPDATE,
        Action.CLEARANCE_VIEW,
        Action.CLEARANCE_FINDINGS,
        Action.SCREENING_SUBMIT,
        Action.SCREENING_VIEW,
        Action.CONSENT_ACCEPT,
        Action.APPOINTMENT_BOOK,
        Action.APPOINTMENT_VIEW,
        Action.APPOINTMENT_CHANGE,
        Action.MESSAGE_PREFERENCES,
        Action.PRIVACY_SELF,
        Action.BILLING_VIEW,
        Action.PHOTO_VIEW,
        Action.PHOTO_CONSENT,
        Action.CONSENT_PDF_VIEW,
    }
)


def roles_of(user: User | AnonymousUser) -> frozenset[Role]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return _roles(access_of(user).groups)


@functools.lru_cache(maxsize=64)
def _roles(groups: frozenset[str]) -> frozenset[Role]:
    """The roles among a user's groups (a group of another name is no role)."""
    return frozenset(Role(n) for n in groups if n in Role._value2member_map_)


def has_role(user: User | AnonymousUser, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def is_staff_member(user: User | AnonymousUser) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)


def patient_id_of(user: User | AnonymousUser) -> int | None:
    """The Patient record linked to this login, if the user is a patient."""
    if Role.PATIENT not in roles_of(user):
        return None
    return access_of(user).patient_id


def _owner_patient_id(obj: Any) -> int | None:
    # Every patient record names its patient (`patient_id`); a Patient names itself.
    return getattr(obj, "patient_id", None)


def can(user: User | AnonymousUser, action: Action, obj: Any = None) -> bool:
    """May `user` take `action`, on `obj` if given (a Patient or a row with patient_id)?"""
    roles = roles_of(user)
    if roles & _ANY.get(action, frozenset()):
        return True
    if action in _OWN and Role.PATIENT in roles:
        own = patient_id_of(user)
        return own is not None and (obj is None or _owner_patient_id(obj) == own)
    return False


def can_ever(user: User | AnonymousUser, action: Action) -> bool:
    """May `user` take `action` on at least something (their own records, say)?"""
    roles = roles_of(user)
    return bool(roles & _ANY.get(action, frozenset())) or (action in _OWN and Role.PATIENT in roles)
