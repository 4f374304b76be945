"""Text to speech: pyttsx3/espeak-ng for real, the S3 cache on moto, Polly through botocore's Stubber."""

import base64
import contextlib
import gc
import io
import time
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from practice_shared import aws
from practice_shared.errors import DownstreamUnavailable, Unprocessable
from practice_shared.models.voice import SynthesizeRequest
from voice import audio, tts

QUESTIONS = [
    "Tell me about a time you disagreed with a colleague.",
    "What is the difference between a process and a thread?",
    "Describe a project you are proud of, and your role in it.",
    "How would you design a rate limiter for a public API?",
    "Why do you want to work here?",
]


def _pcm(text: str) -> np.ndarray:
    """The whole PCM espeak-ng synthesizes for ``text`` (American English voice, 175 words a minute)."""
    return np.concatenate(list(tts.speaker().stream(text, "gmw/en-us", 175)))


def _plausible(duration: float, text: str, rate: int) -> bool:
    expected = len(text.split()) * 60 / rate
    return 0.5 * expected < duration < 2.0 * expected + 0.5


def test_one_hundred_syntheses_in_a_row_in_one_process() -> None:
    """A warm container synthesizes many times: every output must be real audio of the right length."""
    voices, rates, formats = ["gmw/en-us", "gmw/en", "roa/es"], [120, 175, 260], ["ogg", "mp3"]
    for i in range(100):
        text, rate, fmt = f"{QUESTIONS[i % len(QUESTIONS)]} Number {i}.", rates[i % 3], formats[i % 2]
        speech = tts.speak(text, voices[i % 3], rate, fmt)
        assert speech.data, f"call {i} returned no bytes"
        decoded = audio.decode(speech.data)
        assert audio.duration_seconds(decoded) == pytest.approx(speech.duration_seconds, abs=0.1), f"call {i}"
        assert _plausible(speech.duration_seconds, text, rate), f"call {i}: {speech.duration_seconds} s"
        assert float(abs(decoded).max()) > 0.05, f"call {i} is silent"
        assert speech.voice == voices[i % 3] and speech.content_type == audio.content_type(fmt)


def test_another_pyttsx3_engine_in_the_process_does_not_break_synthesis() -> None:
    """A second engine takes over espeak-ng's audio callback, and clears it when collected."""
    import pyttsx3

    rogue = pyttsx3.init()  # the default driver key: a second engine, not ours
    assert rogue is not tts.speaker()._engine
    assert _plausible(tts.speak(QUESTIONS[0]).duration_seconds, QUESTIONS[0], 175)
    del rogue
    gc.collect()
    assert _plausible(tts.speak(QUESTIONS[1]).duration_seconds, QUESTIONS[1], 175)


def test_each_synthesis_holds_only_its_own_text() -> None:
    """A synthesis ends at its own end-of-message event: no audio of one text reaches the next."""
    long_text, short_text = " ".join(QUESTIONS * 3), "Hello."
    short = _pcm(short_text).size
    for _ in range(20):
        assert _pcm(long_text).size > 40 * short
        assert _pcm(short_text).size == pytest.approx(short, rel=0.05)


def test_a_synthesis_its_reader_leaves_is_cancelled_and_leaves_nothing_behind() -> None:
    """The encoder stops reading (it failed): the rest of that text must not reach the next synthesis."""
    long_text, short_text = " ".join(QUESTIONS * 6), "Hello."
    short = _pcm(short_text).size
    for _ in range(5):
        with contextlib.closing(tts.speaker().stream(long_text, "gmw/en-us", 175)) as chunks:
            assert next(chunks).size > 0
        assert _pcm(short_text).size == pytest.approx(short, rel=0.05)


def test_speech_is_encoded_as_it_is_synthesized_into_the_same_audio() -> None:
    """Encoding chunk by chunk gives what encoding the whole PCM as one chunk gives, and its duration."""
    text = " ".join(QUESTIONS[:3])
    chunks = list(tts.speaker().stream(text, "gmw/en-us", 175))
    assert len(chunks) > 3, "espeak-ng hands its audio over in parts"
    whole = np.concatenate(chunks)
    streamed, seconds = audio.encode_stream(chunks, tts.Pyttsx3Speaker.SAMPLE_RATE, "ogg")
    assert seconds == pytest.approx(whole.size / tts.Pyttsx3Speaker.SAMPLE_RATE)
    at_once = audio.decode(audio.encode_stream([whole], tts.Pyttsx3Speaker.SAMPLE_RATE, "ogg")[0])
    assert np.array_equal(audio.decode(streamed), at_once)


def test_a_synthesis_that_does_not_end_in_time_fails_and_leaves_nothing_behind(monkeypatch) -> None:
    long_text = " ".join(QUESTIONS * 6)
    monkeypatch.setattr(tts.Pyttsx3Speaker, "TIMEOUT_SECONDS", 0.0)
    with pytest.raises(tts.SynthesisFailed, match="finished False"):
        _pcm(long_text)
    monkeypatch.undo()
    assert _plausible(tts.speak(QUESTIONS[4]).duration_seconds, QUESTIONS[4], 175)


def test_rate_changes_the_duration() -> None:
    slow, fast = tts.speak(QUESTIONS[2], rate=100), tts.speak(QUESTIONS[2], rate=300)
    assert slow.duration_seconds > 2 * fast.duration_seconds


def test_voices_are_listed_and_selected_by_id_or_name() -> None:
    voices = {v.id: v for v in tts.list_voices()}
    assert voices["gmw/en-us"].languages == ["en-us"] and voices["gmw/en-us"].name == "English (America)"
    assert tts.resolve_voice(None) == "gmw/en-us"
    assert tts.resolve_voice("English (America)") == "gmw/en-us"
    assert tts.resolve_voice("ROA/ES") == "roa/es"
    with pytest.raises(Unprocessable, match="Unknown voice 'no-such-voice'"):
        tts.resolve_voice("no-such-voice")


def test_text_with_nothing_to_say_is_refused() -> None:
    with pytest.raises(Unprocessable, match="nothing to say"):
        tts.speak("?! ...")


def test_text_is_spoken_as_it_should_be_heard() -> None:
    # espeak-ng said "A slash B", "asterisk asterisk", "h t t p s colon...", "rocket", and stopped at a NUL.
    assert tts.speakable("Design an A/B test for the CI/CD pipeline.") == "Design an A B test for the CI CD pipeline."
    assert tts.speakable("**Bold** and `code`, see https://example.com/a?b=1 🚀") == "Bold and code , see the link"
    assert tts.speakable("# Plan\n- first\n- second") == "Plan first second"
    assert tts.speakable("Hi\x00there") == "Hi there"
    assert tts.speakable("O(n log n) holds for 99.9% of inputs.") == "O(n log n) holds for 99.9% of inputs."
    whole, cut = tts.speak("Hi\x00there"), tts.speak("Hi")
    assert whole.duration_seconds > cut.duration_seconds + 0.15  # "there" was said too


def test_cache_keys_change_with_every_input() -> None:
    base = ("pyttsx3", "gmw/en-us", 175, "ogg", "Hello.")
    keys = {tts.cache_key(*base)}
    for i, other in enumerate(["polly", "gmw/en", 176, "mp3", "Hello!"]):
        changed = list(base)
        changed[i] = other
        keys.add(tts.cache_key(*changed))
    assert len(keys) == 6
    assert tts.cache_key(*base).startswith("tts/") and tts.cache_key(*base).endswith(".ogg")
    assert tts.cache_key(*base) == tts.cache_key(*base)


def test_synthesize_stores_once_then_serves_from_the_cache(s3_bucket: str) -> None:
    request = SynthesizeRequest(text=QUESTIONS[3], inline=True)
    first = tts.synthesize(request)
    second = tts.synthesize(request)

    assert (first.cached, second.cached) == (False, True)
    assert first.audio_key == second.audio_key == tts.cache_key("pyttsx3", "gmw/en-us", 175, "ogg", QUESTIONS[3])
    assert first.duration_seconds == pytest.approx(second.duration_seconds, abs=0.001)
    assert first.audio_b64 == second.audio_b64 and first.audio_b64
    stored = aws.client("s3").get_object(Bucket=s3_bucket, Key=first.audio_key)
    body = stored["Body"].read()
    assert base64.b64decode(first.audio_b64) == body
    assert stored["ContentType"] == "audio/ogg"
    assert audio.duration_seconds(audio.decode(body)) == pytest.approx(first.duration_seconds, abs=0.1)
    url = urlparse(first.audio_url)
    assert url.path == f"/{first.audio_key}"
    assert int(parse_qs(url.query)["Expires"][0]) == pytest.approx(time.time() + 3600, abs=60)


def _s3_calls() -> list[str]:
    calls: list[str] = []
    aws.client("s3").meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    return calls


def test_speech_the_container_found_is_served_without_asking_s3_again(s3_bucket: str) -> None:
    request = SynthesizeRequest(text=QUESTIONS[1])
    first = tts.synthesize(request)
    calls = _s3_calls()

    again = tts.synthesize(request)
    assert again.cached and calls == []  # the presigned URL is made without a request
    assert (again.audio_key, again.content_type) == (first.audio_key, first.content_type)
    assert again.duration_seconds == pytest.approx(first.duration_seconds, abs=0.001)

    tts.forget_stored_speech()  # a container that has not spoken it: one HeadObject, and the same answer
    looked_up = tts.synthesize(request)
    assert looked_up.cached and calls == ["HeadObject"]
    assert (looked_up.content_type, looked_up.duration_seconds) == (again.content_type, again.duration_seconds)
    assert tts.synthesize(request).cached and calls == ["HeadObject"]


def test_speech_deleted_from_the_bucket_is_found_missing_within_the_hour(s3_bucket: str, monkeypatch) -> None:
    """Speech deleted by hand (not by the lifecycle): a warm container hands out its link for at most
    KNOWN_SPEECH_SECONDS, as long as the links themselves last, then asks S3 and synthesizes it again."""
    request = SynthesizeRequest(text=QUESTIONS[0])
    first = tts.synthesize(request)
    aws.client("s3").delete_object(Bucket=s3_bucket, Key=first.audio_key)
    calls = _s3_calls()
    assert tts.synthesize(request).cached and calls == []  # still trusted

    later = time.time() + tts.KNOWN_SPEECH_SECONDS + 1
    monkeypatch.setattr(tts.time, "time", lambda: later)
    again = tts.synthesize(request)
    assert not again.cached and calls == ["HeadObject", "PutObject"] and again.audio_key == first.audio_key
    assert tts.synthesize(request).cached and calls == ["HeadObject", "PutObject"]  # trusted for another hour


def test_speech_within_a_day_of_its_expiry_is_looked_up_every_time(s3_bucket: str, settings_env) -> None:
    """With audio kept one day, the bucket's lifecycle may delete speech any time: S3 is asked each time, and
    speech it deleted is synthesized again."""
    settings_env(AUDIO_RETENTION_DAYS="1")
    request = SynthesizeRequest(text=QUESTIONS[4])
    first = tts.synthesize(request)
    calls = _s3_calls()

    assert tts.synthesize(request).cached and calls == ["HeadObject"]
    aws.client("s3").delete_object(Bucket=s3_bucket, Key=first.audio_key)
    calls.clear()
    assert not tts.synthesize(request).cached and calls == ["HeadObject", "PutObject"]


def test_audio_over_the_inline_limit_is_only_linked(s3_bucket: str, settings_env) -> None:
    settings_env(MAX_INLINE_AUDIO_BYTES="1000")
    result = tts.synthesize(SynthesizeRequest(text=QUESTIONS[2], inline=True, format="mp3"))
    assert result.audio_b64 is None and result.audio_key.endswith(".mp3") and result.content_type == "audio/mpeg"
    assert not tts.synthesize(SynthesizeRequest(text=QUESTIONS[2], inline=True, format="mp3")).audio_b64


def _streaming(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def test_polly_engine(s3_bucket: str, settings_env) -> None:
    """Polly cannot be reached from the test machine: botocore's Stubber answers for it, with real audio bytes.

    What is checked is our side: the SSML and parameters sent, the S3 cache (the second call must not call
    Polly: the Stubber has no second answer), voice listing across pages, and refusals mapped to 422/503.
    """
    settings_env(TTS_ENGINE="polly", POLLY_VOICE="Joanna")
    tts._polly_voices.cache_clear()
    pcm, rate = _pcm("Polly would say this"), tts.Pyttsx3Speaker.SAMPLE_RATE
    ogg = audio.encode_stream([pcm], rate, "ogg")[0]
    polly = aws.client("polly")
    with Stubber(polly) as stub:
        stub.add_response(
            "synthesize_speech",
            {"AudioStream": _streaming(ogg), "ContentType": "audio/ogg", "RequestCharacters": 20},
            {
                "Text": '<speak><prosody rate="120%">Polly would say this &amp; more</prosody></speak>',
                "TextType": "ssml",
                "OutputFormat": "ogg_vorbis",
                "VoiceId": "Joanna",
            },
        )
        stub.add_response(
            "describe_voices",
            {
                "Voices": [{"Id": "Joanna", "Name": "Joanna", "Gender": "Female", "LanguageCode": "en-US"}],
                "NextToken": "p2",
            },
            {},
        )
        stub.add_response(
            "describe_voices",
            {"Voices": [{"Id": "Lucia", "Name": "Lucia", "Gender": "Female", "LanguageCode": "es-ES"}]},
            {"NextToken": "p2"},
        )
        stub.add_client_error("synthesize_speech", "ValidationException", "Voice Nobody does not exist", 400)
        stub.add_client_error("synthesize_speech", "ThrottlingException", "Rate exceeded", 400)

        request = SynthesizeRequest(text="Polly would say this & more", rate=210)
        first, second = tts.synthesize(request), tts.synthesize(request)
        assert (first.engine, first.voice, first.cached, second.cached) == ("polly", "Joanna", False, True)
        assert first.duration_seconds == pytest.approx(audio.duration_seconds(pcm, rate), abs=0.1)
        assert first.audio_key == tts.cache_key("polly", "Joanna", 210, "ogg", request.text)

        assert [(v.id, v.languages, v.gender) for v in tts.list_voices()] == [
            ("Joanna", ["en-US"], "female"),
            ("Lucia", ["es-ES"], "female"),
        ]
        with pytest.raises(Unprocessable, match="Voice Nobody does not exist"):
            tts.synthesize(SynthesizeRequest(text="Hi", voice="Nobody"))
        with pytest.raises(DownstreamUnavailable):
            tts.synthesize(SynthesizeRequest(text="Hi again"))
        stub.assert_no_pending_responses()
    tts._polly_voices.cache_clear()
