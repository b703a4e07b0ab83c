"""The session layer: the conversation with a realtime model.

:class:`RealtimeSession` is what applications iterate (``async for event in session``) and
call (``send_message``, ``send_audio``, ``interrupt``, ``update_agent``, ...). Its events are
in :mod:`rtvoice.session.events` and its history items in :mod:`rtvoice.session.history`;
both are re-exported here.
"""

from __future__ import annotations

from ._messages import UserInput, UserInputImage, UserInputMessage, UserInputText
from ._migration import RealtimeModelSendRawMessage, SessionModel
from ._session import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_CONFIGURE_TIMEOUT,
    DEFAULT_EVENT_BUFFER_SIZE,
    RealtimeSession,
)
from .events import (
    AgentEndEvent,
    AgentStartEvent,
    AudioChunk,
    AudioEndEvent,
    AudioEvent,
    AudioInterruptedEvent,
    ConnectionLostEvent,
    ErrorSessionEvent,
    GuardrailTrippedEvent,
    HandoffEvent,
    HistoryAddedEvent,
    HistoryUpdatedEvent,
    InputAudioTimeoutTriggeredEvent,
    InputTranscriptEvent,
    NoEventInfoError,
    RawModelEvent,
    RealtimeSessionEvent,
    ReconnectedEvent,
    SessionClosedEvent,
    SessionInfo,
    SpeechStartedEvent,
    SpeechStoppedEvent,
    ToolApprovalRequiredEvent,
    ToolEndEvent,
    ToolRef,
    ToolStartEvent,
    TranscriptDeltaEvent,
    UsageEvent,
)
from .history import (
    AssistantMessageItem,
    HistoryItem,
    OtherHistoryItem,
    SystemMessageItem,
    ToolCallItem,
    UserMessageItem,
)

__all__ = [
    "AgentEndEvent",
    "AgentStartEvent",
    "AssistantMessageItem",
    "AudioChunk",
    "AudioEndEvent",
    "AudioEvent",
    "AudioInterruptedEvent",
    "ConnectionLostEvent",
    "DEFAULT_CLOSE_TIMEOUT",
    "DEFAULT_CONFIGURE_TIMEOUT",
    "DEFAULT_EVENT_BUFFER_SIZE",
    "ErrorSessionEvent",
    "GuardrailTrippedEvent",
    "HandoffEvent",
    "HistoryAddedEvent",
    "HistoryItem",
    "HistoryUpdatedEvent",
    "InputAudioTimeoutTriggeredEvent",
    "InputTranscriptEvent",
    "NoEventInfoError",
    "OtherHistoryItem",
    "RawModelEvent",
    "RealtimeModelSendRawMessage",
    "RealtimeSession",
    "RealtimeSessionEvent",
    "ReconnectedEvent",
    "SessionClosedEvent",
    "SessionInfo",
    "SessionModel",
    "SpeechStartedEvent",
    "SpeechStoppedEvent",
    "SystemMessageItem",
    "ToolApprovalRequiredEvent",
    "ToolCallItem",
    "ToolEndEvent",
    "ToolRef",
    "ToolStartEvent",
    "TranscriptDeltaEvent",
    "UsageEvent",
    "UserInput",
    "UserInputImage",
    "UserInputMessage",
    "UserInputText",
    "UserMessageItem",
]
