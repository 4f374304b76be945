"""Property-based tests of the REST API: schemathesis against the OpenAPI spec, calling the local stack.

Every operation gets generated valid and invalid requests (schemathesis' positive and negative modes), signed in as
one user (an administrator, so the admin route's answers are checked too). Operations on a session act on a fresh
started session of that user, so they reach the session logic rather than stopping at 404. No answer may be a
server error, and every answer must match the schema documented for its status. The spec is the gateway's own,
checked to be the one the stack serves.
"""

import uuid
from collections.abc import Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from security_helpers import User, set_quota_used

from gateway.app import app
from local_stack.stack import LocalStack

EXAMPLES_PER_OPERATION = 15
SPEC = app.openapi()
schema = schemathesis.openapi.from_dict(SPEC)


@pytest.fixture(scope="module")
def signed_in(stack: LocalStack) -> User:
    return User(stack, f"schemathesis-{uuid.uuid4().hex[:8]}", groups=("admin",))


@pytest.fixture
def fresh_session(stack: LocalStack, signed_in: User) -> Callable[[], str]:
    """A started session of the signed-in user, made on first use (one per operation)."""
    made: list[str] = []

    def get() -> str:
        if not made:
            set_quota_used(stack, signed_in, "sessions", 0)  # the examples' own sessions count too
            made.append(signed_in.session(num_questions=3))
        return made[0]

    return get


def test_the_stack_serves_this_spec(stack: LocalStack) -> None:
    assert httpx.get(f"{stack.api_url}/openapi.json", timeout=60).json() == SPEC


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error_and_every_answer_matches_the_schema(
    case, stack: LocalStack, signed_in: User, fresh_session: Callable[[], str]
) -> None:
    if "session_id" in (case.path_parameters or {}):
        case.path_parameters["session_id"] = fresh_session()
    case.call_and_validate(
        base_url=stack.http_url,
        headers={"Authorization": f"Bearer {signed_in.token}"},
        checks=[not_a_server_error, response_schema_conformance],
        timeout=120,
    )
