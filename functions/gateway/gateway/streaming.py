"""Spoken answers streamed over the WebSocket: chunks in, partial transcripts out, then the final result.

Chunks are stored in S3 as they arrive and recorded in the stream's DynamoDB item, so a reconnecting client learns
exactly which chunks to resend. Every few seconds of audio, what was not committed yet is transcribed in an
asynchronous invocation and pushed back as a partial transcript, and the words two such transcriptions agree on
are committed (:func:`_agreed`); at the end only the tail after the last committed word is transcribed, which
keeps the wait after a long answer short. All long work runs in asynchronous
invocations of this function (``jobs``) and reports through ``@connections``.

Finishing an answer is idempotent, keyed by the answer id: a repeated ``end_answer`` or ``text_answer``, or
Lambda's retry of a job, replays the first result to the client instead of recording the answer twice (spoken
answers through :mod:`gateway.idempotency`, which also saves transcribing again; every answer through the interview
function's claim of its id), and the interview moves on only if it has not already (:func:`_continue`).
"""

import base64
import binascii
import os
import re
from typing import Any

from gateway import downstream, idempotency, orchestration
from gateway.push import fits, send
from practice_shared import errors
from practice_shared.config import get_settings
from practice_shared.invoke import send_event
from practice_shared.models.api import AnswerResult, NextQuestion, SessionView, SubmitAnswerPayload
from practice_shared.models.voice import TranscribeRequest, Transcription, WordTiming
from practice_shared.models.ws import MAX_CHUNK_BYTES, AudioChunk, DiscardAnswer, EndAnswer, TextAnswer
from practice_shared.observability import count_error, logger
from practice_shared.store import audio as audio_store
from practice_shared.store import quotas, streams
from practice_shared.store.streams import Stream

PARTIAL_EVERY_CHUNKS = 3
COMMIT_GUARD_SECONDS = 1.0  # a word is committed only when this much audio follows it
COMMIT_GAP_SECONDS = 0.1  # and there is a pause at least this long after it, where the next transcription starts
MAX_PENDING_SECONDS = 10.0  # past this much uncommitted audio, words are committed without agreement
FORCED_GAP_SECONDS = 0.25  # the pause those words need after them
EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/wav": "wav"}
UNEXPECTED = "Recording your answer failed; please try again."
_NOT_WORD = re.compile(r"\W+")


class JobFailed(RuntimeError):
    """A job failed unexpectedly: the invocation fails, so Lambda retries it and then keeps it in the on-failure
    queue (an error the dispatcher would turn into an answer nobody reads must not end the job quietly)."""


def _self_invoke(action: str, payload: dict[str, Any]) -> None:
    send_event(os.environ["AWS_LAMBDA_FUNCTION_NAME"], action, payload)


def _stream_folder(stream: Stream) -> str:
    """The S3 prefix of one streamed answer's chunks (and of its partial recordings)."""
    return f"{audio_store.stream_prefix(stream.user_id, stream.session_id)}{stream.answer_id}/"


def _chunk_key(stream: Stream, seq: int) -> str:
    return f"{_stream_folder(stream)}{seq:06d}"


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
    current = streams.get(session_id, message.answer_id) or _new_stream(user_id, session_id, message)
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
        raise _closed(current)
    if current.bytes_received + len(data) > get_settings().max_audio_bytes:
        raise errors.PayloadTooLarge("The recording is too long; end the answer.", code="answer_too_long")

    # The first bytes stored for a sequence number stay, and only the message that stored them is acknowledged as
    # new: a duplicate racing the original can neither replace it nor be told it was kept.
    key = _chunk_key(current, message.seq)
    stored = audio_store.write_once(key, data, "application/octet-stream")
    added = streams.add_chunk(current, message.seq, len(data), get_settings().session_ttl)
    if added is None:  # discarded (or submitted) while this chunk was being stored: it must not outlive the answer
        if stored:
            audio_store.delete(key)
        raise _closed(streams.get(session_id, message.answer_id) or current)
    stream, recorded_before = added
    duplicate = recorded_before or not stored
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


def _new_stream(user_id: str, session_id: str, message: AudioChunk) -> Stream:
    """A new answer's stream, once the session is known to be in progress (nothing is stored for a session that
    was deleted, has ended or has not started)."""
    view = SessionView.model_validate(orchestration.session_action("get_session", user_id, session_id))
    if view.session.state != "active" or view.question is None:
        raise errors.Conflict(
            "The interview is not in progress, so there is nothing to answer.", code="invalid_transition"
        )
    return Stream(
        answer_id=message.answer_id,
        user_id=user_id,
        session_id=session_id,
        content_type=message.content_type or "audio/webm",
    )


def end_answer(connection_id: str, user_id: str, session_id: str, message: EndAnswer) -> None:
    """Check every chunk arrived, then finish the answer asynchronously (or ask for the missing chunks)."""
    stream = streams.get(session_id, message.answer_id)
    if stream is None or stream.user_id != user_id:
        raise errors.NotFound("No audio was received for this answer; send its chunks first.")
    if stream.status == "discarded":
        raise _closed(stream)
    missing = stream.missing(message.last_seq)
    if missing:
        send(connection_id, {"type": "resend", "answer_id": message.answer_id, "missing": missing})
        return
    # "done" too: the client did not get the result (it reconnected), so the job replays it.
    if not streams.set_status(stream, "finishing", allowed_from=("streaming", "failed", "done")):
        # Its job pushes to the connection that ended it; this one (a reconnected client's) is told to ask again
        # once the job is done, when end_answer replays the result here.
        logger.info("end_answer for an answer already finishing", extra={"answer_id": message.answer_id})
        raise errors.Conflict(
            "This answer is still being processed; send end_answer again in a moment to get its result.",
            code="in_progress",
        )
    job = {
        "connection_id": connection_id,
        "user_id": user_id,
        "session_id": session_id,
        "answer_id": message.answer_id,
        "last_seq": message.last_seq,
    }
    try:
        _self_invoke("finish_answer", job)
    except errors.AppError:  # no job will finish it: "failed" lets the client's retry of end_answer start one
        streams.set_status(stream, "failed", allowed_from=("finishing",))
        raise


def discard_answer(connection_id: str, user_id: str, session_id: str, message: DiscardAnswer) -> None:
    """Drop an answer being recorded, because the candidate starts it over: its chunks are deleted (a chunk still
    on its way is refused) and it can no longer be submitted. Confirmed with a ``discarded`` event, also when no
    chunk of it had arrived."""
    stream = streams.get(session_id, message.answer_id)
    if stream is not None and stream.user_id == user_id:
        if not streams.set_status(stream, "discarded", allowed_from=("streaming", "failed", "discarded")):
            raise _closed(stream)
        deleted = audio_store.delete_prefix(_stream_folder(stream))
        logger.info("Answer discarded", extra={"answer_id": message.answer_id, "chunks_deleted": deleted})
    send(connection_id, {"type": "discarded", "answer_id": message.answer_id})


def _closed(stream: Stream) -> errors.Conflict:
    """The refusal of audio or ``end_answer`` for an answer that takes no more."""
    if stream.status == "discarded":
        return errors.Conflict("This answer was discarded; start a new answer.", code="invalid_transition")
    return errors.Conflict("This answer has already been submitted; start a new answer.", code="invalid_transition")


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
    return b"".join(audio_store.read_all([_chunk_key(stream, seq) for seq in range(upto)], MAX_CHUNK_BYTES))


def _language(user_id: str, session_id: str) -> str:
    view = orchestration.session_action("get_session", user_id, session_id)
    return view["session"]["config"]["language"]


def _still_streaming(stream: Stream, copy_key: str) -> bool:
    """Whether the candidate is still speaking, checked again just before transcribing: an answer that ended while
    this job gathered its audio is transcribed by the final job, often from the very same chunks, and a second
    transcription of them would only cost (and, on shared cores, slow the final one down: 0.9 -> 2.3 s once).
    The copy of a discarded answer's audio is deleted: it may have been written after the discard deleted the
    answer's chunks (checked after writing it, so one of the two deletes it)."""
    current = streams.get(stream.session_id, stream.answer_id)
    if current is not None and current.status == "discarded":
        audio_store.delete(copy_key)
    return current is not None and current.status == "streaming"


def partial_transcript(payload: dict[str, Any]) -> None:
    """Job: transcribe the finished stretches of speech received so far and push them."""
    stream = streams.get(payload["session_id"], payload["answer_id"])
    if stream is None or stream.status != "streaming":
        return
    key = f"{_stream_folder(stream)}partial.{EXTENSIONS.get(stream.content_type, 'webm')}"
    try:
        # Refused past the daily audio quota, but not counted: the final transcription counts the whole answer once.
        limit = get_settings().max_audio_minutes_per_day * 60
        quotas.ensure_available(stream.user_id, "audio_seconds", limit, "transcribed audio")
        language = _language(stream.user_id, stream.session_id)
        audio_store.write(key, _assemble(stream, payload["upto"]), stream.content_type)
        if not _still_streaming(stream, key):
            return
        result = downstream.transcribe(
            TranscribeRequest(
                audio_key=key,
                language=language,
                start_seconds=stream.committed_until,
                prior_words=stream.committed_words,
                prior_silences=stream.committed_silences,
            ),
        )
    except errors.AppError as exc:  # a partial transcript is a courtesy: the final one is what counts
        logger.warning("Partial transcription failed", extra={"answer_id": stream.answer_id, "code": exc.code})
        return
    new_words = _after(result.words, stream.committed_until)
    duration = result.duration_seconds
    committed, until, pending = _agreed(new_words, stream.pending_words, stream.committed_until, duration)
    recorded = streams.record_partial(stream, payload["upto"], until, committed, pending, result.silences)
    if recorded and committed:
        logger.info("Partial transcript committed", extra={"answer_id": stream.answer_id, "until": until})
    send(
        payload["connection_id"],
        {
            "type": "partial_transcript",
            "answer_id": stream.answer_id,
            "text": result.text,
            "until_seconds": duration,
        },
    )


def _agreed(
    words: list[WordTiming], previous: list[WordTiming], committed_until: float, duration: float
) -> tuple[list[WordTiming], float, list[WordTiming]]:
    """Split a partial transcription's new ``words`` into those that will not change and those left pending.

    Words are committed once two consecutive partial transcriptions agree on them (the words of ``previous``, the
    last one, and every word before them; "local agreement", as in whisper_streaming), up to a pause at least
    ``COMMIT_GUARD_SECONDS`` before the end of the audio. A word Whisper heard with a few seconds of speech after
    it, twice alike, rarely changes with more; committing every word before the last pause instead cut the
    answer into short stretches transcribed without their context (long answers' WER 20.4 % against 13.9 % for
    the same recordings transcribed whole; 18.0 % with agreement and the bound that follows, docs/benchmarks.md).
    Should the uncommitted audio pass ``MAX_PENDING_SECONDS`` without agreement, the words before a pause well
    before the end are committed anyway, so that the final transcription never has a long stretch left to decode.

    Returns the words to commit, the point to continue from (the middle of the pause after them, away from both
    neighboring words; ``committed_until`` when none) and the words left pending.
    """
    agreed = 0
    while agreed < min(len(words), len(previous)) and _same_word(words[agreed].word, previous[agreed].word):
        agreed += 1
    cut = _last_pause(words[: agreed + 1], COMMIT_GAP_SECONDS, duration - COMMIT_GUARD_SECONDS)
    if cut == 0 and duration - committed_until > MAX_PENDING_SECONDS:
        cut = _last_pause(words, FORCED_GAP_SECONDS, duration - MAX_PENDING_SECONDS / 2)
    if cut == 0:
        return [], committed_until, words
    return words[:cut], round((words[cut - 1].end + words[cut].start) / 2, 3), words[cut:]


def _after(words: list[WordTiming], until: float) -> list[WordTiming]:
    """The words after ``until`` (the middle of a pause after the committed words), each placed by its middle: Whisper
    often stamps a word's start early, into the pause before it, so its start alone would leave it out of the new
    words, and the answer would lose it."""
    return [w for w in words if (w.start + w.end) / 2 >= until]


def _last_pause(words: list[WordTiming], gap: float, before: float) -> int:
    """The index of the word after the last pause of at least ``gap`` seconds that starts by ``before`` (0: none)."""
    cut = 0
    for i in range(1, len(words)):
        if words[i].start - words[i - 1].end >= gap and words[i - 1].end <= before:
            cut = i
    return cut


def _same_word(a: str, b: str) -> bool:
    """Whether two transcriptions of a word agree, ignoring case and punctuation."""
    return _NOT_WORD.sub("", a.lower()) == _NOT_WORD.sub("", b.lower())


def finish_answer(payload: dict[str, Any]) -> None:
    """Job: assemble the recording, transcribe what is left, record and evaluate the answer, push the results."""
    connection_id, answer_id = payload["connection_id"], payload["answer_id"]
    user_id, session_id = payload["user_id"], payload["session_id"]
    stream = streams.get(session_id, answer_id)
    if stream is None or stream.user_id != user_id:
        return
    extension = EXTENSIONS.get(stream.content_type, "webm")
    request = {  # the idempotent work's input: the key fields of gateway.idempotency, and where to report
        "user_id": user_id,
        "session_id": session_id,
        "client_answer_id": answer_id,
        "text": None,
        "audio_key": f"{audio_store.answer_prefix(user_id, session_id)}{answer_id}.{extension}",
        "audio_base64": None,
        "connection_id": connection_id,
        "last_seq": payload["last_seq"],
    }
    try:
        result = idempotency.run_once(_record_voice_answer, request)
        if not request.get("ran") and result.transcription is not None:  # a replay: push the transcript again
            send(connection_id, _transcript_event(answer_id, result.transcription))
        _push_result(connection_id, user_id, session_id, result)
        streams.set_status(stream, "done", allowed_from=("finishing", "failed"))
    except errors.AppError as exc:
        streams.set_status(stream, "failed", allowed_from=("finishing",))
        push_error(connection_id, exc, answer_id)
    except Exception as exc:
        streams.set_status(stream, "failed", allowed_from=("finishing",))
        push_error(connection_id, errors.DownstreamError(UNEXPECTED), answer_id)
        raise JobFailed(f"finish_answer failed for answer {answer_id}") from exc


def finish_text_answer(payload: dict[str, Any]) -> None:
    """Job: record and evaluate a typed answer, push the results."""
    answer = SubmitAnswerPayload(
        user_id=payload["user_id"],
        session_id=payload["session_id"],
        text=payload["text"],
        client_answer_id=payload["answer_id"],
    )
    try:  # a retry is answered by the interview function's claim of the answer id (no transcription to save)
        result = _submit(payload["connection_id"], answer)
        _push_result(payload["connection_id"], payload["user_id"], payload["session_id"], result)
    except errors.AppError as exc:
        push_error(payload["connection_id"], exc, payload["answer_id"])
    except Exception as exc:
        push_error(payload["connection_id"], errors.DownstreamError(UNEXPECTED), payload["answer_id"])
        raise JobFailed(f"finish_text_answer failed for answer {payload['answer_id']}") from exc


def _record_voice_answer(request: dict[str, Any]) -> AnswerResult:
    """Idempotent work of a streamed answer: assemble, transcribe the rest, record and evaluate."""
    request["ran"] = True  # tells the caller this was not a replay (the dict is the one it passed)
    connection_id, answer_id, key = request["connection_id"], request["client_answer_id"], request["audio_key"]
    user_id, session_id = request["user_id"], request["session_id"]
    stream = streams.get(session_id, answer_id)
    if stream is None:
        raise errors.NotFound("No audio was received for this answer; send its chunks first.")
    if not audio_store.exists(key):
        audio_store.write(key, _assemble(stream, request["last_seq"] + 1), stream.content_type)
    send(connection_id, {"type": "progress", "answer_id": answer_id, "stage": "received"})
    send(connection_id, {"type": "progress", "answer_id": answer_id, "stage": "transcribing"})
    transcription = orchestration.transcribe_metered(
        stream.user_id,
        TranscribeRequest(
            audio_key=key,
            language=_language(user_id, session_id),
            start_seconds=stream.committed_until,
            prior_words=stream.committed_words,
            prior_silences=stream.committed_silences,
        ),
    )
    send(connection_id, _transcript_event(answer_id, transcription))
    if transcription.no_speech:
        raise errors.Unprocessable(
            "No speech was detected in the recording. Check your microphone and try again.", code="no_speech"
        )
    answer = SubmitAnswerPayload(
        user_id=user_id,
        session_id=session_id,
        text=transcription.text,
        source="audio",
        audio_key=key,
        transcription_confidence=transcription.confidence,
        language_warning=transcription.language_warning,
        delivery=transcription.delivery,
        client_answer_id=answer_id,
    )
    return _submit(connection_id, answer).model_copy(update={"transcription": transcription})


def _transcript_event(answer_id: str, transcription: Transcription) -> dict[str, Any]:
    """The final transcript for the client, without its word timings and silences when they would not fit in one
    WebSocket message (~15 KB a minute of speech: answers of eight minutes or more)."""
    event = {"type": "transcript", "answer_id": answer_id, "transcription": transcription.model_dump(mode="json")}
    if fits(event):
        return event
    trimmed = transcription.model_dump(mode="json", exclude={"words", "silences"})
    return {**event, "transcription": trimmed, "words_omitted": True}


def _submit(connection_id: str, answer: SubmitAnswerPayload) -> AnswerResult:
    """Submit the answer to the interview function (which evaluates it)."""
    send(connection_id, {"type": "progress", "answer_id": answer.client_answer_id, "stage": "evaluating"})
    return AnswerResult.model_validate(downstream.interview("submit_answer", answer.model_dump(mode="json")))


def _push_result(connection_id: str, user_id: str, session_id: str, result: AnswerResult) -> None:
    """Push an answer's result, then what to answer next."""
    answer_id = result.answer.answer_id
    send(
        connection_id,
        {
            "type": "answer_result",
            "answer_id": answer_id,
            "result": result.model_dump(mode="json", exclude={"transcription"}),
        },
    )
    send(connection_id, {"type": "progress", "answer_id": answer_id, "stage": "speaking"})
    _continue(connection_id, user_id, session_id, result)


def _continue(connection_id: str, user_id: str, session_id: str, result: AnswerResult) -> None:
    """After an answer: its follow-up, else the next question. A replayed answer never moves the interview twice:
    when the session has already moved past the answered question, the question it is at now is pushed instead."""
    view = SessionView.model_validate(orchestration.session_action("get_session", user_id, session_id))
    current = view.question
    if current is None:
        send(connection_id, {"type": "interview_complete", "session_id": session_id})
    elif current.index == result.answer.question_index and not current.is_follow_up:
        advance(connection_id, user_id, session_id, from_index=current.index, from_attempt=result.answer.attempt)
    else:
        send(connection_id, {"type": "question", "question": orchestration.with_audio(current).model_dump(mode="json")})


def advance(
    connection_id: str, user_id: str, session_id: str, from_index: int | None = None, from_attempt: int | None = None
) -> None:
    """Move to the next question (only from ``from_index`` and ``from_attempt``, if given: not if the candidate asked
    for the question again meanwhile) and push it with its audio, or say the interview is complete."""
    moved = orchestration.session_action(
        "next_question", user_id, session_id, from_index=from_index, from_attempt=from_attempt
    )
    nxt = NextQuestion.model_validate(moved)
    if nxt.done or nxt.question is None:
        send(connection_id, {"type": "interview_complete", "session_id": session_id})
        return
    send(
        connection_id, {"type": "question", "question": orchestration.with_audio(nxt.question).model_dump(mode="json")}
    )


def push_error(connection_id: str, exc: errors.AppError, answer_id: str | None = None) -> None:
    """Push a refusal or failure as an ``error`` event; 5xx failures, and work still in progress, are retryable."""
    event = {"type": "error", **exc.to_dict()["error"], "retryable": exc.status >= 500 or exc.code == "in_progress"}
    if exc.status >= 500:
        count_error()
    if answer_id:
        event["answer_id"] = answer_id
    send(connection_id, event)


JOBS = {
    "partial_transcript": partial_transcript,
    "finish_answer": finish_answer,
    "finish_text_answer": finish_text_answer,
}
