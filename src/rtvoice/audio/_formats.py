"""The three wire audio formats and their byte math.

PCM16 is signed 16-bit little-endian mono at 24 kHz (48 bytes per millisecond); G.711 mu-law
and A-law are 8-bit mono at 8 kHz (8 bytes per millisecond). There is no container: a buffer
is raw samples, so its duration follows from its length alone.
"""

from __future__ import annotations

import math
from typing import Literal, TypeAlias, get_args

from ..errors import UserError

__all__ = [
    "AudioFormatName",
    "bytes_for_ms",
    "bytes_per_ms",
    "bytes_per_sample",
    "duration_ms",
    "sample_rate",
]

AudioFormatName: TypeAlias = Literal["pcm16", "g711_ulaw", "g711_alaw"]
"""The wire names of the audio formats (the beta names; GA ``audio/pcm``, ``audio/pcmu`` and
``audio/pcma`` map to them one to one)."""

_FORMATS: frozenset[str] = frozenset(get_args(AudioFormatName))

_SAMPLE_RATE: dict[str, int] = {"pcm16": 24_000, "g711_ulaw": 8_000, "g711_alaw": 8_000}
_BYTES_PER_SAMPLE: dict[str, int] = {"pcm16": 2, "g711_ulaw": 1, "g711_alaw": 1}


def _check(fmt: str) -> None:
    if fmt not in _FORMATS:
        raise UserError(f"unknown audio format {fmt!r}; expected one of {sorted(_FORMATS)}")


def sample_rate(fmt: AudioFormatName) -> int:
    """The sample rate of a wire format in Hz: 24 000 for PCM16, 8 000 for G.711.

    Raises:
        UserError: ``fmt`` is not a known format name.
    """
    _check(fmt)
    return _SAMPLE_RATE[fmt]


def bytes_per_sample(fmt: AudioFormatName) -> int:
    """The size of one (mono) sample: 2 bytes for PCM16, 1 byte for G.711.

    Raises:
        UserError: ``fmt`` is not a known format name.
    """
    _check(fmt)
    return _BYTES_PER_SAMPLE[fmt]


def bytes_per_ms(fmt: AudioFormatName) -> int:
    """How many bytes one millisecond of audio takes: 48 for PCM16, 8 for G.711.

    Raises:
        UserError: ``fmt`` is not a known format name.
    """
    _check(fmt)
    return _SAMPLE_RATE[fmt] * _BYTES_PER_SAMPLE[fmt] // 1000


def duration_ms(num_bytes: int, fmt: AudioFormatName) -> float:
    """The duration of ``num_bytes`` of audio in ``fmt``, in milliseconds.

    This is the math for ``audio_end_ms``: ``bytes / 48`` for PCM16 and
    ``bytes / 8`` for G.711. A trailing partial PCM16 sample counts pro rata.

    Raises:
        UserError: ``fmt`` is not a known format name, or ``num_bytes`` is negative.
    """
    if num_bytes < 0:
        raise UserError(f"num_bytes must not be negative, got {num_bytes}")
    return num_bytes / bytes_per_ms(fmt)


def bytes_for_ms(ms: float, fmt: AudioFormatName) -> int:
    """How many bytes hold ``ms`` milliseconds of ``fmt``, rounded down to whole samples.

    Raises:
        UserError: ``fmt`` is not a known format name, or ``ms`` is negative.
    """
    if ms < 0:
        raise UserError(f"ms must not be negative, got {ms}")
    # A millionth of a sample of slack, so float error (14.0833... ms of PCM16 is 337.99999...
    # samples in binary) never costs a whole sample.
    samples = math.floor(ms * sample_rate(fmt) / 1000 + 1e-6)
    return samples * _BYTES_PER_SAMPLE[fmt]
