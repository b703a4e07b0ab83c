"""openai-agents' realtime names in one import, for code being moved to rtvoice.

Change ``from agents.realtime import ...`` (and its submodules ``config``, ``model``,
``items``, ``model_inputs``, ``agents.decorators``, ``agents.extensions.handoff_prompt``) to
``from rtvoice.openai_agents import ...``. Each name here is rtvoice's own object under
openai-agents' name: ``RealtimePlaybackTracker`` is :class:`~rtvoice.PlaybackTracker`,
``realtime_handoff`` is :func:`~rtvoice.handoff`, ``tool`` is
:func:`~rtvoice.function_tool`, and so on (docs/migrating.md has the table).

Three names are rtvoice's nearest model events, whose fields differ from openai-agents':
``RealtimeModelItemUpdatedEvent`` is :class:`~rtvoice.model.events.ItemDone`,
``RealtimeModelUsageEvent`` is :class:`~rtvoice.model.events.ResponseDone` (usage in
``response.usage``), ``RealtimeModelRawServerEvent`` is
:class:`~rtvoice.model.events.UnknownEvent` (a frame rtvoice does not model, in ``raw``).
Two cannot be supported, and raise :class:`~rtvoice.errors.UserError` saying what to write
instead: ``OpenAIRealtimeSIPModel`` and ``OpenAIRealtimeWebSocketModel``.

One name behaves differently: this module's :class:`RealtimeRunner` starts sessions that
yield only the event types openai-agents has. rtvoice's other events (``transcript_delta``,
``input_transcript``, ``speech_started``, ``speech_stopped``, ``usage``, ``connection_lost``,
``reconnected``) are skipped, so a handler written for openai-agents that ends in
``assert_never(event)`` keeps working. Import :class:`rtvoice.RealtimeRunner` when you want
them.
"""

from __future__ import annotations

from typing import Any, Final

from .agent import RealtimeAgent
from .audio import PlaybackTracker as RealtimePlaybackTracker
from .config import RealtimeRunConfig, RealtimeSessionModelSettings
from .errors import UserError
from .guardrails import (
    GuardrailFunctionOutput,
    InputGuardrail,
    OutputGuardrail,
    input_guardrail,
    output_guardrail,
)
from .handoffs import RECOMMENDED_PROMPT_PREFIX
from .handoffs import handoff as realtime_handoff
from .model.events import ItemDone as RealtimeModelItemUpdatedEvent
from .model.events import ResponseDone as RealtimeModelUsageEvent
from .model.events import UnknownEvent as RealtimeModelRawServerEvent
from .runner import RealtimeModelConfig
from .runner import RealtimeRunner as _RtvoiceRunner
from .session import (
    HistoryItem as RealtimeItem,
)
from .session import (
    RealtimeModelSendRawMessage,
    RealtimeSession,
    RealtimeSessionEvent,
)
from .session import (
    UserInputMessage as RealtimeUserInputMessage,
)
from .tools import function_tool
from .tools import function_tool as tool

__all__ = [
    "GuardrailFunctionOutput",
    "InputGuardrail",
    "OPENAI_AGENTS_EVENT_TYPES",
    "OpenAIRealtimeSIPModel",
    "OpenAIRealtimeWebSocketModel",
    "OutputGuardrail",
    "RECOMMENDED_PROMPT_PREFIX",
    "RealtimeAgent",
    "RealtimeItem",
    "RealtimeModelConfig",
    "RealtimeModelItemUpdatedEvent",
    "RealtimeModelRawServerEvent",
    "RealtimeModelSendRawMessage",
    "RealtimeModelUsageEvent",
    "RealtimePlaybackTracker",
    "RealtimeRunConfig",
    "RealtimeRunner",
    "RealtimeSession",
    "RealtimeSessionEvent",
    "RealtimeSessionModelSettings",
    "RealtimeUserInputMessage",
    "function_tool",
    "input_guardrail",
    "output_guardrail",
    "realtime_handoff",
    "tool",
]

OPENAI_AGENTS_EVENT_TYPES: Final = frozenset(
    {
        "agent_start",
        "agent_end",
        "handoff",
        "tool_start",
        "tool_end",
        "tool_approval_required",
        "raw_model_event",
        "audio",
        "audio_end",
        "audio_interrupted",
        "error",
        "history_updated",
        "history_added",
        "guardrail_tripped",
        "input_audio_timeout_triggered",
    }
)
"""The session event types openai-agents 0.25 has; sessions of this module's runner yield
only these."""


class _OpenAIAgentsSession(RealtimeSession):
    """A session that skips the event types openai-agents does not have.

    The skipping happens here, in the iteration of these sessions only: sessions of
    :class:`rtvoice.RealtimeRunner` pay nothing for it.
    """

    async def __anext__(self) -> RealtimeSessionEvent:
        known = OPENAI_AGENTS_EVENT_TYPES
        while True:
            event = await super().__anext__()
            if event.type in known:
                return event


class RealtimeRunner(_RtvoiceRunner[Any]):
    """:class:`rtvoice.RealtimeRunner`, with sessions that yield only openai-agents' event
    types (see :data:`OPENAI_AGENTS_EVENT_TYPES`). Everything else is the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session_type = _OpenAIAgentsSession


class OpenAIRealtimeSIPModel:
    """Not in rtvoice: constructing it raises a :class:`~rtvoice.errors.UserError` that says
    what to write instead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise UserError(
            "rtvoice has no OpenAIRealtimeSIPModel: build RealtimeRunner(agent) (with a "
            "provider, or OPENAI_API_KEY) and attach to the call with "
            "runner.run(model_config={'call_id': call_id})"
        )


class OpenAIRealtimeWebSocketModel:
    """Not in rtvoice: constructing it raises a :class:`~rtvoice.errors.UserError` that says
    what to write instead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise UserError(
            "rtvoice has no OpenAIRealtimeWebSocketModel: leave model= out of RealtimeRunner "
            "and pass socket options as runner.run(model_config={'transport': {...}}) "
            "(handshake_timeout is spelled open_timeout)"
        )
