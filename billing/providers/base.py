"""The interface every online payment provider implements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from billing.models import Payment


class BadSignature(Exception):
    """A webhook whose signature does not verify: answered 400, nothing recorded."""


class ProviderError(Exception):
    """The provider refused or could not be reached; the change it was part of rolls back."""


@dataclass(frozen=True)
class PaymentIntent:
    reference: str  # the provider's id of the payment
    client_secret: str  # what the patient's browser confirms the payment with


@dataclass(frozen=True)
class ProviderEvent:
    """What a verified webhook says. `reference` is None for events we do not act on."""

    reference: str | None
    succeeded: bool
    reason: str = ""


class PaymentProvider(Protocol):
    name: str

    def start(self, payment: Payment) -> PaymentIntent: ...

    def refund(self, payment: Payment, amount: Decimal) -> None: ...

    def verify_webhook(self, payload: bytes, headers: dict[str, str]) -> ProviderEvent:
        """The event in a webhook body, once its signature verifies; BadSignature if not."""
        ...


def minor_units(amount: Decimal) -> int:
    """Kopiyky, cents: what providers count in."""
    return int((amount * 100).to_integral_value())
