"""What streaming costs in accuracy: long answers transcribed as the WebSocket flow does, against the same
recordings transcribed whole.

In process, without the local stack: each recording (espeak-ng speech of the hand-labelled answers' texts, as
WebM/Opus, the answers of ``bench_stream.py`` and a few more) is cut into one-second chunks; every
``PARTIAL_EVERY_CHUNKS`` chunks a partial transcription runs on what arrived, continued from the committed words
(``voice.continuation``, as the voice function does) and committed by the gateway's own rule
(``gateway.streaming._agreed``); then the final transcription continues from the last committed word. The WER of
that transcript is set beside the WER of the whole recording transcribed at once (an uploaded answer). Partial
transcriptions run one after another here, each on every chunk boundary it is due at; in the stack some are
skipped while another runs. About 7 minutes on two cores (``--quick``: the first two answers, about 3, and no
verdict on the target, which is for all six).

Run: .venv/bin/python bench/stream_accuracy.py [--quick]   (writes bench/results/stream_accuracy.json)
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "functions" / "gateway")]

from bench_api import load_answers  # noqa: E402
from bench_stream import chunks, speech  # noqa: E402
from bench_voice import wer  # noqa: E402

from gateway import streaming  # noqa: E402
from practice_shared.models.voice import Transcription, WordTiming  # noqa: E402
from practice_shared.observability import metrics  # noqa: E402
from voice import audio, continuation, stt  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "stream_accuracy.json"
# (seconds, first text): the 51 s and 171 s answers of bench_stream.py, and four more of 86-123 s.
ANSWERS = [(60.0, 28), (180.0, 35), (90.0, 42), (120.0, 49), (90.0, 56), (120.0, 63)]


def streamed(webm: bytes, duration: float) -> tuple[Transcription, float, float, float]:
    """The final transcription of ``webm`` streamed in one-second chunks, how long it took, where the committed
    words ended, and how long the partial transcriptions took together."""
    pieces = chunks(webm, duration)
    committed: list[WordTiming] = []
    silences: list[tuple[float, float]] = []  # those found up to the committed words' end, as the gateway keeps
    pending: list[WordTiming] = []
    until = 0.0
    started = time.perf_counter()
    for upto in range(streaming.PARTIAL_EVERY_CHUNKS, len(pieces), streaming.PARTIAL_EVERY_CHUNKS):
        received = b"".join(pieces[:upto])
        result = continuation.transcribe_after(
            continuation.decode_recording(received, until), until, committed, silences, language="en"
        )
        new = [w for w in result.words if w.start >= until]
        settled, until, pending = streaming._agreed(new, pending, until, result.duration_seconds)
        if settled:
            committed = [*committed, *settled]
            silences = [s for s in result.silences if s[1] <= until]
    partials_seconds = time.perf_counter() - started
    started = time.perf_counter()
    final = continuation.transcribe_after(
        continuation.decode_recording(webm, until), until, committed, silences, language="en"
    )
    return final, time.perf_counter() - started, until, partials_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the first two answers only")
    quick = parser.parse_args().quick
    texts = load_answers()
    rows = []
    for seconds, first in ANSWERS[:2] if quick else ANSWERS:
        reference, webm, duration = speech(seconds, texts, first)
        whole = stt.transcribe(audio.decode(webm), language="en")
        metrics.clear_metrics()  # a long benchmark would otherwise flush EMF lines every 100 values
        final, final_seconds, until, partials_seconds = streamed(webm, duration)
        rows.append(
            {
                "audio_seconds": round(duration, 1),
                "wer_streamed": round(wer([reference], [final.text]), 4),
                "wer_whole": round(wer([reference], [whole.text]), 4),
                "pauses_streamed": final.delivery.pause_count,
                "pauses_whole": whole.delivery.pause_count,
                "longest_pause_streamed": final.delivery.longest_pause_seconds,
                "longest_pause_whole": whole.delivery.longest_pause_seconds,
                "final_seconds": round(final_seconds, 2),
                "partials_seconds": round(partials_seconds, 1),
                "committed_until": until,
            }
        )
        r = rows[-1]
        print(
            f"{r['audio_seconds']:6} s: WER streamed {r['wer_streamed']:.1%}, whole {r['wer_whole']:.1%}; "
            f"final transcription {r['final_seconds']} s after {r['audio_seconds'] - until:.1f} s uncommitted; "
            f"partial transcriptions {r['partials_seconds']} s; pauses streamed {r['pauses_streamed']} (longest "
            f"{r['longest_pause_streamed']} s), whole {r['pauses_whole']} ({r['longest_pause_whole']} s)",
            flush=True,
        )
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "quick": quick,
        "mean_wer_streamed": round(statistics.mean(r["wer_streamed"] for r in rows), 4),
        "mean_wer_whole": round(statistics.mean(r["wer_whole"] for r in rows), 4),
        "partials_seconds": round(sum(r["partials_seconds"] for r in rows), 1),
        "answers": rows,
    }
    print(
        f"mean WER streamed {summary['mean_wer_streamed']:.1%}, whole {summary['mean_wer_whole']:.1%}; "
        f"partial transcriptions {summary['partials_seconds']} s in all"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
