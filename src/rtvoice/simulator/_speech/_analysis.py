"""Tone analysis: how strongly each modem tone fills each 20 ms window of 8 kHz audio."""

from __future__ import annotations

import cmath
import math
from collections import deque
from collections.abc import Iterable
from operator import mul

from ._plan import ANALYSIS_RATE, BLOCK_SAMPLES, TONES_HZ, WINDOW_BLOCKS

__all__ = ["ToneAnalyzer"]

_WINDOW_SAMPLES = WINDOW_BLOCKS * BLOCK_SAMPLES

_SILENCE_MEAN_SQUARE = (32768 * 10 ** (-60 / 20)) ** 2
"""Windows quieter than -60 dBFS RMS hold no tone (and no division by zero)."""

# Correlation with exp(-j w m) over one block, block-relative time m.
_BLOCK_KERNELS: tuple[tuple[complex, ...], ...] = tuple(
    tuple(cmath.exp(-2j * math.pi * frequency * m / ANALYSIS_RATE) for m in range(BLOCK_SAMPLES))
    for frequency in TONES_HZ
)
# Each tone advances a whole number of quarter turns per block (PLAN: multiples of 50 Hz), so
# moving a block's correlation to absolute time is an exact multiplication by (-j) ** k.
_QUARTER_TURNS: tuple[int, ...] = tuple(
    frequency * BLOCK_SAMPLES * 4 // ANALYSIS_RATE for frequency in TONES_HZ
)
_ROTATIONS: tuple[complex, ...] = (1, -1j, -1, 1j)


class ToneAnalyzer:
    """Turns a stream of 8 kHz samples into one tone-purity vector per 5 ms block.

    The vector for window ``t`` covers blocks ``t + 1 .. t + 4`` (block ``b`` holds samples
    ``40 b .. 40 b + 39`` of the stream), so it describes a symbol that starts at block ``t``.
    Entry ``k`` is the share of the window's energy that tone ``k`` carries: about 1 for a
    clean tone, about 0.01 for white noise, 0 for silence (under -60 dBFS). The share depends
    neither on the gain nor on a DC offset.
    """

    __slots__ = ("_blocks", "_next_block", "_pending")

    def __init__(self) -> None:
        self._pending: list[int] = []
        # Per block: the tone correlations, the sum of squares and the sum of the samples.
        self._blocks: deque[tuple[list[complex], int, int]] = deque(maxlen=WINDOW_BLOCKS)
        self._next_block = 0

    def push(self, samples: Iterable[int]) -> list[list[float]]:
        """Analyse more samples; returns the purity vectors of the windows completed, in order.

        The first vector returned over the stream's life is window 0, then 1, 2, ...
        """
        pending = self._pending
        pending.extend(samples)
        vectors = []
        start = 0
        while len(pending) - start >= BLOCK_SAMPLES:
            vector = self._push_block(pending[start : start + BLOCK_SAMPLES])
            start += BLOCK_SAMPLES
            if vector is not None:
                vectors.append(vector)
        del pending[:start]
        return vectors

    def pad_block(self) -> list[list[float]]:
        """Complete a partial block with zeros (at the end of the stream)."""
        if not self._pending:
            return []
        return self.push([0] * (BLOCK_SAMPLES - len(self._pending)))

    def _push_block(self, block: list[int]) -> list[float] | None:
        index = self._next_block
        self._next_block += 1
        correlations = [
            _ROTATIONS[(turns * index) % 4] * sum(map(mul, block, kernel))
            for kernel, turns in zip(_BLOCK_KERNELS, _QUARTER_TURNS, strict=True)
        ]
        self._blocks.append((correlations, sum(map(mul, block, block)), sum(block)))
        if index < WINDOW_BLOCKS:
            return None  # window -1 and before would start before the stream
        # The energy around the mean: a DC offset carries no tone (each tone runs whole
        # cycles over the window, so its correlation ignores DC too).
        sample_sum = sum(block_sum for _, _, block_sum in self._blocks)
        squares_sum = sum(squares for _, squares, _ in self._blocks)
        energy = squares_sum - sample_sum * sample_sum / _WINDOW_SAMPLES
        if energy <= _SILENCE_MEAN_SQUARE * _WINDOW_SAMPLES:
            return [0.0] * len(TONES_HZ)
        scale = 2.0 / (_WINDOW_SAMPLES * energy)
        totals = [sum(column) for column in zip(*(c for c, _, _ in self._blocks), strict=True)]
        return [scale * (total.real * total.real + total.imag * total.imag) for total in totals]
