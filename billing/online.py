"""The test provider's hosted checkout (development and tests only): the patient chooses
to pay or to decline, and the outcome reaches the clinic the way a provider's webhook
does: a body signed with the webhook secret, verified by the provider, then settled by
the same service the webhook endpoint calls."""

from __future__ import annotations

import json

from billing.models import Payment
from billing.providers import provider
from billing.providers.test import HEADER, sign
from billing.services.payments import payment_settle

DECLINE_REASON = "Card declined (test provider)"


def test_checkout_deliver(payment: Payment, *, succeeded: bool) -> Payment | None:
    kind = "payment.succeeded" if succeeded else "payment.declined"
    event = {"type": kind, "reference": payment.provider_ref}
    if not succeeded:
        event["reason"] = DECLINE_REASON
    body = json.dumps(event).encode()
    verified = provider("test").verify_webhook(body, {HEADER: sign(body)})
    return payment_settle(
        provider_name="test",
        reference=verified.reference or "",
        succeeded=verified.succeeded,
        reason=verified.reason,
    )


test_checkout_deliver.__test__ = False  # not a pytest test
