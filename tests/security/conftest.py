"""Fixtures of the security tests (the helpers are in security_helpers.py)."""

import asyncio
import uuid
from collections.abc import Callable, Iterator

import pytest
from security_helpers import User

from local_stack.stack import LocalStack


@pytest.fixture
def user_factory(stack: LocalStack) -> Iterator[Callable[..., User]]:
    """Makes users with fresh names (so their quotas and sessions start empty)."""
    made: list[User] = []

    def make(prefix: str = "user", groups: tuple[str, ...] = ()) -> User:
        made.append(User(stack, f"{prefix}-{uuid.uuid4().hex[:10]}", groups))
        return made[-1]

    yield make
    for user in made:
        user.close()


@pytest.fixture
def event_loop_for_mangum() -> None:
    """A current event loop, which Mangum (the gateway's REST adapter) asks for: an earlier ``asyncio.run`` in this
    process leaves none behind. It stays set, as later in-process gateway tests expect one too."""
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
