"""Readers of the session, conversation and audio-buffer server events (PROTOCOL.md §6.1-§6.4).

Each reader gets the frame's fields and the codec's dialect and returns the neutral events;
malformed fields raise :class:`WireError`, which the decoder reports as a ``DecodeError``.
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
from ..items import Item
from ..session_config import SessionConfig
from ._dialect import Dialect
from ._fields import Fields, Readers
from ._session_wire import is_ga_session
from .server._read_items import item_from_wire
from .server._read_responses import (
    error_from_wire,
    rate_limit_from_wire,
    transcription_usage_from_wire,
)
from .server._read_session import session_from_beta, session_from_ga
from .server._wire_models import ErrorW, RateLimitsW, TranscriptionUsageW
from .server._wire_validate import validate

READERS: Readers[list[ModelEvent]] = Readers()


# ---------------------------------------------------------------------------------------------
# §6.1 session, errors, rate limits


def _session(f: Fields, kind: Literal["realtime", "transcription"]) -> SessionConfig:
    obj = f.child("session")
    if is_ga_session(obj):
        return session_from_ga(obj, ("session",), strict=False)
    return session_from_beta(obj, ("session",), strict=False, kind=kind)


def _session_ids(f: Fields) -> tuple[str | None, int | None]:
    s = f.child("session")
    sid, exp = s.get("id"), s.get("expires_at")
    return (sid if type(sid) is str else None, exp if type(exp) is int else None)


@READERS.on("session.created")
def _session_created(f: Fields, _: Dialect) -> list[ModelEvent]:
    sid, exp = _session_ids(f)
    return [SessionCreated(session=_session(f, "realtime"), session_id=sid, expires_at=exp)]


@READERS.on("session.updated")
def _session_updated(f: Fields, _: Dialect) -> list[ModelEvent]:
    sid, exp = _session_ids(f)
    return [SessionUpdated(session=_session(f, "realtime"), session_id=sid, expires_at=exp)]


@READERS.on("transcription_session.created")  # beta (§11.2)
def _transcription_session_created(f: Fields, _: Dialect) -> list[ModelEvent]:
    sid, exp = _session_ids(f)
    return [SessionCreated(session=_session(f, "transcription"), session_id=sid, expires_at=exp)]


@READERS.on("transcription_session.updated")  # beta (§11.2)
def _transcription_session_updated(f: Fields, _: Dialect) -> list[ModelEvent]:
    sid, exp = _session_ids(f)
    return [SessionUpdated(session=_session(f, "transcription"), session_id=sid, expires_at=exp)]


@READERS.on("error")
def _error(f: Fields, _: Dialect) -> list[ModelEvent]:
    w = validate(ErrorW, f.child("error"), ("error",), strict=False)
    return [ErrorEvent(error=error_from_wire(w))]


@READERS.on("rate_limits.updated")
def _rate_limits(f: Fields, _: Dialect) -> list[ModelEvent]:
    w = validate(RateLimitsW, f.obj, (), strict=False)
    return [RateLimitsUpdated(rate_limits=tuple(rate_limit_from_wire(r) for r in w.rate_limits))]


@READERS.on("conversation.created")  # beta only in practice (§6.1)
def _conversation_created(f: Fields, _: Dialect) -> list[ModelEvent]:
    conversation = Fields(f.child("conversation"), ("conversation",))
    return [ConversationCreated(conversation_id=conversation.text("id"))]


# ---------------------------------------------------------------------------------------------
# §6.2 conversation items


def _item(f: Fields) -> Item:
    return item_from_wire(f.child("item"), ("item",), strict=False)


@READERS.on("conversation.item.added")
def _item_added(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [ItemAdded(item=_item(f), previous_item_id=f.opt_text("previous_item_id"))]


@READERS.on("conversation.item.done")
def _item_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [ItemDone(item=_item(f), previous_item_id=f.opt_text("previous_item_id"))]


@READERS.on(
    "conversation.item.created"
)  # beta: added, and done unless the model is still writing it
def _item_created(f: Fields, _: Dialect) -> list[ModelEvent]:
    item, previous = _item(f), f.opt_text("previous_item_id")
    added = ItemAdded(item=item, previous_item_id=previous)
    if item.status == "in_progress":
        return [added]
    return [added, ItemDone(item=item, previous_item_id=previous)]


@READERS.on("conversation.item.retrieved")
def _item_retrieved(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [ItemRetrieved(item=_item(f))]


@READERS.on("conversation.item.truncated")
def _item_truncated(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        ItemTruncated(
            item_id=f.text("item_id"),
            content_index=f.integer("content_index"),
            audio_end_ms=f.integer("audio_end_ms"),
        )
    ]


@READERS.on("conversation.item.deleted")
def _item_deleted(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [ItemDeleted(item_id=f.text("item_id"))]


@READERS.on("conversation.item.input_audio_transcription.delta")
def _transcription_delta(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        InputTranscriptionDelta(
            item_id=f.text("item_id"),
            delta=f.opt_text("delta") or "",
            content_index=f.integer("content_index", 0),
        )
    ]


@READERS.on("conversation.item.input_audio_transcription.completed")
def _transcription_completed(f: Fields, _: Dialect) -> list[ModelEvent]:
    usage = f.obj.get("usage")
    return [
        InputTranscriptionCompleted(
            item_id=f.text("item_id"),
            transcript=f.text("transcript"),
            content_index=f.integer("content_index", 0),
            usage=None
            if usage is None
            else transcription_usage_from_wire(
                validate(TranscriptionUsageW, usage, ("usage",), strict=False)
            ),
        )
    ]


@READERS.on("conversation.item.input_audio_transcription.failed")
def _transcription_failed(f: Fields, _: Dialect) -> list[ModelEvent]:
    error = validate(ErrorW, f.child("error"), ("error",), strict=False)
    return [
        InputTranscriptionFailed(
            item_id=f.text("item_id"),
            error=error_from_wire(error),
            content_index=f.integer("content_index", 0),
        )
    ]


@READERS.on("conversation.item.input_audio_transcription.segment")
def _transcription_segment(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        InputTranscriptionSegment(
            item_id=f.text("item_id"),
            segment_id=f.text("id"),
            text=f.text("text"),
            speaker=f.text("speaker"),
            start=f.number("start"),
            end=f.number("end"),
            content_index=f.integer("content_index", 0),
        )
    ]


# ---------------------------------------------------------------------------------------------
# §6.3 input audio buffer, §6.4 output audio buffer


@READERS.on("input_audio_buffer.committed")
def _committed(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        InputAudioCommitted(
            item_id=f.text("item_id"), previous_item_id=f.opt_text("previous_item_id")
        )
    ]


@READERS.on("input_audio_buffer.cleared")
def _cleared(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [InputAudioCleared()]


@READERS.on("input_audio_buffer.speech_started")
def _speech_started(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [SpeechStarted(audio_start_ms=f.integer("audio_start_ms"), item_id=f.text("item_id"))]


@READERS.on("input_audio_buffer.speech_stopped")
def _speech_stopped(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [SpeechStopped(audio_end_ms=f.integer("audio_end_ms"), item_id=f.text("item_id"))]


@READERS.on("input_audio_buffer.timeout_triggered")
def _timeout_triggered(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        InputAudioTimeoutTriggered(
            audio_start_ms=f.integer("audio_start_ms"),
            audio_end_ms=f.integer("audio_end_ms"),
            item_id=f.text("item_id"),
        )
    ]


@READERS.on("input_audio_buffer.dtmf_event_received")
def _dtmf(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [DtmfReceived(key=f.text("event"), received_at=f.number("received_at"))]


@READERS.on("output_audio_buffer.started")
def _output_started(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [OutputAudioBufferStarted(response_id=f.text("response_id"))]


@READERS.on("output_audio_buffer.stopped")
def _output_stopped(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [OutputAudioBufferStopped(response_id=f.text("response_id"))]


@READERS.on("output_audio_buffer.cleared")
def _output_cleared(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [OutputAudioBufferCleared(response_id=f.text("response_id"))]
