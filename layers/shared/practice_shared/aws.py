"""boto3 clients, created once per container.

Endpoints are never set here: boto3 reads ``AWS_ENDPOINT_URL_<SERVICE>`` (for example
``AWS_ENDPOINT_URL_DYNAMODB``), so the same code talks to AWS or to the local stack.
"""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_DEFAULT = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)
# Invocations are not retried by the SDK: a retried synchronous invoke would run the work twice.
_LAMBDA = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=300)


@cache
def client(service: str) -> Any:
    """A shared boto3 client for ``service`` ("dynamodb", "s3", "lambda", ...)."""
    config = _LAMBDA if service == "lambda" else _DEFAULT
    return boto3.session.Session().client(service, config=config)


@cache
def resource(service: str) -> Any:
    """A shared boto3 resource for ``service`` (used for DynamoDB tables)."""
    return boto3.session.Session().resource(service, config=_DEFAULT)
