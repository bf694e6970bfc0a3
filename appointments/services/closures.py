"""Closures that respect bookings: closing days with booked sessions on them is a second,
explicit step ("close anyway"); then every such session stays booked for reception to move,
and each patient is asked to choose another time (appointments.events.appointment_day_closed,
queued by messaging in the same transaction). The Django admin and the manager's pages
both save closures here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import events
from appointments.models import Appointment, Closure
from appointments.selectors import booked_on_closed_days
from appointments.services.configuration import check_settings_access, session_line
from clinic.audit import Actor
from clinic.errors import Conflict, Invalid

REASON_MAX = 200


@dataclass(frozen=True)
class ClosureInput:
    start_date: date
    end_date: date
    reason: str


def closure_check_input(data: ClosureInput) -> None:
    """Plain-word errors beside the fields (never the constraint's name)."""
    fields: dict[str, list[str]] = {}
    if data.end_date < data.start_date:
        fields["end_date"] = [_("The last day cannot be before the first day.")]
    if not data.reason.strip():
        fields["reason"] = [_("Say why the clinic is closed (patients are told).")]
    elif len(data.reason) > REASON_MAX:
        fields["reason"] = [_("Keep the reason under %s characters.") % REASON_MAX]
    if fields:
        raise Invalid(_("Check the closure."), fields=fields)


def closure_stranded(data: ClosureInput, *, now: datetime | None = None) -> list[Appointment]:
    """The booked sessions (not yet begun) that closing these days would strand."""
    return list(booked_on_closed_days(data.start_date, data.end_date, after=now or timezone.now()))


def _refuse_stranded(stranded: list[Appointment]) -> None:
    raise Conflict(
        _("%(n)s booked session(s) fall on these days: confirm to close anyway.")
        % {"n": len(stranded)},
        code="closure_has_bookings",
        fields={"close_anyway": [_("Confirm to close the clinic despite the bookings.")]},
        details={"sessions": [session_line(a) for a in stranded]},
    )


def closure_save(
    *,
    actor: Actor,
    data: ClosureInput,
    closure: Closure | None = None,
    close_anyway: bool = False,
    now: datetime | None = None,
) -> Closure:
    """Create (or change) a closure. Booked sessions on its days refuse it (409 naming them)
    unless `close_anyway`; then their patients are told, and reception moves them."""
    check_settings_access(actor)
    closure_check_input(data)
    now = now or timezone.now()
    # Not durable: the Django admin calls this inside its own transaction of the form.
    with transaction.atomic():
        # Lock the sessions first, in id order (as every multi-row lock here), so none is
        # booked or moved away between the check and the notices.
        stranded = _locked_stranded(data, now)
        if stranded and not close_anyway:
            _refuse_stranded(stranded)
        closure = closure or Closure()
        closure.start_date, closure.end_date = data.start_date, data.end_date
        closure.reason = data.reason.strip()
        closure.save()
        for a in stranded:
            events.appointment_day_closed.send(Appointment, appointment=a, closure=closure, now=now)
    return closure


def _locked_stranded(data: ClosureInput, now: datetime) -> list[Appointment]:
    ids = [a.pk for a in closure_stranded(data, now=now)]
    locked = Appointment.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    rows = {a.pk: a for a in locked.select_related("patient", "treatment")}
    return sorted(rows.values(), key=lambda a: (a.start, a.pk))


def closure_delete(*, actor: Actor, closure: Closure) -> None:
    check_settings_access(actor)
    with transaction.atomic():
        Closure.objects.filter(pk=closure.pk).delete()
