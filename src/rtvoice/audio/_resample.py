"""Sample-rate conversion of PCM16 audio, whole buffers or streaming, at two qualities.

* ``"high"``: libsoxr through python-soxr (the ``audio`` extra, :mod:`._soxr`), an
  anti-aliasing filter with more than 100 dB of alias and image rejection and a flat passband
  up to 91 % of the lower Nyquist frequency.
* ``"linear"``: the built-in converter (:mod:`._linear`), pure Python: linear interpolation
  with a moving-average pre-filter, which lets aliases and images through (``docs/audio.md``).
* ``"auto"`` (the default): ``"high"`` when python-soxr is installed, else ``"linear"``.

Both keep time exactly (output sample ``j`` at input time ``j / dst_rate``) and both give
``ceil(n * dst_rate / src_rate)`` output samples for ``n`` input samples, so a stream
converted at either quality lasts as long.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from ..errors import UserError
from ._linear import SampleResampler
from ._pcm16 import pcm16_to_samples, samples_to_pcm16
from ._soxr import SoxrStream, load_soxr, resample_whole

__all__ = ["ResampleQuality", "Resampler", "SampleResampler", "resample_pcm16"]

ResampleQuality: TypeAlias = Literal["auto", "high", "linear"]
"""Which converter to use: ``"high"`` (python-soxr, the ``audio`` extra), ``"linear"`` (built
in, pure Python), or ``"auto"``: high when the extra is installed, linear otherwise."""

_QUALITIES = ("auto", "high", "linear")


def _check_rates(src_rate: int, dst_rate: int) -> None:
    for name, rate in (("src_rate", src_rate), ("dst_rate", dst_rate)):
        if not isinstance(rate, int) or isinstance(rate, bool) or rate <= 0:
            raise UserError(f"{name} must be a positive integer (Hz), got {rate!r}")


def _choose(quality: str) -> Literal["high", "linear"]:
    if quality == "linear":
        return "linear"
    if quality == "high":
        load_soxr()  # fails now, with the extra's name, rather than at the first chunk
        return "high"
    if quality == "auto":
        try:
            load_soxr()
        except UserError:
            return "linear"
        return "high"
    raise UserError(f"unknown resampling quality {quality!r}; expected one of {_QUALITIES}")


class Resampler:
    """Streaming sample-rate converter for PCM16 little-endian bytes.

    Chunks may have any length, odd byte counts included (the half sample waits for the next
    chunk). The concatenated output of every :meth:`process` call plus :meth:`flush` equals
    ``resample_pcm16`` of the whole input at the same quality, sample for sample, however the
    input was chunked. At ``"high"`` quality the output comes in blocks (libsoxr's): a call
    may return nothing while the filter gathers input, and the next one more.

    Example::

        resampler = Resampler(24_000, 8_000)
        for chunk in chunks:
            send(resampler.process(chunk))
        send(resampler.flush())
    """

    __slots__ = ("_high", "_linear", "_pending_byte", "dst_rate", "quality", "src_rate")

    def __init__(self, src_rate: int, dst_rate: int, *, quality: ResampleQuality = "auto") -> None:
        """Create a converter from ``src_rate`` to ``dst_rate`` (Hz).

        Args:
            src_rate: The input sample rate in Hz.
            dst_rate: The output sample rate in Hz.
            quality: ``"high"``, ``"linear"`` or ``"auto"`` (see :data:`ResampleQuality`).

        Raises:
            UserError: a rate is not a positive integer, ``quality`` is unknown, or it is
                ``"high"`` and python-soxr is not installed (the message names the extra).
        """
        _check_rates(src_rate, dst_rate)
        chosen = _choose(quality)
        self.src_rate = src_rate
        """The input sample rate in Hz."""
        self.dst_rate = dst_rate
        """The output sample rate in Hz."""
        self.quality: Literal["high", "linear"] = chosen
        """The converter in use: ``"high"`` (python-soxr) or ``"linear"`` (built in)."""
        same = src_rate == dst_rate
        self._high = SoxrStream(src_rate, dst_rate) if chosen == "high" and not same else None
        self._linear = SampleResampler(src_rate, dst_rate) if chosen == "linear" else None
        self._pending_byte = b""

    def process(self, pcm16: bytes) -> bytes:
        """Convert the next chunk; returns the PCM16 output that is now determined."""
        data = self._pending_byte + pcm16 if self._pending_byte else pcm16
        whole = len(data) & ~1
        self._pending_byte = bytes(data[whole:])
        if self._linear is not None:
            return samples_to_pcm16(self._linear.process(pcm16_to_samples(data[:whole])))
        if self._high is not None:
            return self._high.process(data[:whole])
        return bytes(data[:whole])  # equal rates at high quality: nothing to filter

    def flush(self) -> bytes:
        """End the stream and return the last output; the converter then starts a new stream.

        A dangling half sample (an odd total byte count) is dropped.
        """
        self._pending_byte = b""
        if self._linear is not None:
            return samples_to_pcm16(self._linear.flush())
        if self._high is not None:
            return self._high.flush()
        return b""


def resample_pcm16(
    pcm16: bytes, src_rate: int, dst_rate: int, *, quality: ResampleQuality = "auto"
) -> bytes:
    """Convert a whole PCM16 little-endian buffer from ``src_rate`` to ``dst_rate`` (Hz).

    Args:
        pcm16: The samples.
        src_rate: Their sample rate in Hz.
        dst_rate: The sample rate wanted in Hz.
        quality: ``"high"``, ``"linear"`` or ``"auto"`` (see :data:`ResampleQuality`).

    Returns:
        ``ceil(n * dst_rate / src_rate)`` samples for ``n`` input samples; the input itself
        (as ``bytes``) when the rates are equal, at any quality (python-soxr is then not
        needed).

    Raises:
        UserError: a rate is not a positive integer, the buffer has an odd length,
            ``quality`` is unknown, or it is ``"high"``, the rates differ and python-soxr is
            not installed.
    """
    if len(pcm16) % 2:
        raise UserError(f"PCM16 audio must have an even number of bytes, got {len(pcm16)}")
    if src_rate == dst_rate:
        # The conversions call this for every buffer, mostly at the format's own rate: no
        # converter, no import.
        _check_rates(src_rate, dst_rate)
        if quality not in _QUALITIES:
            raise UserError(f"unknown resampling quality {quality!r}; expected one of {_QUALITIES}")
        return bytes(pcm16)
    _check_rates(src_rate, dst_rate)
    if _choose(quality) == "high":
        return resample_whole(pcm16, src_rate, dst_rate)
    converter = SampleResampler(src_rate, dst_rate)
    return samples_to_pcm16(converter.process(pcm16_to_samples(pcm16)) + converter.flush())
