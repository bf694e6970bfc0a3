"""A package bought online is usable only once paid: no session is redeemed from it (desk
checkout, the package API, a completed session) and the patient does not see it as
available until its payment settles; unpaid past PACKAGE_ONLINE_PAY_MINUTES, housekeeping
cancels it, once. A package the desk sells with its payment is usable at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from appointments.models import Status
from appointments.services import appointment_complete
from billing.models import Invoice, LedgerEntry, Package, Payment, Redemption
from billing.online import test_checkout_deliver
from billing.selectors import balance_of, packages_for_session
from billing.services.packages import package_buy_online, package_sell_paid
from billing.services.payments import payment_start_online
from billing.services.unpaid_packages import package_cancel_unpaid, packages_cancel_unpaid
from clinic.audit import Actor
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.fake_stripe import signed_event
from tests.billing.helpers import cleared_patient, desk, plan, priced_clinic, session
from tests.concurrency import at_once
from tests.factories import api

pytestmark = at_clinic_now
D = Decimal


def bought_online(clinic, p) -> tuple[Package, Payment]:
    payment = package_buy_online(actor=Actor(user=p.user), plan=plan(clinic))
    return Package.objects.get(invoice_id=payment.invoice_id), payment


def money_rows() -> tuple[int, ...]:
    return (
        Invoice.objects.count(),
        Payment.objects.count(),
        Redemption.objects.count(),
        LedgerEntry.objects.count(),
    )


def my_billing_page(p) -> str:
    client = Client()
    client.force_login(p.user)
    return client.get("/me/billing/").text


def test_a_package_bought_online_waits_for_its_payment(clinic):
    p = cleared_patient()
    package, _payment = bought_online(clinic, p)
    assert package.status == "awaiting"
    deadline = timezone.now() + timedelta(minutes=30)  # PACKAGE_ONLINE_PAY_MINUTES
    assert abs(package.pay_by - deadline) < timedelta(seconds=5)
    visit = session(clinic, p)
    assert not packages_for_session(visit).exists()  # the desk is not offered it
    page = my_billing_page(p)
    assert "Face x10: awaiting payment" in page and "10 of 10 sessions left" not in page
    appointment_complete(actor=desk(), appointment=visit)
    assert not Redemption.objects.exists()  # the completed session used none of it
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_the_settled_payment_makes_it_usable(clinic):
    p = cleared_patient()
    package, payment = bought_online(clinic, p)
    test_checkout_deliver(payment, succeeded=True)
    package.refresh_from_db()
    assert package.status == "active" and balance_of(p.pk).owed == 0
    assert "Face x10: 10 of 10 sessions left" in my_billing_page(p)
    visit = session(clinic, p)
    appointment_complete(actor=desk(), appointment=visit)
    assert Redemption.objects.get().package_id == package.pk


def test_a_declined_card_leaves_it_waiting_and_paying_again_makes_it_usable(clinic):
    p = cleared_patient()
    package, payment = bought_online(clinic, p)
    test_checkout_deliver(payment, succeeded=False)
    package.refresh_from_db()
    assert package.status == "awaiting"
    again, _intent = payment_start_online(
        actor=Actor(user=p.user), invoice=package.invoice, amount=D("9000.00")
    )
    test_checkout_deliver(again, succeeded=True)
    package.refresh_from_db()
    assert package.status == "active"


@pytest.mark.parametrize("where", ["checkout", "redeem"])
def test_redeeming_an_unpaid_package_is_a_409_naming_it_and_saves_nothing(clinic, reception, where):
    p = cleared_patient()
    package, _payment = bought_online(clinic, p)
    visit = session(clinic, p)
    before = money_rows()
    if where == "checkout":
        body = {"appointment": visit.pk, "method": "cash", "package": package.pk}
        response = reception.post("/api/checkout/", body, format="json")
    else:
        body = {"appointment": visit.pk}
        response = reception.post(f"/api/packages/{package.pk}/redeem/", body, format="json")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "package_unpaid" and "package" in error["fields"]
    assert "not paid yet" in error["message"]
    assert money_rows() == before  # no invoice, payment, redemption or ledger row
    visit.refresh_from_db()
    assert visit.status == Status.CHECKED_IN  # the checkout's completion rolled back too


def test_a_package_the_desk_sells_with_its_payment_is_usable_at_once(clinic, reception):
    p = cleared_patient()
    package = package_sell_paid(actor=desk(), patient_id=p.pk, plan=plan(clinic), method="card")
    assert package.status == "active" and package.pay_by is None
    visit = session(clinic, p)
    body = {"appointment": visit.pk, "package": package.pk}
    response = reception.post("/api/checkout/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["redemption"]["sessions_left"] == 9


def test_an_unpaid_package_is_cancelled_after_its_deadline_once(clinic):
    p = cleared_patient()
    package, payment = bought_online(clinic, p)
    with time_machine.travel(timezone.now() + timedelta(minutes=29), tick=False):
        assert packages_cancel_unpaid() == 0
    package.refresh_from_db()
    assert package.status == "awaiting"
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert packages_cancel_unpaid() == 1
        rows = money_rows()
        assert packages_cancel_unpaid() == 0  # the next sweep finds nothing to do
        assert money_rows() == rows
    package.refresh_from_db()
    payment.refresh_from_db()
    assert package.status == "cancelled"
    assert (payment.status, payment.failure_reason) == (
        "failed",
        "Not paid in time: the package was cancelled.",
    )
    note = Invoice.objects.get(corrects=package.invoice)
    assert note.total.amount == D("9000.00") and balance_of(p.pk).owed == 0
    assert "Face x10: cancelled, it was not paid in time." in my_billing_page(p)
    test_checkout_deliver(payment, succeeded=True)  # a late event changes nothing
    assert Payment.objects.get(pk=payment.pk).status == "failed" and balance_of(p.pk).owed == 0


def test_housekeeping_closes_stripes_page_before_cancelling(clinic, fake_stripe):
    p = cleared_patient()
    package, payment = bought_online(clinic, p)
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert packages_cancel_unpaid() == 1
    expired = [r for r in fake_stripe.requests if r.path.endswith("/expire")]
    assert [r.path for r in expired] == [f"/v1/checkout/sessions/{payment.provider_ref}/expire"]
    assert fake_stripe.sessions[payment.provider_ref]["status"] == "expired"
    package.refresh_from_db()
    assert package.status == "cancelled"


def test_a_package_paid_on_stripe_meanwhile_is_left_for_its_webhook(clinic, fake_stripe):
    p = cleared_patient()
    package, payment = bought_online(clinic, p)
    fake_stripe.pay(payment.provider_ref)  # paid just before the deadline; webhook on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert packages_cancel_unpaid() == 0
    package.refresh_from_db()
    assert package.status == "awaiting"
    body, signature = signed_event(
        "checkout.session.completed", fake_stripe.sessions[payment.provider_ref]
    )
    hook = api().generic(
        "POST",
        "/api/billing/webhooks/stripe/",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert hook.status_code == 200
    package.refresh_from_db()
    assert package.status == "active" and balance_of(p.pk).owed == 0


def test_the_webhook_and_the_sweep_at_the_same_moment_leave_one_consistent_outcome(live_db):
    """From separate connections: the payment settles and the package is usable, or the
    package is cancelled and the late event changes nothing; never a paid cancelled
    package, and the patient owes nothing either way."""
    p = cleared_patient()
    package, payment = bought_online(priced_clinic(), p)
    after_deadline = timezone.now() + timedelta(minutes=31)
    at_once(
        lambda: test_checkout_deliver(payment, succeeded=True),
        lambda: package_cancel_unpaid(package_id=package.pk, now=after_deadline),
    )
    package.refresh_from_db()
    payment.refresh_from_db()
    assert (package.status, payment.status) in {("active", "succeeded"), ("cancelled", "failed")}
    paid_rows = LedgerEntry.objects.filter(patient_id=p.pk, kind="payment").count()
    assert paid_rows == (1 if payment.status == "succeeded" else 0)
    assert balance_of(p.pk).owed == 0
