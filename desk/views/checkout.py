"""Checkout after a session (from the appointment page): a package session or payment,
the invoice, the receipt (PDF, and by email through the outbox), then the next booking."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Status
from appointments.selectors import appointment_get_for
from billing import selectors as money
from billing.money import currency
from billing.receipts import receipt_pdf
from billing.services.checkout import checkout as checkout_service
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.page_access import form_status, page_requires, posted
from clinic.pages import show_domain_error
from clinic.roles import Action
from desk.checkout_forms import CheckoutForm

READY = (Status.CHECKED_IN, Status.COMPLETED)


@page_requires(Action.BILLING_TAKE)
def checkout(request: HttpRequest, pk: int) -> HttpResponse:
    a = appointment_get_for(request.user, pk, Action.APPOINTMENT_FRONT_DESK)
    done = money.visit_invoice(a.pk)
    if done is not None:
        return redirect("desk:invoice", pk=done.pk)
    form = CheckoutForm(posted(request), packages=money.packages_for_session(a))
    if request.method == "POST" and a.status in READY and form.is_valid():
        data = form.cleaned_data
        try:
            result = checkout_service(
                actor=Actor.from_request(request),
                appointment_id=a.pk,
                method=data["method"],
                amount=data["amount"],
                package_id=data["package"].pk if data["package"] else None,
                email_receipt=data["email_receipt"],
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Checked out: invoice %s.") % result.invoice.number)
            return redirect("desk:invoice", pk=result.invoice.pk)
    deposit = money.deposit_paid_for(a.pk)
    context = {
        "a": a,
        "form": form,
        "ready": a.status in READY,
        "price": a.treatment.price,
        "currency": currency(),
        # Paid online with the booking: counted against the price (unless a package pays).
        "deposit": deposit,
        "to_pay": a.treatment.price - min(a.treatment.price, deposit.amount.amount)
        if deposit
        else a.treatment.price,
    }
    return render(request, "desk/checkout.html", context, status=form_status(form))


@page_requires(Action.BILLING_TAKE)
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    found = money.invoice_get_for(request.user, pk)
    context = {
        "invoice": found,
        "lines": list(found.lines.all()),
        "payments": list(found.payments.all()),
        "outstanding": money.outstanding(found),
        "book_next": _book_next_url(found),
    }
    return render(request, "desk/invoice.html", context)


def _book_next_url(found) -> str:
    """The booking page for the same treatment a week on (the desk picks the time)."""
    url = reverse("desk:book", kwargs={"pk": found.patient_id})
    treatment = found.lines.exclude(treatment=None).values_list("treatment_id", flat=True).first()
    if treatment is None:
        return url
    day = timezone.localdate() + timedelta(days=7)
    return f"{url}?treatment={treatment}&day={day.isoformat()}"


@page_requires(Action.BILLING_TAKE)
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    found = money.invoice_get_for(request.user, pk)
    response = HttpResponse(receipt_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{found.number}.pdf"'
    return response
