"""Model events -> server frames: the writing half of the server codec.

GA shapes as captured: ``event_id`` on every event (except ``dtmf_event_received``, which
has none in the SDK), ``error.code`` / ``param`` / ``event_id`` written as ``null`` when
unset, ``previous_item_id`` written as ``null``, content-part events with ``part.type``
``text`` / ``audio`` while items carry ``output_text`` / ``output_audio``.

Beta: ``conversation.item.created`` for :class:`ItemAdded` and nothing for
:class:`ItemDone`, the ``response.text.*`` / ``response.audio.*`` /
``response.audio_transcript.*`` names, the flat session (``transcription_session.*`` for a
transcription session) and the beta response object.
"""

from __future__ import annotations

from binascii import b2a_base64
from collections.abc import Callable
from typing import Any

from typing_extensions import assert_never

from ...events import (
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
    SessionClosed,
    SessionCreated,
    SessionUpdated,
    SessionUsageUpdated,
    SpeechStarted,
    SpeechStopped,
    TextDelta,
    TextDone,
    UnknownEvent,
)
from ...items import ContentPart
from ...session_config import SessionConfig
from .._dialect import Dialect
from .._encode_commands import dumps
from .._item_wire import item_to_wire, part_to_wire
from .._session_wire import session_to_beta, session_to_ga
from .._wire_json import JsonObject
from ._response_wire import (
    error_to_wire,
    rate_limit_to_wire,
    response_to_wire,
    transcription_usage_to_wire,
)

# The three streaming families GA renamed.
_NAMES: dict[Dialect, dict[str, str]] = {
    "ga": {
        "text": "response.output_text",
        "audio": "response.output_audio",
        "transcript": "response.output_audio_transcript",
    },
    "beta": {
        "text": "response.text",
        "audio": "response.audio",
        "transcript": "response.audio_transcript",
    },
}


class EventWriter:
    """Writes events as server frames, taking each ``event_id`` from ``next_id``.

    Args:
        dialect: The shape to write.
        next_id: Called once per frame written for a fresh ``event_...`` id.
    """

    def __init__(self, dialect: Dialect, next_id: Callable[[], str]) -> None:
        self._dialect = dialect
        self._next_id = next_id
        self._names = _NAMES[dialect]

    def encode(self, event: ModelEvent) -> list[str]:
        """One event -> zero or more frames (see the module docstring)."""
        d = self._dialect
        frame = self._frame
        match event:
            case AudioDelta():
                return [self._audio_delta(event)]
            case ErrorEvent():
                return [frame("error", error=error_to_wire(event.error, full=True))]
            case SessionCreated():
                return [self._session("created", event.session, event.session_id, event.expires_at)]
            case SessionUpdated():
                return [self._session("updated", event.session, event.session_id, event.expires_at)]
            case RateLimitsUpdated():
                limits = [rate_limit_to_wire(r) for r in event.rate_limits]
                return [frame("rate_limits.updated", rate_limits=limits)]
            case ConversationCreated():
                conversation = {"id": event.conversation_id, "object": "realtime.conversation"}
                return [frame("conversation.created", conversation=conversation)]
            case ItemAdded():
                name = "conversation.item.added" if d == "ga" else "conversation.item.created"
                item = item_to_wire(event.item, d, server=True)
                return [frame(name, previous_item_id=event.previous_item_id, item=item)]
            case ItemDone():
                if d == "beta":
                    return []  # beta has no conversation.item.done
                item = item_to_wire(event.item, d, server=True)
                return [
                    frame(
                        "conversation.item.done", previous_item_id=event.previous_item_id, item=item
                    )
                ]
            case ItemRetrieved():
                item = item_to_wire(event.item, d, server=True)
                return [frame("conversation.item.retrieved", item=item)]
            case ItemTruncated():
                return [
                    frame(
                        "conversation.item.truncated",
                        item_id=event.item_id,
                        content_index=event.content_index,
                        audio_end_ms=event.audio_end_ms,
                    )
                ]
            case ItemDeleted():
                return [frame("conversation.item.deleted", item_id=event.item_id)]
            case InputTranscriptionDelta():
                return [
                    frame(
                        "conversation.item.input_audio_transcription.delta",
                        item_id=event.item_id,
                        content_index=event.content_index,
                        delta=event.delta,
                    )
                ]
            case InputTranscriptionCompleted():
                fields: JsonObject = {
                    "item_id": event.item_id,
                    "content_index": event.content_index,
                    "transcript": event.transcript,
                }
                if event.usage is not None:
                    fields["usage"] = transcription_usage_to_wire(event.usage)
                return [frame("conversation.item.input_audio_transcription.completed", **fields)]
            case InputTranscriptionFailed():
                return [
                    frame(
                        "conversation.item.input_audio_transcription.failed",
                        item_id=event.item_id,
                        content_index=event.content_index,
                        error=error_to_wire(event.error, full=False),
                    )
                ]
            case InputTranscriptionSegment():
                return [
                    frame(
                        "conversation.item.input_audio_transcription.segment",
                        item_id=event.item_id,
                        content_index=event.content_index,
                        id=event.segment_id,
                        text=event.text,
                        speaker=event.speaker,
                        start=event.start,
                        end=event.end,
                    )
                ]
            case InputAudioCommitted():
                return [
                    frame(
                        "input_audio_buffer.committed",
                        previous_item_id=event.previous_item_id,
                        item_id=event.item_id,
                    )
                ]
            case InputAudioCleared():
                return [frame("input_audio_buffer.cleared")]
            case SpeechStarted():
                return [
                    frame(
                        "input_audio_buffer.speech_started",
                        audio_start_ms=event.audio_start_ms,
                        item_id=event.item_id,
                    )
                ]
            case SpeechStopped():
                return [
                    frame(
                        "input_audio_buffer.speech_stopped",
                        audio_end_ms=event.audio_end_ms,
                        item_id=event.item_id,
                    )
                ]
            case InputAudioTimeoutTriggered():
                return [
                    frame(
                        "input_audio_buffer.timeout_triggered",
                        audio_start_ms=event.audio_start_ms,
                        audio_end_ms=event.audio_end_ms,
                        item_id=event.item_id,
                    )
                ]
            case DtmfReceived():
                # No event_id on this one (none in the SDK type either).
                return [
                    dumps(
                        {
                            "type": "input_audio_buffer.dtmf_event_received",
                            "event": event.key,
                            "received_at": event.received_at,
                        }
                    )
                ]
            case OutputAudioBufferStarted():
                return [frame("output_audio_buffer.started", response_id=event.response_id)]
            case OutputAudioBufferStopped():
                return [frame("output_audio_buffer.stopped", response_id=event.response_id)]
            case OutputAudioBufferCleared():
                return [frame("output_audio_buffer.cleared", response_id=event.response_id)]
            case ResponseCreated():
                return [frame("response.created", response=response_to_wire(event.response, d))]
            case ResponseDone():
                return [frame("response.done", response=response_to_wire(event.response, d))]
            case OutputItemAdded():
                return [self._output_item("response.output_item.added", event)]
            case OutputItemDone():
                return [self._output_item("response.output_item.done", event)]
            case ContentPartAdded():
                return [self._part("response.content_part.added", event, event.part)]
            case ContentPartDone():
                return [self._part("response.content_part.done", event, event.part)]
            case TextDelta():
                return [self._stream("text", ".delta", event, delta=event.delta)]
            case TextDone():
                return [self._stream("text", ".done", event, text=event.text)]
            case AudioDone():
                return [self._stream("audio", ".done", event)]
            case AudioTranscriptDelta():
                return [self._stream("transcript", ".delta", event, delta=event.delta)]
            case AudioTranscriptDone():
                return [self._stream("transcript", ".done", event, transcript=event.transcript)]
            case FunctionCallArgumentsDelta():
                return [
                    frame(
                        "response.function_call_arguments.delta",
                        response_id=event.response_id,
                        item_id=event.item_id,
                        output_index=event.output_index,
                        call_id=event.call_id,
                        delta=event.delta,
                    )
                ]
            case FunctionCallArgumentsDone():
                return [
                    frame(
                        "response.function_call_arguments.done",
                        response_id=event.response_id,
                        item_id=event.item_id,
                        output_index=event.output_index,
                        call_id=event.call_id,
                        name=event.name,
                        arguments=event.arguments,
                    )
                ]
            case McpListToolsStatus():
                return [frame(f"mcp_list_tools.{event.status}", item_id=event.item_id)]
            case McpCallArgumentsDelta():
                return [
                    frame(
                        "response.mcp_call_arguments.delta",
                        response_id=event.response_id,
                        item_id=event.item_id,
                        output_index=event.output_index,
                        delta=event.delta,
                    )
                ]
            case McpCallArgumentsDone():
                return [
                    frame(
                        "response.mcp_call_arguments.done",
                        response_id=event.response_id,
                        item_id=event.item_id,
                        output_index=event.output_index,
                        arguments=event.arguments,
                    )
                ]
            case McpCallStatus():
                return [
                    frame(
                        f"response.mcp_call.{event.status}",
                        item_id=event.item_id,
                        output_index=event.output_index,
                    )
                ]
            case UnknownEvent():
                return [dumps(dict(event.raw))]
            case DecodeError():
                return []  # a client-side condition, not a server event
            case SessionUsageUpdated() | SessionClosed():
                return []  # GPT-Live's vocabulary: the Realtime protocol has no such frames
            case _:
                assert_never(event)

    def _frame(self, event_type: str, **fields: Any) -> str:
        return dumps({"type": event_type, "event_id": self._next_id(), **fields})

    def _audio_delta(self, event: AudioDelta) -> str:
        # Hot path: assembled as text; only the ids go through the JSON encoder.
        return (
            '{"type":"'
            + self._names["audio"]
            + '.delta","event_id":'
            + dumps(self._next_id())
            + ',"response_id":'
            + dumps(event.response_id)
            + ',"item_id":'
            + dumps(event.item_id)
            + ',"output_index":'
            + str(int(event.output_index))
            + ',"content_index":'
            + str(int(event.content_index))
            + ',"delta":"'
            + b2a_base64(event.audio, newline=False).decode("ascii")
            + '"}'
        )

    def _session(
        self, verb: str, cfg: SessionConfig, session_id: str | None, expires_at: int | None
    ) -> str:
        transcription = cfg.type == "transcription"
        obj: JsonObject = {}
        if self._dialect == "ga":
            obj["type"] = cfg.type
        obj["object"] = "realtime.transcription_session" if transcription else "realtime.session"
        if session_id is not None:
            obj["id"] = session_id
        if expires_at is not None:
            obj["expires_at"] = expires_at
        if self._dialect == "ga":
            obj.update(session_to_ga(cfg))
            return self._frame(f"session.{verb}", session=obj)
        obj.update(session_to_beta(cfg))
        prefix = "transcription_session" if transcription else "session"
        return self._frame(f"{prefix}.{verb}", session=obj)

    def _output_item(self, name: str, event: OutputItemAdded | OutputItemDone) -> str:
        return self._frame(
            name,
            response_id=event.response_id,
            output_index=event.output_index,
            item=item_to_wire(event.item, self._dialect, server=True),
        )

    def _part(self, name: str, event: ContentPartAdded | ContentPartDone, part: ContentPart) -> str:
        return self._frame(
            name,
            response_id=event.response_id,
            item_id=event.item_id,
            output_index=event.output_index,
            content_index=event.content_index,
            part=part_to_wire(part, self._dialect, server=True, part_event=True),
        )

    def _stream(
        self,
        family: str,
        suffix: str,
        event: TextDelta | TextDone | AudioDone | AudioTranscriptDelta | AudioTranscriptDone,
        **payload: str,
    ) -> str:
        return self._frame(
            self._names[family] + suffix,
            response_id=event.response_id,
            item_id=event.item_id,
            output_index=event.output_index,
            content_index=event.content_index,
            **payload,
        )
