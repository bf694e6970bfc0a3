"""The patient's own money page (/me/billing/): invoices with what is left to pay,
receipts to download, packages with the sessions left."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors
from billing.models import Method, Payment, PaymentStatus
from billing.online import test_checkout_deliver
from billing.receipts import receipt_pdf
from billing.services.packages import package_buy_online
from billing.services.payments import payment_start_online
from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.roles import patient_id_of

POLL_SECONDS = 2  # how often the waiting page asks whether the webhook has come


def _own_patient_id(request: HttpRequest) -> int:
    patient_id = patient_id_of(request.user)
    if patient_id is None:
        raise PermissionDenied
    return patient_id


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    patient_id = _own_patient_id(request)
    invoices = selectors.with_money_left(selectors.invoice_list(request.user))
    invoices = list(invoices.prefetch_related("payments"))
    context = {
        "invoices": [(i, selectors.outstanding(i)) for i in invoices],
        "packages": list(selectors.package_list(request.user)),
        "balance": selectors.balance_of(patient_id),
        "plans": list(selectors.plans_on_sale()),
        "deposits": list(selectors.deposits_of(request.user, patient_id)),
        "now": timezone.now(),
    }
    return render(request, "billing/mine.html", context)


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    _own_patient_id(request)
    invoice = selectors.invoice_get_for(request.user, pk)
    response = HttpResponse(receipt_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{invoice.number}.pdf"'
    return response


def _checkout_of(payment: Payment) -> HttpResponse:
    """Where the patient pays: the provider's page (Stripe's hosted card page, or the test
    provider's own) while the payment waits for it; else the payment's own page."""
    if payment.status == PaymentStatus.PENDING and payment.checkout_url:
        return redirect(payment.checkout_url)
    return redirect("billing:payment", pk=payment.pk)


@login_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay what is left on one's own invoice online. A payment already waiting for the
    provider is resumed rather than doubled."""
    _own_patient_id(request)
    invoice = selectors.invoice_get_for(request.user, pk)
    deposit = selectors.deposit_for_invoice(invoice.pk)
    if selectors.deposit_lapsed(deposit, timezone.now()):
        return render(request, "billing/deposit_lapsed.html", {"deposit": deposit}, status=409)
    waiting = invoice.payments.filter(method=Method.ONLINE, status=PaymentStatus.PENDING).first()
    if waiting is not None:
        return _checkout_of(waiting)
    if selectors.outstanding(invoice) <= 0:  # the service's own words for the same refusal
        messages.error(request, _("Invoice %s is paid already.") % invoice.number)
        return redirect("billing:mine")
    try:
        payment, _intent = payment_start_online(
            actor=Actor.from_request(request),
            invoice=invoice,
            amount=selectors.outstanding(invoice),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("billing:mine")
    return _checkout_of(payment)


def _own_payment(request: HttpRequest, pk: int) -> Payment:
    _own_patient_id(request)
    return selectors.payment_get_for(request.user, pk)


@login_required
def test_checkout(request: HttpRequest, pk: int) -> HttpResponse:
    """The test provider's hosted page: pay or decline (never in production)."""
    payment = _own_payment(request, pk)
    if settings.BILLING_PROVIDER != "test" or payment.provider != "test":
        raise Http404
    if payment.status != PaymentStatus.PENDING:
        return redirect("billing:payment", pk=payment.pk)
    if request.method == "POST":
        test_checkout_deliver(payment, succeeded=request.POST.get("outcome") == "pay")
        return redirect("billing:payment", pk=payment.pk)
    return render(request, "billing/test_checkout.html", {"payment": payment})


@login_required
def payment_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the provider sends the patient back. It says what the signed webhook settled,
    never what the redirect claims: while the payment waits, HTMX asks again (the state
    fragment alone) until it is paid or declined."""
    payment = _own_payment(request, pk)
    context = {
        "payment": payment,
        "deposit": selectors.deposit_for_invoice(payment.invoice_id),
        "cancelled": request.GET.get("cancelled") == "1",
        "poll_seconds": POLL_SECONDS,
    }
    if request.htmx:
        return render(request, "billing/_payment_state.html", context)
    return render(request, "billing/payment.html", context)


@login_required
@require_POST
def package_buy(request: HttpRequest, pk: int) -> HttpResponse:
    """Buy a package online: its invoice, the package and a pending payment, then the
    provider's page."""
    _own_patient_id(request)
    plan = selectors.plan_get(pk)
    try:
        payment = package_buy_online(actor=Actor.from_request(request), plan=plan)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("billing:mine")
    return _checkout_of(payment)
