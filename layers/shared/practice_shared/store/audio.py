"""Audio objects in the S3 bucket.

Keys are made by the server, never chosen by a client:
``answers/<user>/<session>/<random>.<ext>`` for uploaded answers, ``streams/<user>/<session>/<answer>/...`` for
WebSocket chunks, ``tts/<hash>.<ext>`` for cached speech. Deleting a session deletes its two prefixes.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from practice_shared.aws import client
from practice_shared.config import get_settings
from practice_shared.errors import NotFound, PayloadTooLarge

# Concurrent reads of one request: as many as the connections a botocore client keeps (max_pool_connections).
READ_THREADS = 10
# By media type as the API models normalize it (models.common.media_type: audio/x-m4a is audio/mp4).
UPLOAD_TYPES = {
    "audio/webm": "webm",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/flac": "flac",
}


def answer_prefix(user_id: str, session_id: str) -> str:
    """Where a session's uploaded answers live."""
    return f"answers/{user_id}/{session_id}/"


def stream_prefix(user_id: str, session_id: str) -> str:
    """Where a session's streamed (WebSocket) audio chunks live."""
    return f"streams/{user_id}/{session_id}/"


def new_answer_key(user_id: str, session_id: str, content_type: str) -> str:
    """A fresh, unguessable key for an uploaded answer."""
    return f"{answer_prefix(user_id, session_id)}{uuid.uuid4().hex}.{UPLOAD_TYPES[content_type]}"


def presigned_upload(key: str, content_type: str) -> dict[str, Any]:
    """A presigned POST limited to ``key``, its content type and the configured maximum size."""
    settings = get_settings()
    return client("s3").generate_presigned_post(
        Bucket=settings.audio_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, settings.max_audio_bytes]],
        ExpiresIn=900,
    )


def presigned_get(key: str) -> str:
    """A time-limited download URL for ``key``."""
    settings = get_settings()
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": settings.audio_bucket, "Key": key}, ExpiresIn=settings.presigned_url_seconds
    )


def read(key: str, max_bytes: int) -> bytes:
    """The object's bytes; 404 when missing, 413 when larger than ``max_bytes`` (checked before reading the body).

    One GetObject: its headers carry the size, so a larger object is refused without downloading it.
    """
    s3 = client("s3")
    try:
        response = s3.get_object(Bucket=get_settings().audio_bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            raise NotFound("The audio file was not found; upload it again.") from exc
        raise
    with response["Body"] as body:
        if response["ContentLength"] > max_bytes:
            raise PayloadTooLarge(f"The audio file is larger than {max_bytes // (1024 * 1024)} MB.")
        return body.read()


def read_all(keys: list[str], max_bytes: int) -> list[bytes]:
    """The objects' bytes in the order of ``keys``, read concurrently (each as :func:`read`).

    A streamed answer is hundreds of one-second chunks: read one after another, each S3 round trip (tens of
    milliseconds from Lambda) would add up to seconds before a long answer could be transcribed.
    """
    if len(keys) <= 1:
        return [read(key, max_bytes) for key in keys]
    with ThreadPoolExecutor(max_workers=min(READ_THREADS, len(keys))) as pool:
        return list(pool.map(lambda key: read(key, max_bytes), keys))


def write(key: str, data: bytes, content_type: str) -> None:
    """Store ``data`` under ``key``."""
    client("s3").put_object(Bucket=get_settings().audio_bucket, Key=key, Body=data, ContentType=content_type)


def write_once(key: str, data: bytes, content_type: str) -> bool:
    """Store ``data`` under ``key`` unless something is stored there already (an S3 conditional write, so of two
    concurrent writers only the first is kept); whether this call stored it."""
    s3 = client("s3")
    try:
        s3.put_object(Bucket=get_settings().audio_bucket, Key=key, Body=data, ContentType=content_type, IfNoneMatch="*")
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"PreconditionFailed", "ConditionalRequestConflict"}:
            return False
        raise
    return True


def exists(key: str) -> bool:
    """Whether ``key`` exists in the audio bucket."""
    s3 = client("s3")
    try:
        s3.head_object(Bucket=get_settings().audio_bucket, Key=key)
    except s3.exceptions.ClientError:
        return False
    return True


def delete(key: str) -> None:
    """Delete the object ``key`` (nothing happens if there is none)."""
    client("s3").delete_object(Bucket=get_settings().audio_bucket, Key=key)


def delete_prefix(prefix: str) -> int:
    """Delete every object under ``prefix``; returns how many were deleted."""
    s3 = client("s3")
    bucket = get_settings().audio_bucket
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted
