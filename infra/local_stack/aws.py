"""The emulated AWS services: moto in its own process, resources created from the template, a TTL sweeper.

moto stores a table's TTL setting but never deletes expired items, so :class:`TtlSweeper` does what
DynamoDB's background process does: it deletes items whose TTL attribute (a number of epoch seconds) is in
the past — but no more than five years in the past, which DynamoDB ignores too. DynamoDB deletes within a
few days; the sweeper within ``interval`` seconds, so tests that depend on expiry do not wait.
"""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from typing import Any

import boto3
from botocore.config import Config

from local_stack.cfn import ACCOUNT_ID, REGION
from local_stack.template import StackSpec

log = logging.getLogger("local_stack.aws")
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
FIVE_YEARS = 5 * 365 * 24 * 3600


class MotoServer:
    """moto's HTTP server on a free loopback port, in a child process."""

    def __init__(self, runtime_dir: str):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([runtime_dir, os.environ.get("PYTHONPATH", "")])}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_stack.moto_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            start_new_session=True,  # Ctrl-C in a terminal reaches the local stack only; it stops moto itself
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("moto's server did not start; run `python -m local_stack.moto_process` to see why.")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def client(self, service: str) -> Any:
        """A boto3 client of the emulated ``service``."""
        return boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            config=Config(retries={"max_attempts": 2}, connect_timeout=2, read_timeout=30),
            **CREDENTIALS,
        )

    def stop(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()


def send_to_destination(moto: MotoServer, arn: str, record: dict[str, Any]) -> None:
    """Deliver an asynchronous invocation record to an SQS destination (the kind the template uses)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "sqs":
        raise ValueError(f"Destination {arn} is not an SQS queue; only SQS destinations are emulated.")
    url = f"{moto.url}/{parts[4] or ACCOUNT_ID}/{parts[5]}"
    moto.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(record))


class TtlSweeper:
    """Deletes expired items from tables with a TTL attribute, every ``interval`` seconds."""

    def __init__(self, moto: MotoServer, spec: StackSpec, interval: float):
        self._client = moto.client("dynamodb")
        self._tables = [
            (t.name, t.ttl_attribute, [k["AttributeName"] for k in t.create_args["KeySchema"]])
            for t in spec.tables
            if t.ttl_attribute
        ]
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ttl-sweeper", daemon=True)
        self.deleted = 0

    def start(self) -> None:
        if self._tables:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def sweep(self) -> int:
        """Delete every expired item now; returns how many were deleted."""
        now = int(time.time())
        deleted = 0
        for table, attribute, keys in self._tables:
            paginator = self._client.get_paginator("scan")
            pages = paginator.paginate(
                TableName=table,
                FilterExpression="#ttl BETWEEN :oldest AND :now",
                ExpressionAttributeNames={"#ttl": attribute, **{f"#k{i}": k for i, k in enumerate(keys)}},
                ExpressionAttributeValues={":oldest": {"N": str(now - FIVE_YEARS)}, ":now": {"N": str(now)}},
                ProjectionExpression=", ".join(f"#k{i}" for i in range(len(keys))),
            )
            for page in pages:
                for key in page.get("Items", []):
                    self._client.delete_item(TableName=table, Key=key)
                    deleted += 1
        self.deleted += deleted
        return deleted

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.sweep()
            except Exception:
                log.exception("TTL sweep failed")
