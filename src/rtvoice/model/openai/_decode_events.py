"""Server frames -> model events: the reading half of the client codec.

:func:`decode_server_frame` never raises. The frame is parsed with ``json.loads``; a frame that
is not a JSON object with a string ``type`` gives a :class:`DecodeError`, an unknown ``type``
an :class:`UnknownEvent` holding the object. A known type goes to its one reader in
:data:`SERVER_EVENT_READERS` (GA names and their beta twins), which returns the events or
raises a :class:`~._wire_errors.WireError` naming the malformed field by its dotted path; that
becomes a :class:`DecodeError` whose reason is ``"<type>: <message>"``. Readers raise only
where the session could not act (ids, indices, deltas, an item's ``id`` and ``type``, a
response's ``id``); where the server may grow (responses, items, content parts, sessions)
they keep what they cannot read raw, and the event flows (see ``docs/codec.md``, "Strict where
the client must not guess, lenient where the server may grow"). Any other exception
from a reader is a bug in the reader, reported the same way as an "unexpected decoder
failure" rather than raised into the session.

Both dialects are understood whatever the configured one. Names that exist only in one
dialect say which it is (``response.audio.delta`` is beta, ``conversation.item.done`` GA); a
session object is GA when it has ``type`` or ``audio``. The one frame whose meaning depends on
the configured dialect is ``response.output_item.done``: beta has no
``conversation.item.done``, so a beta codec emits a synthetic :class:`ItemDone` before the
:class:`OutputItemDone`; and a beta ``conversation.item.created`` of a finished item (any
status but ``in_progress``) gives :class:`ItemAdded` then :class:`ItemDone`. The session sees
GA order either way.

Nothing here imports pydantic, keeps state between frames, or depends on the server side.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Final

from ..events import (
    ContentPartAdded,
    ContentPartDone,
    DecodeError,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    ModelEvent,
    RateLimitsUpdated,
    SessionCreated,
    SessionUpdated,
    UnknownEvent,
)
from . import _read_response_events as response
from . import _read_session_events as session
from ._dialect import Dialect
from ._read_fields import EventReader
from ._wire_errors import WireError

__all__ = ["SERVER_EVENT_READERS", "TEXT_LIMIT", "decode_server_frame", "skippable_prefixes"]

TEXT_LIMIT = 500
"""How much of an undecodable frame a :class:`DecodeError` keeps."""

SERVER_EVENT_READERS: Final[Mapping[str, EventReader]] = {
    # Streamed content (GA name, then its beta twin)
    "response.output_audio.delta": response.audio_delta,
    "response.audio.delta": response.audio_delta,
    "response.output_audio_transcript.delta": response.transcript_delta,
    "response.audio_transcript.delta": response.transcript_delta,
    "response.output_text.delta": response.text_delta,
    "response.text.delta": response.text_delta,
    "response.output_audio.done": response.audio_done,
    "response.audio.done": response.audio_done,
    "response.output_audio_transcript.done": response.transcript_done,
    "response.audio_transcript.done": response.transcript_done,
    "response.output_text.done": response.text_done,
    "response.text.done": response.text_done,
    "response.content_part.added": response.part_added,
    "response.content_part.done": response.part_done,
    "response.function_call_arguments.delta": response.arguments_delta,
    "response.function_call_arguments.done": response.arguments_done,
    # Responses and output items
    "response.created": response.response_created,
    "response.done": response.response_done,
    "response.output_item.added": response.output_item_added,
    "response.output_item.done": response.output_item_done,
    # Sessions (beta transcription sessions have their own names), errors, rate limits
    "session.created": session.session_event(SessionCreated, "realtime"),
    "session.updated": session.session_event(SessionUpdated, "realtime"),
    "transcription_session.created": session.session_event(SessionCreated, "transcription"),
    "transcription_session.updated": session.session_event(SessionUpdated, "transcription"),
    "error": session.error_event,
    "rate_limits.updated": session.rate_limits_updated,
    # Conversation items (conversation.item.created is beta) and input transcription
    "conversation.created": session.conversation_created,
    "conversation.item.added": session.item_added,
    "conversation.item.done": session.item_done,
    "conversation.item.created": session.item_created,
    "conversation.item.retrieved": session.item_retrieved,
    "conversation.item.truncated": session.item_truncated,
    "conversation.item.deleted": session.item_deleted,
    "conversation.item.input_audio_transcription.delta": session.transcription_delta,
    "conversation.item.input_audio_transcription.completed": session.transcription_completed,
    "conversation.item.input_audio_transcription.failed": session.transcription_failed,
    "conversation.item.input_audio_transcription.segment": session.transcription_segment,
    # Input and output audio buffers
    "input_audio_buffer.committed": session.committed,
    "input_audio_buffer.cleared": session.cleared,
    "input_audio_buffer.speech_started": session.speech_started,
    "input_audio_buffer.speech_stopped": session.speech_stopped,
    "input_audio_buffer.timeout_triggered": session.timeout_triggered,
    "input_audio_buffer.dtmf_event_received": session.dtmf,
    "output_audio_buffer.started": session.output_started,
    "output_audio_buffer.stopped": session.output_stopped,
    "output_audio_buffer.cleared": session.output_cleared,
    # MCP
    "mcp_list_tools.in_progress": response.mcp_list_tools("in_progress"),
    "mcp_list_tools.completed": response.mcp_list_tools("completed"),
    "mcp_list_tools.failed": response.mcp_list_tools("failed"),
    "response.mcp_call.in_progress": response.mcp_call("in_progress"),
    "response.mcp_call.completed": response.mcp_call("completed"),
    "response.mcp_call.failed": response.mcp_call("failed"),
    "response.mcp_call_arguments.delta": response.mcp_arguments_delta,
    "response.mcp_call_arguments.done": response.mcp_arguments_done,
}
"""The reader of every server event type the client knows, by wire ``type``."""


_DECODER: Final = json.JSONDecoder()
"""``json.loads``' own settings; :func:`_parse` calls its documented ``raw_decode``."""


def _parse(frame: str) -> object:
    """``json.loads(frame)``, for less: ``raw_decode`` skips ``loads``' two whitespace scans
    (about 1 µs per frame), and a frame with whitespace around its value (servers send none)
    goes to ``json.loads`` itself, which decides.

    Raises:
        ValueError: Not JSON (``json.JSONDecodeError``).
        RecursionError: Nested too deeply.
    """
    try:
        value, end = _DECODER.raw_decode(frame)
    except ValueError:
        return json.loads(frame)  # leading whitespace, or not JSON: loads raises the error
    if end != len(frame):
        return json.loads(frame)  # trailing whitespace, or extra data
    return value


def decode_server_frame(frame: str, dialect: Dialect) -> list[ModelEvent]:
    """One server text frame -> its model events (usually one). Never raises.

    Args:
        frame: The text of one WebSocket message.
        dialect: The codec's dialect (see the module docstring).
    """
    try:
        obj = _parse(frame)
    except (ValueError, RecursionError):
        return [DecodeError(reason="The frame is not valid JSON.", text=frame[:TEXT_LIMIT])]
    if type(obj) is not dict:
        return [DecodeError(reason="The frame is not a JSON object.", text=frame[:TEXT_LIMIT])]
    etype = obj.get("type")
    if type(etype) is not str:
        reason = "The frame has no string 'type' field."
        return [DecodeError(reason=reason, text=frame[:TEXT_LIMIT])]
    reader = SERVER_EVENT_READERS.get(etype)
    if reader is None:
        return [UnknownEvent(event_type=etype, raw=obj)]
    try:
        return reader(obj, dialect)
    except WireError as exc:
        reason = f"{etype}: {exc.message}"
    except Exception as exc:  # a reader bug must not take the session down: report it
        reason = f"{etype}: unexpected decoder failure: {type(exc).__name__}: {exc}"
    return [DecodeError(reason=reason, text=frame[:TEXT_LIMIT], event_type=etype)]


# ---------------------------------------------------------------------------------------------
# Frames a reader may skip without decoding

_ONLY_EVENT_OF: Final[Mapping[type[ModelEvent], tuple[str, ...]]] = {
    ContentPartAdded: ("response.content_part.added",),
    ContentPartDone: ("response.content_part.done",),
    RateLimitsUpdated: ("rate_limits.updated",),
    FunctionCallArgumentsDelta: ("response.function_call_arguments.delta",),
    FunctionCallArgumentsDone: ("response.function_call_arguments.done",),
}
"""Server types (in both dialects) whose frames give exactly one event of the key's kind."""


def skippable_prefixes(kinds: Collection[type[ModelEvent]]) -> tuple[str, ...]:
    """How the frames that can only give events of ``kinds`` begin, when ``type`` is their
    first key (as servers write it): a reader that ignores those kinds need not decode them.
    Kinds other frames give too are not covered."""
    return tuple(f'{{"type":"{name}"' for kind in kinds for name in _ONLY_EVENT_OF.get(kind, ()))
