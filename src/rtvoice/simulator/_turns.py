"""User turns from input audio: the buffer, the VAD, and what a turn commits.

:class:`InputTurns` owns the input buffer and, when turn detection is on, the energy VAD. It
reports turn edges; the engine decides what they mean (cancel a response, commit an item,
start a response). Positions reported as milliseconds count from the start of all input audio
of the session.

While no one speaks, only the most recent audio can still become part of a turn: the prefix
padding, or the idle-timeout window when that is longer (plus a small margin). The rest is
dropped (in batches of about a second), so the buffer stays bounded however long the client
streams silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from ..audio import AudioFormatName, bytes_per_ms
from ..model.session_config import TurnDetection, Unset
from ._error_catalog import commit_empty
from ._ids import IdSource
from ._input_buffer import InputBuffer
from ._vad import EnergyVad, SpeechStart, TurnSettings

__all__ = ["MIN_COMMIT_MS", "InputTurns", "TurnEdge", "TurnEnded", "TurnStarted"]

MIN_COMMIT_MS: Final = 100
"""The least audio a commit takes."""

_KEEP_MARGIN_MS: Final = 100
_TRIM_SLACK_MS: Final = 1000


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """The VAD heard speech begin; ``audio_start_ms`` includes the prefix padding."""

    item_id: str
    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The VAD heard the turn end; ``audio`` is the turn, ready to commit."""

    item_id: str
    audio_end_ms: int
    audio: bytes


TurnEdge: TypeAlias = TurnStarted | TurnEnded


class InputTurns:
    """The input audio buffer and the turns in it.

    Call :meth:`configure` whenever the session's turn detection changes and :meth:`restart`
    when its input format changes; both drop a turn in progress.
    """

    __slots__ = ("_buffer", "_ids", "_speech_item", "_speech_start", "_vad", "settings")

    def __init__(self, fmt: AudioFormatName, ids: IdSource) -> None:
        self._buffer = InputBuffer(fmt)
        self._ids = ids
        self._vad: EnergyVad | None = None
        self._speech_item: str | None = None  # the future user item while speech goes on
        self._speech_start = 0  # byte offset of the turn's audio_start_ms
        self.settings: TurnSettings | None = None
        """The resolved turn detection; ``None`` in manual mode."""

    @property
    def fmt(self) -> AudioFormatName:
        """The input format."""
        return self._buffer.fmt

    @property
    def now_ms(self) -> float:
        """Milliseconds of input audio received in the session."""
        return self._buffer.now_ms

    @property
    def in_speech(self) -> bool:
        """Whether the VAD is inside a turn."""
        return self._vad is not None and self._vad.in_speech

    def configure(self, turn_detection: TurnDetection | Unset | None) -> None:
        """Follow the session's turn detection (``None``: manual turns)."""
        self._speech_item = None
        if turn_detection is None or isinstance(turn_detection, Unset):
            self.settings = self._vad = None
            return
        self.settings = TurnSettings.of(turn_detection)
        self._vad = self._new_vad()

    def restart(self, fmt: AudioFormatName) -> None:
        """Switch the input format; buffered audio (in the old format) is dropped."""
        self._buffer.restart(fmt)
        self._speech_item = None
        if self.settings is not None:
            self._vad = self._new_vad()

    def append(self, audio: bytes) -> list[TurnEdge]:
        """Buffer ``audio``; return the turn edges the VAD found in it, in order."""
        self._buffer.append(audio)
        vad, settings = self._vad, self.settings
        if vad is None or settings is None:
            return []
        edges: list[TurnEdge] = []
        for edge in vad.feed(audio):
            if isinstance(edge, SpeechStart):
                padding = settings.prefix_padding_ms * bytes_per_ms(self.fmt)
                self._speech_start = max(self._buffer.start, edge.onset - padding)
                self._speech_item = self._ids.new_id("item")
                edges.append(
                    TurnStarted(self._speech_item, round(self._buffer.ms(self._speech_start)))
                )
            else:
                item_id = self._speech_item or self._ids.new_id("item")
                self._speech_item = None
                turn = self._buffer.take(self._speech_start, edge.end)
                edges.append(TurnEnded(item_id, round(self._buffer.ms(edge.end)), turn))
        if not vad.in_speech:
            keep = max(settings.prefix_padding_ms, settings.idle_timeout_ms or 0)
            keep += _KEEP_MARGIN_MS
            # Trim in batches, not on every append: the buffer is moved on each trim.
            if self._buffer.buffered_ms > keep + _TRIM_SLACK_MS:
                self._buffer.keep_last(keep)
        return edges

    def commit(self) -> tuple[str, bytes]:
        """Take the whole buffer for a manual commit (``input_audio_buffer.commit``).

        A turn in progress ends without ``speech_stopped``; its item id is used.

        Returns:
            The user item id and the audio.

        Raises:
            SimulatorError: Less than 100 ms is buffered.
        """
        buffered = self._buffer.buffered_ms
        if buffered < MIN_COMMIT_MS:
            raise commit_empty(buffered)
        item_id = self._speech_item or self._ids.new_id("item")
        self._drop_turn()
        return item_id, self._buffer.take_all()

    def clear(self) -> None:
        """Empty the buffer (``input_audio_buffer.clear``); a turn in progress is dropped."""
        self._buffer.clear()
        self._drop_turn()

    def take_since(self, start_ms: float) -> tuple[int, int, bytes]:
        """Take the buffered audio from ``start_ms`` on (for the idle timeout).

        Returns:
            ``audio_start_ms``, ``audio_end_ms`` and the audio (possibly shorter than the span
            if the client sent less).
        """
        end_ms = self._buffer.now_ms
        audio = self._buffer.take(self._buffer.offset(start_ms), self._buffer.total)
        return round(start_ms), round(end_ms), audio

    def _drop_turn(self) -> None:
        self._speech_item = None
        if self.in_speech:
            self._vad = self._new_vad()

    def _new_vad(self) -> EnergyVad:
        assert self.settings is not None
        return EnergyVad(
            fmt=self.fmt,
            threshold=self.settings.threshold,
            silence_duration_ms=self.settings.silence_duration_ms,
            origin=self._buffer.total,
        )
