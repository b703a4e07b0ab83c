"""Model events: what a realtime backend tells the client, provider-neutral.

The codec turns each server frame into one or more of these; the session consumes them. The
vocabulary follows the GA protocol's meaning with neutral names, so a beta
server, or another backend, maps onto the same events. In particular, an item is always
announced by :class:`ItemAdded` and finished by :class:`ItemDone`, and :class:`ItemDone`
comes before :class:`OutputItemDone`, whatever the dialect.

Every event is a slotted dataclass with a ``type`` literal; :data:`ModelEvent` is the
closed union, meant for an exhaustive ``match``. All are frozen but the three streamed deltas
(:class:`AudioDelta`, :class:`AudioTranscriptDelta`, :class:`TextDelta`): one of those is built
for every few milliseconds of a response, and building a frozen dataclass costs about twice
as much. Treat them as read-only all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from ._event_values import (
    ErrorInfo,
    RateLimit,
    ResponseInfo,
    ResponseStatus,
    StatusDetails,
    TranscriptionUsage,
    Usage,
)
from ._live_events import SessionClosed, SessionUsageUpdated
from ._mcp_events import (
    McpCallArgumentsDelta,
    McpCallArgumentsDone,
    McpCallStatus,
    McpListToolsStatus,
)
from .items import ContentPart, Item
from .session_config import SessionConfig

__all__ = [
    "AudioDelta",
    "AudioDone",
    "AudioTranscriptDelta",
    "AudioTranscriptDone",
    "ContentPartAdded",
    "ContentPartDone",
    "ConversationCreated",
    "DecodeError",
    "DtmfReceived",
    "ErrorEvent",
    "ErrorInfo",
    "FunctionCallArgumentsDelta",
    "FunctionCallArgumentsDone",
    "InputAudioCleared",
    "InputAudioCommitted",
    "InputAudioTimeoutTriggered",
    "InputTranscriptionCompleted",
    "InputTranscriptionDelta",
    "InputTranscriptionFailed",
    "InputTranscriptionSegment",
    "ItemAdded",
    "ItemDeleted",
    "ItemDone",
    "ItemRetrieved",
    "ItemTruncated",
    "McpCallArgumentsDelta",
    "McpCallArgumentsDone",
    "McpCallStatus",
    "McpListToolsStatus",
    "ModelEvent",
    "OutputAudioBufferCleared",
    "OutputAudioBufferStarted",
    "OutputAudioBufferStopped",
    "OutputItemAdded",
    "OutputItemDone",
    "RateLimit",
    "RateLimitsUpdated",
    "ResponseCreated",
    "ResponseDone",
    "ResponseInfo",
    "ResponseStatus",
    "SessionClosed",
    "SessionCreated",
    "SessionUpdated",
    "SessionUsageUpdated",
    "SpeechStarted",
    "SpeechStopped",
    "StatusDetails",
    "TextDelta",
    "TextDone",
    "TranscriptionUsage",
    "UnknownEvent",
    "Usage",
]

# ---------------------------------------------------------------------------------------------
# Session, errors, rate limits


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEvent:
    """The server reported an error. Most are recoverable; a fatal one is followed by a close."""

    error: ErrorInfo
    type: Literal["error"] = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionCreated:
    """The first event of every connection: the session with its defaults.

    Attributes:
        session_id: ``sess_...``.
        expires_at: Epoch seconds when the server will end the session.
    """

    session: SessionConfig
    session_id: str | None = None
    expires_at: int | None = None
    type: Literal["session_created"] = "session_created"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionUpdated:
    """The server applied a ``session.update``; ``session`` is the full effective config."""

    session: SessionConfig
    session_id: str | None = None
    expires_at: int | None = None
    type: Literal["session_updated"] = "session_updated"


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitsUpdated:
    """Rate limits after a response (GA sends only the ``tokens`` bucket)."""

    rate_limits: tuple[RateLimit, ...]
    type: Literal["rate_limits_updated"] = "rate_limits_updated"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationCreated:
    """Beta servers announce the conversation; GA servers do not send this."""

    conversation_id: str
    type: Literal["conversation_created"] = "conversation_created"


# ---------------------------------------------------------------------------------------------
# Conversation items


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemAdded:
    """An item entered the conversation, after ``previous_item_id`` (``None``: at the start).

    Model items arrive here with empty content that fills in as the response streams.
    """

    item: Item
    previous_item_id: str | None = None
    type: Literal["item_added"] = "item_added"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDone:
    """An item is final: full content (no audio bytes) and final status."""

    item: Item
    previous_item_id: str | None = None
    type: Literal["item_done"] = "item_done"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRetrieved:
    """Reply to a retrieve: the full item, audio bytes included."""

    item: Item
    type: Literal["item_retrieved"] = "item_retrieved"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemTruncated:
    """The server cut an assistant audio item (and its transcript) at ``audio_end_ms``."""

    item_id: str
    content_index: int
    audio_end_ms: int
    type: Literal["item_truncated"] = "item_truncated"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDeleted:
    """The server removed an item from the conversation."""

    item_id: str
    type: Literal["item_deleted"] = "item_deleted"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptionDelta:
    """A piece of the user's speech transcription, as it is recognised."""

    item_id: str
    delta: str
    content_index: int = 0
    type: Literal["input_transcription_delta"] = "input_transcription_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptionCompleted:
    """The final transcript of a user audio item."""

    item_id: str
    transcript: str
    content_index: int = 0
    usage: TranscriptionUsage | None = None
    type: Literal["input_transcription_completed"] = "input_transcription_completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptionFailed:
    """Transcription of a user audio item failed; the item itself stays."""

    item_id: str
    error: ErrorInfo
    content_index: int = 0
    type: Literal["input_transcription_failed"] = "input_transcription_failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptionSegment:
    """A diarized segment of a user audio item (times in seconds)."""

    item_id: str
    segment_id: str
    text: str
    speaker: str
    start: float
    end: float
    content_index: int = 0
    type: Literal["input_transcription_segment"] = "input_transcription_segment"


# ---------------------------------------------------------------------------------------------
# Input audio buffer


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioCommitted:
    """The input buffer became user item ``item_id`` (by the client, or by VAD)."""

    item_id: str
    previous_item_id: str | None = None
    type: Literal["input_audio_committed"] = "input_audio_committed"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioCleared:
    """The input buffer was emptied on request."""

    type: Literal["input_audio_cleared"] = "input_audio_cleared"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStarted:
    """VAD heard speech begin, ``audio_start_ms`` into all audio sent this session."""

    audio_start_ms: int
    item_id: str
    type: Literal["speech_started"] = "speech_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStopped:
    """VAD heard speech end, ``audio_end_ms`` into all audio sent this session."""

    audio_end_ms: int
    item_id: str
    type: Literal["speech_stopped"] = "speech_stopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioTimeoutTriggered:
    """The VAD idle timeout fired: the silent audio is committed and a response follows."""

    audio_start_ms: int
    audio_end_ms: int
    item_id: str
    type: Literal["input_audio_timeout_triggered"] = "input_audio_timeout_triggered"


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfReceived:
    """A telephone key press (SIP calls only); ``received_at`` in epoch seconds."""

    key: str
    received_at: float
    type: Literal["dtmf_received"] = "dtmf_received"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputAudioBufferStarted:
    """WebRTC/SIP only: the server started playing a response's audio."""

    response_id: str
    type: Literal["output_audio_buffer_started"] = "output_audio_buffer_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputAudioBufferStopped:
    """WebRTC/SIP only: the server's playback of a response drained."""

    response_id: str
    type: Literal["output_audio_buffer_stopped"] = "output_audio_buffer_stopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputAudioBufferCleared:
    """WebRTC/SIP only: the server dropped a response's unplayed audio."""

    response_id: str
    type: Literal["output_audio_buffer_cleared"] = "output_audio_buffer_cleared"


# ---------------------------------------------------------------------------------------------
# Responses


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseCreated:
    """A response started (status ``in_progress``, no output yet)."""

    response: ResponseInfo
    type: Literal["response_created"] = "response_created"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseDone:
    """A response ended, whatever the outcome; ``response.status`` says how."""

    response: ResponseInfo
    type: Literal["response_done"] = "response_done"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputItemAdded:
    """A response began writing an item at ``output_index``."""

    response_id: str
    output_index: int
    item: Item
    type: Literal["output_item_added"] = "output_item_added"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputItemDone:
    """A response finished an item (after the item's own :class:`ItemDone`)."""

    response_id: str
    output_index: int
    item: Item
    type: Literal["output_item_done"] = "output_item_done"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentPartAdded:
    """A content part of an assistant message began (``OutputText`` or ``OutputAudio``)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart
    type: Literal["content_part_added"] = "content_part_added"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentPartDone:
    """A content part is final."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ContentPart
    type: Literal["content_part_done"] = "content_part_done"


@dataclass(slots=True, kw_only=True)
class TextDelta:
    """Assistant text as it streams (text-only output)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    type: Literal["text_delta"] = "text_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextDone:
    """The full assistant text of one content part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str
    type: Literal["text_done"] = "text_done"


@dataclass(slots=True, kw_only=True)
class AudioDelta:
    """A chunk of assistant audio, raw bytes in the session's output format.

    This is the hot path: one per 20-200 ms of audio.
    """

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    audio: bytes
    type: Literal["audio_delta"] = "audio_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioDone:
    """The assistant audio of one content part is complete (or was cut short)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    type: Literal["audio_done"] = "audio_done"


@dataclass(slots=True, kw_only=True)
class AudioTranscriptDelta:
    """A piece of the transcript of the assistant's audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    type: Literal["audio_transcript_delta"] = "audio_transcript_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioTranscriptDone:
    """The full transcript of the assistant's audio in one content part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    transcript: str
    type: Literal["audio_transcript_done"] = "audio_transcript_done"


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCallArgumentsDelta:
    """A piece of a function call's JSON arguments."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str
    type: Literal["function_call_arguments_delta"] = "function_call_arguments_delta"


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCallArgumentsDone:
    """A function call's complete arguments (JSON text, not validated)."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    name: str
    arguments: str
    type: Literal["function_call_arguments_done"] = "function_call_arguments_done"


# ---------------------------------------------------------------------------------------------
# Frames the codec could not map


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent:
    """A well-formed frame of a type rtvoice does not know (a newer server, say).

    Attributes:
        event_type: The frame's ``type``.
        raw: The decoded JSON object, untouched.
    """

    event_type: str
    raw: Mapping[str, Any] = field(default_factory=dict)
    type: Literal["unknown"] = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodeError:
    """A frame that could not be decoded: not JSON, not an object, no ``type``, or a known
    type whose fields are malformed.

    Attributes:
        reason: What was wrong, in a sentence.
        text: The offending frame, truncated to a few hundred characters.
        event_type: The frame's ``type`` when it had one.
    """

    reason: str
    text: str
    event_type: str | None = None
    type: Literal["decode_error"] = "decode_error"


ModelEvent: TypeAlias = (
    ErrorEvent
    | SessionCreated
    | SessionUpdated
    | RateLimitsUpdated
    | ConversationCreated
    | ItemAdded
    | ItemDone
    | ItemRetrieved
    | ItemTruncated
    | ItemDeleted
    | InputTranscriptionDelta
    | InputTranscriptionCompleted
    | InputTranscriptionFailed
    | InputTranscriptionSegment
    | InputAudioCommitted
    | InputAudioCleared
    | SpeechStarted
    | SpeechStopped
    | InputAudioTimeoutTriggered
    | DtmfReceived
    | OutputAudioBufferStarted
    | OutputAudioBufferStopped
    | OutputAudioBufferCleared
    | ResponseCreated
    | ResponseDone
    | OutputItemAdded
    | OutputItemDone
    | ContentPartAdded
    | ContentPartDone
    | TextDelta
    | TextDone
    | AudioDelta
    | AudioDone
    | AudioTranscriptDelta
    | AudioTranscriptDone
    | FunctionCallArgumentsDelta
    | FunctionCallArgumentsDone
    | McpListToolsStatus
    | McpCallArgumentsDelta
    | McpCallArgumentsDone
    | McpCallStatus
    | SessionUsageUpdated
    | SessionClosed
    | UnknownEvent
    | DecodeError
)
"""Everything a model connection can report."""
