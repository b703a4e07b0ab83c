"""Transcription of committed user audio, sent as its own steps.

The events go out asynchronously after the commit: the driver pulls them like response steps,
so they interleave with the response that the same turn may have started.
"""

from __future__ import annotations

import math
from collections import deque

from ..model.events import InputTranscriptionCompleted, InputTranscriptionDelta
from ._outputs import split_words
from ._step import Step
from ._usage import transcription_usage

__all__ = ["StepQueue", "transcription_steps"]

_WORDS_PER_DELTA = 3


class StepQueue:
    """Steps decided in advance, handed out one by one."""

    __slots__ = ("_steps",)

    def __init__(self, steps: list[Step]) -> None:
        self._steps = deque(steps)

    def next_step(self) -> Step | None:
        """The next step, ``None`` when all are out."""
        return self._steps.popleft() if self._steps else None


def transcription_steps(
    item_id: str, transcript: str, *, model: str | None, audio_ms: float
) -> list[Step]:
    """The ``input_audio_transcription`` events of one user audio item.

    ``whisper-1`` delivers the whole text in one delta; the other models send a delta per
    three words. An empty transcript (silence) has no delta, only ``completed``.

    Args:
        item_id: The user item.
        transcript: What the transcriber read (the final ``transcript``).
        model: The configured transcription model.
        audio_ms: Length of the audio, for ``usage``.
    """
    words = split_words(transcript)
    if model == "whisper-1" and transcript:
        pieces = [transcript]
    else:
        count = math.ceil(len(words) / _WORDS_PER_DELTA)
        pieces = [
            "".join(words[n * _WORDS_PER_DELTA : (n + 1) * _WORDS_PER_DELTA]) for n in range(count)
        ]
    steps = [
        Step(events=(InputTranscriptionDelta(item_id=item_id, delta=piece),)) for piece in pieces
    ]
    completed = InputTranscriptionCompleted(
        item_id=item_id,
        transcript=transcript,
        usage=transcription_usage(model, audio_ms, transcript),
    )
    steps.append(Step(events=(completed,)))
    return steps
