"""How fast and how accurate is the voice function on CPU?

All audio is made here with espeak-ng (three voices and speeds), so every figure has a reference transcript.
Measured, on the same audio:

* faster-whisper called with its defaults (beam 5, no VAD, language detection, previous-text conditioning, no
  word timestamps) against ``voice.stt.transcribe`` (our settings, with word timestamps and delivery analytics):
  word error rate (jiwer, case and punctuation ignored) and time, as a ratio;
* real-time factor (processing seconds / audio seconds) of base and tiny.en on a long answer (> 60 s);
* latency from the end of a 30 s answer (uploaded as WebM/Opus) to its transcript: decode + transcribe;
* text to speech through ``voice.tts.synthesize`` with the S3 cache on moto: uncached, cached (an S3 lookup) and
  cached speech the container already knows, p50/p95;
* cold start in a fresh process: imports + model and VAD load, and peak memory (VmHWM) after one
  transcription;
* pauses (delivery analytics) against the silences really in the audio: the sentences with their own silence cut
  off and joined by known silences of 0.2-2.4 s, and the sentences spoken in one go (espeak-ng leaves 0.3-0.45 s
  between them, no pause): pauses found, missed, counted where there is none, and their lengths' error.

Targets: base RTF <= 0.10 on long answers, WER no worse than the defaults, TTS <= 100 ms uncached and <= 20 ms
cached (p95), cold start <= 2 s; every pause found, none invented, lengths within 0.1 s on average.

Run: .venv/bin/python bench/bench_voice.py [--quick]   (writes bench/results/voice.json)
"""

import argparse
import functools
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT / "functions" / "voice"), str(ROOT / "tests" / "support")]
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.setdefault(name, "bench")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "bench")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

import av  # noqa: E402
import jiwer  # noqa: E402
import numpy as np  # noqa: E402
from faster_whisper import WhisperModel  # noqa: E402
from voice_samples import LONG_SENTENCES, QUIET, quiet_runs  # noqa: E402

from practice_shared.observability import metrics  # noqa: E402
from voice import audio, stt  # noqa: E402
from voice.delivery import PAUSE_SECONDS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "voice.json"
MODELS = ("base", "tiny.en")
# The test suite's long spoken passage, and three more sentences for the WER clips.
SENTENCES = [
    *LONG_SENTENCES,
    "We used a queue to absorb traffic spikes and scaled the workers automatically.",
    "The customer was unhappy because the report showed the wrong totals.",
    "I am excited about this role because it combines data engineering and product work.",
]
VOICES = [("en-us", 160), ("en", 140), ("en-us+f3", 185)]
NORMALIZE = jiwer.Compose(
    [
        jiwer.ToLowerCase(),
        jiwer.SubstituteWords({"i'm": "i am", "timezone": "time zone"}),
        jiwer.RemovePunctuation(),
        jiwer.RemoveMultipleSpaces(),
        jiwer.Strip(),
    ]
)


def espeak(text: str, voice: str = "en-us", speed: int = 160) -> bytes:
    """WAV bytes of ``text`` spoken by espeak-ng."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
        return path.read_bytes()


def to_webm(wav: bytes) -> bytes:
    """``wav`` as WebM/Opus, what a browser's MediaRecorder uploads."""
    buffer = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(buffer, "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48_000, layout="mono")
        for frame in source.decode(audio=0):
            frame.pts = None
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def wer(references: list[str], hypotheses: list[str]) -> float:
    return jiwer.wer([NORMALIZE(r) for r in references], [NORMALIZE(h) or "<empty>" for h in hypotheses])


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def transcribe_ours(clip: np.ndarray, model: str, language: str | None = None) -> tuple[str, float]:
    started = time.perf_counter()
    result = stt.transcribe(clip, language=language, model=model)
    metrics.clear_metrics()  # a long benchmark would otherwise flush EMF lines every 100 values
    return result.text, time.perf_counter() - started


def timed(run, *args) -> tuple[object, float, float]:
    """``run(*args)``, its wall time and this process's CPU time (all threads).

    CPU time hardly changes when other jobs share the machine; wall time does.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = run(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


@functools.cache
def stock_model(model: str) -> WhisperModel:
    """faster-whisper as it comes: the whole 30 s window encoded (ours encodes base's audio only)."""
    return stt.load_model(model, trimmed=False)


def transcribe_defaults(clip: np.ndarray, model: str) -> tuple[str, float]:
    started = time.perf_counter()
    segments, _ = stock_model(model).transcribe(clip)
    text = " ".join(s.text.strip() for s in segments)
    return text, time.perf_counter() - started


def bench_accuracy(clips: list[np.ndarray], references: list[str], model: str) -> dict:
    """Defaults vs ours on the same clips, interleaved so that machine load hits both alike."""
    hyp = {"defaults": [], "ours": []}
    secs = {"defaults": 0.0, "ours": 0.0}
    for clip in clips:
        for name, run in (("defaults", transcribe_defaults), ("ours", transcribe_ours)):
            text, seconds = run(clip, model)
            hyp[name].append(text)
            secs[name] += seconds
    audio_seconds = sum(len(c) for c in clips) / audio.SAMPLE_RATE
    return {
        "model": model,
        "clips": len(clips),
        "audio_seconds": round(audio_seconds, 1),
        "wer_defaults": round(wer(references, hyp["defaults"]), 4),
        "wer_ours": round(wer(references, hyp["ours"]), 4),
        "seconds_defaults": round(secs["defaults"], 2),
        "seconds_ours": round(secs["ours"], 2),
        "speedup": round(secs["defaults"] / secs["ours"], 2),
    }


# Silences put between sentences for the pause figures: under and over delivery.PAUSE_SECONDS (0.5 s).
PAUSE_GAPS = (0.25, 0.7, 0.4, 1.0, 0.55, 1.6, 0.3, 0.85, 0.45, 2.4, 0.6, 0.2)


def with_gaps(sentences: list[str], gaps: list[float]) -> np.ndarray:
    """The sentences spoken one by one, their own silence cut off, joined by ``gaps`` (seconds)."""
    parts = [np.zeros(audio.SAMPLE_RATE // 4, dtype=np.float32)]
    for i, sentence in enumerate(sentences):
        speech = audio.decode(espeak(sentence, "en-us", 165))
        voiced = np.flatnonzero(np.abs(speech) >= QUIET)
        parts.append(speech[voiced[0] : voiced[-1] + 1])
        gap = gaps[i % len(gaps)] if i < len(sentences) - 1 else 0.25
        parts.append(np.zeros(int(gap * audio.SAMPLE_RATE), dtype=np.float32))
    return np.concatenate(parts)


def bench_pauses(model: str) -> list[dict]:
    """Pauses found by ``voice.stt.transcribe`` against the audio's silences of at least ``PAUSE_SECONDS``."""
    clips = {
        "sentences joined by known silences": [
            with_gaps(SENTENCES, list(PAUSE_GAPS)),
            with_gaps(SENTENCES[::-1], list(PAUSE_GAPS[5:] + PAUSE_GAPS[:5])),
        ],
        "sentences spoken in one go": [audio.decode(espeak(" ".join(SENTENCES), "en-us", 170))],
    }
    rows = []
    for kind, made in clips.items():
        found = missed = invented = 0
        errors: list[float] = []
        for clip in made:
            truth = quiet_runs(clip, PAUSE_SECONDS)
            pauses = stt.transcribe(clip, language="en", model=model).delivery.pauses
            metrics.clear_metrics()
            for start, end in truth:
                near = [p for p in pauses if abs(p.start - start) <= 0.3]
                found += bool(near)
                missed += not near
                errors += [abs(near[0].duration - (end - start))] if near else []
            invented += sum(all(abs(p.start - start) > 0.3 for start, _ in truth) for p in pauses)
        rows.append(
            {
                "model": model,
                "audio": kind,
                "pauses": found + missed,
                "found": found,
                "missed": missed,
                "invented": invented,
                "mean_length_error_s": round(statistics.mean(errors), 3) if errors else 0.0,
            }
        )
    return rows


def bench_rtf(long_clip: np.ndarray, reference: str, model: str, runs: int) -> dict:
    results = [timed(stt.transcribe, long_clip, "en", True, model) for _ in range(runs)]
    metrics.clear_metrics()
    seconds = min(wall for _, wall, _ in results)
    cpu = min(c for _, _, c in results)
    duration = len(long_clip) / audio.SAMPLE_RATE
    return {
        "model": model,
        "audio_seconds": round(duration, 1),
        "seconds": round(seconds, 2),
        "rtf": round(seconds / duration, 3),
        "cpu_seconds": round(cpu, 2),
        "cpu_seconds_per_audio_second": round(cpu / duration, 3),
        "wer": round(wer([reference], [results[0][0].text]), 4),
        "runs": runs,
    }


def bench_answer_latency(webm: bytes, model: str, runs: int) -> dict:
    """From the end of the answer (the upload is complete) to the transcript: decode + transcribe."""

    def answer() -> None:
        stt.transcribe(audio.decode(webm), model=model)
        metrics.clear_metrics()

    results = [timed(answer) for _ in range(runs)]
    times, cpu = [wall for _, wall, _ in results], [c for _, _, c in results]
    return {
        "model": model,
        "audio_seconds": round(len(audio.decode(webm)) / audio.SAMPLE_RATE, 1),
        "min_seconds": round(min(times), 2),
        "p50_seconds": round(statistics.median(times), 2),
        "max_seconds": round(max(times), 2),
        "cpu_seconds_p50": round(statistics.median(cpu), 2),
        "runs": runs,
    }


def bench_tts(uncached_runs: int, cached_runs: int) -> dict:
    from moto import mock_aws

    from practice_shared import aws
    from practice_shared.models.voice import SynthesizeRequest
    from voice import tts

    question = "Tell me about a time you had to deliver difficult feedback to a colleague"
    with mock_aws():
        aws.client.cache_clear()
        tts.forget_stored_speech()
        aws.client("s3").create_bucket(Bucket="interview-practice-audio")
        tts.synthesize(SynthesizeRequest(text="warm up"))
        uncached, cached, known = [], [], []
        for i in range(uncached_runs):
            started = time.perf_counter()
            result = tts.synthesize(SynthesizeRequest(text=f"{question}, number {i}?"))
            uncached.append(time.perf_counter() - started)
            metrics.clear_metrics()
            assert not result.cached
        for forget, timings in ((True, cached), (False, known)):
            for _ in range(cached_runs):
                if forget:
                    tts.forget_stored_speech()  # as in a container that has not spoken it yet: one HeadObject
                started = time.perf_counter()
                result = tts.synthesize(SynthesizeRequest(text=f"{question}, number 0?"))
                timings.append(time.perf_counter() - started)
                metrics.clear_metrics()
                assert result.cached
        metrics.clear_metrics()
    aws.client.cache_clear()
    return {
        "engine": "pyttsx3",
        "format": "ogg",
        "audio_seconds": round(result.duration_seconds, 2),
        "uncached_p50_ms": round(1000 * percentile(uncached, 50), 1),
        "uncached_p95_ms": round(1000 * percentile(uncached, 95), 1),
        "cached_p50_ms": round(1000 * percentile(cached, 50), 1),
        "cached_p95_ms": round(1000 * percentile(cached, 95), 1),
        "known_p50_ms": round(1000 * percentile(known, 50), 1),
        "known_p95_ms": round(1000 * percentile(known, 95), 1),
        "s3": "moto (in process): real S3 adds a network round trip per call",
    }


# Peak memory is the process's VmHWM: ru_maxrss survives exec, so a child of a big parent would report the parent's.
_COLD_START = """
import json, sys, time
started = time.perf_counter()
from voice import handler, stt
imported = time.perf_counter()
stt.warm_up("{model}")
loaded = time.perf_counter()

def peak_mb():
    status = open("/proc/self/status").read()
    return int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024

rss_loaded = peak_mb()
from voice import audio
stt.transcribe(audio.decode(open(sys.argv[1], "rb").read()), model="{model}")
print(json.dumps({{"import_s": imported - started, "load_s": loaded - imported, "rss_loaded_mb": rss_loaded,
                  "rss_peak_mb": peak_mb()}}))
"""


def bench_cold_start(model: str, clip_path: Path, runs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path[:2])}
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _COLD_START.format(model=model), str(clip_path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        process = time.perf_counter() - started
        results.append({**json.loads(out.stdout.strip().splitlines()[-1]), "process_s": process})
    best = min(results, key=lambda r: r["import_s"] + r["load_s"])
    return {
        "model": model,
        "import_s": round(best["import_s"], 2),
        "model_load_s": round(best["load_s"], 2),
        "cold_start_s": round(best["import_s"] + best["load_s"], 2),
        "process_with_one_transcription_s": round(best["process_s"], 2),
        "rss_after_load_mb": round(best["rss_loaded_mb"]),
        "rss_peak_mb": round(max(r["rss_peak_mb"] for r in results)),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions of the timings")
    args = parser.parse_args()
    stt.model_store.prepare("base")  # join once, outside every timing

    # Word error rates always on the three voices' 36 clips: on one voice's 12 clips (~160 words) one word is
    # 0.6 points; there tiny.en came out 1-5 words behind the defaults whatever its prompt, on all 36 even or ahead.
    references = [s for _ in VOICES for s in SENTENCES]
    clips = [audio.decode(espeak(s, v, speed)) for v, speed in VOICES for s in SENTENCES]
    long_text = " ".join(SENTENCES)
    long_clip = audio.decode(espeak(long_text, "en-us", 150))
    answer_text = " ".join(SENTENCES[:6])
    answer_wav = espeak(answer_text, "en-us", 150)
    answer_webm = to_webm(answer_wav)

    started = time.perf_counter()
    report: dict = {
        "machine": {
            "cpus": len(os.sched_getaffinity(0)),
            "whisper_threads": stt.cpu_threads(),
            "load_average_at_start": round(os.getloadavg()[0], 2),
        }
    }
    with tempfile.NamedTemporaryFile(suffix=".webm") as clip:  # first, while this process holds no model
        clip.write(answer_webm)
        clip.flush()
        report["cold_start"] = [bench_cold_start(m, Path(clip.name), 1 if args.quick else 3) for m in MODELS]
    runs = 2 if args.quick else 3
    report["accuracy"] = [bench_accuracy(clips, references, m) for m in MODELS]
    report["rtf_long_answer"] = [bench_rtf(long_clip, long_text, m, runs) for m in MODELS]
    report["latency_30s_answer"] = [bench_answer_latency(answer_webm, m, runs) for m in ("base",)]
    report["tts"] = bench_tts(10 if args.quick else 30, 30 if args.quick else 100)
    report["pauses"] = bench_pauses("base")
    report["bench_seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


def print_table(r: dict) -> None:
    m = r["machine"]
    print(
        f"CPU threads: {m['whisper_threads']} of {m['cpus']} cores; load average "
        f"{m['load_average_at_start']} at start, {m['load_average_at_end']} at end (other jobs slow every timing)"
    )
    print("\nAccuracy and speed, faster-whisper defaults vs ours (same clips)")
    header = ("clips", "audio s", "WER def", "WER ours", "s def", "s ours", "speedup")
    print(f"{'model':8}" + "".join(f"{h:>9}" for h in header))
    for a in r["accuracy"]:
        print(
            f"{a['model']:8}{a['clips']:9}{a['audio_seconds']:9}{a['wer_defaults']:9.1%}{a['wer_ours']:9.1%}"
            f"{a['seconds_defaults']:9}{a['seconds_ours']:9}{a['speedup']:8}x"
        )
    print("\nReal-time factor on a long answer (target base <= 0.10)")
    for x in r["rtf_long_answer"]:
        print(
            f"  {x['model']:8} {x['audio_seconds']} s audio in {x['seconds']} s (best of {x['runs']}): RTF {x['rtf']}, "
            f"CPU {x['cpu_seconds']} s ({x['cpu_seconds_per_audio_second']} CPU s per audio s), WER {x['wer']:.1%}"
        )
    print("\nEnd of a 30 s answer (WebM upload) to transcript")
    for x in r["latency_30s_answer"]:
        print(
            f"  {x['model']:8} {x['audio_seconds']} s audio: min {x['min_seconds']} s, p50 {x['p50_seconds']} s, "
            f"max {x['max_seconds']} s (CPU {x['cpu_seconds_p50']} s)"
        )
    t = r["tts"]
    print("\nText to speech (pyttsx3, Ogg/Opus, S3 on moto; targets 100 ms uncached, 20 ms cached, p95)")
    print(f"  uncached p50 {t['uncached_p50_ms']} ms, p95 {t['uncached_p95_ms']} ms")
    print(f"  cached   p50 {t['cached_p50_ms']} ms, p95 {t['cached_p95_ms']} ms")
    print("\nPauses against the audio's silences of 0.5 s or more (target: all found, none invented, error <= 0.1 s)")
    for x in r["pauses"]:
        print(
            f"  {x['model']:8} {x['audio']}: {x['found']} of {x['pauses']} found, {x['invented']} invented, "
            f"lengths off by {x['mean_length_error_s']} s on average"
        )
    print("\nCold start in a new process (imports + model and VAD load; target <= 2 s)")
    for c in r["cold_start"]:
        print(
            f"  {c['model']:8} import {c['import_s']} s + load {c['model_load_s']} s = {c['cold_start_s']} s; "
            f"peak RSS {c['rss_peak_mb']} MB (after load {c['rss_after_load_mb']} MB)"
        )


if __name__ == "__main__":
    sys.exit(main())
