"""Spoken answers streamed over the WebSocket: chunks in, partial transcripts out, then the final result.

Chunks are stored in S3 as they arrive and recorded in the stream's DynamoDB item, so a reconnecting client learns
exactly which chunks to resend. Every few seconds of audio, the finished stretches of speech are transcribed in an
asynchronous invocation and pushed back as partial transcripts; at the end only the tail after the last committed
word is transcribed, which keeps the wait after a long answer short. All long work runs in asynchronous
invocations of this function (``jobs``) and reports through ``@connections``.
"""

import base64
import binascii
import os
from typing import Any

from gateway import downstream, orchestration
from gateway.push import send
from practice_shared import errors
from practice_shared.config import get_settings
from practice_shared.invoke import send_event
from practice_shared.models.api import AnswerResult, NextQuestion, SubmitAnswerPayload
from practice_shared.models.voice import TranscribeRequest, WordTiming
from practice_shared.models.ws import MAX_CHUNK_BYTES, AudioChunk, EndAnswer, TextAnswer
from practice_shared.observability import logger
from practice_shared.store import audio as audio_store
from practice_shared.store import streams
from practice_shared.store.streams import Stream

PARTIAL_EVERY_CHUNKS = 4
COMMIT_GUARD_SECONDS = 1.0
COMMIT_GAP_SECONDS = 0.25
EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/wav": "wav"}


def _self_invoke(action: str, payload: dict[str, Any]) -> None:
    send_event(os.environ["AWS_LAMBDA_FUNCTION_NAME"], action, payload)


def _chunk_key(stream: Stream, seq: int) -> str:
    prefix = audio_store.stream_prefix(stream.user_id, stream.session_id)
    return f"{prefix}{stream.answer_id}/{seq:06d}"


def resume_state(user_id: str, session_id: str, answer_id: str) -> dict[str, Any]:
    """What a reconnecting client must resend for ``answer_id``."""
    stream = streams.get(session_id, answer_id)
    if stream is None or stream.user_id != user_id:
        return {"answer_id": answer_id, "next_seq": 0, "missing": []}
    last = max(stream.seqs, default=-1)
    return {
        "answer_id": answer_id,
        "next_seq": stream.next_seq(),
        "missing": stream.missing(last),
        "status": stream.status,
    }


def receive_chunk(connection_id: str, user_id: str, session_id: str, message: AudioChunk) -> None:
    """Store one chunk, acknowledge it, and start a partial transcription when enough new audio arrived."""
    try:
        data = base64.b64decode(message.data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.BadRequest("The chunk's data is not valid base64.", code="validation_error") from exc
    if len(data) > MAX_CHUNK_BYTES:
        raise errors.PayloadTooLarge(f"Chunks carry at most {MAX_CHUNK_BYTES} bytes of audio.", code="chunk_too_large")
    current = streams.get(session_id, message.answer_id) or Stream(
        answer_id=message.answer_id,
        user_id=user_id,
        session_id=session_id,
        content_type=message.content_type or "audio/webm",
    )
    if current.user_id != user_id:
        raise errors.NotFound("The answer was not found.")
    if message.seq in current.seqs:
        send(
            connection_id,
            {
                "type": "ack",
                "answer_id": message.answer_id,
                "seq": message.seq,
                "duplicate": True,
                "next_seq": current.next_seq(),
            },
        )
        return
    if current.status not in {"streaming", "failed"}:
        raise errors.Conflict("This answer has already been submitted; start a new answer.", code="invalid_transition")
    if current.bytes_received + len(data) > get_settings().max_audio_bytes:
        raise errors.PayloadTooLarge("The recording is too long; end the answer.", code="answer_too_long")

    audio_store.write(_chunk_key(current, message.seq), data, "application/octet-stream")
    stream, duplicate = streams.add_chunk(current, message.seq, len(data), get_settings().session_ttl)
    next_seq = stream.next_seq()
    send(
        connection_id,
        {
            "type": "ack",
            "answer_id": message.answer_id,
            "seq": message.seq,
            "duplicate": duplicate,
            "next_seq": next_seq,
        },
    )
    if next_seq - stream.partial_requested >= PARTIAL_EVERY_CHUNKS and streams.claim_partial(stream, next_seq):
        _self_invoke(
            "partial_transcript",
            {
                "connection_id": connection_id,
                "session_id": session_id,
                "answer_id": message.answer_id,
                "upto": next_seq,
            },
        )


def end_answer(connection_id: str, user_id: str, session_id: str, message: EndAnswer) -> None:
    """Check every chunk arrived, then finish the answer asynchronously (or ask for the missing chunks)."""
    stream = streams.get(session_id, message.answer_id)
    if stream is None or stream.user_id != user_id:
        raise errors.NotFound("No audio was received for this answer; send its chunks first.")
    missing = stream.missing(message.last_seq)
    if missing:
        send(connection_id, {"type": "resend", "answer_id": message.answer_id, "missing": missing})
        return
    if not streams.set_status(stream, "finishing", allowed_from=("streaming", "failed")):
        logger.info("end_answer for an answer already finishing", extra={"answer_id": message.answer_id})
        return
    _self_invoke(
        "finish_answer",
        {
            "connection_id": connection_id,
            "user_id": user_id,
            "session_id": session_id,
            "answer_id": message.answer_id,
            "last_seq": message.last_seq,
        },
    )


def text_answer(connection_id: str, user_id: str, session_id: str, message: TextAnswer) -> None:
    """Record a typed answer asynchronously (its evaluation can take a few seconds)."""
    _self_invoke(
        "finish_text_answer",
        {
            "connection_id": connection_id,
            "user_id": user_id,
            "session_id": session_id,
            "answer_id": message.answer_id,
            "text": message.text,
        },
    )


def _assemble(stream: Stream, upto: int) -> bytes:
    """The recording so far: chunks 0..upto-1 concatenated in order."""
    return b"".join(audio_store.read(_chunk_key(stream, seq), MAX_CHUNK_BYTES) for seq in range(upto))


def _language(user_id: str, session_id: str) -> str:
    view = orchestration.session_action("get_session", user_id, session_id)
    return view["session"]["config"]["language"]


def partial_transcript(payload: dict[str, Any]) -> None:
    """Job: transcribe the finished stretches of speech received so far and push them."""
    stream = streams.get(payload["session_id"], payload["answer_id"])
    if stream is None or stream.status != "streaming":
        return
    key = f"{_chunk_key(stream, 0).rsplit('/', 1)[0]}/partial.{EXTENSIONS.get(stream.content_type, 'webm')}"
    audio_store.write(key, _assemble(stream, payload["upto"]), stream.content_type)
    result = orchestration.transcribe_metered(
        stream.user_id,
        TranscribeRequest(
            audio_key=key,
            language=_language(stream.user_id, stream.session_id),
            start_seconds=stream.committed_until,
            prior_words=stream.committed_words,
        ),
    )
    new_words = [w for w in result.words if w.start >= stream.committed_until]
    settled = _settled(new_words, result.duration_seconds)
    if settled and streams.commit_words(stream, settled[-1].end, settled):
        stream = stream.model_copy(update={"committed_until": settled[-1].end})
    send(
        payload["connection_id"],
        {
            "type": "partial_transcript",
            "answer_id": stream.answer_id,
            "text": result.text,
            "until_seconds": result.duration_seconds,
        },
    )


def _settled(words: list[WordTiming], duration: float) -> list[WordTiming]:
    """Words that will not change when more audio arrives: up to the last pause well before the end."""
    limit = duration - COMMIT_GUARD_SECONDS
    cut = 0
    for i in range(1, len(words)):
        if words[i].start - words[i - 1].end >= COMMIT_GAP_SECONDS and words[i - 1].end <= limit:
            cut = i
    return words[:cut]


def finish_answer(payload: dict[str, Any]) -> None:
    """Job: assemble the recording, transcribe what is left, record and evaluate the answer, push the results."""
    connection_id, answer_id = payload["connection_id"], payload["answer_id"]
    user_id, session_id = payload["user_id"], payload["session_id"]
    stream = streams.get(session_id, answer_id)
    if stream is None:
        return
    try:
        key = (
            f"{audio_store.answer_prefix(user_id, session_id)}{answer_id}.{EXTENSIONS.get(stream.content_type, 'webm')}"
        )
        if not audio_store.exists(key):
            audio_store.write(key, _assemble(stream, payload["last_seq"] + 1), stream.content_type)
        send(connection_id, {"type": "progress", "answer_id": answer_id, "stage": "received"})
        send(connection_id, {"type": "progress", "answer_id": answer_id, "stage": "transcribing"})
        transcription = orchestration.transcribe_metered(
            stream.user_id,
            TranscribeRequest(
                audio_key=key,
                language=_language(user_id, session_id),
                start_seconds=stream.committed_until,
                prior_words=stream.committed_words,
            ),
        )
        send(
            connection_id,
            {"type": "transcript", "answer_id": answer_id, "transcription": transcription.model_dump(mode="json")},
        )
        if transcription.no_speech:
            raise errors.Unprocessable(
                "No speech was detected in the recording. Check your microphone and try again.", code="no_speech"
            )
        _record(
            connection_id,
            SubmitAnswerPayload(
                user_id=user_id,
                session_id=session_id,
                text=transcription.text,
                source="audio",
                audio_key=key,
                transcription_confidence=transcription.confidence,
                delivery=transcription.delivery,
                client_answer_id=answer_id,
            ),
        )
        streams.set_status(stream, "done", allowed_from=("finishing",))
    except errors.AppError as exc:
        streams.set_status(stream, "failed", allowed_from=("finishing",))
        push_error(connection_id, exc, answer_id)


def finish_text_answer(payload: dict[str, Any]) -> None:
    """Job: record and evaluate a typed answer, push the results."""
    try:
        _record(
            payload["connection_id"],
            SubmitAnswerPayload(
                user_id=payload["user_id"],
                session_id=payload["session_id"],
                text=payload["text"],
                client_answer_id=payload["answer_id"],
            ),
        )
    except errors.AppError as exc:
        push_error(payload["connection_id"], exc, payload["answer_id"])


def _record(connection_id: str, answer: SubmitAnswerPayload) -> None:
    """Submit the answer to the interview function, push its result and what to answer next."""
    send(connection_id, {"type": "progress", "answer_id": answer.client_answer_id, "stage": "evaluating"})
    result = AnswerResult.model_validate(downstream.interview("submit_answer", answer.model_dump(mode="json")))
    send(
        connection_id,
        {
            "type": "answer_result",
            "answer_id": answer.client_answer_id,
            "result": result.model_dump(mode="json", exclude={"transcription"}),
        },
    )
    send(connection_id, {"type": "progress", "answer_id": answer.client_answer_id, "stage": "speaking"})
    if result.follow_up is not None:
        send(
            connection_id,
            {"type": "question", "question": orchestration.with_audio(result.follow_up).model_dump(mode="json")},
        )
        return
    advance(connection_id, answer.user_id, answer.session_id)


def advance(connection_id: str, user_id: str, session_id: str) -> None:
    """Move to the next question and push it with its audio, or say the interview is complete."""
    nxt = NextQuestion.model_validate(orchestration.session_action("next_question", user_id, session_id))
    if nxt.done or nxt.question is None:
        send(connection_id, {"type": "interview_complete", "session_id": session_id})
        return
    send(
        connection_id, {"type": "question", "question": orchestration.with_audio(nxt.question).model_dump(mode="json")}
    )


def push_error(connection_id: str, exc: errors.AppError, answer_id: str | None = None) -> None:
    """Push a refusal or failure as an ``error`` event; 5xx failures are retryable."""
    event = {"type": "error", **exc.to_dict()["error"], "retryable": exc.status >= 500}
    if answer_id:
        event["answer_id"] = answer_id
    send(connection_id, event)


JOBS = {
    "partial_transcript": partial_transcript,
    "finish_answer": finish_answer,
    "finish_text_answer": finish_text_answer,
}
