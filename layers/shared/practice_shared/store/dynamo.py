"""The application's DynamoDB table and the error mapping every store shares."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from botocore.exceptions import ClientError

from practice_shared.aws import resource
from practice_shared.config import get_settings
from practice_shared.errors import DownstreamUnavailable

THROTTLING_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}

# A transaction's cancellation reasons when DynamoDB throttled one of its writes.
THROTTLED_WRITES = {"ProvisionedThroughputExceeded", "ThrottlingError"}
BUSY = "The database is busy; please try again in a moment."


class ConditionFailed(Exception):
    """A conditional write lost a race or found the item in another state."""


class Cancelled(ConditionFailed):
    """A transaction was cancelled: ``reasons`` has one code per write, in order (``None`` for writes that were
    not the cause), e.g. ``ConditionalCheckFailed`` or ``TransactionConflict``."""

    def __init__(self, reasons: list[str | None]):
        super().__init__(f"TransactionCanceledException: {reasons}")
        self.reasons = reasons


def table() -> Any:
    """The single-table design's table (sessions, answers, reports, connections, quotas)."""
    return _table(resource("dynamodb").meta.client, get_settings().table_name)


@cache
def _table(client: Any, name: str) -> Any:
    """The ``Table`` of the shared resource, whose ``client`` is only the cache key.

    boto3 builds a resource's class from its JSON model on every ``Table()`` call: a quarter of a typical
    invocation's CPU when it was done per request. The key is the client, not the resource: boto3 resources of a
    service all compare equal, so a new resource (tests clear the cached clients between AWS mocks) would get a
    table bound to the old one's client.
    """
    return resource("dynamodb").Table(name)


@contextmanager
def dynamo_errors() -> Iterator[None]:
    """Turn a failed condition into :class:`ConditionFailed` and exhausted throttling retries into a 503."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
            raise ConditionFailed(code) from exc
        if code in THROTTLING_CODES:
            raise DownstreamUnavailable(BUSY) from exc
        raise


def transact_write(writes: list[dict[str, Any]], token: str | None = None) -> None:
    """Write ``writes`` (entries of TransactWriteItems, plain values) all or nothing; raises :class:`Cancelled`.

    ``token`` (at most 36 characters): a retry with the same token within ten minutes is not applied again.
    """
    extra = {"ClientRequestToken": token} if token else {}
    try:
        table().meta.client.transact_write_items(TransactItems=writes, **extra)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
            reasons = exc.response.get("CancellationReasons") or [{} for _ in writes]
            codes = [None if reason.get("Code") in (None, "None") else reason["Code"] for reason in reasons]
            if THROTTLED_WRITES & set(codes):
                raise DownstreamUnavailable(BUSY) from exc
            raise Cancelled(codes) from exc
        with dynamo_errors():
            raise
