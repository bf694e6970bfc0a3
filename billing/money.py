"""Amounts: exact decimals in the clinic's currency, rounded to the cent, checked once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from djmoney.money import Money

from clinic.errors import Invalid

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def currency() -> str:
    return settings.DEFAULT_CURRENCY


def money(amount: Decimal) -> Money:
    return Money(cents(amount), currency())


def check_currency(given: str | None, field: str = "currency") -> None:
    """A currency other than the clinic's is refused (no conversions happen here)."""
    if given is not None and given != currency():
        raise Invalid(
            _("The clinic takes %(ours)s only, not %(given)s.")
            % {"ours": currency(), "given": given},
            code="currency_mismatch",
            fields={field: [_("Use %s.") % currency()]},
        )


def check_positive(amount: Decimal, field: str = "amount") -> None:
    if amount <= 0:
        raise Invalid(
            _("The amount must be more than zero."),
            code="amount_not_positive",
            fields={field: [_("Give an amount more than zero.")]},
        )
    if cents(amount) != amount:
        raise Invalid(
            _("Amounts have at most two decimal places."),
            fields={field: [_("Use at most two decimal places.")]},
        )
