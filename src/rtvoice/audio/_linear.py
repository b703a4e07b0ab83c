"""The built-in sample-rate converter: linear interpolation over sample values, streaming.

It is what a default install resamples with (``quality="linear"``) and what the simulator's
speech decoder uses. When it lowers the rate by a factor ``R >= 2`` it first averages
``floor(R)`` neighbouring samples (a moving average whose half-sample delay is compensated), a
cheap anti-alias filter: 24 -> 8 kHz averages 3 samples, 16 -> 8 kHz applies ``[1, 2, 1] / 4``.
That is plenty for speech and test tones, not for telephony or hi-fi (``docs/audio.md`` has the
figures; the ``audio`` extra brings a proper filter).

Output sample ``j`` sits at input time ``j * src_rate / dst_rate`` exactly (integer arithmetic,
no drift over long streams), and a stream of ``n`` input samples yields
``ceil(n * dst_rate / src_rate)`` output samples. Past either end of the input the first or last
sample is held. The output depends only on the whole input, never on how it was chunked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate, repeat
from operator import add, floordiv, mul, sub

from ..errors import UserError

__all__ = ["SampleResampler"]


class SampleResampler:
    """The streaming converter over sample values (ints in -32768..32767).

    Feed the stream with :meth:`process` in any number of calls, then call :meth:`flush` once
    to get the tail; after that the instance starts a new stream.
    """

    __slots__ = (
        "_base",
        "_buffer",
        "_down",
        "_last_sample",
        "_next_output",
        "_received",
        "_step",
        "_taps",
        "_two_up",
        "dst_rate",
        "src_rate",
    )

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        """Create a converter from ``src_rate`` to ``dst_rate`` (Hz).

        Raises:
            UserError: a rate is not a positive integer.
        """
        for name, rate in (("src_rate", src_rate), ("dst_rate", dst_rate)):
            if not isinstance(rate, int) or isinstance(rate, bool) or rate <= 0:
                raise UserError(f"{name} must be a positive integer (Hz), got {rate!r}")
        self.src_rate = src_rate
        """The input sample rate in Hz."""
        self.dst_rate = dst_rate
        """The output sample rate in Hz."""
        common = math.gcd(src_rate, dst_rate)
        up, self._down = dst_rate // common, src_rate // common
        # Positions are counted in units of 1 / (2 * up) input samples, so that the half-sample
        # delay of an even-length moving average is an integer too.
        self._two_up = 2 * up
        self._step = 2 * self._down
        self._taps = max(1, src_rate // dst_rate)
        self._reset()

    def _reset(self) -> None:
        self._buffer: list[int] = []  # the held-edge input, from absolute index _base
        self._base = 0
        self._received = 0
        self._last_sample = 0
        self._next_output = 0

    def process(self, samples: Sequence[int]) -> list[int]:
        """Take the next input samples and return the output samples that are now determined.

        An output sample waits until the input sample after it has arrived, so the last one or
        two come out of :meth:`flush`.
        """
        if not samples:
            return []
        if not self._received:
            # Hold the first sample before the start so the moving average is centred.
            self._buffer.extend([samples[0]] * (self._taps - 1))
        self._buffer.extend(samples)
        self._received += len(samples)
        self._last_sample = samples[-1]
        return self._emit(None)

    def flush(self) -> list[int]:
        """End the stream: return the remaining output samples and reset for a new stream."""
        if not self._received:
            return []
        total = -(-self._received * (self._two_up // 2) // self._down)
        self._buffer.extend([self._last_sample] * (self._taps + 2))
        tail = self._emit(total)
        self._reset()
        return tail

    def _emit(self, total: int | None) -> list[int]:
        """Compute every output sample whose inputs are buffered (up to ``total`` if given).

        Output ``j`` sits at ``position = j * step + offset`` (units of 1 / (2 up) input
        samples) and interpolates the moving sums ``k = position // (2 up)`` and ``k + 1``.
        Outputs ``up`` apart share the fraction and sit ``down`` sums apart, so each of the
        ``up`` phases is computed with slices and ``map`` (C loops, not Python ones).
        """
        buffer, base, taps, two_up = self._buffer, self._base, self._taps, self._two_up
        step, down, up = self._step, self._down, self._two_up // 2
        offset = (taps - 1) * up
        if taps > 1:
            prefix = list(accumulate(buffer, initial=0))
            sums: list[int] = list(map(sub, prefix[taps:], prefix))
        else:
            sums = buffer
        start = self._next_output
        # Output j is ready when sums[k + 1] exists: j * step + offset < 2 up (base + len - 1).
        end = -(-(two_up * (base + len(sums) - 1) - offset) // step)
        if total is not None:
            end = min(end, total)
        count = end - start
        if count <= 0:
            return []
        output = [0] * count
        divisor = two_up * taps  # the weights sum to 2 up, the moving sums hold ``taps`` samples
        for phase in range(min(up, count)):
            position = (start + phase) * step + offset
            k, fraction = divmod(position, two_up)
            k -= base
            n = len(range(phase, count, up))
            left = sums[k : k + down * (n - 1) + 1 : down]
            if fraction:
                right = sums[k + 1 : k + down * (n - 1) + 2 : down]
                # round(x / divisor) half up, in integers: (2 x + divisor) // (2 divisor)
                doubled = map(
                    add,
                    map(mul, left, repeat(2 * (two_up - fraction))),
                    map(mul, right, repeat(2 * fraction)),
                )
                output[phase::up] = map(
                    floordiv, map(add, doubled, repeat(divisor)), repeat(2 * divisor)
                )
            elif taps > 1:
                doubled = map(mul, left, repeat(2))
                output[phase::up] = map(floordiv, map(add, doubled, repeat(taps)), repeat(2 * taps))
            else:
                output[phase::up] = left
        self._next_output = end
        keep_from = (end * step + offset) // two_up - base
        if keep_from > 0:
            del buffer[:keep_from]
            self._base += keep_from
        return output
