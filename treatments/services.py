"""Writes to the treatment catalogue from the manager's settings pages: the price and
the deposit rule."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from clinic.audit import Actor
from clinic.errors import Forbidden, Invalid
from clinic.roles import Action, can
from treatments.deposits import deposit_rule_problems
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


def treatment_deposit_set(
    *,
    actor: Actor,
    treatment: Treatment,
    kind: str,
    amount: Decimal | None = None,
    percent: int | None = None,
    first_visit_only: bool = False,
) -> Treatment:
    """Set the deposit online bookings of the treatment ask: none, a fixed amount, or a
    percentage of the price; for every online booking or a patient's first visit only."""
    if not can(actor.user, Action.CLINIC_SETTINGS):
        raise Forbidden(_("Only the manager changes the clinic's settings."))
    problems = deposit_rule_problems(kind, amount, percent)
    if problems:
        raise Invalid(next(iter(problems.values()))[0], fields=problems)
    with transaction.atomic(durable=True):
        locked = Treatment.objects.select_for_update().get(pk=treatment.pk)
        locked.deposit_kind, locked.deposit_amount = kind, amount
        locked.deposit_percent = percent
        locked.deposit_first_visit_only = first_visit_only and kind != "none"
        locked.save(
            update_fields=[
                "deposit_kind",
                "deposit_amount",
                "deposit_percent",
                "deposit_first_visit_only",
            ]
        )
    return locked
