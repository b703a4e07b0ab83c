"""Where a session reports to its telemetry: the notes of each state step it applies.

:class:`TelemetryObserver` turns the :data:`~.state._notes.Note` records a step of the
conversation state carries (``Effects.notes``) into the calls of
:class:`~rtvoice.tracing.SessionTelemetry` (the call points are tabled in
:mod:`rtvoice.tracing`). It hears of each step once, after the step was applied, from the
reader and from the session's other tasks alike; it never reads the state, and it stamps the
moments the telemetry measures from (a request sent, the user's speech ending) with the
session's clock. The streamed deltas never come here: the state tells the telemetry itself
(a :class:`~.state._notes.StreamStarts`) when a part's audio or a response's text begins.
"""

from __future__ import annotations

from collections.abc import Callable

from typing_extensions import assert_never

from ..tracing import SessionTelemetry
from .state._effects import Effects
from .state._notes import (
    AgentChanged,
    InputTranscribed,
    Interrupted,
    ResponseRequested,
    SessionIdentified,
    SessionTimeBilled,
    TurnEnded,
    TurnStarted,
    UserStoppedSpeaking,
)

__all__ = ["TelemetryObserver"]


class TelemetryObserver:
    """Reports the notes of one session's state steps to its telemetry.

    Args:
        telemetry: The session's telemetry.
        clock: The session's monotonic clock (the telemetry's).
    """

    __slots__ = ("_clock", "_requested_at", "_speech_stopped_at", "telemetry")

    def __init__(self, telemetry: SessionTelemetry, clock: Callable[[], float]) -> None:
        self.telemetry = telemetry
        self._clock = clock
        self._requested_at: float | None = None
        """When the latest ``response.create`` of ours was sent, until a turn starts."""
        self._speech_stopped_at: float | None = None
        """When the user last stopped speaking, until a turn starts."""

    def observe(self, fx: Effects) -> None:
        """A step was applied: its events and commands queued, its work launched (so a call
        that completed with ``response.done`` is launched while its turn is still open).
        Report its notes, in order.

        Call it once per step, in the order of the steps; a step without notes (most of
        them) needs no call.
        """
        for note in fx.notes:
            match note:
                case TurnStarted():
                    requested_at = self._requested_at
                    if not note.answers_request or requested_at is None:
                        requested_at = self._speech_stopped_at
                    self._requested_at = self._speech_stopped_at = None
                    self.telemetry.turn_started(
                        note.response_id, agent_name=note.agent_name, requested_at=requested_at
                    )
                case TurnEnded():
                    self.telemetry.turn_ended(note.response)
                case ResponseRequested():
                    self._requested_at = self._clock()
                case UserStoppedSpeaking():
                    self._speech_stopped_at = self._clock()
                case InputTranscribed():
                    self.telemetry.input_transcribed(note.item_id, note.transcript)
                case Interrupted():
                    self.telemetry.turn_interrupted(note.response_id, played_ms=note.played_ms)
                case AgentChanged():
                    self.telemetry.agent_changed(note.agent_name)
                case SessionIdentified():
                    self.telemetry.session_created(note.session_id)
                case SessionTimeBilled():
                    self.telemetry.session_time_billed(note.usage)
                case _:
                    assert_never(note)
