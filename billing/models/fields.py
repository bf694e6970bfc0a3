"""Money fields: exact decimals with the clinic's currency (django-money)."""

from __future__ import annotations

from django.conf import settings
from djmoney.models.fields import MoneyField

MONEY = {"max_digits": 12, "decimal_places": 2}


def money_field(**kwargs) -> MoneyField:
    return MoneyField(**MONEY, default_currency=settings.DEFAULT_CURRENCY, **kwargs)
