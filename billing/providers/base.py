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
    """A payment started with the provider: where the patient pays, and how it is known."""

    reference: str  # the provider's id of the payment (its webhooks name it)
    redirect_url: str  # the provider's page where the patient pays (the test provider's own)
    client_secret: str = ""  # for a provider's embedded form; empty with a hosted page


@dataclass(frozen=True)
class ReturnUrls:
    """Where the provider sends the patient back (absolute URLs of the clinic's pages)."""

    success: str
    cancel: str


@dataclass(frozen=True)
class ProviderEvent:
    """What a verified webhook says. `reference` is None for events we do not act on."""

    reference: str | None
    succeeded: bool
    reason: str = ""


class PaymentProvider(Protocol):
    name: str

    def start(self, payment: Payment, *, back: ReturnUrls) -> PaymentIntent: ...

    def cancel(self, payment: Payment) -> bool:
        """Close the pending payment's page so it can no longer be paid: True once it is
        closed, False if the patient paid already (its webhook will settle it)."""
        ...

    def refund(self, payment: Payment, amount: Decimal) -> None: ...

    def verify_webhook(self, payload: bytes, headers: dict[str, str]) -> ProviderEvent:
        """The event in a webhook body, once its signature verifies; BadSignature if not."""
        ...


def minor_units(amount: Decimal) -> int:
    """Kopiyky, cents: what providers count in."""
    return int((amount * 100).to_integral_value())
