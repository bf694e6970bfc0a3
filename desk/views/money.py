"""The desk's money pages (reception and the manager): a patient's balance, credit,
ledger, invoices and packages; selling a package; refunding a payment; a credit note
against an issued invoice. The billing services check the limits and write the audit."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from billing import selectors as money
from billing.models import InvoiceKind, Payment
from billing.services.invoices import credit_note_issue
from billing.services.packages import package_sell_paid
from billing.services.payments import refund_make
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import show_domain_error
from clinic.roles import Action
from desk.money_forms import CreditNoteForm, PackageSellForm, RefundForm
from patients.selectors import patient_get_for


@page_requires(Action.BILLING_TAKE)  # the desk only: BILLING_VIEW admits patients (own)
def patient_money(request: HttpRequest, pk: int) -> HttpResponse:
    found = patient_get_for(request.user, pk)
    context = {
        "patient": found,
        "balance": money.balance_of(found.pk),
        "ledger": list(money.ledger_of(request.user, found.pk)[:100]),
        "invoices": [(i, money.outstanding(i)) for i in money.invoices_of(request.user, found.pk)],
        "packages": list(money.packages_of(request.user, found.pk)),
    }
    return render(request, "desk/money.html", context)


@page_requires(Action.BILLING_TAKE)
def package_sell(request: HttpRequest, pk: int) -> HttpResponse:
    found = patient_get_for(request.user, pk)
    form = PackageSellForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            package = package_sell_paid(
                actor=Actor.from_request(request),
                patient_id=found.pk,
                plan=form.cleaned_data["plan"],
                method=form.cleaned_data["method"] or None,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Package sold: invoice %s.") % package.invoice.number)
            return redirect("desk:invoice", pk=package.invoice_id)
    context = {"patient": found, "form": form}
    return render(request, "desk/package_sell.html", context, status=form_status(form))


@page_requires(Action.BILLING_TAKE)
def refund(request: HttpRequest, pk: int) -> HttpResponse:
    payment = money.payment_get_for(request.user, pk)
    form = RefundForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            refund_make(
                actor=Actor.from_request(request),
                payment=payment,
                amount=data["amount"],
                to=data["to"],
                reason=data["reason"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Refunded %s.") % data["amount"])
            return redirect("desk:invoice", pk=payment.invoice_id)
    context = {"payment": payment, "left": _refundable(payment), "form": form}
    return render(request, "desk/refund.html", context, status=form_status(form))


def _refundable(payment: Payment) -> Decimal:
    return payment.amount.amount - money.refunded_total(payment)


@page_requires(Action.BILLING_TAKE)
def credit_note(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = money.invoice_get_for(request.user, pk)
    if invoice.kind != InvoiceKind.INVOICE:
        messages.error(request, _("A credit note cannot be corrected by another."))
        return redirect("desk:invoice", pk=invoice.pk)
    form = CreditNoteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note = credit_note_issue(
                actor=Actor.from_request(request),
                invoice=invoice,
                amount=data["amount"],
                reason=data["reason"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Credit note %s issued.") % note.number)
            return redirect("desk:invoice", pk=note.pk)
    left = invoice.total.amount - money.credited_total(invoice)
    context = {"invoice": invoice, "left": left, "form": form}
    return render(request, "desk/credit_note.html", context, status=form_status(form))
