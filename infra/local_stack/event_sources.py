"""Event source mappings for DynamoDB streams: pollers that invoke a function with batches of stream records.

What Lambda does for a ``Type: DynamoDB`` event, on moto's stream API: poll the table's stream four times a
second; drop the records that pass none of the ``FilterCriteria`` patterns (Lambda drops them too, unbilled);
gather up to ``BatchSize`` records, waiting at most ``MaximumBatchingWindowInSeconds`` after the first; invoke
the function synchronously with ``{"Records": [...]}`` in Lambda's shape. A failed batch is retried
(``MaximumRetryAttempts``; -1 retries until the stack stops, Lambda until the records expire) with growing
delays, and blocks the shard meanwhile, as in Lambda; then a description of the batch goes to the on-failure
destination and the poller moves on. moto gives each table's stream one shard.
"""

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local_stack.cfn import REGION
from local_stack.event_filters import matches_any
from local_stack.template import StreamSourceSpec

log = logging.getLogger("local_stack.event_sources")
POLL_SECONDS = 0.25
Invoke = Callable[[bytes], Any]  # returns an InvocationResult (function_error, json())


class StreamPoller:
    """One event source mapping: ``source`` (a table's stream) -> ``function_arn``, through ``invoke``."""

    def __init__(
        self,
        function_arn: str,
        source: StreamSourceSpec,
        client: Callable[[str], Any],
        invoke: Invoke,
        send_to_destination: Callable[[str, dict[str, Any]], None],
        retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0),
    ):
        self.function_arn = function_arn
        self.source = source
        self._streams = client("dynamodbstreams")
        self._dynamodb = client("dynamodb")
        self._invoke = invoke
        self._send_to_destination = send_to_destination
        self._retry_delays = retry_delays
        self._iterators: dict[str, str] = {}
        self._pending: list[dict[str, Any]] = []
        self._first_pending_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"stream-{source.table}", daemon=True)
        self.stream_arn = ""
        self.batches_delivered = 0

    def open(self) -> "StreamPoller":
        """Find the table's stream and position an iterator on each shard (``StartingPosition``)."""
        table = self._dynamodb.describe_table(TableName=self.source.table)["Table"]
        if "LatestStreamArn" not in table:
            raise RuntimeError(f"Table {self.source.table} has no stream (StreamSpecification).")
        self.stream_arn = table["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType=self.source.starting_position
            )["ShardIterator"]
        return self

    def start(self) -> None:
        if self.source.enabled:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def poll(self) -> None:
        """Read what the shards have now; deliver every full batch, and the rest once the window has passed."""
        for shard_id, iterator in list(self._iterators.items()):
            response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            self._iterators[shard_id] = response["NextShardIterator"]
            records = [lambda_record(r, self.stream_arn) for r in response["Records"]]
            passed = [r for r in records if matches_any(self.source.filters, r)]
            if passed and not self._pending:
                self._first_pending_at = time.monotonic()
            self._pending.extend(passed)
        while len(self._pending) >= self.source.batch_size:
            self._deliver(self._take(self.source.batch_size))
        if self._pending and time.monotonic() - self._first_pending_at >= self.source.batching_window:
            self._deliver(self._take(len(self._pending)))

    def _take(self, count: int) -> list[dict[str, Any]]:
        batch, self._pending = self._pending[:count], self._pending[count:]
        self._first_pending_at = time.monotonic()
        return batch

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        payload = json.dumps({"Records": batch}).encode()
        attempts = 0
        while True:
            attempts += 1
            result = self._invoke(payload)
            if result.function_error is None:
                self.batches_delivered += 1
                return
            retries = self.source.max_retries
            if (retries >= 0 and attempts > retries) or self._stop.is_set():
                break
            delay = self._retry_delays[min(attempts - 1, len(self._retry_delays) - 1)] if self._retry_delays else 0
            log.warning("%s failed on %d stream records (attempt %d)", self.function_arn, len(batch), attempts)
            if self._stop.wait(delay):
                return
        log.error("%s: a batch of %d stream records failed %d times", self.function_arn, len(batch), attempts)
        if self.source.on_failure:
            self._send_to_destination(self.source.on_failure, self._failure_record(batch, attempts, result))

    def _failure_record(self, batch: list[dict[str, Any]], attempts: int, result: Any) -> dict[str, Any]:
        """What Lambda sends to an on-failure destination for a stream batch: where the records are, not them."""
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        return {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": result.function_error,
            },
            "version": "1.0",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "DDBStreamBatchInfo": {
                "shardId": next(iter(self._iterators), ""),
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first["ApproximateCreationDateTime"]),
                "approximateArrivalOfLastRecord": _iso(last["ApproximateCreationDateTime"]),
                "batchSize": len(batch),
                "streamArn": self.stream_arn,
            },
        }

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.poll()
            except Exception:
                log.exception("Polling the stream of %s failed", self.source.table)


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as boto3's ``get_records`` returns it, in the shape of Lambda's DynamoDB event."""
    dynamodb = _jsonable(record["dynamodb"])
    return {
        "eventID": record.get("eventID") or uuid.uuid4().hex,
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", REGION),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return int(value.timestamp())  # Lambda's events carry epoch seconds
    return value


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
