"""Audio conversion with PyAV: any common format to 16 kHz mono float32 for Whisper, and PCM to Ogg/Opus or MP3.

Decoding accepts WAV, WebM/Opus, Ogg/Opus, MP3, M4A/AAC and FLAC (anything FFmpeg demuxes that has an audio
stream). Size and duration limits come from the settings; a truncated file yields the audio decoded before the
damage, and input with no decodable audio is refused with a message the user can act on.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from av.error import FFmpegError

from practice_shared.config import get_settings
from practice_shared.errors import BadRequest, PayloadTooLarge, UnsupportedMedia

SAMPLE_RATE = 16_000
_UNSUPPORTED = "The file is not audio in a supported format (WAV, WebM, Ogg, MP3, M4A/AAC or FLAC), or it is damaged."

# Output encodings for synthesized speech: (container, codec, sample rate, bit rate, codec options, MIME type,
# extension). Opus in its general ("audio") mode at complexity 3 with 40 ms packets: its speech ("voip") mode took
# twice as long as espeak-ng's synthesis itself. Whisper transcribes the result as well as the uncompressed speech
# (complexity 0 was faster still, but misheard more). LAME's quality 7 halves the MP3 encoding time.
_OPUS_OPTIONS = {"application": "audio", "compression_level": "3", "frame_duration": "40"}
_ENCODINGS = {
    "ogg": ("ogg", "libopus", 24_000, 32_000, _OPUS_OPTIONS, "audio/ogg", "ogg"),
    "mp3": ("mp3", "libmp3lame", 22_050, 48_000, {"compression_level": "7"}, "audio/mpeg", "mp3"),
}


# Codecs whose decoding can start at any packet and stay on the recording's timeline (MP3 and Vorbis do not:
# their first frames depend on earlier ones, and the decoded audio shifts by 10-50 ms).
_DECODABLE_FROM_ANY_PACKET = {"opus", "aac"}


def content_type(fmt: str) -> str:
    """The MIME type of synthesized audio in ``fmt`` ("ogg" or "mp3")."""
    return _ENCODINGS[fmt][5]


def extension(fmt: str) -> str:
    """The file extension of synthesized audio in ``fmt``."""
    return _ENCODINGS[fmt][6]


def duration_seconds(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """The duration of ``samples`` at ``sample_rate``."""
    return len(samples) / sample_rate


def check_size(size: int) -> None:
    """Refuse empty input (400) and input over settings.max_audio_bytes (413)."""
    if size == 0:
        raise BadRequest("The audio is empty.")
    limit = get_settings().max_audio_bytes
    if size > limit:
        raise PayloadTooLarge(f"The audio is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB.")


def decode(data: bytes, max_seconds: float | None = None) -> np.ndarray:
    """Decode ``data`` to 16 kHz mono float32 samples in [-1, 1].

    Raises ``BadRequest`` (empty), ``PayloadTooLarge`` (over the byte or ``max_seconds`` limit, default
    settings.max_audio_seconds) or ``UnsupportedMedia`` (not audio, or nothing decodable).
    """
    return decode_from(data, 0.0, max_seconds).samples


@dataclass(frozen=True)
class Decoded:
    """A recording's samples (16 kHz mono float32) from ``offset_seconds`` to its end."""

    samples: np.ndarray
    offset_seconds: float = 0.0

    @property
    def duration_seconds(self) -> float:
        """The whole recording's duration."""
        return self.offset_seconds + len(self.samples) / SAMPLE_RATE


def decode_from(data: bytes, from_seconds: float, max_seconds: float | None = None) -> Decoded:
    """Decode ``data`` from about ``from_seconds`` on (at most one packet earlier), as :func:`decode` does.

    The packets before are read but not decoded: a streamed answer's final transcription needs only its last
    seconds, and decoding three minutes of Opus to find them took 0.27 s. That is done for the codecs browsers
    record in (Opus, AAC), whose samples from a packet on match the whole decoding's at the packet's timestamp
    (tested); for other codecs, or where the timestamps cannot place the point (missing, or going back),
    everything is decoded and ``offset_seconds`` is 0.
    """
    check_size(len(data))
    limit_seconds = float(max_seconds if max_seconds is not None else get_settings().max_audio_seconds)
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise UnsupportedMedia(_UNSUPPORTED) from exc
    with container:
        if not container.streams.audio:
            raise UnsupportedMedia(_UNSUPPORTED)
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # a header FFmpeg cannot make sense of (a WAV of 0 bits per sample)
            raise UnsupportedMedia(_UNSUPPORTED)
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > limit_seconds + 1:
            raise _too_long(declared, limit_seconds)
        packets, damaged = _demux(container, stream)
        first, offset = 0, 0.0
        if stream.codec_context.name in _DECODABLE_FROM_ANY_PACKET:
            first, offset = _first_packet_from(packets, stream.time_base, from_seconds)
        samples = _decode_packets(stream.codec_context, packets[first:], limit_seconds - offset, damaged)
    if samples.size == 0:
        raise UnsupportedMedia("The audio could not be decoded: the file is damaged or contains no sound.")
    return Decoded(samples, offset)


def _declared_seconds(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    """How long the file says it lasts, from its first timestamp: a recording may start its timeline late (a
    fragmented MP4 keeping its capture clock), and FFmpeg then gives its end as its duration."""
    if stream.duration is not None and stream.time_base is not None:
        return float((stream.duration - max(stream.start_time or 0, 0)) * stream.time_base)
    if container.duration is not None:
        return (container.duration - max(container.start_time or 0, 0)) / av.time_base
    return None


def _too_long(seconds: float, limit: float) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The audio lasts more than {seconds:.0f} s; the limit is {limit:.0f} s.",
        code="answer_too_long",
        details={"seconds": round(seconds), "limit_seconds": round(limit)},
    )


def _demux(container: av.container.InputContainer, stream: av.AudioStream) -> tuple[list[av.Packet], bool]:
    """The stream's packets, and whether the container was damaged after them (they are kept)."""
    packets: list[av.Packet] = []
    try:
        packets.extend(packet for packet in container.demux(stream) if packet.size)
    except FFmpegError:
        return packets, True
    return packets, False


def _first_packet_from(packets: list[av.Packet], time_base: Fraction | None, seconds: float) -> tuple[int, float]:
    """The index of the last packet starting at or before ``seconds`` (from the first packet's start), and that
    packet's start; (0, 0.0) when the timestamps cannot tell."""
    if seconds <= 0 or not packets or time_base is None or packets[0].pts is None:
        return 0, 0.0
    origin, chosen, previous = packets[0].pts, 0, packets[0].pts
    for i, packet in enumerate(packets):
        if packet.pts is None or packet.pts < previous:
            return 0, 0.0
        if (packet.pts - origin) * time_base <= seconds:
            chosen = i
        previous = packet.pts
    return chosen, float((packets[chosen].pts - origin) * time_base)


def _decode_packets(
    codec: av.AudioCodecContext, packets: list[av.Packet], limit_seconds: float, damaged: bool
) -> np.ndarray:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    limit = int(limit_seconds * SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        for packet in [*packets, None]:  # None flushes the decoder
            for frame in codec.decode(packet):
                frame.pts = None  # let the resampler number frames itself: damaged timestamps must not stop it
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
                if total > limit:
                    raise _too_long(total / SAMPLE_RATE, limit_seconds)
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    except FFmpegError:
        damaged = True  # what decoded before the damage is kept (a truncated upload)
    if not chunks:
        if damaged:  # nothing before the damage
            raise UnsupportedMedia("The audio could not be decoded: the file is damaged.")
        return np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)


def encode_stream(chunks: Iterable[np.ndarray], sample_rate: int, fmt: str) -> tuple[bytes, float]:
    """Encode mono PCM (int16 or float32 in [-1, 1]) at ``sample_rate`` arriving in ``chunks``, each as soon as it
    arrives, as ``fmt``: "ogg" (Opus) or "mp3". Returns the encoded bytes and the duration of the PCM in seconds."""
    container_format, codec, out_rate, bit_rate, options, _, _ = _ENCODINGS[fmt]
    buffer = io.BytesIO()
    received = 0
    with av.open(buffer, mode="w", format=container_format) as out:
        stream = out.add_stream(codec, rate=out_rate, layout="mono")
        stream.bit_rate = bit_rate
        stream.codec_context.options = options
        resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=out_rate)
        for chunk in chunks:
            pcm = np.asarray(chunk)
            if pcm.dtype != np.int16:
                pcm = (np.clip(pcm.astype(np.float32), -1.0, 1.0) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = sample_rate
            frame.time_base = Fraction(1, sample_rate)
            frame.pts = received
            received += pcm.size
            for resampled in resampler.resample(frame):
                out.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            out.mux(stream.encode(resampled))
        out.mux(stream.encode(None))
    return buffer.getvalue(), received / sample_rate
