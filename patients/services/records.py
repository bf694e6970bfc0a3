"""Registering, updating and merging patients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Invalid
from clinic.roles import Action, Role
from patients.models import (
    ConsentAcceptance,
    Patient,
)
from patients.services._common import require


def patient_find_duplicates(
    *,
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    date_of_birth: date | None = None,
    exclude_id: int | None = None,
) -> QuerySet[Patient]:
    """Active patients with the same email, or phone, or name plus date of birth."""
    match = Q(pk__in=[])
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    if first_name and last_name and date_of_birth:
        match |= Q(
            first_name__iexact=first_name,
            last_name__iexact=last_name,
            date_of_birth=date_of_birth,
        )
    qs = Patient.objects.filter(match, merged_into__isnull=True)
    return qs.exclude(pk=exclude_id) if exclude_id else qs


def _duplicate_conflict(candidates: Sequence[Patient]) -> Conflict:
    return Conflict(
        _("This patient looks already registered: use the existing record."),
        code="duplicate_patient",
        details={
            "candidates": [
                {
                    "id": p.pk,
                    "name": p.full_name,
                    "date_of_birth": p.date_of_birth.isoformat(),
                    "email": p.email,
                    "phone": str(p.phone or ""),
                }
                for p in candidates
            ]
        },
    )


def _validate_demographics(date_of_birth: date) -> None:
    if date_of_birth > timezone.localdate():
        raise Invalid(
            _("Date of birth cannot be in the future."),
            fields={"date_of_birth": [_("Date of birth cannot be in the future.")]},
        )
    if date_of_birth.year < 1900:
        raise Invalid(
            _("Date of birth is too far in the past."),
            fields={"date_of_birth": [_("Date of birth is too far in the past.")]},
        )


@transaction.atomic
def patient_register(
    *,
    actor: Actor | None,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    email: str = "",
    phone: str = "",
    preferred_language: str = "en",
    remind_by_email: bool = True,
    remind_by_sms: bool = False,
    user: Any = None,
    allow_same_name_and_birth_date: bool = False,
) -> Patient:
    """Register a patient unless they already exist (then Conflict with the candidates).

    Same email or phone is always the same person. Same name and date of birth is usually
    the same person; staff may confirm it is not (allow_same_name_and_birth_date).
    """
    if actor is not None:
        require(actor, Action.PATIENT_CREATE)
    _validate_demographics(date_of_birth)
    email = email.strip()
    strong = patient_find_duplicates(email=email, phone=str(phone or ""))
    weak = patient_find_duplicates(
        first_name=first_name, last_name=last_name, date_of_birth=date_of_birth
    )
    candidates = list(strong) or ([] if allow_same_name_and_birth_date else list(weak))
    if candidates:
        raise _duplicate_conflict(candidates)
    try:
        with transaction.atomic():
            return Patient.objects.create(
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                date_of_birth=date_of_birth,
                email=email,
                phone=phone or "",
                preferred_language=preferred_language,
                remind_by_email=remind_by_email,
                remind_by_sms=remind_by_sms,
                reminder_consent_at=timezone.now() if (remind_by_email or remind_by_sms) else None,
                user=user,
                created_by=actor.user if actor and actor.user.is_authenticated else None,
            )
    except IntegrityError as exc:  # a concurrent registration won the race
        raise _duplicate_conflict(
            list(patient_find_duplicates(email=email, phone=str(phone or "")))
        ) from exc


@transaction.atomic
def patient_update(*, actor: Actor, patient: Patient, **changes: Any) -> Patient:
    require(actor, Action.PATIENT_UPDATE, patient)
    allowed = {
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "phone",
        "preferred_language",
        "remind_by_email",
        "remind_by_sms",
        "remind_before_session",
        "optional_messages",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(
            _("These fields cannot be changed here."),
            fields={f: [_("Not editable.")] for f in unknown},
        )
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if "date_of_birth" in changes:
        _validate_demographics(changes["date_of_birth"])
    for name, value in changes.items():
        setattr(patient, name, value)
    dupes = patient_find_duplicates(
        email=patient.email, phone=str(patient.phone or ""), exclude_id=patient.pk
    )
    if dupes.exists():
        raise _duplicate_conflict(list(dupes))
    patient.save()
    return patient


@transaction.atomic
def patient_merge(*, actor: Actor, primary: Patient, duplicate: Patient) -> Patient:
    """Move every record of `duplicate` to `primary`, then retire `duplicate`.

    Works over every relation to Patient, so a model added later is moved too.
    """
    require(actor, Action.PATIENT_MERGE)
    if primary.pk == duplicate.pk:
        raise Invalid(
            _("A patient cannot be merged into itself."), fields={"duplicate": [_("Same patient.")]}
        )
    # Lock both rows in id order so two merges cannot deadlock.
    locked = {
        p.pk: p
        for p in Patient.objects.select_for_update()
        .filter(pk__in=[primary.pk, duplicate.pk])
        .order_by("pk")
    }
    primary, duplicate = locked[primary.pk], locked[duplicate.pk]
    if duplicate.merged_into_id or primary.merged_into_id:
        raise Conflict(_("One of these records was already merged."), code="already_merged")
    # Keep the earliest acceptance of each consent version.
    ConsentAcceptance.objects.filter(
        patient=duplicate, consent__in=primary.consents.values("consent")
    ).delete()
    for rel in Patient._meta.related_objects:
        if (
            rel.one_to_many
            and rel.related_model is not Patient
            and not rel.related_model.__name__.startswith("Historical")
        ):
            try:
                with transaction.atomic():
                    rel.related_model._base_manager.filter(**{rel.field.name: duplicate}).update(
                        **{rel.field.name: primary}
                    )
            except IntegrityError as exc:
                raise Conflict(
                    _(
                        "Cannot merge: the two records have clashing %(what)s (for example "
                        "overlapping appointments). Resolve them first."
                    )
                    % {"what": rel.related_model._meta.verbose_name_plural},
                    code="merge_conflict",
                ) from exc
    if duplicate.user_id and not primary.user_id:
        primary.user, duplicate.user = duplicate.user, None
    for name in ("email", "phone"):
        if not getattr(primary, name) and getattr(duplicate, name):
            setattr(primary, name, getattr(duplicate, name))
    duplicate.merged_into = primary
    duplicate.email, duplicate.phone = "", ""
    duplicate.save()
    primary.save()
    audit_record(actor, action="merge", obj=primary, patient_id=primary.pk, merged=duplicate.pk)
    return primary


def _unlinked_with_email(email: str) -> Patient | None:
    return (
        Patient.objects.select_for_update()
        .filter(email__iexact=email.strip(), merged_into__isnull=True, user__isnull=True)
        .first()
    )


def _link(patient: Patient, user: Any) -> Patient:
    patient.user = user
    patient.save(update_fields=["user"])
    audit_record(Actor(user=user), action="link_login", obj=patient, patient_id=patient.pk)
    return patient


@transaction.atomic
def patient_sign_up(
    *,
    user: Any,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    preferred_language: str = "en",
    email_verified: bool = False,
) -> Patient | None:
    """A patient signed up online: the login gets the patient role and one Patient record.

    A record reception registered with the same email is never duplicated: it is linked to
    this login once the address is verified (`patient_link_verified_email`), so nobody gets
    someone else's record by typing their address. Returns None while that link waits.
    Otherwise a new record is registered (Conflict if it looks like an existing patient).
    """
    user.groups.add(Group.objects.get(name=Role.PATIENT))
    own = Patient.objects.filter(user=user, merged_into__isnull=True).first()
    if own is not None:
        return own
    _validate_demographics(date_of_birth)
    existing = _unlinked_with_email(user.email) if user.email else None
    if existing is not None:
        return _link(existing, user) if email_verified else None
    return patient_register(
        actor=None,
        user=user,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        email=user.email,
        preferred_language=preferred_language,
    )


@transaction.atomic
def patient_link_verified_email(*, user: Any, email: str) -> Patient | None:
    """The login proved it owns `email`: link the patient record reception registered with
    that address, if the login is a patient's and has no record yet."""
    if not user.groups.filter(name=Role.PATIENT).exists():
        return None
    if Patient.objects.filter(user=user, merged_into__isnull=True).exists():
        return None
    existing = _unlinked_with_email(email)
    return _link(existing, user) if existing is not None else None
