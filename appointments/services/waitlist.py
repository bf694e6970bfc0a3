"""The waitlist: a patient asks for an earlier slot; a freed slot is offered to the first
matching waiting patient, who may accept it until the offer expires. The offer holds the
slot for that patient meanwhile (a HELD appointment, services/holds.py): nobody else can
book it; accepting turns the hold into the booking, and when the offer lapses the hold is
released and the slot offered to the next patient, with a new hold."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import events
from appointments.calendar import calendar_config, local_date, zone
from appointments.models import (
    Appointment,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from appointments.services.booking import appointment_book, appointment_hold
from appointments.services.holds import hold_confirm, hold_release
from appointments.services.rules import check_clearance
from clinic.audit import Actor
from clinic.errors import Conflict, DomainError, Forbidden, Invalid
from clinic.roles import Action, can
from patients.clearance import clearance_for
from patients.models import Patient
from treatments.models import Treatment


def waitlist_join(
    *,
    actor: Actor,
    patient: Patient,
    treatment: Treatment,
    earliest: date,
    latest: date,
    practitioner_id: int | None = None,
    time_from: time | None = None,
    time_to: time | None = None,
) -> WaitlistEntry:
    if not can(actor.user, Action.APPOINTMENT_BOOK, patient):
        raise Forbidden(_("You may join the waitlist only for yourself."), code="forbidden")
    horizon = timezone.localdate() + timedelta(days=calendar_config().policy.booking_horizon_days)
    if earliest < timezone.localdate() or latest < earliest or latest > horizon:
        raise Invalid(
            _("Give dates from today to %(h)s, the earliest first.") % {"h": horizon.isoformat()},
            fields={"latest" if latest < earliest else "earliest": [_("Check the dates.")]},
        )
    _check_times(time_from, time_to)
    check_clearance(patient, treatment, timezone.now())
    return WaitlistEntry.objects.create(
        time_from=time_from,
        time_to=time_to,
        patient=patient,
        treatment=treatment,
        earliest=earliest,
        latest=latest,
        practitioner_id=practitioner_id,
    )


def _check_times(time_from: time | None, time_to: time | None) -> None:
    if (time_from is None) != (time_to is None):
        missing = "time_to" if time_to is None else "time_from"
        raise Invalid(
            _("Give both times of day, or neither."), fields={missing: [_("Give this time too.")]}
        )
    if time_from is not None and time_to is not None and time_to <= time_from:
        raise Invalid(
            _("The times of day must be in order, the earlier first."),
            fields={"time_to": [_("Give a time after the first one.")]},
        )


def _candidates(appointment: Appointment):
    day = local_date(appointment.start)
    starts, ends = (
        timezone.localtime(t, zone()).time() for t in (appointment.start, appointment.end)
    )
    # The session must lie within her window of the day, if she gave one.
    in_window = Q(time_from__isnull=True) | Q(time_from__lte=starts, time_to__gte=ends)
    return (
        WaitlistEntry.objects.filter(
            in_window,
            status=WaitlistStatus.WAITING,
            treatment_id=appointment.treatment_id,
            earliest__lte=day,
            latest__gte=day,
        )
        .filter(Q(practitioner__isnull=True) | Q(practitioner_id=appointment.practitioner_id))
        .exclude(patient_id=appointment.patient_id)
        .exclude(offers__status=OfferStatus.OPEN)
        .select_related("patient", "treatment")
        .order_by("created_at", "id")
    )


def waitlist_offer_slot(
    *,
    start: datetime,
    practitioner_id: int,
    freed_by: Appointment,
    now: datetime | None = None,
    skip_entries: frozenset[int] = frozenset(),
) -> WaitlistOffer | None:
    """Offer a freed slot to the first waiting patient who may have it (cleared, free)."""
    now = now or timezone.now()
    policy = calendar_config().policy
    notice = timedelta(minutes=policy.patient_min_notice_minutes)
    if start - notice <= now:
        return None
    expires = min(now + timedelta(minutes=policy.waitlist_offer_minutes), start - notice)
    for entry in _candidates(freed_by):
        if (
            entry.pk in skip_entries
            or not clearance_for(entry.patient, entry.treatment, local_date(start)).allowed
        ):
            continue
        offer = _offer_with_hold(entry, start, practitioner_id, freed_by, expires, now)
        if offer is not None:
            return offer
    return None


def _offer_with_hold(
    entry: WaitlistEntry,
    start: datetime,
    practitioner_id: int,
    freed_by: Appointment,
    expires: datetime,
    now: datetime,
) -> WaitlistOffer | None:
    """Hold the slot for this patient and offer it; None when she cannot have it (busy
    then, or the slot was taken meanwhile) or an open offer for the slot exists."""
    try:
        with transaction.atomic():
            hold = appointment_hold(
                patient=entry.patient,
                treatment=entry.treatment,
                start=start,
                practitioner_id=practitioner_id,
                held_until=expires,
                now=now,
            )
            offer = WaitlistOffer.objects.create(
                entry=entry,
                start=start,
                practitioner_id=practitioner_id,
                expires_at=expires,
                freed_by=freed_by,
                appointment=hold,
            )
            # In the same transaction: no offer without its message (messaging listens).
            events.waitlist_offer_made.send(WaitlistOffer, offer=offer, now=now)
    except (DomainError, IntegrityError):  # she is busy then, or the slot is offered
        return None
    return offer


@transaction.atomic
def waitlist_offer_accept(
    *, actor: Actor, offer: WaitlistOffer, now: datetime | None = None
) -> Appointment:
    offer = (
        WaitlistOffer.objects.select_for_update()
        .select_related("entry__patient", "entry__treatment")
        .get(pk=offer.pk)
    )
    patient = offer.entry.patient
    if not can(actor.user, Action.APPOINTMENT_BOOK, patient):
        raise Forbidden(_("This offer is for another patient."), code="forbidden")
    now = now or timezone.now()
    if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
        raise Conflict(_("This offer has expired."), code="offer_expired")
    try:
        with transaction.atomic():
            appointment = _take(actor, offer, now)
    except DomainError:
        offer.status = OfferStatus.LOST
        offer.save(update_fields=["status"])
        raise
    offer.status, offer.appointment = OfferStatus.ACCEPTED, appointment
    offer.save(update_fields=["status", "appointment"])
    offer.entry.status = WaitlistStatus.BOOKED
    offer.entry.save(update_fields=["status"])
    return appointment


def _take(actor: Actor, offer: WaitlistOffer, now: datetime) -> Appointment:
    if offer.appointment_id is None:  # an offer made before offers held their slot
        return appointment_book(
            actor=actor,
            patient=offer.entry.patient,
            treatment=offer.entry.treatment,
            start=offer.start,
            practitioner_id=offer.practitioner_id,
            channel="online",
            now=now,
            prepayment=False,  # an offer is taken as it was made: no deposit asked
        )
    return hold_confirm(appointment=offer.appointment, now=now)


def waitlist_expire_offers(*, now: datetime | None = None) -> int:
    """Close the offers past their time and pass each slot on to the next patient."""
    now = now or timezone.now()
    expired = 0
    for offer in WaitlistOffer.objects.filter(
        status=OfferStatus.OPEN, expires_at__lte=now
    ).select_related("freed_by", "appointment"):
        with transaction.atomic():
            changed = WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(
                status=OfferStatus.EXPIRED
            )
            if changed and offer.appointment_id is not None:
                hold_release(appointment=offer.appointment, now=now)
            if changed and offer.freed_by is not None:
                expired += 1
                tried = frozenset(
                    offer.freed_by
                    and WaitlistOffer.objects.filter(
                        start=offer.start, practitioner_id=offer.practitioner_id
                    ).values_list("entry_id", flat=True)
                )
                waitlist_offer_slot(
                    start=offer.start,
                    practitioner_id=offer.practitioner_id,
                    freed_by=offer.freed_by,
                    now=now,
                    skip_entries=tried,
                )
    return expired
