"""Deposits on the pages: the confirm page names the deposit, confirming holds the time
and goes straight to paying, the provider's answer books it (or keeps the hold for a
retry), /me/billing/ lists it, a lapsed hold's invoice is refused with a 409 page, the
cancel page says whether it is refunded, and the desk's checkout counts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from appointments.models import Appointment, Status
from billing.models import BillingPolicy, LedgerEntry, Payment
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.billing.deposit_helpers import (
    after_hold,
    book_online,
    deposit_clinic,
    deposit_of,
    pay,
    waiting_payment,
)
from tests.billing.helpers import cleared_patient
from tests.desk.helpers import client_for

pytestmark = [pytest.mark.django_db, at_clinic_now]
FACE = "microcurrent-therapy-face"


@pytest.fixture
def clinic():
    return deposit_clinic()


def logged_in(p) -> Client:
    client = Client()
    client.force_login(p.user)
    return client


def test_booking_online_holds_the_time_and_goes_straight_to_paying(clinic):
    p = cleared_patient()
    client = logged_in(p)
    start = local(days_ahead(3), 10)
    summary = client.get(f"/book/{FACE}/confirm/", {"start": start.isoformat()}).text
    assert "300.00 UAH, paid online now" in summary and "for 15 minutes" in summary
    assert "Confirm and pay the deposit" in summary
    sent = client.post(f"/book/{FACE}/confirm/", {"start": start.isoformat()})
    held = Appointment.objects.get(patient=p)
    payment = waiting_payment(held)
    assert held.status == Status.HELD
    assert sent.status_code == 302
    assert sent["Location"] == f"/me/billing/payments/{payment.pk}/test-checkout/"
    checkout_page = client.get(sent["Location"]).text
    assert "Pay the deposit of 300.00 UAH to book it" in checkout_page  # the flash
    done = client.post(sent["Location"], {"outcome": "pay"}, follow=True).text
    assert "Your appointment is booked" in done
    held.refresh_from_db()
    assert held.status == Status.BOOKED
    mine = client.get("/me/appointments/").text
    assert f"/me/appointments/{held.pk}/cancel/" in mine


def test_a_declined_card_keeps_the_hold_and_try_again_pays(clinic):
    p = cleared_patient()
    client = logged_in(p)
    held = book_online(clinic, p)
    payment = waiting_payment(held)
    url = f"/me/billing/payments/{payment.pk}/test-checkout/"
    declined = client.post(url, {"outcome": "decline"}, follow=True).text
    assert "We still hold the time for you until" in declined and "Try again" in declined
    again = client.post(f"/me/billing/invoices/{deposit_of(held).invoice_id}/pay/")
    retry = Payment.objects.filter(status="pending").get()
    assert again["Location"] == f"/me/billing/payments/{retry.pk}/test-checkout/"
    client.post(again["Location"], {"outcome": "pay"})
    held.refresh_from_db()
    assert held.status == Status.BOOKED


def test_my_appointments_shows_a_hold_waiting_for_its_deposit_and_where_to_pay(clinic):
    p = cleared_patient()
    client = logged_in(p)
    held = book_online(clinic, p)
    payment = waiting_payment(held)
    page = client.get("/me/appointments/").text
    assert f'id="awaiting-deposit-{held.pk}"' in page and "300.00 UAH to book it" in page
    assert f"/me/billing/payments/{payment.pk}/test-checkout/" in page
    pay(held, succeeded=False)  # declined: the money page's Pay starts another
    assert 'href="/me/billing/"' in client.get("/me/appointments/").text
    with time_machine.travel(after_hold(held)):
        assert "awaiting-deposit" not in client.get("/me/appointments/").text


def test_my_billing_lists_the_deposit_with_its_state(clinic):
    p = cleared_patient()
    client = logged_in(p)
    held = book_online(clinic, p)
    invoice_id = deposit_of(held).invoice_id
    page = client.get("/me/billing/").text
    assert 'id="deposits"' in page and "Waiting for the payment" in page
    assert f"/me/billing/invoices/{invoice_id}/pay/" in page and "held until" in page
    pay(held)
    page = client.get("/me/billing/").text
    assert "Paid" in page and "held until" not in page


def test_paying_a_lapsed_holds_invoice_is_a_409_page_and_saves_nothing(clinic):
    p = cleared_patient()
    client = logged_in(p)
    held = book_online(clinic, p)
    invoice_id = deposit_of(held).invoice_id
    payments, rows = Payment.objects.count(), LedgerEntry.objects.count()
    with time_machine.travel(after_hold(held)):
        refused = client.post(f"/me/billing/invoices/{invoice_id}/pay/")
    assert refused.status_code == 409
    assert "The time held for you has lapsed" in refused.text
    assert f"/book/{FACE}/" in refused.text
    assert (Payment.objects.count(), LedgerEntry.objects.count()) == (payments, rows)


def test_a_payment_after_the_hold_lapsed_says_it_was_refunded(clinic):
    p = cleared_patient()
    client = logged_in(p)
    held = book_online(clinic, p)
    payment = waiting_payment(held)
    with time_machine.travel(after_hold(held)):
        page = client.post(
            f"/me/billing/payments/{payment.pk}/test-checkout/", {"outcome": "pay"}, follow=True
        ).text
    assert "had lapsed before the payment arrived" in page
    held.refresh_from_db()
    assert held.status == Status.RELEASED and deposit_of(held).status == "refunded"


@pytest.mark.parametrize(
    ("refund_to", "words"),
    [("method", "will be refunded the way you paid it"), ("credit", "to your account credit")],
)
def test_the_cancel_page_says_the_deposit_will_be_refunded(clinic, refund_to, words):
    BillingPolicy.objects.create(deposit_refund_to=refund_to)
    p = cleared_patient()
    client = logged_in(p)
    held = book_online(clinic, p)
    pay(held)
    page = client.get(f"/me/appointments/{held.pk}/cancel/").text
    assert words in page and "300.00 UAH" in page
    client.post(f"/me/appointments/{held.pk}/cancel/")
    assert deposit_of(held).status == "refunded"


def test_the_cancel_page_without_a_deposit_says_nothing_of_one():
    clinic = deposit_clinic(kind="none", amount=None)
    p = cleared_patient()
    booked = book_online(clinic, p)
    page = logged_in(p).get(f"/me/appointments/{booked.pk}/cancel/").text
    assert "deposit" not in page.lower()


def test_the_desk_checkout_counts_the_deposit_paid(clinic):
    p = cleared_patient()
    held = book_online(clinic, p)
    pay(held)
    Appointment.objects.filter(pk=held.pk).update(status=Status.CHECKED_IN)
    with time_machine.travel(held.start + timedelta(minutes=50)):
        desk = client_for(Role.RECEPTION)  # logged in then: staff sessions end when idle
        page = desk.get(f"/desk/appointments/{held.pk}/checkout/").text
        assert 'id="deposit-paid"' in page and "900.00" in page
        done = desk.post(
            f"/desk/appointments/{held.pk}/checkout/", {"method": "cash", "amount": ""}
        )
    assert done.status_code == 302
    assert deposit_of(held).status == "used"
    assert Payment.objects.filter(method="cash").get().amount.amount == 900
