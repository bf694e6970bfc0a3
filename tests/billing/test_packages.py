"""Prepaid packages: sold at the desk, a completed session redeems one, a no-show or a
late cancel redeems one when the policy says so, expired or empty ones refuse, unused
sessions go to credit, and two desks redeeming the last session: exactly one wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from appointments.models import Status
from appointments.services import (
    appointment_cancel,
    appointment_complete,
    appointment_mark_no_show,
    appointment_undo_no_show,
)
from billing.models import BillingPolicy, LedgerEntry, Package, Redemption
from billing.selectors import balance_of
from billing.services.packages import package_redeem, package_refund_unused, package_sell
from billing.services.payments import payment_take
from clinic.errors import Conflict, Invalid
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, plan, priced_clinic, session

pytestmark = at_clinic_now
D = Decimal


def sold(clinic, p, **kwargs) -> Package:
    return package_sell(actor=desk(), patient_id=p.pk, plan=plan(clinic, **kwargs))


def test_selling_a_package_issues_its_invoice(clinic):
    p = cleared_patient()
    package = sold(clinic, p, sessions=10, price="9000.00")
    assert package.invoice.total.amount == D("9000.00")
    assert package.sessions_left == 10
    assert package.expires_on == timezone.localdate() + timedelta(days=180)
    assert balance_of(p.pk).owed == D("9000.00")


def test_a_completed_session_redeems_one(clinic):
    p = cleared_patient()
    package = sold(clinic, p)
    visit = session(clinic, p)
    appointment_complete(actor=desk(), appointment=visit)
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert Redemption.objects.get().reason == "completed"


def test_a_no_show_redeems_one_when_the_policy_says_so_and_undo_gives_it_back(clinic):
    p = cleared_patient()
    package = sold(clinic, p)
    visit = session(clinic, p, status=Status.BOOKED)
    with time_machine.travel(visit.start + timedelta(minutes=20)):
        appointment_mark_no_show(actor=desk(), appointment=visit)
        package.refresh_from_db()
        assert package.sessions_used == 1
        appointment_undo_no_show(actor=desk(), appointment=visit)
    package.refresh_from_db()
    assert package.sessions_used == 0 and not Redemption.objects.exists()


def test_a_no_show_keeps_the_session_when_the_policy_says_not(clinic):
    BillingPolicy.objects.create(no_show_redeems_session=False)
    p = cleared_patient()
    package = sold(clinic, p)
    visit = session(clinic, p, status=Status.BOOKED)
    with time_machine.travel(visit.start + timedelta(minutes=20)):
        appointment_mark_no_show(actor=desk(), appointment=visit)
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_a_cancel_inside_the_cutoff_redeems_one_and_an_early_one_does_not(clinic):
    p = cleared_patient()
    package = sold(clinic, p)
    early = session(clinic, p, days=5, status=Status.BOOKED)
    late = session(clinic, p, days=3, status=Status.BOOKED)
    appointment_cancel(actor=desk(), appointment=early, reason="patient called")
    with time_machine.travel(late.start - timedelta(hours=3)):
        appointment_cancel(actor=desk(), appointment=late, reason="patient called late")
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert Redemption.objects.get().appointment_id == late.pk


def test_an_expired_package_is_refused_naming_the_package(clinic):
    p = cleared_patient()
    package = sold(clinic, p, days=1)
    visit = session(clinic, p, days=3, status=Status.BOOKED)  # after the expiry
    with pytest.raises(Invalid) as refused:
        package_redeem(actor=desk(), package=package, appointment=visit)
    assert refused.value.code == "package_expired" and "package" in refused.value.fields
    assert not Redemption.objects.exists()


def test_an_empty_package_is_refused(clinic):
    p = cleared_patient()
    package = sold(clinic, p, sessions=1, price="1000.00")
    first, second = session(clinic, p, ago=1), session(clinic, p, days=4, ago=3)
    package_redeem(actor=desk(), package=package, appointment=first)
    with pytest.raises(Conflict) as refused:
        package_redeem(actor=desk(), package=package, appointment=second)
    assert refused.value.code == "package_empty" and "package" in refused.value.fields
    assert Redemption.objects.count() == 1


def test_two_desks_redeeming_the_last_session_at_once_exactly_one_succeeds(live_db):
    clinic = priced_clinic()
    p = cleared_patient()
    package = sold(clinic, p, sessions=1, price="1000.00")
    visits = [session(clinic, p, ago=1), session(clinic, p, days=4, ago=3)]
    actors = [desk(), desk()]
    barrier = threading.Barrier(2)

    def redeem(i: int) -> str:
        try:
            barrier.wait(timeout=30)
            package_redeem(actor=actors[i], package=package, appointment=visits[i])
            return "ok"
        except Conflict as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(redeem, range(2)))
    assert outcomes == ["ok", "package_empty"]
    package.refresh_from_db()
    assert package.sessions_used == 1 and Redemption.objects.count() == 1


def test_unused_sessions_refund_to_credit(clinic):
    p = cleared_patient()
    package = sold(clinic, p, sessions=10, price="9000.00")
    payment_take(actor=desk(), invoice=package.invoice, method="card", amount=D("9000.00"))
    for days, ago in ((3, 1), (4, 3)):
        visit = session(clinic, p, days=days, ago=ago)
        package_redeem(actor=desk(), package=package, appointment=visit)
    credited = package_refund_unused(actor=desk(), package=package, reason="moving away")
    assert credited == D("7200.00")  # 8 of 10 sessions
    assert balance_of(p.pk).credit == D("7200.00") and balance_of(p.pk).owed == 0
    package.refresh_from_db()
    assert package.status == "refunded"
    with pytest.raises(Conflict):
        package_refund_unused(actor=desk(), package=package, reason="again")
    assert LedgerEntry.objects.filter(kind="package_refund").count() == 1


def test_an_unpaid_package_does_not_refund_to_credit(clinic):
    p = cleared_patient()
    package = sold(clinic, p)
    with pytest.raises(Conflict) as refused:
        package_refund_unused(actor=desk(), package=package, reason="x")
    assert refused.value.code == "package_unpaid"
    assert balance_of(p.pk).credit == 0
