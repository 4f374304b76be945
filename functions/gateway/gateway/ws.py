"""WebSocket routes: API Gateway invokes the gateway with one event per connect, message and disconnect.

Route keys follow the template's route selection expression (``$request.body.action``); the protocol is in
docs/websocket-protocol.md. Replies are pushed through ``@connections`` (see :mod:`gateway.push`), never returned
as integration responses; refusals become ``error`` events and change nothing.
"""

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from gateway import orchestration, streaming
from gateway.identity import user_from_event
from gateway.push import send
from practice_shared import errors
from practice_shared.dispatch import validation_details
from practice_shared.models.api import SessionView
from practice_shared.models.ws import (
    AudioChunk,
    DiscardAnswer,
    EndAnswer,
    Join,
    NextQuestionMessage,
    Ping,
    TextAnswer,
)
from practice_shared.observability import logger
from practice_shared.store import connections

OK = {"statusCode": 200}


def _connect(event: dict[str, Any], connection_id: str) -> None:
    identity = (event.get("requestContext") or {}).get("identity") or {}
    connections.put(connection_id, user_from_event(event), identity.get("sourceIp"))


def _disconnect(_: dict[str, Any], connection_id: str) -> None:
    connections.delete(connection_id)


def _joined(connection_id: str) -> tuple[str, str]:
    """The user and session of a connection that has joined one."""
    record = connections.get(connection_id)
    if not record or "session_id" not in record:
        raise errors.AppError("Join a session first.", code="not_joined")
    return record["user_id"], record["session_id"]


def _join(message: Join, connection_id: str) -> None:
    record = connections.get(connection_id) or {}
    user_id = record.get("user_id")
    if user_id is None:
        raise errors.AppError("Reconnect: this connection is unknown.", code="not_joined")
    view = SessionView.model_validate(orchestration.session_action("get_session", user_id, message.session_id))
    connections.set_session(connection_id, message.session_id)
    event: dict[str, Any] = {
        "type": "joined",
        "session_id": message.session_id,
        "state": view.session.state,
        "question": orchestration.with_audio(view.question).model_dump(mode="json") if view.question else None,
    }
    if message.answer_id:
        event["resume"] = streaming.resume_state(user_id, message.session_id, message.answer_id)
    send(connection_id, event)


def _audio_chunk(message: AudioChunk, connection_id: str) -> None:
    streaming.receive_chunk(connection_id, *_joined(connection_id), message)


def _end_answer(message: EndAnswer, connection_id: str) -> None:
    streaming.end_answer(connection_id, *_joined(connection_id), message)


def _discard_answer(message: DiscardAnswer, connection_id: str) -> None:
    streaming.discard_answer(connection_id, *_joined(connection_id), message)


def _text_answer(message: TextAnswer, connection_id: str) -> None:
    streaming.text_answer(connection_id, *_joined(connection_id), message)


def _next_question(_: NextQuestionMessage, connection_id: str) -> None:
    streaming.advance(connection_id, *_joined(connection_id))


def _ping(message: Ping, connection_id: str) -> None:
    send(connection_id, {"type": "pong", "id": message.id})


MESSAGES: dict[str, tuple[type[BaseModel], Callable[[Any, str], None]]] = {
    "join": (Join, _join),
    "audio_chunk": (AudioChunk, _audio_chunk),
    "end_answer": (EndAnswer, _end_answer),
    "discard_answer": (DiscardAnswer, _discard_answer),
    "text_answer": (TextAnswer, _text_answer),
    "next_question": (NextQuestionMessage, _next_question),
    "ping": (Ping, _ping),
}


def _body(event: dict[str, Any]) -> Any:
    """The message's JSON; ``invalid_json`` for what does not parse, numbers too long for Python's integer
    conversion and nesting too deep for its parser included."""
    try:
        return json.loads(event.get("body") or "")
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise errors.AppError("The message is not valid JSON.", code="invalid_json") from exc


def _message(event: dict[str, Any], connection_id: str) -> None:
    body = _body(event)
    action = body.get("action") if isinstance(body, dict) else None
    if not isinstance(action, str) or action not in MESSAGES:
        raise errors.AppError(
            f"Unknown action {action!r}." if action else "Messages must be JSON objects with an 'action' field.",
            code="unknown_action",
        )
    model, run = MESSAGES[action]
    run(model.model_validate(body), connection_id)


def _answer_id(event: dict[str, Any]) -> str | None:
    """The ``answer_id`` a message was about, so an error event can say which answer it concerns."""
    try:
        body = _body(event)
    except errors.AppError:
        return None
    answer_id = body.get("answer_id") if isinstance(body, dict) else None
    return answer_id if isinstance(answer_id, str) and len(answer_id) <= 64 else None


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """Run the route for a WebSocket event; refusals are pushed to the client as ``error`` events."""
    context = event["requestContext"]
    route, connection_id = context["routeKey"], context["connectionId"]
    logger.append_keys(route=route, connection_id=connection_id)
    try:
        if route == "$connect":
            _connect(event, connection_id)
        elif route == "$disconnect":
            _disconnect(event, connection_id)
        else:
            _message(event, connection_id)
        return OK
    except ValidationError as exc:
        error = errors.AppError("The message is not valid.", code="validation_error", details=validation_details(exc))
    except errors.AppError as exc:
        error = exc
    if route == "$connect":
        return {"statusCode": 401 if error.code == "unauthorized" else 400}
    streaming.push_error(connection_id, error, _answer_id(event))
    return OK
