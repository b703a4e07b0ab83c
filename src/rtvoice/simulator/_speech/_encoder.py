"""Text to tone audio: the modulator side of the simulator's speech modem."""

from __future__ import annotations

import math
from array import array
from functools import lru_cache

from ...audio._convert import from_pcm16
from ...audio._formats import AudioFormatName, sample_rate
from ...audio._pcm16 import pcm16_to_samples, samples_to_pcm16
from ...errors import UserError
from ._plan import AMPLITUDE, END_TONE, FADE_MS, PREAMBLE, SYMBOL_MS, TONES_HZ, data_tone

__all__ = ["encode_speech", "speech_symbols", "synthesize_speech"]


def speech_symbols(text: str) -> list[int]:
    """The tone index of every symbol of the utterance that carries ``text``."""
    symbols = list(PREAMBLE)
    for byte in text.encode("utf-8"):
        symbols.append(data_tone(byte >> 4))
        symbols.append(data_tone(byte & 0x0F))
    symbols.append(END_TONE)
    return symbols


@lru_cache(maxsize=8)
def _symbol_waveforms(rate: int) -> tuple[tuple[bytes, bytes], ...]:
    """For each tone, one symbol of PCM16 starting at phase 0, and the same negated (phase pi)."""
    length = rate * SYMBOL_MS // 1000
    waveforms = []
    for frequency in TONES_HZ:
        step = 2.0 * math.pi * frequency / rate
        positive = array("h", (round(AMPLITUDE * math.sin(step * n)) for n in range(length)))
        negative = array("h", (-sample for sample in positive))
        waveforms.append((samples_to_pcm16(positive), samples_to_pcm16(negative)))
    return tuple(waveforms)


def _fade(samples: array[int], rate: int) -> None:
    fade_length = min(rate * FADE_MS // 1000, len(samples) // 2)
    last = len(samples) - 1
    for n in range(fade_length):
        gain = 0.5 - 0.5 * math.cos(math.pi * n / fade_length)
        samples[n] = round(samples[n] * gain)
        samples[last - n] = round(samples[last - n] * gain)


def synthesize_speech(text: str, rate: int) -> bytes:
    """Modulate ``text`` into PCM16 little-endian at ``rate`` Hz.

    Args:
        text: Any Unicode text (it travels as UTF-8).
        rate: The sample rate; a multiple of 100 Hz, so a symbol is a whole number of samples.

    Raises:
        UserError: ``rate`` is not a positive multiple of 100.
    """
    if rate <= 0 or rate % 100:
        raise UserError(f"the speech modem needs a rate that is a multiple of 100 Hz, got {rate}")
    waveforms = _symbol_waveforms(rate)
    pieces = []
    negated = False
    for tone in speech_symbols(text):
        pieces.append(waveforms[tone][negated])
        # A symbol holds 1.5 * (f / 50) cycles: an odd multiple of 50 Hz ends at phase pi.
        if (TONES_HZ[tone] // 50) % 2:
            negated = not negated
    samples = pcm16_to_samples(b"".join(pieces))
    _fade(samples, rate)
    return samples_to_pcm16(samples)


def encode_speech(text: str, fmt: AudioFormatName = "pcm16") -> bytes:
    """Speak ``text``: audio in wire format ``fmt`` that :func:`transcribe` turns back into it.

    The audio is a train of 30 ms tones in the 300-3400 Hz band at -20 dBFS RMS, with no
    silence inside: 150 ms of framing plus 60 ms per UTF-8 byte (16.7 ASCII characters per
    second). It is deterministic: the same text always gives the same bytes.

    Args:
        text: Any Unicode text; the empty string gives a 150 ms utterance that reads as "".
        fmt: The wire format: 24 kHz PCM16, or 8 kHz G.711 mu-law or A-law.

    Returns:
        The audio bytes in ``fmt``, ready to be base64-encoded into an append or delta event.

    Raises:
        UserError: ``fmt`` is not a known format name.
    """
    rate = sample_rate(fmt)
    return from_pcm16(synthesize_speech(text, rate), rate, fmt)
