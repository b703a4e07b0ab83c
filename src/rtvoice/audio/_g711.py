"""ITU-T G.711 mu-law and A-law, bit-exact with the ITU reference code (G.191 ``g711.c``).

Encoding maps each 16-bit sample through a 65 536-entry table; decoding maps each byte through
two 256-entry tables (low and high byte of the little-endian result). Both tables are built at
import from the segment end points in well under a millisecond, and the per-sample work then
runs in C (``bytes.translate`` and ``map`` over an ``array``).

The reference quantisers, which the tables reproduce exactly:

* mu-law keeps the top 14 bits (``x >> 2``; ``~x >> 2`` for negatives, so -1 maps to the
  negative zero ``0x7F``), adds the bias 33 and clips at 8 191; the code is the inverted
  segment and mantissa. ``0xFF`` and ``0x7F`` decode to 0, ``0x80`` / ``0x00`` to
  +32 124 / -32 124.
* A-law keeps the top 12 bits (``x >> 4``; ``~x >> 4`` for negatives) and toggles the even
  bits (``^ 0x55``). ``0xD5`` / ``0x55`` decode to +8 / -8, ``0xAA`` / ``0x2A`` to
  +32 256 / -32 256.
"""

from __future__ import annotations

import sys
from array import array

from ..errors import UserError

__all__ = ["alaw_decode", "alaw_encode", "ulaw_decode", "ulaw_encode"]

_BIG_ENDIAN = sys.byteorder == "big"
_FLIP_SIGN_BIT = bytes(code ^ 0x80 for code in range(256))


def _ulaw_segment_start(level: int) -> int:
    """The smallest non-negative sample whose mu-law magnitude level is ``level`` (0..127)."""
    if level == 0:
        return 0
    segment, mantissa = divmod(level, 16)
    biased = (16 + mantissa) << (segment + 1)  # |x| >> 2, plus the bias 33
    return 4 * (biased - 33)


def _alaw_segment_start(level: int) -> int:
    """The smallest non-negative sample whose A-law magnitude level is ``level`` (0..127)."""
    segment, mantissa = divmod(level, 16)
    top12 = level if segment < 2 else (16 + mantissa) << (segment - 1)  # |x| >> 4
    return 16 * top12


def _encode_table(level_start: list[int], positive_code: list[int]) -> bytes:
    """The 65 536-entry encoder, indexed by the sample as an unsigned 16-bit number.

    Args:
        level_start: For each of the 128 magnitude levels, its first non-negative sample.
        positive_code: For each level, the code of a non-negative sample at that level.
    """
    bounds = [*level_start, 32768]
    positive = b"".join(
        bytes((positive_code[level],)) * (bounds[level + 1] - bounds[level]) for level in range(128)
    )
    # A negative sample x is quantised like ~x = -x - 1 (ones' complement) with the sign bit
    # cleared; as unsigned indices 32768..65535 the negatives run from ~x = 32767 down to 0.
    return positive + positive[::-1].translate(_FLIP_SIGN_BIT)


def _decode_tables(values: list[int]) -> tuple[bytes, bytes]:
    """Two ``bytes.translate`` tables: the low and the high byte of each decoded sample."""
    unsigned = [value & 0xFFFF for value in values]
    return bytes(v & 0xFF for v in unsigned), bytes(v >> 8 for v in unsigned)


def _ulaw_value(code: int) -> int:
    inverted = ~code & 0xFF
    exponent, mantissa = (inverted >> 4) & 0x07, inverted & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return magnitude if code & 0x80 else -magnitude


def _alaw_value(code: int) -> int:
    toggled = (code ^ 0x55) & 0x7F
    exponent, mantissa = toggled >> 4, toggled & 0x0F
    if exponent:
        mantissa += 16
    magnitude = (mantissa << 4) + 8
    if exponent > 1:
        magnitude <<= exponent - 1
    return magnitude if code & 0x80 else -magnitude


_ULAW_ENCODE = _encode_table(
    [_ulaw_segment_start(level) for level in range(128)],
    [0xFF - level for level in range(128)],
)
_ALAW_ENCODE = _encode_table(
    [_alaw_segment_start(level) for level in range(128)],
    [(level | 0x80) ^ 0x55 for level in range(128)],
)
_ULAW_LOW, _ULAW_HIGH = _decode_tables([_ulaw_value(code) for code in range(256)])
_ALAW_LOW, _ALAW_HIGH = _decode_tables([_alaw_value(code) for code in range(256)])


def _unsigned_samples(pcm16: bytes) -> array[int]:
    if len(pcm16) % 2:
        raise UserError(f"PCM16 audio must have an even number of bytes, got {len(pcm16)}")
    samples = array("H")
    samples.frombytes(pcm16)
    if _BIG_ENDIAN:
        samples.byteswap()
    return samples


def _decode(data: bytes, low: bytes, high: bytes) -> bytes:
    pcm16 = bytearray(2 * len(data))
    pcm16[0::2] = data.translate(low)
    pcm16[1::2] = data.translate(high)
    return bytes(pcm16)


def ulaw_encode(pcm16: bytes) -> bytes:
    """Encode PCM16 little-endian samples as G.711 mu-law, one byte per sample.

    Raises:
        UserError: the buffer holds a partial sample (odd length).
    """
    return bytes(map(_ULAW_ENCODE.__getitem__, _unsigned_samples(pcm16)))


def ulaw_decode(data: bytes) -> bytes:
    """Decode G.711 mu-law bytes to PCM16 little-endian, two bytes per input byte."""
    return _decode(data, _ULAW_LOW, _ULAW_HIGH)


def alaw_encode(pcm16: bytes) -> bytes:
    """Encode PCM16 little-endian samples as G.711 A-law, one byte per sample.

    Raises:
        UserError: the buffer holds a partial sample (odd length).
    """
    return bytes(map(_ALAW_ENCODE.__getitem__, _unsigned_samples(pcm16)))


def alaw_decode(data: bytes) -> bytes:
    """Decode G.711 A-law bytes to PCM16 little-endian, two bytes per input byte."""
    return _decode(data, _ALAW_LOW, _ALAW_HIGH)
