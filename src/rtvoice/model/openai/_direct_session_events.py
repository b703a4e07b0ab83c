"""Direct readers of the session, conversation and audio-buffer events: sessions, errors,
rate limits, conversation items, input transcription, the input and output audio buffers
(PROTOCOL.md §6.1-§6.4, beta names §11.2).

Registered in the table of :mod:`._direct_events`; each mirrors the validating reader of
:mod:`._read_session_events` and raises :class:`~._direct_values.Decline` unless the frame
is well formed.
"""

from __future__ import annotations

from typing import Literal

from ..events import (
    ConversationCreated,
    DtmfReceived,
    ErrorEvent,
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
    ModelEvent,
    OutputAudioBufferCleared,
    OutputAudioBufferStarted,
    OutputAudioBufferStopped,
    RateLimitsUpdated,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
)
from ._dialect import Dialect
from ._direct_session import session
from ._direct_values import (
    DirectReader,
    child,
    error,
    integer,
    integer_or,
    item,
    number,
    opt_text,
    rate_limits,
    text,
    transcription_usage,
)
from ._wire_json import JsonObject

# ---------------------------------------------------------------------------------------------
# §6.1 sessions, errors, rate limits; §6.2 conversation items and input transcription


def _session_event(
    event: type[SessionCreated] | type[SessionUpdated], kind: Literal["realtime", "transcription"]
) -> DirectReader:
    """``session.*`` (``kind`` realtime) or beta ``transcription_session.*`` (§11.2)."""

    def read(o: JsonObject, _: Dialect) -> list[ModelEvent]:
        obj = child(o, "session")
        sid, expires = obj.get("id"), obj.get("expires_at")
        return [
            event(
                session=session(obj, kind),
                session_id=sid if type(sid) is str else None,
                expires_at=expires if type(expires) is int else None,
            )
        ]

    return read


session_created = _session_event(SessionCreated, "realtime")
session_updated = _session_event(SessionUpdated, "realtime")
transcription_session_created = _session_event(SessionCreated, "transcription")  # beta
transcription_session_updated = _session_event(SessionUpdated, "transcription")  # beta


def error_event(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ErrorEvent(error=error(child(o, "error")))]


def rate_limits_updated(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [RateLimitsUpdated(rate_limits=rate_limits(o))]


def conversation_created(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ConversationCreated(conversation_id=text(child(o, "conversation"), "id"))]


def item_added(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ItemAdded(item=item(o.get("item")), previous_item_id=opt_text(o, "previous_item_id"))]


def item_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ItemDone(item=item(o.get("item")), previous_item_id=opt_text(o, "previous_item_id"))]


def item_created(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    # Beta: the item is added, and done unless the model is still writing it (§11.2).
    new, previous = item(o.get("item")), opt_text(o, "previous_item_id")
    added = ItemAdded(item=new, previous_item_id=previous)
    if new.status == "in_progress":
        return [added]
    return [added, ItemDone(item=new, previous_item_id=previous)]


def item_retrieved(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ItemRetrieved(item=item(o.get("item")))]


def item_truncated(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        ItemTruncated(
            item_id=text(o, "item_id"),
            content_index=integer(o, "content_index"),
            audio_end_ms=integer(o, "audio_end_ms"),
        )
    ]


def item_deleted(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ItemDeleted(item_id=text(o, "item_id"))]


def transcription_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        InputTranscriptionDelta(
            item_id=text(o, "item_id"),
            delta=opt_text(o, "delta") or "",
            content_index=integer_or(o, "content_index", 0),
        )
    ]


def transcription_completed(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    usage = o.get("usage")
    return [
        InputTranscriptionCompleted(
            item_id=text(o, "item_id"),
            transcript=text(o, "transcript"),
            content_index=integer_or(o, "content_index", 0),
            usage=None if usage is None else transcription_usage(usage),
        )
    ]


def transcription_failed(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        InputTranscriptionFailed(
            item_id=text(o, "item_id"),
            error=error(child(o, "error")),
            content_index=integer_or(o, "content_index", 0),
        )
    ]


def transcription_segment(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        InputTranscriptionSegment(
            item_id=text(o, "item_id"),
            segment_id=text(o, "id"),
            text=text(o, "text"),
            speaker=text(o, "speaker"),
            start=number(o, "start"),
            end=number(o, "end"),
            content_index=integer_or(o, "content_index", 0),
        )
    ]


# ---------------------------------------------------------------------------------------------
# §6.3 input audio buffer, §6.4 output audio buffer


def committed(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        InputAudioCommitted(
            item_id=text(o, "item_id"), previous_item_id=opt_text(o, "previous_item_id")
        )
    ]


def cleared(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [InputAudioCleared()]


def speech_started(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [SpeechStarted(audio_start_ms=integer(o, "audio_start_ms"), item_id=text(o, "item_id"))]


def speech_stopped(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [SpeechStopped(audio_end_ms=integer(o, "audio_end_ms"), item_id=text(o, "item_id"))]


def timeout_triggered(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        InputAudioTimeoutTriggered(
            audio_start_ms=integer(o, "audio_start_ms"),
            audio_end_ms=integer(o, "audio_end_ms"),
            item_id=text(o, "item_id"),
        )
    ]


def dtmf(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [DtmfReceived(key=text(o, "event"), received_at=number(o, "received_at"))]


def output_started(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [OutputAudioBufferStarted(response_id=text(o, "response_id"))]


def output_stopped(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [OutputAudioBufferStopped(response_id=text(o, "response_id"))]


def output_cleared(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [OutputAudioBufferCleared(response_id=text(o, "response_id"))]
