"""Server frames -> model events: the reading half of the client codec (PROTOCOL.md §6, §11.2).

:func:`decode_server_frame` never raises. A frame that is not a JSON object with a string
``type`` gives a :class:`DecodeError`; an unknown ``type`` gives an :class:`UnknownEvent`; a
known type with malformed fields gives a :class:`DecodeError` naming the type.

Both dialects are understood whatever the configured one. Names that exist only in one
dialect say which it is (``response.audio.delta`` is beta, ``conversation.item.done`` GA); a
session object is GA when it has ``type`` or ``audio`` (§11.3). The one frame whose meaning
depends on the configured dialect is ``response.output_item.done``: beta has no
``conversation.item.done``, so a beta codec emits a synthetic :class:`ItemDone` before the
:class:`OutputItemDone`, and beta ``conversation.item.created`` of a finished item (any status
but ``in_progress``) gives :class:`ItemAdded` then :class:`ItemDone`: the session sees GA order.

The streamed deltas (audio, audio transcript, text: the hot path, §6.5, §9) are read without
the field reader: one ``json.loads``, five dictionary reads, and for audio one base64 decode.
A delta whose fields are missing or mistyped falls through to its full reader, which reports
the problem as a ``DecodeError``.
"""

from __future__ import annotations

import json
from binascii import a2b_base64

from ..events import (
    AudioDelta,
    AudioTranscriptDelta,
    DecodeError,
    ModelEvent,
    TextDelta,
    UnknownEvent,
)
from ._dialect import Dialect
from ._fields import Fields
from ._read_response_events import READERS as _RESPONSE_READERS
from ._read_session_events import READERS as _SESSION_READERS
from ._wire_errors import WireError

TEXT_LIMIT = 500
"""How much of an undecodable frame a :class:`DecodeError` keeps."""

assert not _SESSION_READERS.table.keys() & _RESPONSE_READERS.table.keys()
_HANDLERS = {**_SESSION_READERS.table, **_RESPONSE_READERS.table}

_AUDIO_DELTAS = frozenset({"response.output_audio.delta", "response.audio.delta"})
_TEXT_DELTAS: dict[str, type[AudioTranscriptDelta] | type[TextDelta]] = {
    "response.output_audio_transcript.delta": AudioTranscriptDelta,
    "response.audio_transcript.delta": AudioTranscriptDelta,
    "response.output_text.delta": TextDelta,
    "response.text.delta": TextDelta,
}
_STREAMED_DELTAS = _AUDIO_DELTAS | _TEXT_DELTAS.keys()


def _streamed_delta(
    obj: dict[str, object], etype: str
) -> AudioDelta | AudioTranscriptDelta | TextDelta | None:
    """A well-formed streamed delta, read directly; ``None`` sends it to its full reader."""
    rid, iid = obj.get("response_id"), obj.get("item_id")
    oi, ci, payload = obj.get("output_index"), obj.get("content_index"), obj.get("delta")
    if not (
        type(rid) is str
        and type(iid) is str
        and type(oi) is int
        and type(ci) is int
        and type(payload) is str
    ):
        return None
    if etype in _AUDIO_DELTAS:
        try:
            audio = a2b_base64(payload)
        except ValueError:
            return None
        return AudioDelta(
            response_id=rid, item_id=iid, output_index=oi, content_index=ci, audio=audio
        )
    return _TEXT_DELTAS[etype](
        response_id=rid, item_id=iid, output_index=oi, content_index=ci, delta=payload
    )


def decode_server_frame(frame: str, dialect: Dialect) -> list[ModelEvent]:
    """One server text frame -> its model events (usually one). Never raises."""
    try:
        obj = json.loads(frame)
    except (ValueError, RecursionError):
        return [DecodeError(reason="The frame is not valid JSON.", text=frame[:TEXT_LIMIT])]
    if type(obj) is not dict:
        return [DecodeError(reason="The frame is not a JSON object.", text=frame[:TEXT_LIMIT])]
    etype = obj.get("type")
    if type(etype) is not str:
        reason = "The frame has no string 'type' field."
        return [DecodeError(reason=reason, text=frame[:TEXT_LIMIT])]
    if etype in _STREAMED_DELTAS:  # the hot path (§6.5, §9)
        event = _streamed_delta(obj, etype)
        if event is not None:
            return [event]
    handler = _HANDLERS.get(etype)
    if handler is None:
        return [UnknownEvent(event_type=etype, raw=obj)]
    try:
        return handler(Fields(obj), dialect)
    except WireError as exc:
        reason = f"{etype}: {exc.message}"
    except RecursionError:
        reason = f"{etype}: the frame is nested too deeply."
    except Exception as exc:  # a decoder bug must not take the session down: report it
        reason = f"{etype}: unexpected decoder failure: {type(exc).__name__}: {exc}"
    return [DecodeError(reason=reason, text=frame[:TEXT_LIMIT], event_type=etype)]
