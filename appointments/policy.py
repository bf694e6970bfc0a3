"""May this appointment change? The rules that decide, apart from the writes that follow.

Nothing here writes: booking (a move) and status changes (a cancel) share these checks,
and so do the pages and messages that only show whether a change is still possible.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.calendar import calendar_config
from appointments.models import Appointment, Status
from clinic.audit import Actor
from clinic.errors import Forbidden, Invalid
from clinic.roles import Action, can, is_staff_member


def cancellable_by_patient(appointment: Appointment, now: datetime | None = None) -> bool:
    """Inside the patient policy: booked, and at least the cutoff before the start."""
    cutoff = timedelta(hours=calendar_config().policy.patient_cancel_cutoff_hours)
    now = now or timezone.now()
    return appointment.status == Status.BOOKED and appointment.start - now >= cutoff


def check_change_allowed(
    actor: Actor, appointment: Appointment, *, reason: str, now: datetime, verb: str
) -> bool:
    """Staff may always, with a reason; the patient only inside the policy. Returns staff."""
    if not can(actor.user, Action.APPOINTMENT_CHANGE, appointment):
        raise Forbidden(_("You may not change this appointment."), code="forbidden")
    if is_staff_member(actor.user):
        if not reason.strip():
            raise Invalid(
                _("Staff give a reason."), fields={"reason": [_("This field is required.")]}
            )
        return True
    if not cancellable_by_patient(appointment, now):
        raise outside_policy(verb)
    return False


def outside_policy(verb: str) -> Forbidden:
    hours = calendar_config().policy.patient_cancel_cutoff_hours
    return Forbidden(
        _(
            "Appointments can be %(verb)sd online up to %(h)s hours before the start. "
            "Please call the clinic."
        )
        % {"verb": verb, "h": hours},
        code="outside_policy",
    )
