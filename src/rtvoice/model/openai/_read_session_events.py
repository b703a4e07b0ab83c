"""Readers of the session, conversation and audio-buffer events: sessions, errors, rate limits,
conversation items, input transcription, and the input and output audio buffers.

Each reader takes the parsed frame and the codec's dialect and returns the frame's events, or
raises a :class:`~._wire_errors.WireError` naming the first malformed field; the table is in
:mod:`._decode_events`. Ids and the buffer's millisecond offsets are required with their exact
types. The input transcription events are lenient where the server is: their
``content_index`` may be absent (read as 0) and a transcription delta's ``delta`` may be absent
or ``null`` (read as ``""``).
"""

from __future__ import annotations

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
from ..items import Item
from ..session_config import SessionConfig
from ._dialect import Dialect
from ._read_fields import EventReader, child, integer, integer_or, number, opt_child, opt_text, text
from ._read_items import item_from_wire
from ._read_responses import error_from_wire, rate_limits_from_wire, transcription_usage_from_wire
from ._read_session import SessionKind, session_from_wire
from ._wire_json import JsonObject

_ERROR: tuple[str] = ("error",)
_ITEM: tuple[str] = ("item",)
_USAGE: tuple[str] = ("usage",)

# ---------------------------------------------------------------------------------------------
# Sessions, errors, rate limits


def session_event(event: type[SessionCreated | SessionUpdated], kind: SessionKind) -> EventReader:
    """The reader of ``session.created`` / ``session.updated`` (``kind`` realtime) or of beta
    ``transcription_session.*`` (``kind`` transcription). The session's ``id`` and
    ``expires_at`` are kept when they have the expected type and dropped otherwise. Never
    fails: the event confirms an update whatever its session carries (a ``session`` that is
    not an object reads as an empty config with the value in ``unread``)."""

    def read(o: JsonObject, _: Dialect) -> list[ModelEvent]:
        obj: object = o.get("session")
        if type(obj) is not dict:
            return [event(session=SessionConfig(type=kind, unread={"session": obj}))]
        sid: object = obj.get("id")
        expires: object = obj.get("expires_at")
        return [
            event(
                session=session_from_wire(obj, kind),
                session_id=sid if type(sid) is str else None,
                expires_at=expires if type(expires) is int else None,
            )
        ]

    return read


def error_event(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ErrorEvent(error=error_from_wire(child(o, "error"), _ERROR))]


def rate_limits_updated(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [RateLimitsUpdated(rate_limits=rate_limits_from_wire(o))]


def conversation_created(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    conversation = child(o, "conversation")
    return [ConversationCreated(conversation_id=text(conversation, "id", ("conversation",)))]


# ---------------------------------------------------------------------------------------------
# Conversation items


def _item(o: JsonObject) -> Item:
    return item_from_wire(child(o, "item"), _ITEM)


def item_added(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ItemAdded(item=_item(o), previous_item_id=opt_text(o, "previous_item_id"))]


def item_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ItemDone(item=_item(o), previous_item_id=opt_text(o, "previous_item_id"))]


def item_created(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    # Beta announces an item once: it is added, and done unless the model is still writing it.
    item, previous = _item(o), opt_text(o, "previous_item_id")
    added = ItemAdded(item=item, previous_item_id=previous)
    if item.status == "in_progress":
        return [added]
    return [added, ItemDone(item=item, previous_item_id=previous)]


def item_retrieved(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ItemRetrieved(item=_item(o))]


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
    usage = opt_child(o, "usage")
    return [
        InputTranscriptionCompleted(
            item_id=text(o, "item_id"),
            transcript=text(o, "transcript"),
            content_index=integer_or(o, "content_index", 0),
            usage=None if usage is None else transcription_usage_from_wire(usage, _USAGE),
        )
    ]


def transcription_failed(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        InputTranscriptionFailed(
            item_id=text(o, "item_id"),
            error=error_from_wire(child(o, "error"), _ERROR),
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
# Input audio buffer, output audio buffer


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
