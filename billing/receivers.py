"""The booking events (appointments.events) that use package sessions.

Each receiver runs inside the transaction of the change that sent the event, so a
redemption commits or rolls back with the completion, no-show or cancellation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from appointments import events
from appointments.calendar import calendar_config
from appointments.models import Appointment
from billing.models import RedemptionReason
from billing.policy import billing_policy
from billing.services import deposits, fees, packages, unpaid_packages
from billing.signals import payment_settled

CLINIC_CANCELLED = "clinic"  # the cancel reason seeded by appointments' migration 0009


def _completed(sender: Any, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    packages.redeem_for(appointment, RedemptionReason.COMPLETED)


def _no_show(sender: Any, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    deposits.deposit_on_no_show(appointment, now=now)  # kept: no fee on top (fees.py)
    if billing_policy().no_show_redeems_session:
        packages.redeem_for(appointment, RedemptionReason.NO_SHOW)
    fees.fee_charge(appointment, RedemptionReason.NO_SHOW)  # unless a package session paid


def _no_show_undone(sender: Any, *, appointment: Appointment, now: datetime, **kw: Any) -> None:
    packages.redemption_reverse(appointment)
    fees.fee_credit(appointment)
    deposits.deposit_on_no_show_undone(appointment, now=now)


def _cancelled(sender: Any, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    """A cancel inside the patient's cutoff (which only staff can make, for a patient who
    called late). Appointments record no "the clinic cancelled" flag yet, so a cancel the
    clinic caused inside the cutoff is given back at the desk (package refund) by hand."""
    cutoff = timedelta(hours=calendar_config().policy.patient_cancel_cutoff_hours)
    late = appointment.start - now < cutoff
    # A deposit is kept only when the patient cancelled late, never when the clinic did.
    by_clinic = appointment.cancel_reason_id is not None and (
        appointment.cancel_reason.code == CLINIC_CANCELLED
    )
    deposits.deposit_on_cancel(appointment, late=late and not by_clinic, now=now)
    if not late:
        return
    if billing_policy().late_cancel_redeems_session:
        packages.redeem_for(appointment, RedemptionReason.LATE_CANCEL)
    fees.fee_charge(appointment, RedemptionReason.LATE_CANCEL)  # unless a package session paid


def connect() -> None:
    for signal, receiver in (
        (events.appointment_completed, _completed),
        (events.appointment_no_show, _no_show),
        (events.appointment_no_show_undone, _no_show_undone),
        (events.appointment_cancelled, _cancelled),
    ):
        signal.connect(receiver, dispatch_uid=f"billing.{receiver.__name__}")
    payment_settled.connect(deposits.on_payment_settled, dispatch_uid="billing.deposit_paid")
    payment_settled.connect(unpaid_packages.on_payment_settled, dispatch_uid="billing.package_paid")
