"""What the security tests do: sign users in to a local stack, make their sessions, audio and WebSocket messages."""

import base64
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from boto3.dynamodb.types import TypeDeserializer
from websockets.sync.client import ClientConnection, connect

from local_stack.stack import LocalStack

TABLE = "InterviewTable"
BUCKET = "audio-bucket"
TIMEOUT = httpx.Timeout(120.0, connect=5.0)
SPOKEN = "I split the migration into small steps and we finished two weeks early with half the errors."


@dataclass
class User:
    """A signed-in user of a local stack: REST calls with their token, WebSocket connections with it."""

    stack: LocalStack
    name: str
    groups: tuple[str, ...] = ()
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.token = self.stack.dev_token(self.name, self.groups)
        self.user_id = self.stack.identity.user_id(self.name)  # type: ignore[union-attr]
        self.http = httpx.Client(
            base_url=self.stack.http_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=TIMEOUT
        )

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)

    def session(self, start: bool = True, **config: Any) -> str:
        """A new session of this user (started unless ``start`` is false); returns its id."""
        body = {"role": "backend_engineer", "num_questions": 2, "mode": "evaluate", "max_follow_ups": 0, **config}
        created = self.call("POST", "/api/sessions", json=body)
        assert created.status_code == 201, created.text
        session_id = created.json()["session"]["session_id"]
        if start:
            started = self.call("POST", f"/api/sessions/{session_id}/start")
            assert started.status_code == 200, started.text
        return session_id

    def upload(self, session_id: str, data: bytes, content_type: str = "audio/wav") -> str:
        """Upload audio for a session with the presigned POST the API grants; returns its ``audio_key``."""
        grant = self.call("POST", f"/api/sessions/{session_id}/audio-upload", json={"content_type": content_type})
        assert grant.status_code == 200, grant.text
        body = grant.json()
        sent = httpx.post(body["url"], data=body["fields"], files={"file": ("answer", data, content_type)}, timeout=60)
        assert sent.is_success, sent.text
        return body["audio_key"]

    def ws(self) -> ClientConnection:
        return connect(f"{self.stack.ws_url}?token={self.token}", open_timeout=60, max_size=None)

    def close(self) -> None:
        self.http.close()


def events(ws: ClientConnection, until: Callable[[dict[str, Any]], bool], timeout: float = 120) -> list[dict]:
    """Server events until one satisfies ``until`` (included); fails after ``timeout`` seconds."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out; events so far: {seen}"
        event = json.loads(ws.recv(timeout=remaining))
        seen.append(event)
        if until(event):
            return seen


def collect(ws: ClientConnection, kind: str, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    """The next ``count`` events of type ``kind`` (others are skipped)."""
    found: list[dict[str, Any]] = []
    events(ws, lambda e: e.get("type") == kind and (found.append(e) or len(found) == count), timeout)
    return found


def send(ws: ClientConnection, **message: Any) -> None:
    ws.send(json.dumps(message))


def join(ws: ClientConnection, session_id: str) -> list[dict[str, Any]]:
    """Join ``session_id`` and wait until the server confirms it."""
    send(ws, action="join", session_id=session_id)
    return events(ws, of_type("joined"))


def of_type(kind: str, answer_id: str | None = None) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e.get("type") == kind and (answer_id is None or e.get("answer_id") == answer_id)


def stream_answer(ws: ClientConnection, answer_id: str, audio: bytes, chunk: int = 15_000) -> int:
    """Send ``audio`` as chunks of one answer (waiting for each ack); returns the last ``seq``."""
    pieces = [audio[i : i + chunk] for i in range(0, len(audio), chunk)]
    for seq, piece in enumerate(pieces):
        message: dict[str, Any] = {"answer_id": answer_id, "seq": seq, "data": base64.b64encode(piece).decode()}
        if seq == 0:
            message["content_type"] = "audio/wav"
        send(ws, action="audio_chunk", **message)
        events(ws, lambda e, seq=seq: e.get("type") == "ack" and e.get("seq") == seq, timeout=60)
    return len(pieces) - 1


def speech_wav(text: str = SPOKEN, rate: int = 16_000) -> bytes:
    """``text`` spoken by espeak-ng, as mono 16-bit WAV at ``rate`` Hz."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(wav)], check=True)
        return wav.read_bytes()


def session_items(stack: LocalStack, session_id: str) -> list[dict[str, Any]]:
    """Every DynamoDB item of a session's partition, as Python values."""
    dynamodb = stack.aws_client("dynamodb")
    items = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SESSION#{session_id}"}},
        ConsistentRead=True,
    )["Items"]
    deserialize = TypeDeserializer().deserialize
    return [{k: deserialize(v) for k, v in item.items()} for item in items]


def answer_items(stack: LocalStack, session_id: str) -> list[dict[str, Any]]:
    return [item for item in session_items(stack, session_id) if item["sk"].startswith("ANSWER#")]


def audio_keys(stack: LocalStack, prefix: str) -> list[str]:
    listed = stack.aws_client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [obj["Key"] for obj in listed.get("Contents", [])]


def set_quota_used(stack: LocalStack, user: User, quota: str, used: float) -> None:
    """Set today's counter of ``quota`` for ``user`` (as if they had already used that much today)."""
    from datetime import UTC, datetime

    day = datetime.now(UTC).strftime("%Y-%m-%d")
    stack.aws_client("dynamodb").put_item(
        TableName=TABLE,
        Item={
            "pk": {"S": f"QUOTA#{user.user_id}#{day}"},
            "sk": {"S": quota},
            "used": {"N": str(used)},
            "expires_at": {"N": str(int(time.time()) + 86_400)},
        },
    )
