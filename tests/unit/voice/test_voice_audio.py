"""Audio decoding and encoding with PyAV, on real espeak-ng speech in every upload format."""

import io

import av
import numpy as np
import pytest
import voice_samples as samples

from practice_shared.errors import BadRequest, PayloadTooLarge, UnsupportedMedia
from voice import audio


@pytest.fixture(scope="module")
def encoded(answer_wav: bytes) -> dict[str, bytes]:
    return {fmt: samples.convert(answer_wav, fmt) for fmt in samples.FORMATS}


@pytest.mark.parametrize("fmt", samples.FORMATS)
def test_every_upload_format_decodes_to_16k_mono_float(encoded: dict[str, bytes], answer_wav: bytes, fmt: str) -> None:
    decoded = audio.decode(encoded[fmt])
    assert decoded.dtype == np.float32 and decoded.ndim == 1
    # AAC and Opus add a few tens of milliseconds of encoder delay; nothing else changes the length.
    assert audio.duration_seconds(decoded) == pytest.approx(samples.wav_seconds(answer_wav), abs=0.1)
    assert 0.1 < float(np.abs(decoded).max()) <= 1.0, "speech is audible and within [-1, 1]"


@pytest.fixture(scope="module")
def long_encoded(long_wav: bytes) -> dict[str, bytes]:
    return {fmt: samples.convert(long_wav, fmt) for fmt in samples.FORMATS}


@pytest.mark.parametrize("fmt", ["webm", "ogg", "m4a", "fmp4"])
def test_decoding_from_a_point_gives_the_whole_decodings_audio_from_there(long_encoded: dict[str, bytes], fmt: str):
    """What browsers record in (Opus, AAC) is decoded from the packet holding the point, on the same timeline."""
    whole = audio.decode(long_encoded[fmt])
    part = audio.decode_from(long_encoded[fmt], 20.0)

    assert 19.95 <= part.offset_seconds <= 20.0  # the packet holding the point starts at most one packet earlier
    assert part.duration_seconds == pytest.approx(audio.duration_seconds(whole), abs=0.001)
    # Past the decoder's first frame, the same audio at the same place: identical for Opus; for AAC, resampled
    # from a sub-sample offset (one sample off would correlate ~0.85).
    start = round(part.offset_seconds * audio.SAMPLE_RATE) + audio.SAMPLE_RATE // 2
    compared = part.samples[audio.SAMPLE_RATE // 2 : audio.SAMPLE_RATE // 2 + 5 * audio.SAMPLE_RATE]
    assert np.corrcoef(compared, whole[start : start + compared.size])[0, 1] > 0.97


@pytest.mark.parametrize("fmt", ["mp3", "ogg_vorbis", "flac", "wav"])
def test_other_codecs_are_decoded_whole_whatever_the_point(long_encoded: dict[str, bytes], fmt: str):
    part = audio.decode_from(long_encoded[fmt], 20.0)
    assert part.offset_seconds == 0.0
    np.testing.assert_array_equal(part.samples, audio.decode(long_encoded[fmt]))


def test_decoding_from_the_start_or_before_it_is_decoding_whole(long_encoded: dict[str, bytes]):
    for point in (0.0, -10.0):
        part = audio.decode_from(long_encoded["webm"], point)
        assert part.offset_seconds == 0.0
        np.testing.assert_array_equal(part.samples, audio.decode(long_encoded["webm"]))


def test_empty_audio_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="empty"):
        audio.decode(b"")


def test_audio_over_the_byte_limit_is_refused(answer_wav: bytes, settings_env) -> None:
    settings_env(MAX_AUDIO_BYTES=str(len(answer_wav) - 1))
    with pytest.raises(PayloadTooLarge, match="MB; the limit is") as err:
        audio.decode(answer_wav)
    assert err.value.status == 413


@pytest.mark.parametrize("fmt", ["wav", "webm", "mp3"])
def test_audio_over_the_duration_limit_is_refused(encoded: dict[str, bytes], settings_env, fmt: str) -> None:
    settings_env(MAX_AUDIO_SECONDS="2")
    with pytest.raises(PayloadTooLarge, match="the limit is 2 s") as err:
        audio.decode(encoded[fmt])
    assert err.value.code == "answer_too_long"  # the WebSocket protocol's code for a recording past its limit


def test_a_recording_whose_timeline_starts_late_is_measured_from_its_start(encoded: dict[str, bytes]) -> None:
    """A fragmented MP4 starting at 700 s lasts what its samples last: the 600 s limit is not applied to its end."""
    late = samples.timeline_from(encoded["fmp4"], 700.0)
    np.testing.assert_array_equal(audio.decode(late), audio.decode(encoded["fmp4"]))


@pytest.mark.parametrize(
    "data",
    [
        b"Hello, this is a plain text file, not a recording.\n" * 40,
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" * 30,
        np.random.default_rng(3).integers(0, 256, 40_000, dtype=np.uint8).tobytes(),
    ],
    ids=["text", "pdf", "random bytes"],
)
def test_non_audio_is_unsupported_media(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia, match="not audio in a supported format") as err:
        audio.decode(data)
    assert err.value.status == 415


@pytest.mark.parametrize("fmt", ["wav", "webm", "ogg", "mp3", "flac"])
def test_a_truncated_upload_decodes_what_is_there(encoded: dict[str, bytes], answer_wav: bytes, fmt: str) -> None:
    data = encoded[fmt]
    decoded = audio.decode(data[: int(len(data) * 0.6)])
    full = samples.wav_seconds(answer_wav)
    assert 0.3 * full < audio.duration_seconds(decoded) < 0.8 * full


@pytest.mark.parametrize("fmt", ["wav", "webm", "m4a", "flac"])
def test_a_file_with_a_destroyed_header_is_unsupported_media(encoded: dict[str, bytes], fmt: str) -> None:
    data = bytearray(encoded[fmt])
    data[:64] = bytes(64)
    with pytest.raises(UnsupportedMedia):
        audio.decode(bytes(data))


def test_garbage_in_the_middle_keeps_the_audio_before_it(encoded: dict[str, bytes]) -> None:
    data = bytearray(encoded["webm"])
    middle = len(data) // 2
    data[middle : middle + 2000] = np.random.default_rng(5).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    decoded = audio.decode(bytes(data))
    assert audio.duration_seconds(decoded) > 1.0


@pytest.mark.parametrize(("fmt", "content_type"), [("ogg", "audio/ogg"), ("mp3", "audio/mpeg")])
def test_speech_is_encoded_compactly_and_decodes_back(answer_wav: bytes, fmt: str, content_type: str) -> None:
    pcm = audio.decode(answer_wav)
    data = audio.encode_stream([pcm], audio.SAMPLE_RATE, fmt)[0]
    assert len(data) < len(answer_wav) / 4, "compressed well below the WAV size"
    back = audio.decode(data)
    assert audio.duration_seconds(back) == pytest.approx(audio.duration_seconds(pcm), abs=0.08)
    assert audio.content_type(fmt) == content_type and audio.extension(fmt) == fmt
    # The waveform survives: a 0.5 s stretch from the middle, aligned over the encoder delay, still correlates.
    mid, width, reach = len(pcm) // 2, 8000, 800
    source = pcm[mid : mid + width]
    correlations = [np.corrcoef(source, back[mid + d : mid + d + width])[0, 1] for d in range(-reach, reach)]
    assert max(correlations) > 0.8


def test_speech_in_ogg_is_opus_in_40_ms_packets(answer_wav: bytes) -> None:
    """libav ignores an option it does not know: check the encoder really took the faster packet size."""
    data = audio.encode_stream([audio.decode(answer_wav)], audio.SAMPLE_RATE, "ogg")[0]
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        durations = [packet.duration * packet.time_base for packet in container.demux(stream) if packet.duration]
    assert len(durations) > 10
    assert all(d == pytest.approx(0.040) for d in durations[:-1])
