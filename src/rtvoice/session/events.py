"""The events a :class:`~rtvoice.RealtimeSession` yields to the application.

Iterate a session and ``match`` on ``event.type``. Every event is a slotted dataclass;
:data:`RealtimeSessionEvent` is the closed union. All are frozen but the streamed ones
(:class:`AudioEvent` with its :class:`AudioChunk`, and :class:`TranscriptDeltaEvent`), which
are built for every few milliseconds of a response, where a frozen dataclass costs about twice
as much to build; treat them as read-only all the same. The order guarantees:

* ``agent_start`` comes before any output of a response, and ``agent_end`` after the last
  response of a turn (no tool call, approval, handoff or queued input still waiting for an
  answer). A handoff does not end the turn: ``agent_start`` (first agent) ... ``handoff``
  ... ``agent_end`` (the new agent).
* For each tool call: ``tool_approval_required`` (if the tool needs approval), then
  ``tool_start`` and ``tool_end`` when it runs. A call that never runs (rejected, unknown
  tool) has a ``tool_end`` only, whose ``error`` says why. ``tool_end`` comes before the
  ``history_updated`` that shows the output on the call.
* For each assistant audio item: ``audio`` events in order, then ``audio_end`` once all of
  it has arrived. Audio arrives faster than real time, so ``audio_interrupted`` may come
  after ``audio_end`` (the application is still playing); after ``audio_interrupted`` no
  further ``audio`` event of that item is yielded.
* ``history_added`` comes once per item, before any ``history_updated`` about it.
* A fatal failure does not appear here: iteration ends by raising a typed exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..errors import UserError
from ..model.events import ErrorInfo, ModelEvent, Usage
from .history import HistoryItem

if TYPE_CHECKING:
    from ..agent import RealtimeAgent
    from ..handoffs import Handoff
    from ..tools import FunctionTool

__all__ = [
    "AgentEndEvent",
    "AgentStartEvent",
    "AudioChunk",
    "AudioEndEvent",
    "AudioEvent",
    "AudioInterruptedEvent",
    "ConnectionLostEvent",
    "ErrorSessionEvent",
    "GuardrailTrippedEvent",
    "HandoffEvent",
    "HistoryAddedEvent",
    "HistoryUpdatedEvent",
    "InputAudioTimeoutTriggeredEvent",
    "InputTranscriptEvent",
    "NoEventInfoError",
    "RawModelEvent",
    "RealtimeSessionEvent",
    "ReconnectedEvent",
    "SessionInfo",
    "SpeechStartedEvent",
    "SessionClosedEvent",
    "SpeechStoppedEvent",
    "ToolApprovalRequiredEvent",
    "ToolEndEvent",
    "ToolStartEvent",
    "ToolRef",
    "TranscriptDeltaEvent",
    "UsageEvent",
]


class NoEventInfoError(UserError, AttributeError):
    """Raised by ``event.info``: rtvoice's events carry no run context. Also an
    ``AttributeError``, so ``hasattr(event, "info")`` is ``False``."""


class _Event:
    """What every session event shares: nothing but the ``info`` pointer."""

    __slots__ = ()

    @property
    def info(self) -> SessionInfo:
        """Not on rtvoice's events (openai-agents has ``event.info.context``).

        Raises:
            NoEventInfoError: Always; the message says to read ``session.info``.
        """
        raise NoEventInfoError(
            f"{type(self).__name__} has no 'info': read session.info instead (its .context "
            "is the run context, .agent the current agent, .usage the tokens so far)"
        )


@dataclass(frozen=True, slots=True)
class ToolRef:
    """A tool the agent does not have (the model called an unknown name): only its name."""

    name: str


def _find_tool(agent: RealtimeAgent[Any], name: str) -> FunctionTool | Handoff | ToolRef:
    """The agent's tool or handoff called ``name`` (for the ``tool`` properties)."""
    for tool in agent.tools:
        if tool.name == name:
            return tool
    from ..handoffs import handoff_for

    for target in agent.resolve_handoffs():
        entry = handoff_for(target)
        if entry.tool_name == name:
            return entry
    return ToolRef(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    """What ``session.info`` returns: the run context and the agent speaking now.

    Attributes:
        context: The run context given to ``runner.run(context)``.
        agent: The current agent.
        usage: Tokens used by the session so far.
    """

    context: Any
    agent: RealtimeAgent[Any]
    usage: Usage


@dataclass(slots=True, kw_only=True)
class AudioChunk:
    """A piece of assistant audio, raw bytes in the session's output format.

    Attributes:
        data: The audio (PCM16 24 kHz, or G.711 at 8 kHz, as configured).
        item_id: The assistant item it belongs to.
        content_index: The content part within that item (normally 0).
        response_id: The response that produced it.
    """

    data: bytes
    item_id: str
    content_index: int
    response_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStartEvent(_Event):
    """The current agent began responding (the first response of a turn)."""

    agent: RealtimeAgent[Any]
    type: Literal["agent_start"] = "agent_start"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentEndEvent(_Event):
    """The current agent finished its turn: its last response is done and nothing (no tool
    result, no queued input) is waiting for another response."""

    agent: RealtimeAgent[Any]
    type: Literal["agent_end"] = "agent_end"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffEvent(_Event):
    """The conversation moved from one agent to another (the model called a handoff tool).

    Comes before the new agent's configuration is sent; the new agent's answer follows.
    """

    from_agent: RealtimeAgent[Any]
    to_agent: RealtimeAgent[Any]
    type: Literal["handoff"] = "handoff"


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolStartEvent(_Event):
    """A tool call began running.

    Attributes:
        arguments: The JSON arguments as the model wrote them.
    """

    agent: RealtimeAgent[Any]
    tool_name: str
    call_id: str
    arguments: str
    type: Literal["tool_start"] = "tool_start"

    @property
    def tool(self) -> FunctionTool | Handoff | ToolRef:
        """The tool (or handoff) called ``tool_name``, looked up on ``agent`` (a
        :class:`ToolRef` holding the name when the agent has no such tool). Same as
        openai-agents' ``event.tool``; not a field, so it costs nothing unless read."""
        return _find_tool(self.agent, self.tool_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolEndEvent(_Event):
    """A tool call finished; ``output`` is what the model was sent.

    Attributes:
        arguments: The JSON arguments the call was made with.
        error: Set when the tool raised (the tool's exception), timed out
            (:class:`~rtvoice.tools.ToolTimeoutError`), got invalid arguments
            (:class:`~rtvoice.tools.ToolArgumentsError`), was rejected
            (:class:`~rtvoice.tools.ToolRejectedError`) or does not exist
            (:class:`~rtvoice.tools.ToolError`); ``output`` then holds the message the model
            saw.
    """

    agent: RealtimeAgent[Any]
    tool_name: str
    call_id: str
    output: str
    error: BaseException | None = None
    arguments: str = ""
    type: Literal["tool_end"] = "tool_end"

    @property
    def tool(self) -> FunctionTool | Handoff | ToolRef:
        """The tool (or handoff) called ``tool_name``, looked up on ``agent`` (a
        :class:`ToolRef` holding the name when the agent has no such tool). Same as
        openai-agents' ``event.tool``; not a field, so it costs nothing unless read."""
        return _find_tool(self.agent, self.tool_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolApprovalRequiredEvent(_Event):
    """A tool call waits for ``session.approve_tool_call(call_id)`` or
    ``session.reject_tool_call(call_id)``; the conversation keeps flowing meanwhile."""

    agent: RealtimeAgent[Any]
    tool_name: str
    call_id: str
    arguments: str
    type: Literal["tool_approval_required"] = "tool_approval_required"

    @property
    def tool(self) -> FunctionTool | Handoff | ToolRef:
        """The tool (or handoff) called ``tool_name``, looked up on ``agent`` (a
        :class:`ToolRef` holding the name when the agent has no such tool). Same as
        openai-agents' ``event.tool``; not a field, so it costs nothing unless read."""
        return _find_tool(self.agent, self.tool_name)


@dataclass(slots=True, kw_only=True)
class AudioEvent(_Event):
    """Assistant audio to play: ``event.audio.data``. Hot path: one per 20-200 ms."""

    audio: AudioChunk
    type: Literal["audio"] = "audio"

    @property
    def item_id(self) -> str:
        """``audio.item_id``, also readable here (openai-agents' spelling)."""
        return self.audio.item_id

    @property
    def content_index(self) -> int:
        """``audio.content_index``, also readable here (openai-agents' spelling)."""
        return self.audio.content_index

    @property
    def response_id(self) -> str:
        """``audio.response_id``, also readable here."""
        return self.audio.response_id


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioEndEvent(_Event):
    """All audio of an assistant content part has arrived."""

    item_id: str
    content_index: int
    response_id: str
    type: Literal["audio_end"] = "audio_end"


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioInterruptedEvent(_Event):
    """Stop playing this item now: the user barged in, the application called
    ``interrupt()``, or a guardrail tripped.

    Attributes:
        played_ms: How much of the item the user heard (the truncation point).
    """

    item_id: str
    content_index: int
    response_id: str
    played_ms: int
    type: Literal["audio_interrupted"] = "audio_interrupted"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryAddedEvent(_Event):
    """A new item entered the conversation history."""

    item: HistoryItem
    type: Literal["history_added"] = "history_added"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryUpdatedEvent(_Event):
    """An item of the history changed (finished, transcribed, truncated, removed).

    Attributes:
        history: The whole history after the change, in conversation order.
        item: The item that changed, in its new state (``None`` when it was removed).
    """

    history: tuple[HistoryItem, ...]
    item: HistoryItem | None = None
    type: Literal["history_updated"] = "history_updated"


@dataclass(slots=True, kw_only=True)
class TranscriptDeltaEvent(_Event):
    """A piece of what the assistant is saying (audio transcript) or writing (text)."""

    item_id: str
    response_id: str
    delta: str
    content_index: int = 0
    type: Literal["transcript_delta"] = "transcript_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptEvent(_Event):
    """The transcription of the user's speech, as it is recognised.

    Attributes:
        text: Everything recognised so far for this item (the final transcript when
            ``is_final``).
        delta: What this event added (empty for the final event).
        is_final: Whether the transcription of this item is complete.
    """

    item_id: str
    text: str
    delta: str = ""
    is_final: bool = False
    type: Literal["input_transcript"] = "input_transcript"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStartedEvent(_Event):
    """The server heard the user start speaking (stop local playback now)."""

    item_id: str
    audio_start_ms: int
    type: Literal["speech_started"] = "speech_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStoppedEvent(_Event):
    """The server heard the user stop speaking."""

    item_id: str
    audio_end_ms: int
    type: Literal["speech_stopped"] = "speech_stopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardrailTrippedEvent(_Event):
    """A guardrail's tripwire fired.

    For output guardrails, the offending item was stopped before this event
    (``audio_interrupted``, the response cancelled, the unheard audio truncated) and a
    replacement answer follows. For input guardrails, the answer to that input was dropped or
    cancelled.

    Attributes:
        results: The :class:`~rtvoice.guardrails.GuardrailResult` of each guardrail that
            tripped on ``text``, in the order they ran.
        text: The text that was checked (the assistant's text so far, or the user's input).
    """

    results: tuple[Any, ...]
    text: str
    type: Literal["guardrail_tripped"] = "guardrail_tripped"

    @property
    def guardrail_results(self) -> tuple[Any, ...]:
        """``results`` under openai-agents' name."""
        return self.results

    @property
    def message(self) -> str:
        """``text`` under openai-agents' name."""
        return self.text


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioTimeoutTriggeredEvent(_Event):
    """The server's VAD idle timeout fired (the user said nothing for a while)."""

    item_id: str
    audio_start_ms: int
    audio_end_ms: int
    type: Literal["input_audio_timeout_triggered"] = "input_audio_timeout_triggered"


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageEvent(_Event):
    """Tokens used by one response, and by the whole session so far.

    On GPT-Live, which bills time, each server report gives one: ``response_id`` is ``""``,
    ``usage.session_seconds`` the seconds billed since the last report and
    ``total.session_seconds`` the session's billed seconds so far;
    ``context_usage_ratio`` says how full the model's context is (0-1), when known.
    """

    response_id: str
    usage: Usage
    total: Usage
    context_usage_ratio: float | None = None
    type: Literal["usage"] = "usage"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionClosedEvent(_Event):
    """The server ended the session (GPT-Live says why, in ``session.closed``); iteration
    ends after it. ``close_requested`` follows ``session.close()`` (when iteration is still
    running) or a close the application sent itself; ``remote_hangup``: the far end hung
    up; ``expired``: the server's duration limit; ``content``: a safety filter ended it;
    ``connection_lost``: the server lost the connection to the caller or upstream.

    Attributes:
        reason: One of the above.
        seconds: The session's final billed seconds.
    """

    reason: str
    seconds: float = 0.0
    type: Literal["session_closed"] = "session_closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorSessionEvent(_Event):
    """A recoverable error: the session goes on. (Fatal errors raise instead.)

    ``error.type`` is the server's (``invalid_request_error``, ``server_error``), or one of
    rtvoice's: ``decode_error`` (a frame rtvoice could not read), ``guardrail_error`` (a
    guardrail raised: it counts as not tripped), ``handoff_error`` (a handoff did not happen;
    the model was told), ``tool_error`` (an approval chain raised: the call was rejected),
    ``internal_error`` (a bug in background work), or ``warning`` (nothing failed, but
    something did not happen as asked: ``code="voice_locked"`` when an agent's voice could
    not be applied after the assistant had spoken).
    """

    error: ErrorInfo
    type: Literal["error"] = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionLostEvent(_Event):
    """The connection to the model ended abnormally and the session is reconnecting (the
    run config's ``reconnect``); iteration goes on. ``reconnected`` follows once the new
    connection carries the conversation, or iteration raises ``error`` when the attempts
    ran out.

    Attributes:
        error: Why the connection ended (a :class:`~rtvoice.errors.TransportError`).
        attempt: The reconnect attempt about to be made, from 1.
        reason: ``"dropped"`` (the network or the server failed) or ``"expired"`` (the
            server's maximum session duration).
    """

    error: BaseException
    attempt: int
    reason: Literal["dropped", "expired"]
    type: Literal["connection_lost"] = "connection_lost"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectedEvent(_Event):
    """A new connection carries the conversation on: configured for the current agent and
    seeded with the history.

    Attributes:
        reason: ``"dropped"``, ``"expired"`` (after ``connection_lost``) or ``"rollover"``
            (the session moved to a fresh connection before the server's time limit).
        attempt: The attempt that succeeded (1 for a rollover).
        replayed: How many items the new server session was seeded with.
        left_out: History items not carried (over the seed budget, or nothing to carry).
    """

    reason: Literal["dropped", "expired", "rollover"]
    attempt: int
    replayed: int
    left_out: int = 0
    type: Literal["reconnected"] = "reconnected"


@dataclass(frozen=True, slots=True, kw_only=True)
class RawModelEvent(_Event):
    """Every model event, as received (only when the session was asked for them)."""

    event: ModelEvent
    type: Literal["raw_model_event"] = "raw_model_event"

    @property
    def data(self) -> ModelEvent:
        """``event`` under openai-agents' name (rtvoice's model event, not theirs)."""
        return self.event


RealtimeSessionEvent: TypeAlias = (
    AgentStartEvent
    | AgentEndEvent
    | HandoffEvent
    | ToolStartEvent
    | ToolEndEvent
    | ToolApprovalRequiredEvent
    | AudioEvent
    | AudioEndEvent
    | AudioInterruptedEvent
    | HistoryAddedEvent
    | HistoryUpdatedEvent
    | TranscriptDeltaEvent
    | InputTranscriptEvent
    | SpeechStartedEvent
    | SpeechStoppedEvent
    | GuardrailTrippedEvent
    | InputAudioTimeoutTriggeredEvent
    | UsageEvent
    | SessionClosedEvent
    | ErrorSessionEvent
    | ConnectionLostEvent
    | ReconnectedEvent
    | RawModelEvent
)
"""Everything a session yields."""
