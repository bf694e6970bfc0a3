"""Holds: a slot kept for one patient until `held_until` (a waitlist offer, an online
booking waiting for its deposit). A hold is an Appointment row with status HELD, so the
exclusion constraints refuse anyone else the time while it lives.

A constraint cannot compare with the clock, so a hold past its time still occupies its
range in the database until it is released. Availability ignores it at once (busy_in
compares held_until with now); a booking the constraints refuse releases the lapsed
holds around its start and places again, a move releases them first; the housekeeping task
(appointments.tasks.release_lapsed_holds) releases the rest every minute."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import events
from appointments.models import Appointment, Status
from clinic.errors import Conflict

# No session is a day long: a lapsed hold overlapping a start lies within a day of it.
_AROUND = timedelta(days=1)


def hold_release_lapsed(*, now: datetime, around: datetime | None = None) -> list[int]:
    """Release the holds past their time (only those within a day of `around`, if given).
    Rows another transaction has locked are skipped: that one is releasing or confirming
    them. Runs in the caller's transaction; returns the ids released."""
    lapsed = Appointment.objects.filter(status=Status.HELD, held_until__lte=now)
    if around is not None:
        lapsed = lapsed.filter(start__lt=around + _AROUND, blocked_until__gt=around - _AROUND)
    ids = list(
        lapsed.order_by("pk").select_for_update(skip_locked=True).values_list("pk", flat=True)
    )
    if ids:
        Appointment.objects.filter(pk__in=ids).update(status=Status.RELEASED, status_changed_at=now)
    return ids


def hold_release_lapsed_near(*, start: datetime, now: datetime) -> bool:
    """For a booking the constraints refused: release the lapsed holds around `start`, in
    a transaction of its own (a savepoint inside a caller's). True when there were any,
    released here or being released by a concurrent booking (its locked rows are skipped
    but still seen): the booking should then place again."""
    with transaction.atomic():
        if hold_release_lapsed(around=start, now=now):
            return True
        lapsed = Appointment.objects.filter(status=Status.HELD, held_until__lte=now)
        return lapsed.filter(start__lt=start + _AROUND, blocked_until__gt=start - _AROUND).exists()


def hold_release_all_lapsed(*, now: datetime | None = None) -> int:
    """The housekeeping sweep: release every lapsed hold. Running it twice does no harm
    (a released row is no longer HELD)."""
    with transaction.atomic(durable=True):
        return len(hold_release_lapsed(now=now or timezone.now()))


def hold_confirm(*, appointment: Appointment, now: datetime) -> Appointment:
    """Turn a live hold into a booking (in the caller's transaction, permission checked
    there): it gets its confirmation and reminders like any booking."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Status.HELD or appointment.held_until <= now:
        raise Conflict(_("The time held for you has lapsed."), code="hold_expired")
    appointment.status, appointment.held_until = Status.BOOKED, None
    appointment.status_changed_at = now
    appointment.save(update_fields=["status", "held_until", "status_changed_at"])
    events.appointment_booked.send(Appointment, appointment=appointment, now=now)
    return appointment


def hold_release(*, appointment: Appointment, now: datetime) -> bool:
    """Give a hold's time back now (the offer passed on, the payment declined)."""
    changed = Appointment.objects.filter(pk=appointment.pk, status=Status.HELD).update(
        status=Status.RELEASED, status_changed_at=now
    )
    return bool(changed)
