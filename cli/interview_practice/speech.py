"""``interview-practice transcribe`` and ``speak``: the voice function's speech to text and text to speech, locally.

``transcribe FILE`` decodes any common audio format and prints the transcript, its confidence, word timings and
delivery analytics (``--json`` for the same JSON the voice function returns). ``speak "TEXT" -o FILE`` writes
speech to an .ogg (Opus) or .mp3 file, without S3.
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from practice_shared.errors import AppError
from practice_shared.models.voice import SynthesizeRequest, Transcription
from practice_shared.observability import logger

_FORMATS = {".ogg": "ogg", ".opus": "ogg", ".mp3": "mp3"}


def register(subparsers: Any) -> None:
    """Add the ``transcribe`` and ``speak`` commands to the CLI's subparsers."""
    transcribe = subparsers.add_parser("transcribe", help="Transcribe an audio file and analyze the delivery.")
    transcribe.add_argument("file", type=Path, help="Audio file: WAV, WebM, Ogg, MP3, M4A/AAC or FLAC.")
    transcribe.add_argument("--model", help="Whisper model: base, tiny.en or a model directory (default: base).")
    transcribe.add_argument("--language", help="Language code such as 'en' (detected when absent).")
    transcribe.add_argument("--json", action="store_true", help="Print JSON instead of text.")
    transcribe.set_defaults(func=run_transcribe)

    speak = subparsers.add_parser("speak", help="Synthesize speech to an audio file.")
    speak.add_argument("text", help="The text to say.")
    speak.add_argument("-o", "--output", type=Path, required=True, help="Output file: .ogg (Opus) or .mp3.")
    speak.add_argument("--voice", help="Voice id or name (see the voice function's 'voices' action).")
    speak.add_argument("--rate", type=int, default=175, help="Words per minute (80-320, default 175).")
    speak.set_defaults(func=run_speak)


def run_transcribe(args: argparse.Namespace) -> int:
    """Transcribe ``args.file`` and print the result; returns the exit status."""
    from voice import audio, stt

    _quiet()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror}")
    try:
        result = stt.transcribe(audio.decode(data), language=args.language, model=args.model)
    except AppError as exc:
        return _fail(exc.message)
    print(result.model_dump_json(indent=2) if args.json else format_transcription(result))
    return 0


def run_speak(args: argparse.Namespace) -> int:
    """Write speech for ``args.text`` to ``args.output``; returns the exit status."""
    from voice import tts

    _quiet()
    fmt = _FORMATS.get(args.output.suffix.lower())
    if fmt is None:
        return _fail(f"cannot tell the format of {args.output}: name it .ogg or .mp3")
    try:
        request = SynthesizeRequest(text=args.text, voice=args.voice, rate=args.rate, format=fmt)
        speech = tts.speak(request.text, request.voice, request.rate, request.format)
    except ValidationError as exc:
        return _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    except AppError as exc:
        return _fail(exc.message)
    args.output.write_bytes(speech.data)
    print(f"Wrote {args.output} ({speech.duration_seconds:.1f} s, {len(speech.data)} bytes, voice {speech.voice})")
    return 0


def format_transcription(result: Transcription) -> str:
    """A human-readable report of a transcription."""
    d = result.delivery
    lines = [
        f"Text: {result.text}" if not result.no_speech else "Text: (no speech found)",
        f"Language: {result.language} (probability {result.language_probability:.2f})   Model: {result.model}",
        f"Confidence: {result.confidence:.2f}   Duration: {result.duration_seconds:.2f} s   "
        f"Processed in {result.processing_seconds:.2f} s",
        *([f"Warning: {result.language_warning}"] if result.language_warning else []),
    ]
    if result.words:
        lines += ["", f"{'start':>7} {'end':>7} {'prob':>5}  word"]
        lines += [f"{w.start:7.2f} {w.end:7.2f} {w.probability:5.2f}  {w.word}" for w in result.words]
    lines += [
        "",
        "Delivery:",
        f"  Words per minute: {_pace(d.words_per_minute)} ({d.word_count} words)",
        f"  Speaking / silence: {d.speaking_seconds:.1f} s / {d.silence_seconds:.1f} s (ratio {d.speaking_ratio:.2f})",
        f"  Fillers: {d.filler_count} ({_counts(d.fillers)}), {d.fillers_per_100_words:.1f} per 100 words",
        f"  Pauses: {d.pause_count}, longest {d.longest_pause_seconds:.1f} s",
        f"  Hedges: {d.hedging_count} ({_counts(d.hedges)})",
        f"  Repeated words: {_counts(d.repeated_words)}",
    ]
    return "\n".join(lines)


def _pace(words_per_minute: float | None) -> str:
    return "too short to measure" if words_per_minute is None else f"{words_per_minute:.0f}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} x{n}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def _quiet() -> None:
    """Keep the functions' INFO logs (JSON on standard output) out of the command's output, unless asked for."""
    if not os.environ.get("POWERTOOLS_LOG_LEVEL"):
        logger.setLevel("WARNING")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
