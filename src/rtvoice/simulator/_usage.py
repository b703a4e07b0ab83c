"""Deterministic token accounting for simulated responses.

The numbers only need to be plausible and reproducible:

* text: one token per 4 characters, rounded up (``""`` is 0);
* audio the model *writes*: one token per 50 ms (20 per second), rounded up;
* audio the model *reads* (any audio part in the context): one token per 100 ms, rounded up;
* nothing is ever cached, so every ``cached_*`` count is 0.

The ``tokens`` rate-limit bucket is refilled over a minute: after a response of ``n`` tokens,
``remaining = limit - n`` and ``reset_seconds = 60 * n / limit``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..model.events import RateLimit, RateLimitsUpdated, TranscriptionUsage, Usage
from ..model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputText,
    MessageItem,
    OtherItem,
    OutputAudio,
    OutputText,
)
from ._conversation import Entry

__all__ = [
    "audio_input_tokens",
    "audio_output_tokens",
    "context_tokens",
    "rate_limits",
    "response_usage",
    "text_tokens",
    "transcription_usage",
]


def text_tokens(text: str) -> int:
    """Tokens of a piece of text: ``ceil(len / 4)``."""
    return math.ceil(len(text) / 4)


def audio_output_tokens(audio_ms: float) -> int:
    """Tokens of generated audio: 20 per second."""
    return math.ceil(audio_ms / 50)


def audio_input_tokens(audio_ms: float) -> int:
    """Tokens of audio read as input: 10 per second."""
    return math.ceil(audio_ms / 100)


def context_tokens(entries: Iterable[Entry], instructions: str) -> tuple[int, int]:
    """The ``(text, audio)`` input tokens of a response's context."""
    text = text_tokens(instructions)
    audio = 0
    for entry in entries:
        item = entry.item
        if isinstance(item, MessageItem):
            for part in item.content:
                if isinstance(part, InputText | OutputText):
                    text += text_tokens(part.text)
                elif isinstance(part, InputAudio | OutputAudio) and not part.audio:
                    text += text_tokens(part.transcript or "")
            audio += audio_input_tokens(entry.audio_ms())
        elif isinstance(item, FunctionCallItem):
            text += text_tokens(item.name) + text_tokens(item.arguments)
        elif isinstance(item, FunctionCallOutputItem):
            text += text_tokens(item.output)
        elif isinstance(item, OtherItem):
            text += text_tokens(str(dict(item.raw)))
    return text, audio


def response_usage(
    *, input_text: int, input_audio: int, output_text: int, output_audio: int
) -> Usage:
    """The ``usage`` of a finished response."""
    input_tokens = input_text + input_audio
    output_tokens = output_text + output_audio
    return Usage(
        total_tokens=input_tokens + output_tokens,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        input_text_tokens=input_text,
        input_audio_tokens=input_audio,
        output_text_tokens=output_text,
        output_audio_tokens=output_audio,
    )


def transcription_usage(model: str | None, audio_ms: float, transcript: str) -> TranscriptionUsage:
    """What transcribing ``audio_ms`` of speech into ``transcript`` cost.

    ``whisper-1`` bills by duration; the other models by tokens.
    """
    if model == "whisper-1":
        return TranscriptionUsage(type="duration", seconds=round(audio_ms / 1000, 3))
    audio = audio_input_tokens(audio_ms)
    text = text_tokens(transcript)
    return TranscriptionUsage(
        type="tokens",
        input_tokens=audio,
        output_tokens=text,
        total_tokens=audio + text,
        input_audio_tokens=audio,
    )


def rate_limits(limit: int, used: int) -> RateLimitsUpdated:
    """``rate_limits.updated`` after a response that used ``used`` tokens (GA: tokens only)."""
    used = min(used, limit)
    return RateLimitsUpdated(
        rate_limits=(
            RateLimit(
                name="tokens",
                limit=limit,
                remaining=limit - used,
                reset_seconds=round(60 * used / limit, 3),
            ),
        )
    )
