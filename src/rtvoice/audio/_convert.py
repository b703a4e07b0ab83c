"""Conversion between the wire formats and PCM16 at any sample rate."""

from __future__ import annotations

from ._formats import AudioFormatName, sample_rate
from ._g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from ._resample import resample_pcm16

__all__ = ["from_pcm16", "to_pcm16"]


def to_pcm16(data: bytes, fmt: AudioFormatName, *, rate: int | None = None) -> tuple[bytes, int]:
    """Decode wire audio to PCM16 little-endian.

    Args:
        data: Audio in the wire format ``fmt``.
        fmt: The wire format of ``data``.
        rate: The sample rate wanted; by default the format's own (24 kHz for PCM16, 8 kHz for
            G.711), which involves no resampling.

    Returns:
        The PCM16 bytes and their sample rate in Hz.

    Raises:
        UserError: ``fmt`` is unknown, ``rate`` is not a positive integer, or PCM16 ``data``
            has an odd length.
    """
    native = sample_rate(fmt)
    if fmt == "g711_ulaw":
        pcm16 = ulaw_decode(data)
    elif fmt == "g711_alaw":
        pcm16 = alaw_decode(data)
    else:
        pcm16 = bytes(data)
    if rate is None:
        rate = native
    return resample_pcm16(pcm16, native, rate), rate


def from_pcm16(pcm16: bytes, rate: int, fmt: AudioFormatName) -> bytes:
    """Encode PCM16 little-endian audio at ``rate`` Hz as wire format ``fmt``.

    The audio is resampled to the format's rate first when ``rate`` differs from it.

    Raises:
        UserError: ``fmt`` is unknown, ``rate`` is not a positive integer, or ``pcm16`` has an
            odd length.
    """
    native_pcm16 = resample_pcm16(pcm16, rate, sample_rate(fmt))
    if fmt == "g711_ulaw":
        return ulaw_encode(native_pcm16)
    if fmt == "g711_alaw":
        return alaw_encode(native_pcm16)
    return native_pcm16
