"""How long after a spoken answer ends does its final transcript reach the client? (issue 5)

Through the local stack, over the WebSocket, as the web client does it: answers of about 10 s, 60 s and 180 s of
espeak-ng speech (the hand-labelled answers' texts), encoded as WebM/Opus like a browser's MediaRecorder, are
cut into one-second ``audio_chunk`` messages sent at real-time pace (one chunk per second of audio; ``--pace 2``
sends twice as fast and says so in the results). ``end_answer`` follows once the last chunk is acknowledged, as
in the web client, and the figure is the time from sending ``end_answer`` to receiving the ``transcript`` event.
Partial transcripts received while speaking, the word error rate of the final transcript, and the time until the
evaluation and the next question arrive are reported too, and for answers longer than one Whisper window the WER of
the same recording transcribed whole (in this process, after the stack has stopped). The workers are started
first and one short answer warms them up; it is not reported (cold starts are the voice benchmark's). Target: 1.5 s
whatever the length.

Run: .venv/bin/python bench/bench_stream.py [--pace N] [--quick]   (writes bench/results/stream.json)
"""

import argparse
import asyncio
import base64
import contextlib
import io
import json
import os
import sys
import time
import traceback
import uuid
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "infra")]

import httpx  # noqa: E402
import websockets  # noqa: E402
from bench_api import load_answers  # noqa: E402
from bench_voice import espeak, to_webm, transcribe_ours, wer  # noqa: E402
from quiet import redirect_output  # noqa: E402
from rest_client import sign_in  # noqa: E402

from voice import audio as voice_audio  # noqa: E402
from voice import continuation  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "stream.json"
LOG = ROOT / "bench" / "results" / "stream.log"
STACK_LOG = ROOT / "bench" / "results" / "stream-stack.log"
WORDS_PER_SECOND = 150 / 60  # espeak-ng at -s 150
TARGET_SECONDS = 1.5
MAX_CHUNK_BYTES = 20_000
WARMUP_SECONDS = 8.0  # one answer first, not reported: every worker the answers need is started (warm)
ACK_WAIT_SECONDS = 2.0  # as the web client: end_answer at most this long after the last chunk
WAIT_SECONDS = 120.0  # after end_answer, longer than any reasonable wait: past it the answer counts as failed


def speech(seconds: float, texts: list[str], start: int) -> tuple[str, bytes, float]:
    """About ``seconds`` of speech: (reference text, WebM/Opus bytes, exact duration)."""
    words: list[str] = []
    i = start
    while len(words) < seconds * WORDS_PER_SECOND:
        words.extend(texts[i % len(texts)].split())
        i += 1
    text = " ".join(words[: round(seconds * WORDS_PER_SECOND)])
    wav = espeak(text, "en-us", 150)
    with wave.open(io.BytesIO(wav)) as audio:
        duration = audio.getnframes() / audio.getframerate()
    return text, to_webm(wav), duration


def chunks(data: bytes, duration: float) -> list[bytes]:
    """The recording cut into pieces of about one second each (what MediaRecorder's timeslice of 1 s gives)."""
    size = min(MAX_CHUNK_BYTES, max(1, -(-len(data) // max(1, round(duration)))))
    return [data[i : i + size] for i in range(0, len(data), size)]


class Client:
    """One WebSocket connection; every received event is kept with its arrival time."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.arrived = asyncio.Event()

    async def receive(self) -> None:
        async for raw in self.socket:
            self.events.append((time.perf_counter(), json.loads(raw)))
            self.arrived.set()

    async def send(self, message: dict[str, Any]) -> float:
        await self.socket.send(json.dumps(message))
        return time.perf_counter()

    async def wait_for(self, match: Any, since: int = 0, timeout: float = 300.0) -> tuple[int, float, dict[str, Any]]:
        """(index, arrival time, event) of the first event after the first ``since`` for which ``match`` holds."""
        deadline = time.perf_counter() + timeout
        while True:
            for index in range(since, len(self.events)):
                at, event = self.events[index]
                if event.get("type") == "error":
                    raise RuntimeError(f"error event: {event}")
                if match(event):
                    return index, at, event
            self.arrived.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"nothing matching arrived within {timeout:.0f} s")
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except TimeoutError:
                raise TimeoutError(f"nothing matching arrived within {timeout:.0f} s") from None


def chunk_message(answer_id: str, seq: int, piece: bytes) -> dict[str, Any]:
    message = {"action": "audio_chunk", "answer_id": answer_id, "seq": seq, "data": base64.b64encode(piece).decode()}
    if seq == 0:
        message["content_type"] = "audio/webm"
    return message


async def answer(client: Client, text: str, webm: bytes, duration: float, pace: float) -> dict[str, Any]:
    """Stream one answer and end it as the web client does, then time what comes back.

    As web/js/stream.js: ``end_answer`` goes once every chunk is acknowledged (at most 2 s after the last one;
    API Gateway runs messages concurrently, so the last chunk may still be in flight), and a ``resend`` is answered
    with the chunks it names and ``end_answer`` again.
    """
    answer_id = uuid.uuid4().hex
    pieces = chunks(webm, duration)
    interval = duration / len(pieces) / pace
    first = len(client.events)
    started = time.perf_counter()
    for seq, piece in enumerate(pieces):
        await asyncio.sleep(max(0.0, started + (seq + 1) * interval - time.perf_counter()))
        spoken = await client.send(chunk_message(answer_id, seq, piece))
    end = {"action": "end_answer", "answer_id": answer_id, "last_seq": len(pieces) - 1}

    def mine(*kinds: str) -> Any:
        return lambda e: e.get("type") in kinds and e.get("answer_id") == answer_id

    all_acked = mine("ack")
    result: dict[str, Any] = {"audio_seconds": round(duration, 1), "chunks": len(pieces), "pace": pace}
    try:
        with contextlib.suppress(TimeoutError):
            await client.wait_for(lambda e: all_acked(e) and e["next_seq"] >= len(pieces), first, ACK_WAIT_SECONDS)
        partials_at_end = [e for _, e in client.events[first:] if e.get("type") == "partial_transcript"]
        result["covered_by_partials_at_end_s"] = max((e["until_seconds"] for e in partials_at_end), default=0.0)
        ended = await client.send(end)
        seen, resends = first, 0
        while True:
            seen, transcript_at, event = await client.wait_for(mine("transcript", "resend"), seen, WAIT_SECONDS)
            seen += 1
            if event["type"] == "transcript":
                break
            resends += 1
            for seq in event["missing"]:
                await client.send(chunk_message(answer_id, seq, pieces[seq]))
            await client.send(end)
        result["resends"] = resends
        result["end_to_transcript_s"] = round(transcript_at - ended, 3)
        result["speech_end_to_transcript_s"] = round(transcript_at - spoken, 3)
        result["wer"] = round(wer([text], [event["transcription"]["text"]]), 4)
        _, result_at, _ = await client.wait_for(mine("answer_result"), first, WAIT_SECONDS)
        result["end_to_evaluation_s"] = round(result_at - ended, 3)
        _, next_at, _ = await client.wait_for(lambda e: e.get("type") in {"question", "interview_complete"}, seen)
        result["end_to_next_question_s"] = round(next_at - ended, 3)
    except (TimeoutError, RuntimeError) as exc:
        result["error"] = str(exc)[:500]
    result["partial_transcripts"] = sum(1 for _, e in client.events[first:] if e.get("type") == "partial_transcript")
    return result


async def warm_up(api: httpx.AsyncClient, webm: bytes) -> None:
    """Start every worker an answer can keep busy at once (Lambda would give each its own CPU; here they share
    two): the local stack's 2 voice workers (a partial and the final transcription overlap) and 4 gateway ones."""
    clip = {"audio_base64": base64.b64encode(webm).decode(), "content_type": "audio/webm"}
    voice = [api.post("/api/voice/transcribe", json=clip) for _ in range(2)]
    gateway = [api.get("/api/health") for _ in range(4)]
    for response in await asyncio.gather(*voice, *gateway):
        response.raise_for_status()


async def run(http_url: str, ws_url: str, audio: list[tuple[str, bytes, float]], pace: float) -> list[dict]:
    async with httpx.AsyncClient(base_url=http_url, timeout=60) as api:
        headers = await sign_in(api, "bench-stream")
        api.headers.update(headers)
        config = {"role": "backend_engineer", "mode": "evaluate", "num_questions": len(audio), "max_follow_ups": 0}
        created = await api.post("/api/sessions", json=config)
        created.raise_for_status()
        session_id = created.json()["session"]["session_id"]
        (await api.post(f"/api/sessions/{session_id}/start")).raise_for_status()
        await warm_up(api, audio[0][1])
    results = []
    token = headers["Authorization"].removeprefix("Bearer ")
    async with websockets.connect(f"{ws_url}?token={token}", max_size=None) as socket:
        client = Client(socket)
        receiver = asyncio.create_task(client.receive())
        await client.send({"action": "join", "session_id": session_id})
        await client.wait_for(lambda e: e.get("type") == "joined", 0, 30)
        for text, webm, duration in audio:
            results.append(await answer(client, text, webm, duration, pace))
            if "error" in results[-1]:
                break  # what is still running would distort the next answer's figures
        receiver.cancel()
    return results[1:] if "error" not in results[0] else results  # the warm-up answer, unless it failed


def add_whole_recording_wer(results: list[dict], audio: list[tuple[str, bytes, float]]) -> None:
    """For answers longer than one Whisper window (whose streamed transcript is stitched from partial ones), the WER
    of the same recording transcribed whole, as an uploaded answer is: what streaming costs in accuracy."""
    for result, (reference, webm, _) in zip(results, audio, strict=False):
        if "error" not in result and result["audio_seconds"] > continuation.WHOLE_WINDOW_SECONDS:
            text, _ = transcribe_ours(voice_audio.decode(webm), "base", "en")
            result["wer_whole_recording"] = round(wer([reference], [text]), 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pace", type=float, default=1.0, help="audio seconds sent per second (1 = real time)")
    parser.add_argument("--quick", action="store_true", help="one answer of each length (else three of 10 s)")
    args = parser.parse_args()
    terminal = redirect_output(LOG)
    try:
        return measure(args, terminal)
    except Exception:
        traceback.print_exc(file=terminal)
        print(f"bench_stream failed; see {LOG.relative_to(ROOT)} and {STACK_LOG.relative_to(ROOT)}", file=terminal)
        return 1


def measure(args: argparse.Namespace, terminal: Any) -> int:
    from local_stack.process import StackProcess

    lengths = [10.0, 60.0, 180.0] if args.quick else [10.0, 10.0, 10.0, 60.0, 180.0]
    pace = args.pace
    started = time.perf_counter()
    texts = load_answers()
    audio = [speech(seconds, texts, i * 7) for i, seconds in enumerate([WARMUP_SECONDS, *lengths])]
    with StackProcess(STACK_LOG) as stack:
        results = asyncio.run(run(stack.http_url, stack.ws_url, audio, pace))
    add_whole_recording_wer(results, audio[1:])
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "load_after": os.getloadavg()},
        "pace": pace,
        "target_seconds": TARGET_SECONDS,
        "answers": results,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Streamed answers over the WebSocket at {pace}x real time (target {TARGET_SECONDS} s)", file=terminal)
    for r in results:
        print(
            f"  {r['audio_seconds']:6} s audio, {r['chunks']:3} chunks, {r['partial_transcripts']:2} partials "
            f"(covering {r.get('covered_by_partials_at_end_s')} s at the end): "
            + (
                f"FAILED: {r['error']}"
                if "error" in r
                else f"end -> transcript {r['end_to_transcript_s']} s, -> evaluation {r['end_to_evaluation_s']} s, "
                f"-> next question {r['end_to_next_question_s']} s; WER {r['wer']:.1%}"
                + (f" (whole recording {r['wer_whole_recording']:.1%})" if "wer_whole_recording" in r else "")
            ),
            file=terminal,
        )
    print(f"written to {RESULTS.relative_to(ROOT)} (function logs in {STACK_LOG.relative_to(ROOT)})", file=terminal)
    return 0


if __name__ == "__main__":
    sys.exit(main())
