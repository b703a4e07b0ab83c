"""The conversation state machine: model events and user actions in, effects out.

:class:`ConversationState` holds every decision a session makes, as plain methods over plain
state: no awaits, no IO, no clock (``now`` is passed in, in monotonic seconds). Each method
returns :class:`Effects`: the public events to emit and the model commands to send, both in
order. The async :class:`~rtvoice.session.RealtimeSession` only moves those between streams.

It composes four parts, each in its own module: the
:class:`~._conversation_history.ConversationHistory` (order and merging of items), the
:class:`~._sequencer.ResponseSequencer` (one response at a time), the
:class:`~._interruption.AudioLedger` (audio received, played, interrupted) and the
:class:`~._configuration.SessionUpdates` (configuration updates and the server's answers). What
is left here maps each event, routes errors, and tracks agent turns and usage.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Final

from typing_extensions import assert_never

from ..agent import RealtimeAgent
from ..audio import PlaybackTracker
from ..config import ModelSettings
from ..model.commands import (
    CancelResponse,
    CreateItem,
    ModelCommand,
    RetrieveItem,
    TruncateItem,
    UpdateSession,
)
from ..model.events import (
    AudioDelta,
    AudioDone,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    ConversationCreated,
    DecodeError,
    DtmfReceived,
    ErrorEvent,
    ErrorInfo,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    InputAudioCleared,
    InputAudioCommitted,
    InputAudioTimeoutTriggered,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    InputTranscriptionFailed,
    InputTranscriptionSegment,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    McpCallArgumentsDelta,
    McpCallArgumentsDone,
    McpCallStatus,
    McpListToolsStatus,
    ModelEvent,
    OutputAudioBufferCleared,
    OutputAudioBufferStarted,
    OutputAudioBufferStopped,
    OutputItemAdded,
    OutputItemDone,
    RateLimitsUpdated,
    ResponseCreated,
    ResponseDone,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    TextDelta,
    TextDone,
    UnknownEvent,
    Usage,
)
from ..model.items import MessageItem, OutputAudio, OutputText
from ..model.session_config import SessionConfig
from ._configuration import ConfigurationStatus, SessionUpdates
from ._conversation_history import ConversationHistory
from ._interruption import AudioLedger
from ._sequencer import ResponseSequencer
from .events import (
    AgentEndEvent,
    AgentStartEvent,
    AudioEvent,
    ErrorSessionEvent,
    InputAudioTimeoutTriggeredEvent,
    InputTranscriptEvent,
    RealtimeSessionEvent,
    SpeechStartedEvent,
    SpeechStoppedEvent,
    TranscriptDeltaEvent,
    UsageEvent,
)
from .history import AssistantMessageItem, HistoryItem, ToolCallItem

__all__ = ["ConfigurationStatus", "ConversationState", "Effects"]

FATAL_CODES: Final = frozenset({"session_expired"})
"""Error codes that end the session (PROTOCOL.md §1.4, §8): iteration raises ``ProviderError``."""

CLOSING_CODES: Final = frozenset(
    {"invalid_api_key", "invalid_model", "missing_model", "beta_api_shape_disabled"}
)
"""Error codes the server sends right before closing the socket (§1.2, §8). They are held
back: the close that follows raises the typed transport error, so the application hears of
the failure once, not as an ``error`` event and an exception."""

CANCEL_NOT_ACTIVE: Final = "response_cancel_not_active"


@dataclass(slots=True)
class Effects:
    """What one step of the state machine asks the session to do, in order.

    Attributes:
        events: Public events to emit to the application.
        commands: Model commands to send.
        fatal: A fatal server error: emit ``events``, then end iteration with
            ``ProviderError``.
        function_calls: Tool calls that just completed (the seam where tools will run).
    """

    events: list[RealtimeSessionEvent] = field(default_factory=list)
    commands: list[ModelCommand] = field(default_factory=list)
    fatal: ErrorInfo | None = None
    function_calls: list[ToolCallItem] = field(default_factory=list)


def add_usage(a: Usage, b: Usage) -> Usage:
    """Field-wise sum of two usages."""
    return Usage(**{f.name: getattr(a, f.name) + getattr(b, f.name) for f in dataclasses.fields(a)})


class ConversationState:
    """Every decision of a realtime session, without IO.

    Feed it each model event with :meth:`handle` (audio deltas, the hot path, with
    :meth:`on_audio_delta`) and each user action with the matching method; apply the
    returned :class:`Effects` in order. Calls must not interleave (it is not thread-safe),
    which the session guarantees by never awaiting inside a step.

    Args:
        agent: The agent active at the start.
        settings: The run's model settings (formats, turn detection, fallbacks).
        playback_tracker: The application's tracker, read on interruptions.
    """

    def __init__(
        self,
        *,
        agent: RealtimeAgent[Any],
        settings: ModelSettings,
        playback_tracker: PlaybackTracker | None = None,
    ) -> None:
        self._agent = agent
        self._settings = settings
        self._history = ConversationHistory()
        self._sequencer = ResponseSequencer()
        self._audio = AudioLedger(settings.output_format, playback_tracker)
        self._agent_busy = False
        self._usage_total = Usage()
        self._partial_input: dict[str, str] = {}
        self._updates = SessionUpdates(settings)
        self._held_error: ErrorInfo | None = None
        self._ids = 0

    # -----------------------------------------------------------------------------------------
    # Reading

    @property
    def agent(self) -> RealtimeAgent[Any]:
        """The agent speaking now."""
        return self._agent

    @property
    def history(self) -> tuple[HistoryItem, ...]:
        """The conversation history, in order."""
        return self._history.items

    @property
    def sequencer(self) -> ResponseSequencer:
        """The response sequencer (read-only use)."""
        return self._sequencer

    @property
    def audio(self) -> AudioLedger:
        """The assistant audio ledger (read-only use)."""
        return self._audio

    @property
    def effective_config(self) -> SessionConfig | None:
        """The session as the server last reported it (``session.created`` / ``updated``)."""
        return self._updates.effective

    @property
    def configuration(self) -> ConfigurationStatus:
        """Where the first ``session.update`` stands."""
        return self._updates.status

    @property
    def configuration_refusal(self) -> ErrorInfo | None:
        """The server's error when it refused the first ``session.update``."""
        return self._updates.refusal

    @property
    def refused_voice(self) -> str | None:
        """The last voice an update had to leave out: the server locks the voice once
        assistant audio exists (PROTOCOL.md §3.4)."""
        return self._updates.refused_voice

    @property
    def held_error(self) -> ErrorInfo | None:
        """A closing error (§1.2) waiting for the close it announces."""
        return self._held_error

    @property
    def usage_total(self) -> Usage:
        """Tokens used by every response so far."""
        return self._usage_total

    # -----------------------------------------------------------------------------------------
    # User actions

    def configure(self, instructions: str | None) -> UpdateSession:
        """The first ``session.update``: the full configuration for the starting agent.

        The session must send it and wait for :attr:`configuration` to leave ``pending``.
        """
        return self._update_command(self._agent, instructions)

    def update_agent(self, agent: RealtimeAgent[Any], instructions: str | None) -> Effects:
        """Switch to ``agent``: its instructions, tools and voice in one ``session.update``.

        The formats, transcription and turn detection are restated as configured. Once
        assistant audio exists the voice is left out (the server refuses a change then,
        PROTOCOL.md §3.4), and :attr:`refused_voice` records a voice that could not apply.
        """
        self._agent = agent
        return Effects(commands=[self._update_command(agent, instructions)])

    def send_message(self, item: MessageItem) -> Effects:
        """Add a message to the conversation and ask for a response.

        The item is created at once; the response is created now, or, if one is running or
        on its way, once it ends (one response for all inputs that waited).
        """
        commands: list[ModelCommand] = [CreateItem(item=item, event_id=self._next_id("item"))]
        create = self._sequencer.request()
        if create is not None:
            commands.append(create)
        return Effects(commands=commands)

    def create_response(self) -> Effects:
        """Ask for a response (now, or when the running one ends)."""
        create = self._sequencer.request()
        return Effects(commands=[] if create is None else [create])

    def interrupt(self, now: float) -> Effects:
        """Stop the assistant: cancel the running response (even if server VAD would), and
        truncate the item being played at the heard point (PROTOCOL.md §7.d, §7.e)."""
        return self._interrupt(now, cancel=True)

    # -----------------------------------------------------------------------------------------
    # Model events

    def on_audio_delta(self, event: AudioDelta, now: float) -> AudioEvent | None:
        """The hot path: count the audio and return its ``audio`` event (``None`` if dropped
        because its item was interrupted). Constant work; the history is not touched."""
        return self._audio.on_delta(event, now)

    def handle(self, event: ModelEvent, now: float) -> Effects:
        """Apply one model event (any but :class:`AudioDelta`, which also works here)."""
        fx = Effects()
        if self._held_error is not None:
            # The close a closing error announced did not come: report it after all.
            fx.events.append(ErrorSessionEvent(error=self._held_error))
            self._held_error = None
        match event:
            case AudioDelta():
                audio = self._audio.on_delta(event, now)
                if audio is not None:
                    fx.events.append(audio)
            case AudioTranscriptDelta() | TextDelta():
                fx.events.append(
                    TranscriptDeltaEvent(
                        item_id=event.item_id,
                        response_id=event.response_id,
                        delta=event.delta,
                        content_index=event.content_index,
                    )
                )
            case AudioDone():
                end = self._audio.on_done(event.item_id, event.content_index, event.response_id)
                if end is not None:
                    fx.events.append(end)
            case AudioTranscriptDone():
                fx.events += self._history.finalise_part(
                    event.item_id, event.content_index, OutputAudio(transcript=event.transcript)
                )
            case TextDone():
                fx.events += self._history.finalise_part(
                    event.item_id, event.content_index, OutputText(text=event.text)
                )
            case ItemAdded() | ItemDone():
                fx.events += self._history.observe(
                    event.item, event.previous_item_id, positioned=True, agent_name=self._agent.name
                )
                fx.function_calls += self._history.take_completed_calls()
            case OutputItemAdded():
                self._history.announce(event.item)
            case OutputItemDone() | ItemRetrieved():
                fx.events += self._history.observe(
                    event.item, None, positioned=False, agent_name=self._agent.name
                )
                fx.function_calls += self._history.take_completed_calls()
            case ItemTruncated():
                # The server cut the item's transcript to what was heard (§4.1); fetch the
                # item to learn it. Its audio comes along once and is dropped on arrival.
                if isinstance(self._history.get(event.item_id), AssistantMessageItem):
                    fx.commands.append(
                        RetrieveItem(item_id=event.item_id, event_id=self._next_id("retrieve"))
                    )
            case ItemDeleted():
                fx.events += self._history.remove(event.item_id)
            case InputTranscriptionDelta():
                text = self._partial_input.get(event.item_id, "") + event.delta
                self._partial_input[event.item_id] = text
                fx.events.append(
                    InputTranscriptEvent(item_id=event.item_id, text=text, delta=event.delta)
                )
            case InputTranscriptionCompleted():
                self._partial_input.pop(event.item_id, None)
                fx.events.append(
                    InputTranscriptEvent(
                        item_id=event.item_id, text=event.transcript, is_final=True
                    )
                )
                fx.events += self._history.fill_transcript(
                    event.item_id, event.content_index, event.transcript
                )
            case InputTranscriptionFailed():
                self._partial_input.pop(event.item_id, None)
                fx.events.append(ErrorSessionEvent(error=event.error))
            case SpeechStarted():
                fx.events.append(
                    SpeechStartedEvent(item_id=event.item_id, audio_start_ms=event.audio_start_ms)
                )
                interrupted = self._interrupt(now, cancel=not self._updates.server_interrupts())
                fx.events.extend(interrupted.events)
                fx.commands.extend(interrupted.commands)
            case SpeechStopped():
                fx.events.append(
                    SpeechStoppedEvent(item_id=event.item_id, audio_end_ms=event.audio_end_ms)
                )
            case InputAudioTimeoutTriggered():
                fx.events.append(
                    InputAudioTimeoutTriggeredEvent(
                        item_id=event.item_id,
                        audio_start_ms=event.audio_start_ms,
                        audio_end_ms=event.audio_end_ms,
                    )
                )
            case ResponseCreated():
                self._sequencer.response_created(event.response.id)
                if not self._agent_busy:
                    self._agent_busy = True
                    fx.events.append(AgentStartEvent(agent=self._agent))
            case ResponseDone():
                self._response_done(fx, event)
            case SessionCreated():
                self._updates.created(event.session)
            case SessionUpdated():
                self._updates.updated(event.session)
            case ErrorEvent():
                self._error(fx, event.error)
            case DecodeError():
                fx.events.append(
                    ErrorSessionEvent(error=ErrorInfo(type="decode_error", message=event.reason))
                )
            case (
                ContentPartAdded()
                | ContentPartDone()
                | FunctionCallArgumentsDelta()
                | FunctionCallArgumentsDone()
                | InputAudioCommitted()
                | InputAudioCleared()
                | InputTranscriptionSegment()
                | RateLimitsUpdated()
                | ConversationCreated()
                | DtmfReceived()
                | OutputAudioBufferStarted()
                | OutputAudioBufferStopped()
                | OutputAudioBufferCleared()
                | McpListToolsStatus()
                | McpCallArgumentsDelta()
                | McpCallArgumentsDone()
                | McpCallStatus()
                | UnknownEvent()
            ):
                pass  # nothing to decide: items and their final content come in item events
            case _:
                assert_never(event)
        return fx

    # -----------------------------------------------------------------------------------------
    # Internals

    def _next_id(self, kind: str) -> str:
        self._ids += 1
        return f"rtv_{kind}_{self._ids}"

    def _update_command(self, agent: RealtimeAgent[Any], instructions: str | None) -> UpdateSession:
        return self._updates.command(
            agent,
            instructions,
            event_id=self._next_id("update"),
            voice_locked=self._audio.audio_received,
        )

    def _interrupt(self, now: float, *, cancel: bool) -> Effects:
        plan = self._audio.interrupt(
            now, response_active=self._sequencer.response_active, cancel=cancel
        )
        fx = Effects()
        if plan.event is not None:
            fx.events.append(plan.event)
        for command in plan.commands:
            if isinstance(command, CancelResponse):
                fx.commands.append(dataclasses.replace(command, event_id=self._next_id("cancel")))
            elif isinstance(command, TruncateItem):
                fx.commands.append(dataclasses.replace(command, event_id=self._next_id("truncate")))
            else:
                fx.commands.append(command)
        return fx

    def _response_done(self, fx: Effects, event: ResponseDone) -> None:
        response = event.response
        fx.events += self._history.response_ended(response.output, self._agent.name)
        fx.function_calls += self._history.take_completed_calls()
        create = self._sequencer.response_done(response.id)
        if create is not None:
            fx.commands.append(create)
        if response.status == "failed" and response.status_details is not None:
            error = response.status_details.error
            if error is not None:
                fx.events.append(ErrorSessionEvent(error=error))
        if response.usage is not None:
            self._usage_total = add_usage(self._usage_total, response.usage)
            fx.events.append(
                UsageEvent(response_id=response.id, usage=response.usage, total=self._usage_total)
            )
        self._maybe_end_turn(fx)

    def _maybe_end_turn(self, fx: Effects) -> None:
        if self._agent_busy and self._sequencer.settled:
            self._agent_busy = False
            fx.events.append(AgentEndEvent(agent=self._agent))

    def _error(self, fx: Effects, error: ErrorInfo) -> None:
        event_id = error.event_id
        if self._sequencer.owns(event_id):
            assert event_id is not None
            swallow, retry = self._sequencer.create_failed(event_id, error.code)
            if retry is not None:
                fx.commands.append(retry)
            if not swallow:
                fx.events.append(ErrorSessionEvent(error=error))
                self._maybe_end_turn(fx)
            return
        if event_id is not None and event_id.startswith("rtv_"):
            if event_id.startswith("rtv_cancel_") and error.code == CANCEL_NOT_ACTIVE:
                return  # the response ended on its own meanwhile (§7.e): nothing was lost
            if event_id.startswith("rtv_retrieve_"):
                return  # our own refresh after a truncation; the item was deleted meanwhile
            if self._updates.refused(error):
                return
        if error.code in FATAL_CODES:
            fx.fatal = error
            return
        if error.code in CLOSING_CODES:
            self._held_error = error
            return
        fx.events.append(ErrorSessionEvent(error=error))
