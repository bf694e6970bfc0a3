"""Writes to the treatment catalogue from the manager's settings pages: the price."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from clinic.audit import Actor
from clinic.errors import Forbidden, Invalid
from clinic.roles import Action, can
from treatments.models import Treatment

PRICE_MAX = Decimal("99999999.99")  # what price's max_digits=10, decimal_places=2 holds


def _check_price(price: Decimal) -> None:
    # The form says the same first; this holds for every other caller.
    if not price.is_finite() or price < 0:
        message = _("A price cannot be negative.")
    elif price > PRICE_MAX or price != price.quantize(Decimal("0.01")):
        message = _("Give the price in the clinic's currency with at most two decimals.")
    else:
        return
    raise Invalid(message, fields={"price": [message]})


def treatment_price_set(*, actor: Actor, treatment: Treatment, price: Decimal) -> Treatment:
    """Set a treatment's price (in the clinic's currency). Existing invoices keep theirs."""
    if not can(actor.user, Action.CLINIC_SETTINGS):
        raise Forbidden(_("Only the manager changes the clinic's settings."))
    _check_price(price)
    with transaction.atomic(durable=True):
        locked = Treatment.objects.select_for_update().get(pk=treatment.pk)
        locked.price = price
        locked.save(update_fields=["price"])
    return locked
