"""Treatment prices in the clinic's currency: the list, and one price at a time."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from clinic.audit import Actor
from clinic.page_access import page_requires, posted
from clinic.roles import Action
from manager.forms import DepositRuleForm, PriceForm
from manager.views.pages import form_page
from treatments.models import Treatment
from treatments.services import treatment_deposit_set, treatment_price_set


@page_requires(Action.CLINIC_SETTINGS)
def prices(request: HttpRequest) -> HttpResponse:
    context = {
        "treatments": Treatment.objects.order_by("position", "name"),
        "currency": settings.CLINIC_CURRENCY,
    }
    return render(request, "manager/prices.html", context)


@page_requires(Action.CLINIC_SETTINGS)
def price_edit(request: HttpRequest, pk: int) -> HttpResponse:
    treatment = get_object_or_404(Treatment, pk=pk)
    form = PriceForm(
        posted(request), initial={"price": treatment.price}, currency=settings.CLINIC_CURRENCY
    )
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: treatment_price_set(actor=actor, treatment=treatment, price=data["price"]),
        done=reverse("manager:prices"),
        title=_("Price of %(treatment)s") % {"treatment": _(treatment.name)},
    )


@page_requires(Action.CLINIC_SETTINGS)
def deposit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The deposit online bookings of the treatment ask (refusals beside the fields)."""
    treatment = get_object_or_404(Treatment, pk=pk)
    initial = {
        "deposit_kind": treatment.deposit_kind,
        "deposit_amount": treatment.deposit_amount,
        "deposit_percent": treatment.deposit_percent,
        "deposit_first_visit_only": treatment.deposit_first_visit_only,
    }
    form = DepositRuleForm(posted(request), initial=initial, currency=settings.CLINIC_CURRENCY)
    actor = Actor.from_request(request)
    return form_page(
        request,
        form,
        lambda data: treatment_deposit_set(
            actor=actor,
            treatment=treatment,
            kind=data["deposit_kind"],
            amount=data["deposit_amount"],
            percent=data["deposit_percent"],
            first_visit_only=data["deposit_first_visit_only"],
        ),
        done=reverse("manager:prices"),
        title=_("Deposit for %(treatment)s") % {"treatment": _(treatment.name)},
    )
