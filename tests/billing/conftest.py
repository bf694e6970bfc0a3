"""Fixtures of the money tests."""

from __future__ import annotations

import pytest

from tests.billing.fake_stripe import serve


@pytest.fixture
def fake_stripe(settings):
    """Stripe's API on a local port (tests/billing/fake_stripe.py), Stripe selected."""
    state, server = serve(settings)
    yield state
    server.shutdown()
    server.server_close()
