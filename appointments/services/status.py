"""Status changes: cancel, check in, no-show, complete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import events
from appointments.calendar import calendar_config, local_date
from appointments.models import BY_PATIENT, OTHER, Appointment, CancelReason, Status
from appointments.policy import cancellable_by_patient, check_change_allowed, outside_policy
from appointments.services.waitlist import waitlist_offer_slot
from clinic.audit import Actor
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import Action, can, is_staff_member
from patients.services import consent_current, consent_is_current, screening_confirm


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _set_status(
    appointment: Appointment,
    actor: Actor,
    status: str,
    reason: str,
    now: datetime,
    extra: Sequence[str] = (),
) -> Appointment:
    appointment.status = status
    appointment.status_reason = reason.strip()
    appointment.status_changed_at = now
    appointment.status_changed_by = actor.user if actor.user.is_authenticated else None
    fields = ["status", "status_reason", "status_changed_at", "status_changed_by", *extra]
    if status == Status.CANCELLED:  # calendars replace the event with a cancelled version
        appointment.sequence += 1
        fields.append("sequence")
    appointment.save(update_fields=fields)
    return appointment


@transaction.atomic
def appointment_cancel(
    *,
    actor: Actor,
    appointment: Appointment,
    reason: str = "",
    reason_id: int | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Cancel, with a reason from the manager's list (`reason_id`) and a note (`reason`).
    A note alone counts as "other"; a patient who gives neither cancelled "by_patient"."""
    appointment, now = _locked_booked(appointment), now or timezone.now()
    chosen, note = _cancel_reason(actor, reason_id, reason)
    check_change_allowed(actor, appointment, reason=note, now=now, verb=_("cancel"))
    return _cancel(appointment, actor, note, now, chosen)


def _reason_row(code: str) -> CancelReason:
    # Seeded by migration 0009; made again if a manager or a flushed test database lost it.
    row, _created = CancelReason.objects.get_or_create(
        code=code, defaults={"label_en": code.replace("_", " ").capitalize(), "is_active": False}
    )
    return row


def _cancel_reason(actor: Actor, reason_id: int | None, note: str) -> tuple[CancelReason, str]:
    """The reason row and the note stored as written (not translated, a note for staff)."""
    note = note.strip()
    if reason_id is None:
        if note or is_staff_member(actor.user):  # staff without a note: the policy refuses
            return _reason_row(OTHER), note
        return _reason_row(BY_PATIENT), "Cancelled by the patient"
    chosen = CancelReason.objects.filter(pk=reason_id, is_active=True).first()
    if chosen is None:
        message = _("Choose one of the listed reasons.")
        raise Invalid(message, fields={"reason_id": [message]})
    if chosen.needs_note and not note:
        message = _("Say what happened (this reason needs a note).")
        raise Invalid(message, fields={"reason": [message]})
    return chosen, note or chosen.label_en


@transaction.atomic
def appointment_cancel_by_link(
    *, appointment: Appointment, reason: str, now: datetime | None = None
) -> Appointment:
    """A cancel from the signed link in a message sent to the patient. The link is their
    authority (a patient the desk registered may have no login); the patient's policy
    applies as on their own page."""
    appointment, now = _locked_booked(appointment), now or timezone.now()
    if not cancellable_by_patient(appointment, now):
        raise outside_policy(_("cancel"))
    chosen = _reason_row(BY_PATIENT)
    return _cancel(appointment, Actor(user=AnonymousUser()), reason, now, chosen)


def _locked_booked(appointment: Appointment) -> Appointment:
    appointment = _locked(appointment)
    if appointment.status != Status.BOOKED:
        raise Conflict(_("Only a booked appointment can be cancelled."), code="not_booked")
    return appointment


def _cancel(
    appointment: Appointment, actor: Actor, reason: str, now: datetime, chosen: CancelReason
) -> Appointment:
    appointment.cancel_reason = chosen
    _set_status(appointment, actor, Status.CANCELLED, reason, now, extra=["cancel_reason"])
    # Reminders void, the notice queued.
    events.appointment_cancelled.send(Appointment, appointment=appointment, now=now)
    waitlist_offer_slot(
        start=appointment.start,
        practitioner_id=appointment.practitioner_id,
        freed_by=appointment,
        now=now,
    )
    return appointment


def check_in_opens_at(appointment: Appointment) -> datetime:
    """The earliest moment the patient can be checked in (ClinicPolicy.check_in_opens_minutes
    before the start): a session cannot be recorded, completed or thanked for before."""
    minutes = calendar_config().policy.check_in_opens_minutes
    return appointment.start - timedelta(minutes=minutes)


def _front_desk(actor: Actor, appointment: Appointment) -> None:
    if not can(actor.user, Action.APPOINTMENT_FRONT_DESK, appointment):
        raise Forbidden(_("Only reception marks arrivals and no-shows."), code="forbidden")


@transaction.atomic
def appointment_check_in(
    *,
    actor: Actor,
    appointment: Appointment,
    screening_confirmed: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """The patient arrived. For a device session the safety answers are re-confirmed and
    the current treatment consent must be on file. The desk cannot tick it any more: the
    patient signs it (`patients.services.consent_sign`, the desk's tablet page) first."""
    _front_desk(actor, appointment)
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("treatment", "patient")
        .get(pk=appointment.pk)
    )
    now = now or timezone.now()
    if appointment.status != Status.BOOKED:
        raise Conflict(_("Only a booked appointment can be checked in."), code="not_booked")
    if local_date(appointment.start) != local_date(now):
        raise Invalid(_("Check-in is on the day of the appointment."), code="not_today")
    opens = check_in_opens_at(appointment)
    if now < opens:
        raise Invalid(
            _("Check-in opens at %(time)s, %(minutes)s minutes before the start.")
            % {
                "time": timezone.localtime(opens).strftime("%H:%M"),
                "minutes": calendar_config().policy.check_in_opens_minutes,
            },
            code="too_early",
        )
    if appointment.treatment.requires_device:
        if not screening_confirmed:
            raise Invalid(
                _("Confirm the safety questionnaire with the patient before a device session."),
                fields={"screening_confirmed": [_("Confirm the questionnaire with the patient.")]},
            )
        screening_confirm(actor=actor, patient=appointment.patient)
        _require_consent(appointment)
    return _set_status(appointment, actor, Status.CHECKED_IN, "", now)


def _require_consent(appointment: Appointment) -> None:
    """An acceptance of the current version counts (those ticked at the desk before
    signing replaced the tick box included: the patient did accept that text); every new
    one is signed, so a missing one sends the desk to the signing page."""
    if consent_is_current(appointment.patient):
        return
    version = consent_current().version
    sign_url = reverse("desk:consent-sign", args=[appointment.patient_id])
    sign_api = reverse("api:patient-consents", args=[appointment.patient_id])
    raise Conflict(
        _(
            "The patient has not signed the current treatment consent (version %(version)s). "
            "Let the patient sign it on the tablet first."
        )
        % {"version": version},
        code="consent_missing",
        details={"consent_version": version, "sign_url": sign_url, "sign_api": sign_api},
    )


@transaction.atomic
def appointment_mark_no_show(
    *, actor: Actor, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    _front_desk(actor, appointment)
    appointment = _locked(appointment)
    now = now or timezone.now()
    if appointment.status != Status.BOOKED:
        raise Conflict(
            _("Only a booked appointment can be marked as a no-show."), code="not_booked"
        )
    if appointment.start > now:
        raise Invalid(_("A no-show can be marked only after the start time."), code="not_started")
    _set_status(appointment, actor, Status.NO_SHOW, "", now)
    # A package session kept per the clinic's policy (billing).
    events.appointment_no_show.send(Appointment, appointment=appointment, now=now)
    return appointment


def no_show_undoable(appointment: Appointment, now: datetime) -> bool:
    """A no-show is undone the day it was marked (the patient turned up late, a wrong row
    was clicked); after that it is part of the record."""
    return (
        appointment.status == Status.NO_SHOW
        and appointment.status_changed_at is not None
        and local_date(appointment.status_changed_at) == local_date(now)
    )


@transaction.atomic
def appointment_undo_no_show(
    *, actor: Actor, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """Back to booked; a package session the no-show used is given back (billing)."""
    _front_desk(actor, appointment)
    appointment = _locked(appointment)
    now = now or timezone.now()
    if appointment.status != Status.NO_SHOW:
        raise Conflict(_("Only a no-show can be undone."), code="not_no_show")
    if not no_show_undoable(appointment, now):
        raise Conflict(
            _("A no-show can be undone only on the day it was marked."), code="undo_too_late"
        )
    _set_status(appointment, actor, Status.BOOKED, "", now)
    events.appointment_no_show_undone.send(Appointment, appointment=appointment, now=now)
    return appointment


@transaction.atomic
def appointment_complete(
    *, actor: Actor, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    if not can(actor.user, Action.APPOINTMENT_CHANGE, appointment) or not is_staff_member(
        actor.user
    ):
        raise Forbidden(_("Only staff complete a session."), code="forbidden")
    appointment = _locked(appointment)
    if appointment.status != Status.CHECKED_IN:
        raise Conflict(
            _("Only a session the patient was checked in for can be completed."),
            code="not_checked_in",
        )
    now = now or timezone.now()
    _set_status(appointment, actor, Status.COMPLETED, "", now)
    # Home-care advice, the course nudge.
    events.appointment_completed.send(Appointment, appointment=appointment, now=now)
    return appointment
