"""The local stack, started once for the integration tests on a free loopback port, with test-only functions."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_stack.stack import LocalStack
from local_stack.template import FunctionSpec, Template

HANDLERS = Path(__file__).with_name("handlers")


def probe(logical_id: str, handler: str, **options: object) -> FunctionSpec:
    return FunctionSpec(logical_id=logical_id, handler=f"probe.{handler}", code_dirs=(HANDLERS,), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    # The gateway's asynchronous settings (retries, on-failure queue) as the template declares them.
    gateway = Template.load().stack_spec().functions["GatewayFunction"]
    os.environ["HOST_ONLY_SETTING"] = "must not leak into functions"
    extra = [
        probe("Describe", "describe", timeout=5, memory_size=256, environment={"TABLE_NAME": "probe-table"}),
        probe("Crash", "crash", event_invoke=gateway.event_invoke),
        probe("Sleep", "sleep", timeout=1),
        probe("Exit", "exit_process"),
    ]
    with LocalStack(
        port=0,
        extra_functions=extra,
        concurrency={"Describe": 2},
        ttl_sweep_seconds=0.5,
        async_retry_delays=(0.2, 0.2),
    ) as running:
        yield running
    del os.environ["HOST_ONLY_SETTING"]
