"""Stripe through its SDK: a PaymentIntent per online payment, settled by the signed
webhooks `payment_intent.succeeded` and `payment_intent.payment_failed`.

Configured by STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (the endpoint's signing
secret); BILLING_PROVIDER=stripe selects it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import stripe
from django.conf import settings

from billing.providers.base import (
    BadSignature,
    PaymentIntent,
    ProviderError,
    ProviderEvent,
    minor_units,
)

if TYPE_CHECKING:
    from billing.models import Payment

SIGNATURE_HEADER = "Stripe-Signature"


class StripeProvider:
    name = "stripe"

    def _client(self) -> stripe.StripeClient:
        base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
        return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base)

    def start(self, payment: Payment) -> PaymentIntent:
        try:
            return self._create_intent(payment)
        except stripe.StripeError as exc:
            raise ProviderError(str(exc.user_message or exc)) from exc

    def _create_intent(self, payment: Payment) -> PaymentIntent:
        intent = self._client().v1.payment_intents.create(
            params={
                "amount": minor_units(payment.amount.amount),
                "currency": str(payment.amount.currency).lower(),
                "metadata": {"payment_id": str(payment.pk), "invoice": payment.invoice.number},
            },
            # Stripe answers a retried create with the first intent, never a second one.
            options={"idempotency_key": f"clinic-payment-{payment.pk}"},
        )
        return PaymentIntent(reference=intent.id, client_secret=intent.client_secret or "")

    def refund(self, payment: Payment, amount: Decimal) -> None:
        try:
            self._client().v1.refunds.create(
                params={"payment_intent": payment.provider_ref, "amount": minor_units(amount)},
                options={"idempotency_key": f"clinic-refund-{payment.pk}-{minor_units(amount)}"},
            )
        except stripe.StripeError as exc:
            raise ProviderError(str(exc.user_message or exc)) from exc

    def verify_webhook(self, payload: bytes, headers: dict[str, str]) -> ProviderEvent:
        try:
            event = stripe.Webhook.construct_event(
                payload.decode("utf-8"),
                headers.get(SIGNATURE_HEADER, ""),
                settings.STRIPE_WEBHOOK_SECRET,
            )
        except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
            raise BadSignature(str(exc)) from exc
        kind = event.type
        if kind not in ("payment_intent.succeeded", "payment_intent.payment_failed"):
            return ProviderEvent(reference=None, succeeded=False)
        intent = event.data.object.to_dict()  # a StripeObject: read as a plain dict
        error = intent.get("last_payment_error") or {}
        return ProviderEvent(
            reference=intent["id"],
            succeeded=kind == "payment_intent.succeeded",
            reason=str(error.get("message", ""))[:300],
        )
