"""The manager's money rules: one row, made with its defaults when first read."""

from __future__ import annotations

from billing.models import BillingPolicy


def billing_policy() -> BillingPolicy:
    found = BillingPolicy.objects.order_by("pk").first()
    return found or BillingPolicy.objects.create()
