"""The patient's own money page (/me/billing/): invoices with what is left to pay,
receipts to download, packages with the sessions left."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from billing import selectors
from billing.receipts import receipt_pdf
from clinic.roles import patient_id_of


def _own_patient_id(request: HttpRequest) -> int:
    patient_id = patient_id_of(request.user)
    if patient_id is None:
        raise PermissionDenied
    return patient_id


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    patient_id = _own_patient_id(request)
    invoices = list(selectors.invoice_list(request.user).prefetch_related("payments"))
    context = {
        "invoices": [(i, selectors.outstanding(i)) for i in invoices],
        "packages": list(selectors.package_list(request.user)),
        "balance": selectors.balance_of(patient_id),
    }
    return render(request, "billing/mine.html", context)


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    _own_patient_id(request)
    invoice = selectors.invoice_get_for(request.user, pk)
    response = HttpResponse(receipt_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{invoice.number}.pdf"'
    return response
