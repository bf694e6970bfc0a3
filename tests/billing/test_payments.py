"""Payments and refunds: partial payments, account credit, refunds never above what was
paid, the reception's refund limit, and the ledger they leave."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import BillingPolicy, LedgerEntry, Payment, Refund
from billing.selectors import balance_of, outstanding
from billing.services.invoices import credit_note_issue, invoice_issue
from billing.services.payments import payment_take, refund_make
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.models import AuditEvent
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import desk, line, manager
from tests.factories import patient

pytestmark = at_clinic_now
D = Decimal


@pytest.fixture
def invoice(db):
    return invoice_issue(actor=desk(), patient_id=patient().pk, lines=[line("1000.00")])


def test_partial_payments_then_the_rest(invoice):
    payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("300.00"))
    assert outstanding(invoice) == D("700.00")
    payment_take(actor=desk(), invoice=invoice, method="card", amount=D("700.00"))
    assert outstanding(invoice) == 0
    assert balance_of(invoice.patient_id).owed == 0
    kinds = list(
        LedgerEntry.objects.filter(patient_id=invoice.patient_id).values_list("kind", "owed_after")
    )
    assert kinds == [("invoice", D("1000.00")), ("payment", D("700.00")), ("payment", D("0.00"))]


def test_paying_a_paid_invoice_is_a_conflict_naming_the_invoice(invoice):
    payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("1000.00"))
    with pytest.raises(Conflict) as refused:
        payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("1.00"))
    assert refused.value.code == "already_paid" and "invoice" in refused.value.fields
    assert Payment.objects.count() == 1 and LedgerEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "field", "code"),
    [
        (D("0.00"), "amount", "amount_not_positive"),
        (D("-5.00"), "amount", "amount_not_positive"),
        (D("1000.01"), "amount", "amount_above_outstanding"),
        (D("10.005"), "amount", "invalid"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_recorded(invoice, amount, field, code):
    with pytest.raises(Invalid) as refused:
        payment_take(actor=desk(), invoice=invoice, method="cash", amount=amount)
    assert field in refused.value.fields and refused.value.code == code
    assert not Payment.objects.exists() and LedgerEntry.objects.count() == 1


def test_a_currency_other_than_the_clinics_is_refused(invoice):
    with pytest.raises(Invalid) as refused:
        payment_take(
            actor=desk(), invoice=invoice, method="cash", amount=D("10.00"), currency_code="EUR"
        )
    assert refused.value.code == "currency_mismatch" and "currency" in refused.value.fields
    assert not Payment.objects.exists()


def test_refunds_never_exceed_what_was_paid(invoice):
    payment = payment_take(actor=desk(), invoice=invoice, method="card", amount=D("600.00"))
    refund_make(actor=desk(), payment=payment, amount=D("200.00"), to="method", reason="gel")
    with pytest.raises(Invalid) as refused:
        refund_make(actor=desk(), payment=payment, amount=D("400.01"), to="method", reason="x")
    assert refused.value.code == "refund_above_paid" and "amount" in refused.value.fields
    assert Refund.objects.count() == 1
    assert outstanding(invoice) == D("600.00")  # 1000 - (600 - 200)


def test_a_refund_to_credit_gives_account_credit_that_pays_later(invoice):
    payment = payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("1000.00"))
    credit_note_issue(actor=desk(), invoice=invoice, amount=D("300.00"), reason="discount")
    refund_make(actor=desk(), payment=payment, amount=D("300.00"), to="credit", reason="x")
    assert balance_of(invoice.patient_id) == type(balance_of(invoice.patient_id))(D("0"), D("300"))
    later = invoice_issue(actor=desk(), patient_id=invoice.patient_id, lines=[line("500.00")])
    with pytest.raises(Invalid) as refused:
        payment_take(actor=desk(), invoice=later, method="credit", amount=D("300.01"))
    assert refused.value.code == "credit_too_low"
    payment_take(actor=desk(), invoice=later, method="credit", amount=D("300.00"))
    assert balance_of(invoice.patient_id).credit == 0
    assert balance_of(invoice.patient_id).owed == D("200.00")


def test_reception_refunds_up_to_the_limit_the_manager_above(invoice):
    BillingPolicy.objects.create(reception_refund_limit=D("500.00"))
    payment = payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("1000.00"))
    with pytest.raises(Forbidden) as refused:
        refund_make(actor=desk(), payment=payment, amount=D("500.01"), to="method", reason="x")
    assert refused.value.code == "refund_above_limit"
    refund_make(actor=desk(), payment=payment, amount=D("500.00"), to="method", reason="x")
    refund_make(actor=manager(), payment=payment, amount=D("500.00"), to="method", reason="x")
    assert Refund.objects.count() == 2


def test_every_money_action_is_audited(invoice):
    payment = payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("100.00"))
    refund_make(actor=desk(), payment=payment, amount=D("100.00"), to="method", reason="x")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"invoice.issue", "payment.take", "refund.make"} <= actions
