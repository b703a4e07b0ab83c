"""Where a session reports to its telemetry: the model events and the effects it applies.

:class:`TelemetryObserver` turns what the reader reads and what the session applies into the
calls of :class:`~rtvoice.tracing.SessionTelemetry` (the call points are tabled in
:mod:`rtvoice.tracing`). It reads the state, never changes it. The audio hot path never comes
here: the first audio of a part is reported by the audio ledger when the part opens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ..model.commands import CreateResponse
from ..model.events import (
    AudioTranscriptDelta,
    InputTranscriptionCompleted,
    ModelEvent,
    ResponseCreated,
    ResponseDone,
    SessionCreated,
    SpeechStopped,
    TextDelta,
)
from ..tracing import SessionTelemetry
from .events import AudioInterruptedEvent
from .state._effects import Effects
from .state._machine import ConversationState

__all__ = ["TelemetryObserver", "response_id_of"]


def response_id_of(event: ModelEvent) -> str | None:
    """The response a model event belongs to, when it says."""
    if isinstance(event, ResponseCreated | ResponseDone):
        return event.response.id
    response_id = getattr(event, "response_id", None)
    return response_id if isinstance(response_id, str) and response_id else None


class TelemetryObserver:
    """Reports one session's model events and applied effects to its telemetry.

    Args:
        telemetry: The session's telemetry.
        state: The conversation state (read only).
        clock: The session's monotonic clock (the telemetry's).
    """

    __slots__ = (
        "_clock",
        "_create_sent_at",
        "_speech_stopped_at",
        "_state",
        "_transcript_item",
        "current_response",
        "telemetry",
    )

    def __init__(
        self,
        telemetry: SessionTelemetry,
        state: ConversationState,
        clock: Callable[[], float],
    ) -> None:
        self.telemetry = telemetry
        self._state = state
        self._clock = clock
        self._create_sent_at: float | None = None
        self._speech_stopped_at: float | None = None
        self._transcript_item: str | None = None
        self.current_response: str | None = None
        """While the reader launches a step's tool calls and checks (``None`` otherwise): the
        response of the model event that made them due, their spans' parent."""
        state.audio.part_started = telemetry.first_audio

    def before(self, event: ModelEvent) -> None:
        """A model event is about to be applied to the state. Only four kinds concern the
        telemetry; the others cost one dictionary lookup (the streamed deltas never come
        here: see :meth:`on_text_delta`)."""
        handler = _BEFORE.get(type(event))
        if handler is not None:
            handler(self, event)

    def _response_created(self, event: ResponseCreated) -> None:
        # Ours when a response.create of ours is in flight (the sequencer's rule), else the
        # server's VAD made it once the user stopped speaking.
        if self._state.sequencer.create_in_flight and self._create_sent_at is not None:
            requested_at: float | None = self._create_sent_at
        else:
            requested_at = self._speech_stopped_at
        self._create_sent_at = self._speech_stopped_at = None
        self.telemetry.turn_started(
            event.response.id, agent_name=self._state.agent.name, requested_at=requested_at
        )

    def _session_created(self, event: SessionCreated) -> None:
        self.telemetry.session_created(event.session_id)

    def _speech_stopped(self, event: SpeechStopped) -> None:
        self._speech_stopped_at = self._clock()

    def _input_transcribed(self, event: InputTranscriptionCompleted) -> None:
        self.telemetry.input_transcribed(event.item_id, event.transcript)

    def on_text_delta(self, event: AudioTranscriptDelta | TextDelta) -> None:
        """A streamed text delta (the reader's fast path; :meth:`before` covers the rest)."""
        if event.item_id != self._transcript_item:
            self._transcript_item = event.item_id
            self.telemetry.first_transcript(event.response_id)

    def after(self, event: ModelEvent) -> None:
        """A model event was applied and its work launched (so a call that completed with
        ``response.done`` starts its tool span while the turn is still open)."""
        if type(event) is ResponseDone:
            self.telemetry.turn_ended(event.response)

    def effects(self, fx: Effects) -> None:
        """A step's effects are being applied: interruptions, and when responses were asked
        for."""
        for command in fx.commands:
            if type(command) is CreateResponse:
                self._create_sent_at = self._clock()
        for event in fx.events:
            if type(event) is AudioInterruptedEvent:
                self.telemetry.turn_interrupted(event.response_id, played_ms=event.played_ms)


_BEFORE: Final[dict[type, Callable[[TelemetryObserver, Any], None]]] = {
    ResponseCreated: TelemetryObserver._response_created,
    SessionCreated: TelemetryObserver._session_created,
    SpeechStopped: TelemetryObserver._speech_stopped,
    InputTranscriptionCompleted: TelemetryObserver._input_transcribed,
}
"""What :meth:`TelemetryObserver.before` does per model event type: most types, nothing."""
