"""The audio toolkit: format byte math, G.711, conversion and levels (resampling has its own
file, test_audio_resample.py)."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rtvoice.audio
from rtvoice import UserError
from rtvoice.audio import (
    alaw_decode,
    alaw_encode,
    bytes_for_ms,
    bytes_per_ms,
    bytes_per_sample,
    duration_ms,
    from_pcm16,
    rms_dbfs,
    sample_rate,
    to_pcm16,
    ulaw_decode,
    ulaw_encode,
)


def pack(samples: list[int]) -> bytes:
    return struct.pack(f"<{len(samples)}h", *samples)


def unpack(pcm16: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(pcm16) // 2}h", pcm16))


def sine(frequency: float, rate: int, count: int, amplitude: float = 10_000.0) -> bytes:
    step = 2 * math.pi * frequency / rate
    return pack([round(amplitude * math.sin(step * n)) for n in range(count)])


def tone_level(samples: list[int], frequency: float, rate: int) -> float:
    """Amplitude of one frequency in the samples (Goertzel), in sample units."""
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for sample in samples:
        s1, s2 = sample + coefficient * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return 2 * math.sqrt(max(power, 0.0)) / len(samples)


# -- public surface ---------------------------------------------------------------------------


def test_all_is_sorted_and_exported() -> None:
    assert rtvoice.audio.__all__ == sorted(rtvoice.audio.__all__)
    for name in rtvoice.audio.__all__:
        assert hasattr(rtvoice.audio, name)


# -- formats ----------------------------------------------------------------------------------


def test_format_constants_follow_protocol_section_9() -> None:
    assert [sample_rate(f) for f in ("pcm16", "g711_ulaw", "g711_alaw")] == [24_000, 8_000, 8_000]
    assert [bytes_per_ms(f) for f in ("pcm16", "g711_ulaw", "g711_alaw")] == [48, 8, 8]
    assert [bytes_per_sample(f) for f in ("pcm16", "g711_ulaw", "g711_alaw")] == [2, 1, 1]


def test_duration_and_bytes_of_the_minimum_commit() -> None:
    assert duration_ms(4_800, "pcm16") == 100.0
    assert duration_ms(800, "g711_ulaw") == 100.0
    assert duration_ms(960, "pcm16") == 20.0
    assert duration_ms(1, "pcm16") == pytest.approx(1 / 48)
    assert bytes_for_ms(100, "pcm16") == 4_800
    assert bytes_for_ms(20, "g711_alaw") == 160


def test_bytes_for_ms_rounds_down_to_whole_samples() -> None:
    assert bytes_for_ms(0.3, "pcm16") == 14  # 7.2 samples
    assert bytes_for_ms(0.3, "g711_ulaw") == 2  # 2.4 samples
    assert bytes_for_ms(0.125, "g711_ulaw") == 1  # exactly one sample
    assert bytes_for_ms(0, "pcm16") == 0


@given(samples=st.integers(0, 10**7), fmt=st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw"]))
def test_bytes_for_ms_inverts_duration_ms(samples: int, fmt: rtvoice.audio.AudioFormatName) -> None:
    num_bytes = samples * bytes_per_sample(fmt)
    assert bytes_for_ms(duration_ms(num_bytes, fmt), fmt) == num_bytes


def test_bad_format_and_negative_sizes_are_user_errors() -> None:
    with pytest.raises(UserError, match="unknown audio format"):
        sample_rate("opus")  # type: ignore[arg-type]
    with pytest.raises(UserError):
        duration_ms(-1, "pcm16")
    with pytest.raises(UserError):
        bytes_for_ms(-0.5, "pcm16")


# -- G.711 ------------------------------------------------------------------------------------


def reference_ulaw(x: int) -> int:
    """ITU-T G.191 ``ulaw_compress`` for one sample, transcribed literally."""
    absno = ((~x) >> 2) + 33 if x < 0 else (x >> 2) + 33
    absno = min(absno, 0x1FFF)
    i, segno = absno >> 6, 1
    while i:
        segno += 1
        i >>= 1
    code = ((8 - segno) << 4) | (15 - ((absno >> segno) & 0x0F))
    return code | 0x80 if x >= 0 else code


def reference_alaw(x: int) -> int:
    """ITU-T G.191 ``alaw_compress`` for one sample, transcribed literally."""
    ix = (~x) >> 4 if x < 0 else x >> 4
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix += (iexp << 4) - 16
    if x >= 0:
        ix |= 0x80
    return ix ^ 0x55


ALL_SAMPLES = list(range(-32768, 32768))


def test_ulaw_encoder_matches_the_reference_for_every_sample() -> None:
    assert ulaw_encode(pack(ALL_SAMPLES)) == bytes(map(reference_ulaw, ALL_SAMPLES))


def test_alaw_encoder_matches_the_reference_for_every_sample() -> None:
    assert alaw_encode(pack(ALL_SAMPLES)) == bytes(map(reference_alaw, ALL_SAMPLES))


def test_ulaw_known_values() -> None:
    assert unpack(ulaw_decode(bytes([0xFF, 0x7F, 0x80, 0x00, 0xFE, 0x7E, 0xEF, 0x8F]))) == [
        0,
        0,  # negative zero
        32124,
        -32124,
        8,
        -8,
        132,  # end of the first segment: 16 steps of 8, plus half a step, minus the bias
        16764,
    ]
    assert ulaw_encode(pack([0, -1, 1, -4, -5, 32767, -32768, 8159 * 4])) == bytes(
        [0xFF, 0x7F, 0xFF, 0x7F, 0x7E, 0x80, 0x00, 0x80]
    )


def test_alaw_known_values() -> None:
    assert unpack(alaw_decode(bytes([0xD5, 0x55, 0xAA, 0x2A, 0xD4, 0xC5, 0xF5]))) == [
        8,
        -8,
        32256,
        -32256,
        24,
        264,  # first step of segment 1 above the linear part
        528,  # first step of segment 2
    ]
    assert alaw_encode(pack([0, -1, 15, -16, -17, 32767, -32768, 256])) == bytes(
        [0xD5, 0x55, 0xD5, 0x55, 0x54, 0xAA, 0x2A, 0xC5]
    )


def test_decoding_every_code_and_encoding_it_again_gives_the_code_back() -> None:
    codes = bytes(range(256))
    assert alaw_encode(alaw_decode(codes)) == codes
    # Mu-law has two zeros; the negative one (0x7F) comes back as the positive one.
    assert ulaw_encode(ulaw_decode(codes)) == codes.replace(b"\x7f", b"\xff")


def test_round_trip_error_is_at_most_half_a_step_of_the_segment() -> None:
    pcm16 = pack(ALL_SAMPLES)
    ulaw = ulaw_encode(pcm16)
    for x, code, y in zip(ALL_SAMPLES, ulaw, unpack(ulaw_decode(ulaw)), strict=True):
        segment = ((~code) >> 4) & 7
        if abs(x) <= 32635:  # above, the encoder clips at the top level (32124)
            assert abs(y - x) <= 4 << segment, (x, y)
        else:
            assert y == math.copysign(32124, x)
    alaw = alaw_encode(pcm16)
    for x, code, y in zip(ALL_SAMPLES, alaw, unpack(alaw_decode(alaw)), strict=True):
        segment = ((code ^ 0x55) >> 4) & 7
        assert abs(y - x) <= 8 << max(segment - 1, 0), (x, y)


def test_g711_sizes_and_odd_input() -> None:
    assert len(ulaw_encode(bytes(960))) == 480
    assert len(alaw_decode(bytes(160))) == 320
    assert ulaw_encode(b"") == b"" == alaw_decode(b"")
    with pytest.raises(UserError, match="even number of bytes"):
        ulaw_encode(b"\x00\x00\x00")
    with pytest.raises(UserError):
        alaw_encode(b"\x01")


# -- conversion -------------------------------------------------------------------------------


def test_to_and_from_pcm16() -> None:
    pcm24 = sine(1_000, 24_000, 2_400)  # 100 ms
    assert to_pcm16(pcm24, "pcm16") == (pcm24, 24_000)
    assert from_pcm16(pcm24, 24_000, "pcm16") == pcm24
    for fmt in ("g711_ulaw", "g711_alaw"):
        wire = from_pcm16(pcm24, 24_000, fmt)
        assert len(wire) == bytes_for_ms(100, fmt) == 800
        pcm8, rate = to_pcm16(wire, fmt)
        assert (len(pcm8), rate) == (1_600, 8_000)
        assert tone_level(unpack(pcm8), 1_000, 8_000) == pytest.approx(10_000, rel=0.06)
        back, rate = to_pcm16(wire, fmt, rate=24_000)
        assert (len(back), rate) == (len(pcm24), 24_000)
    assert to_pcm16(ulaw_encode(pack([0, 1000])), "g711_ulaw") == (ulaw_decode(b"\xff\xce"), 8000)


# -- level ------------------------------------------------------------------------------------


def test_rms_dbfs() -> None:
    assert rms_dbfs(b"") == -math.inf
    assert rms_dbfs(bytes(480)) == -math.inf
    assert rms_dbfs(pack([-32768] * 10)) == 0.0
    assert rms_dbfs(sine(1_000, 8_000, 8_000, amplitude=32767)) == pytest.approx(-3.01, abs=0.01)
    full = rms_dbfs(sine(1_000, 8_000, 800, amplitude=20_000))
    half = rms_dbfs(sine(1_000, 8_000, 800, amplitude=10_000))
    assert full - half == pytest.approx(6.02, abs=0.01)
    assert rms_dbfs(pack([1, -1])) == pytest.approx(-90.3, abs=0.1)
    with pytest.raises(UserError):
        rms_dbfs(b"\x00\x00\x00")
