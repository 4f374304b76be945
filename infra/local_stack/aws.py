"""The emulated AWS services: moto in its own process (which also deletes expired items, see
:mod:`local_stack.moto_process`) and asynchronous invocations' destination records."""

import json
import logging
import os
import subprocess
import sys
from typing import Any

import boto3
from botocore.config import Config

from local_stack.cfn import ACCOUNT_ID, REGION

log = logging.getLogger("local_stack.aws")
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}


class MotoServer:
    """moto's HTTP server on a free loopback port, in a child process."""

    def __init__(self, runtime_dir: str, ttl_sweep_seconds: float = 5.0):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([runtime_dir, os.environ.get("PYTHONPATH", "")])}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_stack.moto_process", "0", str(ttl_sweep_seconds)],
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
