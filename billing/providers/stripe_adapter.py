"""Stripe through its SDK: each online payment is a Checkout Session, Stripe's own hosted
card page, settled by its signed webhooks.

`checkout.session.completed` with the session paid (or, for a method that confirms later,
`checkout.session.async_payment_succeeded`) settles the payment; `async_payment_failed`
and `checkout.session.expired` decline it. Payments started before the hosted page (a
PaymentIntent each) still settle by `payment_intent.succeeded` / `payment_failed`.

Configured by STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET (the endpoint's signing secret) and
STRIPE_API_BASE (another address for the API: stripe-mock, the tests' local server);
BILLING_PROVIDER=stripe selects it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from billing.providers.base import (
    BadSignature,
    PaymentIntent,
    ProviderError,
    ProviderEvent,
    ReturnUrls,
    minor_units,
)

if TYPE_CHECKING:
    from billing.models import Payment

SIGNATURE_HEADER = "Stripe-Signature"
# Stripe puts the session's id in place of this in the URL it returns the patient to.
SESSION_ID = "{CHECKOUT_SESSION_ID}"
SETTLED_BY = {  # event type -> succeeded; the events not listed change nothing
    "checkout.session.completed": True,
    "checkout.session.async_payment_succeeded": True,
    "checkout.session.async_payment_failed": False,
    "checkout.session.expired": False,
    "payment_intent.succeeded": True,
    "payment_intent.payment_failed": False,
}


def _with_session_id(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}session_id={SESSION_ID}"


class StripeProvider:
    name = "stripe"

    def _client(self) -> stripe.StripeClient:
        base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
        return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base)

    def start(self, payment: Payment, *, back: ReturnUrls) -> PaymentIntent:
        try:
            session = self._create_session(payment, back)
        except stripe.StripeError as exc:
            raise ProviderError(str(exc.user_message or exc)) from exc
        return PaymentIntent(reference=session.id, redirect_url=session.url or "")

    def _create_session(self, payment: Payment, back: ReturnUrls) -> Any:
        invoice = payment.invoice
        return self._client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": str(payment.amount.currency).lower(),
                            "unit_amount": minor_units(payment.amount.amount),
                            "product_data": {"name": _("Invoice %s") % invoice.number},
                        },
                    }
                ],
                "client_reference_id": str(payment.pk),
                "metadata": {"payment_id": str(payment.pk), "invoice": invoice.number},
                "payment_intent_data": {"metadata": {"payment_id": str(payment.pk)}},
                "success_url": _with_session_id(back.success),
                "cancel_url": _with_session_id(back.cancel),
            },
            # Stripe answers a retried create with the first session, never a second one.
            options={"idempotency_key": f"clinic-payment-{payment.pk}"},
        )

    def cancel(self, payment: Payment) -> bool:
        """Expire the session; one Stripe will not expire is paid or expired already."""
        sessions = self._client().v1.checkout.sessions
        try:
            try:
                return sessions.expire(payment.provider_ref).status == "expired"
            except stripe.InvalidRequestError:  # not open any more: see how it ended
                return sessions.retrieve(payment.provider_ref).status == "expired"
        except stripe.StripeError as exc:
            raise ProviderError(str(exc.user_message or exc)) from exc

    def refund(self, payment: Payment, amount: Decimal) -> None:
        try:
            self._client().v1.refunds.create(
                params={"payment_intent": self._intent_of(payment), "amount": minor_units(amount)},
                options={"idempotency_key": f"clinic-refund-{payment.pk}-{minor_units(amount)}"},
            )
        except stripe.StripeError as exc:
            raise ProviderError(str(exc.user_message or exc)) from exc

    def _intent_of(self, payment: Payment) -> str:
        """A refund names the PaymentIntent: the session's, or the payment's own (older)."""
        if not payment.provider_ref.startswith("cs_"):
            return payment.provider_ref
        session = self._client().v1.checkout.sessions.retrieve(payment.provider_ref)
        intent = session.payment_intent
        return intent if isinstance(intent, str) else intent.id

    def verify_webhook(self, payload: bytes, headers: dict[str, str]) -> ProviderEvent:
        try:
            event = stripe.Webhook.construct_event(
                payload.decode("utf-8"),
                headers.get(SIGNATURE_HEADER, ""),
                settings.STRIPE_WEBHOOK_SECRET,
            )
        except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
            raise BadSignature(str(exc)) from exc
        return _event_of(event.type, event.data.object.to_dict())


def _event_of(kind: str, found: dict[str, Any]) -> ProviderEvent:
    """What a verified event says about one of our payments (`found` is its object)."""
    if kind not in SETTLED_BY:
        return ProviderEvent(reference=None, succeeded=False)
    if kind == "checkout.session.completed" and found.get("payment_status") == "unpaid":
        # A method that confirms later (a bank debit): async_payment_* settles it.
        return ProviderEvent(reference=None, succeeded=False)
    if kind == "checkout.session.expired":
        reason = _("The payment page expired before the payment was made.")
    else:
        error = found.get("last_payment_error") or {}
        reason = str(error.get("message") or _("The payment did not go through."))
    succeeded = SETTLED_BY[kind]
    return ProviderEvent(
        reference=found["id"], succeeded=succeeded, reason="" if succeeded else reason[:300]
    )
