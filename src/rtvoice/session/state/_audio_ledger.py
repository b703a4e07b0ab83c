"""Assistant audio bookkeeping and the interruption math.

:class:`AudioLedger` counts, for the assistant audio item being received, the bytes that
arrived, when the first of them did and whether its audio is complete. When the user barges
in (or the application calls ``interrupt()``), :meth:`AudioLedger.interrupt` decides what to
tell the application and what to send:

* ``audio_interrupted`` with the milliseconds the user heard, if the item may still be playing;
* ``response.cancel`` when a response is running and the server will not cancel it itself;
* ``conversation.item.truncate`` at the heard point, never at 0 ms (the server rejects it), never
  past the audio received (the server rejects that too), never after playback
  finished, always whole milliseconds rounded down.

The heard point comes from the application's :class:`~rtvoice.audio.PlaybackTracker` when it
has one, else from the wall clock: audio is assumed to play in real time from its first chunk.

Everything here is pure: ``now`` (seconds, monotonic) is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ...audio import AudioFormatName, PlaybackTracker, bytes_per_ms
from ...model.commands import CancelResponse, ModelCommand, TruncateItem
from ...model.events import AudioDelta
from ..events import AudioChunk, AudioEndEvent, AudioEvent, AudioInterruptedEvent

__all__ = ["AudioLedger", "AudioPart", "Interruption"]

_REMEMBERED_INTERRUPTIONS = 16


class AudioPart:
    """What was received of one assistant audio content part."""

    __slots__ = (
        "content_index",
        "done",
        "first_delta_at",
        "interrupted",
        "item_id",
        "received_bytes",
        "response_id",
    )

    def __init__(self, item_id: str, content_index: int, response_id: str, now: float) -> None:
        self.item_id = item_id
        self.content_index = content_index
        self.response_id = response_id
        self.first_delta_at = now
        self.received_bytes = 0
        self.done = False
        self.interrupted = False


@dataclass(frozen=True, slots=True)
class Interruption:
    """What an interruption produces: the event for the application and the commands to send.

    Attributes:
        event: ``audio_interrupted``, or ``None`` when no audio could still be playing.
        commands: ``response.cancel`` and/or ``conversation.item.truncate``, in sending order.
    """

    event: AudioInterruptedEvent | None
    commands: tuple[ModelCommand, ...]


class AudioLedger:
    """Tracks the assistant audio being received and plans interruptions.

    Args:
        output_format: The session's output audio format (bytes per millisecond).
        tracker: The application's playback tracker, if it has one.
        part_started: Told the response id when an audio part that is not dropped opens
            (once per part, never per delta): the session's telemetry hears of the first
            audio this way, and the hot path's outcome stays one ``audio`` event.
    """

    __slots__ = (
        "_bytes_per_ms",
        "_current",
        "_interrupted_ids",
        "_part_started",
        "_tracker",
        "dropped_deltas",
    )

    def __init__(
        self,
        output_format: AudioFormatName,
        tracker: PlaybackTracker | None,
        part_started: Callable[[str], None] | None = None,
    ) -> None:
        self._bytes_per_ms = bytes_per_ms(output_format)
        self._tracker = tracker
        self._current: AudioPart | None = None
        self._interrupted_ids: dict[str, None] = {}
        self.dropped_deltas = 0
        """Audio deltas dropped because their item had been interrupted."""
        self._part_started = part_started

    @property
    def current(self) -> AudioPart | None:
        """The latest assistant audio part that received audio."""
        return self._current

    @property
    def audio_received(self) -> bool:
        """Whether any assistant audio arrived in this session (the voice is then locked)."""
        return self._current is not None

    def received_ms(self, part: AudioPart) -> float:
        """Milliseconds of audio received for ``part``."""
        return part.received_bytes / self._bytes_per_ms

    def on_delta(self, event: AudioDelta, now: float) -> AudioEvent | None:
        """Count a delta; the ``audio`` event to emit, or ``None`` if its item was interrupted.

        The hot path: constant work, no allocation beyond the event itself.
        """
        part = self._current
        if (
            part is None
            or part.item_id != event.item_id
            or part.content_index != (event.content_index)
        ):
            part = self._start(event, now)
        if part.interrupted:
            self.dropped_deltas += 1
            return None
        part.received_bytes += len(event.audio)
        return AudioEvent(
            audio=AudioChunk(
                data=event.audio,
                item_id=event.item_id,
                content_index=event.content_index,
                response_id=event.response_id,
            )
        )

    def on_done(self, item_id: str, content_index: int, response_id: str) -> AudioEndEvent | None:
        """The audio of a part is complete: ``audio_end``, unless the part was interrupted."""
        part = self._current
        if part is not None and part.item_id == item_id and part.content_index == content_index:
            part.done = True
            if part.interrupted:
                return None
        elif item_id in self._interrupted_ids:
            return None
        return AudioEndEvent(item_id=item_id, content_index=content_index, response_id=response_id)

    def played_ms(self, part: AudioPart, now: float) -> int:
        """Whole milliseconds of ``part`` the user heard, clamped to what was received."""
        if self._tracker is not None:
            played = self._tracker.played_ms(part.item_id, part.content_index)
        else:
            played = (now - part.first_delta_at) * 1000.0
        received = part.received_bytes / self._bytes_per_ms
        return max(0, math.floor(min(played, received)))

    def interrupt(
        self, now: float, *, response_active: bool, cancel: bool, item_id: str | None = None
    ) -> Interruption:
        """Plan an interruption of the current audio.

        Args:
            now: The current monotonic time, in seconds.
            response_active: Whether a response is running.
            cancel: Whether to send ``response.cancel`` for a running response: ``True`` for
                an explicit ``interrupt()`` and when the server's turn detection will not
                cancel it (``interrupt_response`` off, or no turn detection). With
                ``interrupt_response`` on, the server has already cancelled it, and a second
                cancel would only earn ``response_cancel_not_active``.
            item_id: Stop only this item (a guardrail tripped on it). If it is not the item
                being played, nothing is playing of it: its audio, should any still arrive,
                is dropped.
        """
        commands: list[ModelCommand] = []
        if response_active and cancel:
            commands.append(CancelResponse())
        part = self._current
        if item_id is not None and (part is None or part.item_id != item_id):
            self._remember(item_id)
            return Interruption(event=None, commands=tuple(commands))
        if part is None or part.interrupted:
            return Interruption(event=None, commands=tuple(commands))
        received = part.received_bytes / self._bytes_per_ms
        played = self.played_ms(part, now)
        finished = part.done and played >= received
        if finished:
            return Interruption(event=None, commands=tuple(commands))
        part.interrupted = True
        self._remember(part.item_id)
        if played > 0:
            # The cancel goes first: a truncate of an item still being written is refused.
            commands.append(
                TruncateItem(
                    item_id=part.item_id, content_index=part.content_index, audio_end_ms=played
                )
            )
        event = AudioInterruptedEvent(
            item_id=part.item_id,
            content_index=part.content_index,
            response_id=part.response_id,
            played_ms=played,
        )
        return Interruption(event=event, commands=tuple(commands))

    def _start(self, event: AudioDelta, now: float) -> AudioPart:
        part = AudioPart(event.item_id, event.content_index, event.response_id, now)
        # Late deltas of an item interrupted earlier stay dropped.
        part.interrupted = event.item_id in self._interrupted_ids
        self._current = part
        if self._part_started is not None and not part.interrupted:
            self._part_started(event.response_id)
        return part

    def _remember(self, item_id: str) -> None:
        self._interrupted_ids[item_id] = None
        if len(self._interrupted_ids) > _REMEMBERED_INTERRUPTIONS:
            del self._interrupted_ids[next(iter(self._interrupted_ids))]
