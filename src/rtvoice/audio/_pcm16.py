"""PCM16 buffers as sample arrays, and their level.

PCM16 on the wire is signed 16-bit little-endian; :class:`array.array` uses
the machine's byte order, so the conversions swap bytes on big-endian hosts.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Iterable
from operator import mul

from ..errors import UserError

__all__ = ["pcm16_to_samples", "rms_dbfs", "samples_to_pcm16"]

_BIG_ENDIAN = sys.byteorder == "big"
_FULL_SCALE_ENERGY = 32768.0 * 32768.0


def pcm16_to_samples(pcm16: bytes) -> array[int]:
    """Unpack PCM16 little-endian bytes into an ``array('h')`` of samples.

    Raises:
        UserError: the buffer holds a partial sample (odd length).
    """
    if len(pcm16) % 2:
        raise UserError(f"PCM16 audio must have an even number of bytes, got {len(pcm16)}")
    samples = array("h")
    samples.frombytes(pcm16)
    if _BIG_ENDIAN:
        samples.byteswap()
    return samples


def samples_to_pcm16(samples: Iterable[int]) -> bytes:
    """Pack samples (each within -32768..32767) into PCM16 little-endian bytes.

    Raises:
        OverflowError: a sample does not fit in 16 bits (clip first).
    """
    packed = array("h", samples)
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def rms_dbfs(pcm16: bytes) -> float:
    """The RMS level of a PCM16 buffer in dB relative to full scale.

    0 dBFS is a square wave at full scale (RMS 32768); a full-scale sine is about -3 dBFS and
    ordinary speech sits around -20 to -30 dBFS. Use it over short frames (10-30 ms) as the
    energy measure of a voice activity detector.

    Returns:
        The level in dBFS, or ``-inf`` for an empty buffer or digital silence.

    Raises:
        UserError: the buffer holds a partial sample (odd length).
    """
    samples = pcm16_to_samples(pcm16)
    energy = sum(map(mul, samples, samples))
    if not energy:
        return -math.inf
    return 10.0 * math.log10(energy / (len(samples) * _FULL_SCALE_ENERGY))
