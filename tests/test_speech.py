"""Speech the simulator can hear: encode_speech -> (channel) -> transcribe / SpeechDecoder."""

from __future__ import annotations

import math
import random
import struct
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rtvoice.simulator
from rtvoice import UserError
from rtvoice.audio import (
    AudioFormatName,
    bytes_for_ms,
    duration_ms,
    resample_pcm16,
    rms_dbfs,
    to_pcm16,
)
from rtvoice.simulator import SpeechDecoder, decode_speech, encode_speech, transcribe

FORMATS: tuple[AudioFormatName, ...] = ("pcm16", "g711_ulaw", "g711_alaw")
RATES = (8_000, 16_000, 24_000)
TEXTS = (
    "hello",
    "",
    " ",
    "Turn left at the next corner, then 200 m straight on.",
    "\x00\x01\n\t\x7f",
    "naïve café, Grüße, ½ · ¿qué? ñ",
    "東京までの切符を二枚ください",
    "🎉👩‍🚀 \U0010ffff",
)


def pack(samples: list[int]) -> bytes:
    return struct.pack(f"<{len(samples)}h", *samples)


def unpack(pcm16: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(pcm16) // 2}h", pcm16))


def silence(ms: int, rate: int) -> bytes:
    return bytes(2 * (rate * ms // 1000))


SPEECH_RMS = 32768 * 10 ** (-20 / 20)
"""The RMS of encode_speech audio (-20 dBFS)."""


def channel(
    pcm16: bytes, *, gain: float = 1.0, snr_db: float | None = None, seed: int = 0
) -> bytes:
    """Scale, add white noise ``snr_db`` below the scaled speech level, and clip to 16 bits."""
    sigma = 0.0 if snr_db is None else gain * SPEECH_RMS / 10 ** (snr_db / 20)
    gauss = random.Random(seed).gauss
    return pack(
        [
            max(-32768, min(32767, round(s * gain + (gauss(0, sigma) if sigma else 0))))
            for s in unpack(pcm16)
        ]
    )


def noise(ms: int, rate: int, level: float, seed: int) -> bytes:
    gauss = random.Random(seed).gauss
    count = rate * ms // 1000
    return pack([max(-32768, min(32767, round(gauss(0, level)))) for _ in range(count)])


def feed_in_chunks(decoder: SpeechDecoder, pcm16: bytes, sizes: list[int]) -> list[str]:
    """Feed cycling through ``sizes``; return every delta, the flush last."""
    deltas, position, turn = [], 0, 0
    while position < len(pcm16):
        size = sizes[turn % len(sizes)]
        deltas.append(decoder.feed(pcm16[position : position + size]))
        position, turn = position + size, turn + 1
    deltas.append(decoder.flush())
    return deltas


# -- public surface ---------------------------------------------------------------------------


def test_all_is_sorted_and_exported() -> None:
    assert rtvoice.simulator.__all__ == sorted(rtvoice.simulator.__all__)
    for name in rtvoice.simulator.__all__:
        assert hasattr(rtvoice.simulator, name)


# -- the encoder ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", TEXTS)
def test_round_trip_in_every_wire_format(text: str, fmt: AudioFormatName) -> None:
    assert decode_speech(encode_speech(text, fmt), fmt) == text


@pytest.mark.parametrize("fmt", FORMATS)
def test_duration_is_150_ms_of_framing_plus_60_ms_per_utf8_byte(fmt: AudioFormatName) -> None:
    for text in ("", "hello", "héllo", "🎉"):
        audio = encode_speech(text, fmt)
        assert duration_ms(len(audio), fmt) == 150 + 60 * len(text.encode())
    # 16.7 ASCII characters per second: about the pace of speech.
    assert duration_ms(len(encode_speech("x" * 50)), "pcm16") == 3_150


def test_level_is_like_speech_with_no_silence_inside_and_soft_edges() -> None:
    audio = encode_speech("a sentence of ordinary length, said at an ordinary level")
    assert rms_dbfs(audio) == pytest.approx(-20.0, abs=0.2)
    frame = bytes_for_ms(10, "pcm16")
    levels = [rms_dbfs(audio[i : i + frame]) for i in range(0, len(audio), frame)]
    assert min(levels) > -30  # every 10 ms frame is voiced: a VAD never hears a gap
    samples = unpack(audio)
    assert abs(samples[0]) < 50  # faded in and out: no click at either end
    assert abs(samples[-1]) < 50
    assert max(abs(s) for s in samples) < 5_000  # -17 dBFS peak: gain x2 does not clip


def test_encoding_is_deterministic() -> None:
    assert encode_speech("same text", "g711_ulaw") == encode_speech("same text", "g711_ulaw")
    assert encode_speech("same text") != encode_speech("same test")


def test_bad_format_is_a_user_error() -> None:
    with pytest.raises(UserError):
        encode_speech("hi", "mp3")  # type: ignore[arg-type]
    with pytest.raises(UserError):
        SpeechDecoder(0)


# -- the decoder: what it must survive --------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("rate", RATES)
def test_decodes_at_another_rate_after_resampling(fmt: AudioFormatName, rate: int) -> None:
    text = "resampled: ÀÉÎ"
    pcm16, native = to_pcm16(encode_speech(text, fmt), fmt)
    assert transcribe(resample_pcm16(pcm16, native, rate), rate) == text


@pytest.mark.parametrize("gain", [0.05, 0.25, 0.5, 2.0, 8.0])
def test_gain_and_clipping(gain: float) -> None:
    text = "loud and soft"
    assert transcribe(channel(encode_speech(text), gain=gain), 24_000) == text


def test_white_noise_at_10_db_snr() -> None:
    text = "noisy line 🙂"
    pcm16, _ = to_pcm16(encode_speech(text, "g711_alaw"), "g711_alaw")
    for seed in range(3):
        assert transcribe(channel(pcm16, snr_db=10, seed=seed), 8_000) == text


def test_dc_offset() -> None:
    shifted = pack([s + 5_000 for s in unpack(encode_speech("offset"))])
    assert transcribe(shifted, 24_000) == "offset"


@pytest.mark.parametrize("lead_ms", [0, 1, 7, 300, 2_000])
def test_leading_and_trailing_silence_or_noise(lead_ms: int) -> None:
    text = "padded"
    speech = encode_speech(text, "g711_ulaw")
    pcm16, _ = to_pcm16(speech, "g711_ulaw")
    quiet = silence(lead_ms, 8_000)
    assert transcribe(quiet + pcm16 + quiet, 8_000) == text
    hiss = noise(lead_ms, 8_000, level=100, seed=lead_ms)
    assert transcribe(hiss + pcm16 + hiss, 8_000) == text


def test_silence_decodes_to_nothing() -> None:
    assert transcribe(b"", 24_000) == ""
    assert transcribe(silence(3_000, 16_000), 16_000) == ""


@pytest.mark.parametrize("level", [1.0, 30.0, 300.0, 3_000.0, 20_000.0])
def test_noise_alone_decodes_to_nothing(level: float) -> None:
    assert transcribe(noise(3_000, 8_000, level, seed=int(level)), 8_000) == ""


def test_a_plain_tone_decodes_to_nothing() -> None:
    hum = pack([round(3_000 * math.sin(2 * math.pi * 650 * n / 8_000)) for n in range(16_000)])
    assert transcribe(hum, 8_000) == ""


# -- several utterances, streaming ------------------------------------------------------------


def test_utterances_separated_by_silence_join_with_one_space() -> None:
    gap = silence(400, 24_000)
    stream = gap.join([encode_speech("first"), encode_speech(""), encode_speech("second one")])
    assert transcribe(stream, 24_000) == "first second one"
    # Back to back, with no silence between them, they still split.
    assert transcribe(encode_speech("a") + encode_speech("b"), 24_000) == "a b"
    # The space is added even when a text already ends with one.
    assert transcribe(encode_speech("x ") + gap + encode_speech(" y"), 24_000) == "x   y"


def test_feed_returns_text_as_it_arrives() -> None:
    text = "streaming deltas"
    audio = encode_speech(text)
    decoder = SpeechDecoder(24_000)
    chunk = bytes_for_ms(20, "pcm16")
    deltas = feed_in_chunks(decoder, audio, [chunk])
    assert "".join(deltas) == text
    assert sum(1 for delta in deltas if delta) >= len(text) // 2  # many small deltas
    assert deltas[-1] == ""  # the end marker was read before the stream ended
    halfway = decoder.feed(audio[: len(audio) // 2])
    assert 0 < len(halfway) < len(text)
    assert text.startswith(halfway)
    assert decoder.in_utterance
    assert halfway + decoder.feed(audio[len(audio) // 2 :]) == text
    assert not decoder.in_utterance
    assert decoder.flush() == ""


@pytest.mark.parametrize("rate", RATES)
def test_one_byte_chunks_split_samples(rate: int) -> None:
    audio = resample_pcm16(silence(33, 24_000) + encode_speech("ok ✓"), 24_000, rate)
    decoder = SpeechDecoder(rate)
    assert "".join(feed_in_chunks(decoder, audio, [1])) == "ok ✓"
    assert "".join(feed_in_chunks(decoder, audio, [3, 1_001, 2])) == "ok ✓"


def test_a_cut_utterance_yields_what_was_said_before_the_cut() -> None:
    audio = encode_speech("interrupted sentence")
    cut = audio[: bytes_for_ms(150 + 60 * 11 + 10, "pcm16")]  # 11 bytes and a bit
    assert transcribe(cut, 24_000) == "interrupted"
    assert transcribe(cut + silence(500, 24_000) + encode_speech("next"), 24_000) == (
        "interrupted next"
    )
    assert transcribe(cut[: bytes_for_ms(100, "pcm16")], 24_000) == ""  # preamble only


def test_flush_resets_for_a_new_stream() -> None:
    decoder = SpeechDecoder(24_000)
    assert decoder.feed(encode_speech("one")) + decoder.flush() == "one"
    assert decoder.feed(encode_speech("two")) + decoder.flush() == "two"  # no leading space


def test_decoding_is_cheap() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 2
    audio = encode_speech(text)
    seconds = duration_ms(len(audio), "pcm16") / 1000
    started = time.process_time()
    assert transcribe(audio, 24_000) == text
    per_second = (time.process_time() - started) / seconds
    assert per_second < 0.25  # measured about 0.02 s per second of 24 kHz audio


# -- property: any text through any channel ---------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(max_size=20),
    fmt=st.sampled_from(FORMATS),
    rate=st.sampled_from(RATES),
    gain=st.floats(0.25, 2.0),
    snr_db=st.none() | st.just(20.0),
    seed=st.integers(0, 2**32 - 1),
    lead_ms=st.integers(0, 400),
    trail_ms=st.integers(0, 400),
    small_chunks=st.lists(st.integers(1, 600), max_size=4),
    big_chunk=st.integers(2_000, 9_600),
)
def test_any_text_survives_any_channel(
    text: str,
    fmt: AudioFormatName,
    rate: int,
    gain: float,
    snr_db: float | None,
    seed: int,
    lead_ms: int,
    trail_ms: int,
    small_chunks: list[int],
    big_chunk: int,
) -> None:
    pcm16, native = to_pcm16(encode_speech(text, fmt), fmt)
    pcm16 = resample_pcm16(pcm16, native, rate)
    pcm16 = channel(
        silence(lead_ms, rate) + pcm16 + silence(trail_ms, rate),
        gain=gain,
        snr_db=snr_db,
        seed=seed,
    )
    deltas = feed_in_chunks(SpeechDecoder(rate), pcm16, [*small_chunks, big_chunk])
    assert "".join(deltas) == text
