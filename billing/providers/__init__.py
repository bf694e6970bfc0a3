"""Online payment providers behind one interface (base.PaymentProvider), chosen by
BILLING_PROVIDER: `test` (development and tests) or `stripe`."""

from __future__ import annotations

from django.conf import settings

from billing.providers.base import (
    BadSignature,
    PaymentIntent,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
    ReturnUrls,
)
from billing.providers.stripe_adapter import StripeProvider
from billing.providers.test import TestProvider

__all__ = [
    "BadSignature",
    "PaymentIntent",
    "PaymentProvider",
    "ProviderError",
    "ProviderEvent",
    "ReturnUrls",
    "provider",
]

PROVIDERS: dict[str, type] = {"test": TestProvider, "stripe": StripeProvider}


def provider(name: str | None = None) -> PaymentProvider:
    return PROVIDERS[name or settings.BILLING_PROVIDER]()
