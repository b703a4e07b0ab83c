"""One thing the simulated Live model says: its transcript and audio deltas, as paced steps."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from ...model.live.server import LiveEventWriter
from .._outputs import split_words
from ._audio import LiveAudio

__all__ = ["LiveStep", "Utterance"]


@dataclass(frozen=True, slots=True)
class LiveStep:
    """Frames to send now, then (when paced) a wait for ``audio_ms`` of audio."""

    frames: tuple[str, ...]
    audio_ms: float = 0.0


class Utterance:
    """Speaks ``text``: each audio delta goes with the transcript words it covers (the
    transcript runs with the audio), ``start_ms`` / ``end_ms`` on the session timeline from
    ``start_ms``. Stop iterating :meth:`steps` to cut it short (barge-in); ``text_sent`` and
    ``end_ms`` say how far it got."""

    __slots__ = ("_audio", "_rng", "_sizes", "_writer", "end_ms", "text", "text_sent")

    def __init__(
        self,
        text: str,
        *,
        start_ms: int,
        audio: LiveAudio,
        writer: LiveEventWriter,
        rng: random.Random,
        sizes_ms: tuple[int, int],
    ) -> None:
        self.text = text
        self.text_sent = ""
        self.end_ms = start_ms
        self._audio = audio
        self._writer = writer
        self._rng = rng
        self._sizes = sizes_ms

    def steps(self) -> Iterator[LiveStep]:
        """The utterance's steps, in order."""
        audio = self._audio.speak(self.text)
        words = split_words(self.text)
        total = max(1, len(audio))
        sent_bytes = 0
        word_index = 0
        per_ms = self._audio.bytes_per_ms
        for chunk in self._audio.chunks(audio, self._rng, self._sizes):
            start = self.end_ms
            sent_bytes += len(chunk)
            chunk_ms = len(chunk) / per_ms
            end = start + max(1, round(chunk_ms))
            frames: list[str] = []
            words_due = len(words) * sent_bytes // total
            if word_index < words_due:
                piece = "".join(words[word_index:words_due])
                word_index = words_due
                frames.append(
                    self._writer.transcript_delta("output", piece, start_ms=start, end_ms=end)
                )
                self.text_sent += piece
            frames.append(self._writer.output_audio_delta(chunk))
            self.end_ms = end
            yield LiveStep(tuple(frames), chunk_ms)
