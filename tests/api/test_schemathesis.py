"""schemathesis against the live schema (/api/schema/) on a live server: every operation,
with a staff caller and a patient caller, bounded examples. No server error, and every
response must match the schema (status code, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from clinic.roles import Role
from tests.appointments.clinic_setup import build_clinic
from tests.factories import consult, patient, screen, staff

pytestmark = [pytest.mark.slow]
EXAMPLES = 8


@pytest.fixture
def callers(live_db) -> dict[str, dict[str, str]]:
    from tests.factories import api_token_for

    build_clinic(practitioners=2, rooms=2, devices=1)
    me = patient()
    screen(me)
    consult(me, plans={"microcurrent-therapy-face": 8})
    users = {
        "staff": staff(Role.RECEPTION),
        "dermatologist": staff(Role.DERMATOLOGIST),
        "patient": me.user,
    }
    return {name: {"Authorization": f"Token {api_token_for(u)}"} for name, u in users.items()}


def test_every_operation_answers_within_its_schema(callers, live_server):
    """Each operation in turn, so a failure names it; hypothesis draws the inputs."""
    # /api/health/ answers 503 by design when no Celery worker runs (none does here); it has
    # its own tests with a real worker. Logging out revokes the callers' tokens: those two
    # have their own tests (tests/clinic/test_api_tokens.py).
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/").exclude(
        path_regex=r"^/api/(health|auth/logout|auth/logout-all)/$"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        check_operation(operation, callers, live_server.url)


def check_operation(operation, callers: dict, base_url: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case) -> None:
        for headers in callers.values():
            # Business rules rightly refuse some schema-valid input (a start outside working
            # hours, an end before a start): that one check is off, every other is on.
            case.call_and_validate(
                base_url=base_url, headers=headers, excluded_checks=[positive_data_acceptance]
            )

    try:
        run()
    except Exception as exc:
        raise AssertionError(f"{operation.label}: {exc}") from exc
