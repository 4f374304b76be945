"""Reading audio objects, one or many at once, on moto's in-process S3."""

import pytest

from practice_shared import aws
from practice_shared.errors import NotFound, PayloadTooLarge
from practice_shared.store import audio as audio_store

pytestmark = pytest.mark.usefixtures("aws_tables")


def test_many_objects_are_read_in_the_order_of_their_keys():
    keys = [f"streams/u1/s1/a1/{seq:05d}" for seq in range(40)]
    for seq, key in enumerate(keys):
        audio_store.write(key, f"chunk {seq};".encode(), "application/octet-stream")

    assert b"".join(audio_store.read_all(list(reversed(keys)), 100)) == b"".join(
        f"chunk {seq};".encode() for seq in reversed(range(40))
    )
    assert audio_store.read_all(keys[:1], 100) == [b"chunk 0;"]
    assert audio_store.read_all([], 100) == []


def test_a_missing_object_is_not_found_and_a_larger_one_is_refused():
    audio_store.write("streams/u1/s1/a1/00000", b"x" * 10, "application/octet-stream")
    audio_store.write("streams/u1/s1/a1/00001", b"x" * 11, "application/octet-stream")

    with pytest.raises(NotFound):
        audio_store.read_all(["streams/u1/s1/a1/00000", "streams/u1/s1/a1/00009"], 10)
    with pytest.raises(PayloadTooLarge):
        audio_store.read_all(["streams/u1/s1/a1/00000", "streams/u1/s1/a1/00001"], 10)
    assert audio_store.read("streams/u1/s1/a1/00001", 11) == b"x" * 11


def test_a_read_is_one_request():
    """The size comes with GetObject's headers: no HeadObject before it."""
    audio_store.write("answers/u1/s1/a.webm", b"audio", "audio/webm")
    calls: list[str] = []
    aws.client("s3").meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))

    audio_store.read("answers/u1/s1/a.webm", 100)

    assert calls == ["GetObject"]


def test_a_chunk_written_once_keeps_its_first_bytes():
    # Two copies of one chunk racing: the one stored first stays (an S3 conditional write), the other is told so.
    key = "streams/u1/s1/a1/000000"
    assert audio_store.write_once(key, b"first", "application/octet-stream") is True
    assert audio_store.write_once(key, b"second", "application/octet-stream") is False
    assert audio_store.read(key, 100) == b"first"
