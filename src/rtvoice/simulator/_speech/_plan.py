"""The modem's fixed plan: tones, timing, frame layout and level, shared by both ends.

An utterance is a train of 30 ms tone symbols with continuous phase (MFSK-16, 4 bits per
symbol, 33.3 symbols per second)::

    A B A B | d d d d ... d d | A
    preamble  two symbols per   end
              UTF-8 byte,
              high nibble first

Eighteen tones, 150 Hz apart, lie inside the 300-3400 Hz telephone band, so the signal
survives 8 kHz G.711: tone 0 (500 Hz) is control tone A, tones 1..16 (650..2900 Hz) carry the
nibble values 0..15, tone 17 (3050 Hz) is control tone B. Every tone is a multiple of 50 Hz,
which gives three properties the decoder relies on:

* over a 20 ms window every tone runs a whole number of cycles, so the tones are orthogonal;
* a 30 ms symbol holds a whole or half number of cycles, so each symbol starts at phase 0 or
  pi and the encoder pastes precomputed waveforms, flipping the sign to keep the phase
  continuous (no clicks between symbols);
* the phase advance over one 5 ms analysis block is a multiple of 90 degrees, so per-block
  correlations add up coherently with exact rotations.
"""

from __future__ import annotations

__all__ = [
    "AMPLITUDE",
    "ANALYSIS_RATE",
    "BLOCK_SAMPLES",
    "CONTROL_A",
    "CONTROL_B",
    "END_TONE",
    "FADE_MS",
    "PREAMBLE",
    "SYMBOL_BLOCKS",
    "SYMBOL_MS",
    "TONES_HZ",
    "WINDOW_BLOCKS",
    "data_tone",
]

TONES_HZ: tuple[int, ...] = tuple(500 + 150 * index for index in range(18))
"""The frequency of each tone in Hz, by tone index."""

CONTROL_A = 0
"""Tone index of control tone A (500 Hz)."""

CONTROL_B = 17
"""Tone index of control tone B (3 050 Hz)."""

PREAMBLE: tuple[int, ...] = (CONTROL_A, CONTROL_B, CONTROL_A, CONTROL_B)
"""The tones that open every utterance; the decoder locks its symbol clock on them."""

END_TONE = CONTROL_A
"""The tone of the symbol that closes every utterance."""

SYMBOL_MS = 30
"""Duration of one symbol: 2 symbols per byte, so 16.7 ASCII characters per second."""

FADE_MS = 5
"""Raised-cosine fade at both ends of an utterance, so it starts and stops without a click."""

AMPLITUDE = 4634
"""Peak sample value of the tones: an RMS level of -20 dBFS, like ordinary speech."""

ANALYSIS_RATE = 8_000
"""The decoder resamples everything to this rate first (the cost scales with the rate)."""

BLOCK_SAMPLES = 40
"""The decoder's analysis block: 5 ms at 8 kHz, its timing resolution."""

SYMBOL_BLOCKS = 6
"""Blocks per symbol (30 ms)."""

WINDOW_BLOCKS = 4
"""The decoder integrates a symbol over its 4 middle blocks (20 ms), skipping one block at
each edge, so any symbol clock within one block (5 ms) of the truth reads clean tones."""


def data_tone(nibble: int) -> int:
    """The tone index that carries a 4-bit value."""
    return 1 + nibble
