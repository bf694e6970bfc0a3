"""The test provider (development and tests): no money moves, nothing leaves the machine.

`start` gives a reference; the payment then waits for a webhook, which a test (or a
developer, with `sign`) sends as the real provider would: a JSON body
`{"type": "payment.succeeded" | "payment.declined", "reference": ..., "reason": ...}`
signed with HMAC-SHA256 under BILLING_TEST_WEBHOOK_SECRET in the `X-Test-Signature`
header (`t=<unix time>,v1=<hex>` over `<t>.<body>`, Stripe's scheme).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from billing.providers.base import BadSignature, PaymentIntent, ProviderEvent, ReturnUrls

if TYPE_CHECKING:
    from billing.models import Payment

HEADER = "X-Test-Signature"
TOLERANCE = 300  # seconds a signature stays good (replays of old bodies are refused)


def _digest(secret: str, timestamp: str, payload: bytes) -> str:
    message = timestamp.encode() + b"." + payload
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(payload: bytes, *, secret: str | None = None, at: int | None = None) -> str:
    stamp = str(at if at is not None else int(time.time()))
    return f"t={stamp},v1={_digest(secret or settings.BILLING_TEST_WEBHOOK_SECRET, stamp, payload)}"


class TestProvider:
    name = "test"
    __test__ = False  # not a pytest class

    def start(self, payment: Payment, *, back: ReturnUrls) -> PaymentIntent:
        """The test provider's hosted page is the clinic's own (billing.online), which
        returns to the payment's page itself."""
        reference = f"test_pi_{uuid.uuid4().hex}"
        return PaymentIntent(
            reference=reference,
            redirect_url=reverse("billing:test-checkout", args=[payment.pk]),
            client_secret=f"{reference}_secret",
        )

    def cancel(self, payment: Payment) -> bool:
        return True  # its page refuses a payment that is no longer pending

    def refund(self, payment: Payment, amount: Decimal) -> None:
        return None

    def verify_webhook(self, payload: bytes, headers: dict[str, str]) -> ProviderEvent:
        parts = dict(
            item.split("=", 1) for item in headers.get(HEADER, "").split(",") if "=" in item
        )
        stamp, given = parts.get("t", ""), parts.get("v1", "")
        expected = _digest(settings.BILLING_TEST_WEBHOOK_SECRET, stamp, payload)
        if not stamp.isdigit() or not hmac.compare_digest(given, expected):
            raise BadSignature("signature does not match")
        if abs(time.time() - int(stamp)) > TOLERANCE:
            raise BadSignature("signature too old")
        try:
            event = json.loads(payload)
            kind, reference = event["type"], str(event["reference"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadSignature("not an event") from exc
        if kind not in ("payment.succeeded", "payment.declined"):
            return ProviderEvent(reference=None, succeeded=False)
        return ProviderEvent(
            reference=reference,
            succeeded=kind == "payment.succeeded",
            reason=str(event.get("reason", ""))[:300],
        )
