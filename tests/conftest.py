"""Test-wide settings: no real AWS, no X-Ray, and moto stores built from template.yaml."""

import os
import sys
from pathlib import Path

import pytest

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "InterviewPractice",
        "POWERTOOLS_SERVICE_NAME": "tests",
        "TABLE_NAME": "interview-practice-test",
        "IDEMPOTENCY_TABLE_NAME": "interview-practice-idempotency-test",
        "AUDIO_BUCKET": "interview-practice-audio-test",
    }
)
for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[name]


@pytest.fixture
def aws_tables():
    """moto's in-process AWS with the template's tables and bucket (names from the environment above)."""
    from moto import mock_aws

    from local_stack.template import Template
    from practice_shared import aws
    from practice_shared.config import get_settings

    aws.client.cache_clear()
    aws.resource.cache_clear()
    get_settings.cache_clear()
    if "voice.tts" in sys.modules:  # speech objects the voice function saw in another test's bucket
        sys.modules["voice.tts"].forget_stored_speech()
    if "gateway.downstream" in sys.modules:  # and the links to them the gateway was given
        sys.modules["gateway.downstream"].forget_speech_links()
    with mock_aws():
        template = Template.load()
        template.create_stores(
            names={
                "InterviewTable": os.environ["TABLE_NAME"],
                "IdempotencyTable": os.environ["IDEMPOTENCY_TABLE_NAME"],
                "AudioBucket": os.environ["AUDIO_BUCKET"],
            }
        )
        yield
    aws.client.cache_clear()
    aws.resource.cache_clear()


PROBES = Path(__file__).parent / "integration" / "handlers"


def _probe(logical_id: str, handler: str, **options: object):
    """A test-only function (tests/integration/handlers/probe.py) that misbehaves on purpose."""
    from local_stack.template import FunctionSpec

    return FunctionSpec(logical_id=logical_id, handler=f"probe.{handler}", code_dirs=(PROBES,), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def stack():
    """One local stack for every test that needs it, on a free loopback port, with test-only functions beside
    the template's own (the gateway's asynchronous settings are the template's)."""
    from local_stack.stack import LocalStack
    from local_stack.template import Template

    gateway = Template.load().stack_spec().functions["GatewayFunction"]
    os.environ["HOST_ONLY_SETTING"] = "must not leak into functions"
    extra = [
        _probe("Describe", "describe", timeout=5, memory_size=256, environment={"TABLE_NAME": "probe-table"}),
        _probe("Crash", "crash", event_invoke=gateway.event_invoke),
        _probe("Sleep", "sleep", timeout=1),
        _probe("Exit", "exit_process"),
    ]
    with LocalStack(
        port=0,
        prewarm=True,
        extra_functions=extra,
        concurrency={"Describe": 2},
        ttl_sweep_seconds=0.5,
        async_retry_delays=(0.2, 0.2),
    ) as running:
        yield running
    del os.environ["HOST_ONLY_SETTING"]
