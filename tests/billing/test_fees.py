"""Fees for missed sessions: a no-show or a late cancel that no package session paid for
is invoiced the policy's fee, in the same transaction; undoing the no-show credits it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from appointments.models import Status
from appointments.services import (
    appointment_cancel,
    appointment_mark_no_show,
    appointment_undo_no_show,
)
from billing.models import BillingPolicy, Invoice, MissedSessionFee
from billing.selectors import balance_of
from billing.services.packages import package_sell
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, plan, priced_clinic, session

pytestmark = at_clinic_now
D = Decimal


@pytest.fixture
def clinic(db):
    BillingPolicy.objects.create(no_show_fee=D("400.00"), late_cancel_fee=D("250.00"))
    return priced_clinic()


def test_a_no_show_is_invoiced_the_fee_and_undoing_it_credits_it(clinic):
    p = cleared_patient()
    visit = session(clinic, p, status=Status.BOOKED)
    with time_machine.travel(visit.start + timedelta(minutes=20)):
        appointment_mark_no_show(actor=desk(), appointment=visit)
        assert balance_of(p.pk).owed == D("400.00")
        fee = MissedSessionFee.objects.get()
        assert "No-show fee" in fee.invoice.lines.get().description
        appointment_undo_no_show(actor=desk(), appointment=visit)
        assert balance_of(p.pk).owed == 0
        assert Invoice.objects.filter(kind="credit_note", corrects=fee.invoice).exists()
        appointment_mark_no_show(actor=desk(), appointment=visit)  # marked again: charged again
    assert balance_of(p.pk).owed == D("400.00")
    assert MissedSessionFee.objects.filter(credited=False).count() == 1


def test_a_package_session_covers_the_no_show_so_no_fee(clinic):
    p = cleared_patient()
    package_sell(actor=desk(), patient_id=p.pk, plan=plan(clinic))
    visit = session(clinic, p, status=Status.BOOKED)
    with time_machine.travel(visit.start + timedelta(minutes=20)):
        appointment_mark_no_show(actor=desk(), appointment=visit)
    assert not MissedSessionFee.objects.exists()
    assert balance_of(p.pk).owed == D("9000.00")  # the package only


def test_a_late_cancel_is_invoiced_and_an_early_one_is_not(clinic):
    p = cleared_patient()
    early = session(clinic, p, days=5, status=Status.BOOKED)
    late = session(clinic, p, days=3, status=Status.BOOKED)
    appointment_cancel(actor=desk(), appointment=early, reason="called in time")
    with time_machine.travel(late.start - timedelta(hours=2)):
        appointment_cancel(actor=desk(), appointment=late, reason="called late")
    (fee,) = MissedSessionFee.objects.all()
    assert (fee.appointment_id, fee.reason) == (late.pk, "late_cancel")
    assert balance_of(p.pk).owed == D("250.00")
