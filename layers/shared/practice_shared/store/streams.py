"""Answers streamed over the WebSocket: which chunks arrived, and what is already transcribed.

One item per streamed answer, in the session's partition (``pk = SESSION#<id>``, ``sk = STREAM#<answer id>``), so
deleting the session deletes it. Chunks themselves are S3 objects under the session's ``streams/`` prefix.
Status goes ``streaming`` -> ``finishing`` -> ``done`` (or ``failed``, from which ``end_answer`` may retry); an
answer the candidate starts over goes to ``discarded`` and takes nothing more.
"""

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from practice_shared.models.voice import WordTiming
from practice_shared.store.dynamo import ConditionFailed, dynamo_errors, table
from practice_shared.timeutil import epoch_in, now_iso


class Stream(BaseModel):
    """The state of one streamed answer."""

    answer_id: str
    user_id: str
    session_id: str
    content_type: str = "audio/webm"
    seqs: set[int] = set()
    bytes_received: int = 0
    status: str = "streaming"
    committed_until: float = 0.0
    committed_words: list[WordTiming] = []
    committed_silences: list[tuple[float, float]] = []  # silences found up to committed_until, for pauses
    pending_words: list[WordTiming] = []  # the latest partial transcription's words after committed_until
    pending_upto: int = 0  # the chunks that transcription covered
    partial_requested: int = 0

    def next_seq(self) -> int:
        """The first sequence number not received yet."""
        n = 0
        while n in self.seqs:
            n += 1
        return n

    def missing(self, last_seq: int) -> list[int]:
        """Sequence numbers up to ``last_seq`` that have not arrived."""
        return [n for n in range(last_seq + 1) if n not in self.seqs]


def _key(session_id: str, answer_id: str) -> dict[str, str]:
    return {"pk": f"SESSION#{session_id}", "sk": f"STREAM#{answer_id}"}


def _from_item(item: dict[str, Any]) -> Stream:
    return Stream(
        answer_id=item["answer_id"],
        user_id=item["user_id"],
        session_id=item["session_id"],
        content_type=item.get("content_type", "audio/webm"),
        seqs={int(n) for n in item.get("seqs", set())},
        bytes_received=int(item.get("bytes_received", 0)),
        status=item.get("status", "streaming"),
        committed_until=float(item.get("committed_until", 0)),
        committed_words=json.loads(item.get("committed_words", "[]")),
        committed_silences=json.loads(item.get("committed_silences", "[]")),
        pending_words=json.loads(item.get("pending_words", "[]")),
        pending_upto=int(item.get("pending_upto", 0)),
        partial_requested=int(item.get("partial_requested", 0)),
    )


def get(session_id: str, answer_id: str) -> Stream | None:
    """The stream's state, or None when no chunk of it has arrived."""
    with dynamo_errors():
        item = table().get_item(Key=_key(session_id, answer_id), ConsistentRead=True).get("Item")
    return _from_item(item) if item else None


def add_chunk(stream: Stream, seq: int, size: int, ttl_seconds: int) -> tuple[Stream, bool] | None:
    """Record that chunk ``seq`` arrived; returns the new state and whether it was a duplicate, or None when the
    answer takes no more audio (it was submitted or discarded since it was read)."""
    try:
        with dynamo_errors():
            old = (
                table()
                .update_item(
                    Key=_key(stream.session_id, stream.answer_id),
                    UpdateExpression=(
                        "ADD seqs :seq, bytes_received :size "
                        "SET answer_id = :a, user_id = :u, session_id = :s, updated_at = :now, expires_at = :exp, "
                        "content_type = if_not_exists(content_type, :ct), #st = if_not_exists(#st, :streaming)"
                    ),
                    ConditionExpression="attribute_not_exists(#st) OR #st IN (:streaming, :failed)",
                    ExpressionAttributeNames={"#st": "status"},
                    ExpressionAttributeValues={
                        ":seq": {seq},
                        ":size": size,
                        ":a": stream.answer_id,
                        ":u": stream.user_id,
                        ":s": stream.session_id,
                        ":now": now_iso(),
                        ":exp": epoch_in(ttl_seconds),
                        ":ct": stream.content_type,
                        ":streaming": "streaming",
                        ":failed": "failed",
                    },
                    ReturnValues="ALL_OLD",
                )
                .get("Attributes", {})
            )
    except ConditionFailed:
        return None
    duplicate = seq in {int(n) for n in old.get("seqs", set())}
    state = _from_item(old) if old else stream
    seqs = state.seqs | {seq}
    return state.model_copy(update={"seqs": seqs, "bytes_received": state.bytes_received + size}), duplicate


def claim_partial(stream: Stream, upto: int) -> bool:
    """Reserve the partial transcription of chunks up to ``upto`` (False if one already covers them)."""
    try:
        with dynamo_errors():
            table().update_item(
                Key=_key(stream.session_id, stream.answer_id),
                UpdateExpression="SET partial_requested = :upto",
                ConditionExpression=(
                    "#st = :streaming AND (attribute_not_exists(partial_requested) OR partial_requested < :upto)"
                ),
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":upto": upto, ":streaming": "streaming"},
            )
    except ConditionFailed:
        return False
    return True


def record_partial(
    stream: Stream,
    upto: int,
    until: float,
    committed: list[WordTiming],
    pending: list[WordTiming],
    silences: list[tuple[float, float]],
) -> bool:
    """Record a partial transcription of chunks up to ``upto``: append ``committed`` (the words up to ``until``
    seconds), keep ``pending`` for the next one to agree with and, with new words, the ``silences`` found up to
    ``until``. Refused (False) when another job committed meanwhile or recorded a later transcription."""
    words = ", committed_words = :words, committed_silences = :silences" if committed else ""
    values: dict[str, Any] = {
        ":until": Decimal(str(round(until, 3))),
        ":old": Decimal(str(round(stream.committed_until, 3))),
        ":pending": json.dumps([w.model_dump() for w in pending]),
        ":upto": upto,
        ":streaming": "streaming",
    }
    if committed:
        values[":words"] = json.dumps([w.model_dump() for w in [*stream.committed_words, *committed]])
        values[":silences"] = json.dumps([s for s in silences if s[1] <= until])
    try:
        with dynamo_errors():
            table().update_item(
                Key=_key(stream.session_id, stream.answer_id),
                UpdateExpression=f"SET committed_until = :until, pending_words = :pending, pending_upto = :upto{words}",
                ConditionExpression=(
                    "#st = :streaming AND (attribute_not_exists(committed_until) OR committed_until = :old) "
                    "AND (attribute_not_exists(pending_upto) OR pending_upto < :upto)"
                ),
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues=values,
            )
    except ConditionFailed:
        return False
    return True


def set_status(stream: Stream, status: str, *, allowed_from: tuple[str, ...]) -> bool:
    """Move the stream to ``status`` if it is in one of ``allowed_from``; False otherwise."""
    names = {f":from{i}": s for i, s in enumerate(allowed_from)}
    try:
        with dynamo_errors():
            table().update_item(
                Key=_key(stream.session_id, stream.answer_id),
                UpdateExpression="SET #st = :to",
                ConditionExpression=f"#st IN ({', '.join(names)})",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":to": status, **names},
            )
    except ConditionFailed:
        return False
    return True
