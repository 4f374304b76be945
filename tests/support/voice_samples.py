"""Real test audio made at test time: espeak-ng speech, converted to the formats browsers and phones upload."""

import io
import struct
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import av
import jiwer
import numpy as np

ANSWER = "My manager asked me to estimate the work, so I broke it into smaller tasks."
FILLERS = "Um, well, we had, uh, three engineers and, um, a very tight deadline."
SPANISH = "Me gusta trabajar en equipo porque aprendo mucho de mis compañeros."
FRENCH = "Dans mon dernier poste, j'ai dirigé une petite équipe qui devait livrer un nouveau service en trois mois."
RUSSIAN = "На моей последней работе я руководил небольшой командой, которая должна была за три месяца запустить сервис."  # noqa: RUF001
TECHNICAL = (
    "An index speeds up reads because the database can find rows without scanning the whole table, "
    "but every write has to update it too, so it costs storage and write time."
)
# Two sentences: from espeak-ng's German voice, the first alone left Whisper base barely surer of German than of
# English (0.44 against 0.43 on one machine, over 0.5 on another); with the second it is 0.94.
GERMAN = (
    "Ich arbeite gern im Team, weil ich viel von meinen Kollegen lerne. "
    "Letztes Jahr habe ich ein neues System für unsere Kunden gebaut."
)
# An answer cut off mid-sentence, as a partial transcription of a streamed answer always is (spoken at 150 words a
# minute it ends in "how to", with no silence after it).
CUT_OFF = (
    "I haven't formally mentored anyone, but I help people when they ask me questions. For example, people on my "
    "team often ask me how to"
)
LONG_SENTENCES = [
    "The biggest challenge was keeping the system online while we moved the data.",
    "I prefer to give feedback in private and to praise people in public.",
    "My manager asked me to estimate the work, so I broke it into smaller tasks.",
    "The project taught me to communicate risks before they become problems.",
    "We wrote a small tool that copied records in batches and compared checksums.",
    "When a teammate disagreed with my design, I asked him to write down his concerns.",
    "In the end we combined both ideas and shipped the feature two weeks early.",
    "I usually start by reproducing the bug and writing a failing test.",
    "If I could do it again, I would involve the security team much earlier.",
]
LONG = " ".join(LONG_SENTENCES)

# format -> (container, codec, sample rate, muxer options); ogg_vorbis and flac are made by sox instead, a second
# encoder. fmp4 is what Safari's MediaRecorder writes: AAC in fragmented MP4 (an empty moov, then one-second
# fragments), so that each chunk it hands over continues the file.
_PYAV_FORMATS = {
    "webm": ("webm", "libopus", 48_000, {}),
    "ogg": ("ogg", "libopus", 48_000, {}),
    "mp3": ("mp3", "libmp3lame", 22_050, {}),
    "m4a": ("ipod", "aac", 22_050, {}),
    "fmp4": (
        "mp4",
        "aac",
        48_000,
        {"movflags": "frag_keyframe+empty_moov+default_base_moof", "frag_duration": "1000000"},
    ),
}
_SOX_FORMATS = {"ogg_vorbis": "ogg", "flac": "flac"}
FORMATS = (*_PYAV_FORMATS, *_SOX_FORMATS, "wav")


def espeak(text: str, voice: str = "en-us", speed: int = 160) -> bytes:
    """WAV bytes of ``text`` spoken by espeak-ng (22.05 kHz mono)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
        return path.read_bytes()


def as_recorded(wav: bytes) -> bytes:
    """``wav`` as a microphone records it: 48 kHz 16-bit, half a second of silence before and two after."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        src.write_bytes(wav)
        subprocess.run(["sox", str(src), "-r", "48000", "-c", "1", "-b", "16", str(dst), "pad", "0.5", "2"], check=True)
        return dst.read_bytes()


def convert(wav: bytes, fmt: str) -> bytes:
    """``wav`` re-encoded as ``fmt`` (one of FORMATS)."""
    if fmt == "wav":
        return wav
    if fmt in _SOX_FORMATS:
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = Path(tmp) / "in.wav", Path(tmp) / f"out.{_SOX_FORMATS[fmt]}"
            src.write_bytes(wav)
            subprocess.run(["sox", str(src), str(dst)], check=True)
            return dst.read_bytes()
    container, codec, rate, options = _PYAV_FORMATS[fmt]
    out_buffer = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(out_buffer, "w", format=container, options=options) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        for frame in source.decode(audio=0):
            frame.pts = None
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return out_buffer.getvalue()


def pcm_wav(samples: np.ndarray, rate: int = 16_000) -> bytes:
    """A 16-bit mono WAV of float ``samples`` in [-1, 1]."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def silence(seconds: float) -> bytes:
    """A WAV of digital silence."""
    return pcm_wav(np.zeros(int(seconds * 16_000), dtype=np.float32))


def white_noise(seconds: float, level: float = 0.3) -> bytes:
    """A WAV of white noise (fixed seed)."""
    return pcm_wav(np.random.default_rng(7).normal(0, level, int(seconds * 16_000)).astype(np.float32))


QUIET = 0.01  # amplitude under which a sample is silence: the silences really in the audio


def quiet_runs(samples: np.ndarray, shortest: float = 0.0, rate: int = 16_000) -> list[tuple[float, float]]:
    """The stretches of ``samples`` (start, end in seconds) of at least ``shortest`` seconds where every sample is
    under ``QUIET``, leaving out those at its start and end."""
    quiet = np.concatenate([[False], np.abs(samples) < QUIET, [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    runs = [(a / rate, b / rate) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return [(a, b) for a, b in runs if b - a >= shortest and a > 0 and b < len(samples) / rate]


def wav_seconds(wav: bytes) -> float:
    """The duration of WAV bytes."""
    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


normalize = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip()])


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate ignoring case and punctuation."""
    return jiwer.wer(normalize(reference), normalize(hypothesis) or "<empty>")


def _boxes(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The ISO BMFF boxes between ``start`` and ``end``: (type, offset, size)."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        yield kind, at, size
        at += size


def timeline_from(fmp4: bytes, seconds: float, rate: int = 48_000) -> bytes:
    """A fragmented MP4 whose timeline starts at ``seconds`` instead of 0 (every fragment's decode time moved), as a
    recorder that keeps its capture clock writes it."""
    data = bytearray(fmp4)
    shift = int(seconds * rate)
    for kind, at, size in _boxes(data, 0, len(data)):
        for traf, t_at, t_size in _boxes(data, at + 8, at + size) if kind == b"moof" else ():
            for tfdt, d_at, _ in _boxes(data, t_at + 8, t_at + t_size) if traf == b"traf" else ():
                if tfdt == b"tfdt":
                    width = ">Q" if data[d_at + 8] == 1 else ">I"
                    field = slice(d_at + 12, d_at + 12 + struct.calcsize(width))
                    data[field] = struct.pack(width, struct.unpack(width, data[field])[0] + shift)
    return bytes(data)
