"""Fixtures of the money tests."""

from __future__ import annotations

import pytest

from clinic.roles import Role
from tests.billing.fake_stripe import serve
from tests.billing.helpers import priced_clinic
from tests.factories import staff, token_api


@pytest.fixture
def clinic(db):
    """The scheduling clinic with the catalog's prices (tests/billing/helpers.py)."""
    return priced_clinic()


@pytest.fixture
def reception():
    """Reception's API client (a token: no CSRF, the second factor proven at issue)."""
    return token_api(staff(Role.RECEPTION))


@pytest.fixture
def fake_stripe(settings):
    """Stripe's API on a local port (tests/billing/fake_stripe.py), Stripe selected."""
    state, server = serve(settings)
    yield state
    server.shutdown()
    server.server_close()
