"""Test-wide settings: no real AWS, no X-Ray, and moto stores built from template.yaml."""

import os

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
