"""The deposit rule of a treatment: what is consistent (shared by the admin's clean, the
manager's page and the service; the database's check constraint holds the same)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

AMOUNT_MAX = Decimal("99999999.99")  # what deposit_amount's max_digits=10 holds


def _amount_problem(amount: Decimal | None) -> str | None:
    if amount is None:
        return _("Give the deposit amount.")
    if not amount.is_finite() or amount <= 0:
        return _("A deposit amount is more than zero.")
    if amount > AMOUNT_MAX or amount != amount.quantize(Decimal("0.01")):
        return _("Give the amount in the clinic's currency with at most two decimals.")
    return None


def _percent_problem(percent: int | None) -> str | None:
    if percent is None:
        return _("Give the deposit as a percentage of the price.")
    if not 1 <= percent <= 100:
        return _("A deposit percentage is from 1 to 100.")
    return None


def deposit_rule_problems(
    kind: str, amount: Decimal | None, percent: int | None
) -> dict[str, list[str]]:
    """Field name -> messages; empty when the rule is consistent."""
    problems: dict[str, str | None] = {}
    if kind == "amount":
        problems["deposit_amount"] = _amount_problem(amount)
        if percent is not None:
            problems["deposit_percent"] = _("Leave the percentage empty for a fixed amount.")
    elif kind == "percent":
        problems["deposit_percent"] = _percent_problem(percent)
        if amount is not None:
            problems["deposit_amount"] = _("Leave the amount empty for a percentage.")
    elif kind == "none":
        if amount is not None:
            problems["deposit_amount"] = _("No deposit: leave the amount empty.")
        if percent is not None:
            problems["deposit_percent"] = _("No deposit: leave the percentage empty.")
    else:
        problems["deposit_kind"] = _("Choose no deposit, an amount or a percentage.")
    return {field: [message] for field, message in problems.items() if message}
