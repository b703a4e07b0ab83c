"""Client frames -> model commands, validated as strictly as the real server: the reading half
of the server codec.

Checks run in the server's order: the frame must be JSON (``invalid_json``), an object with
a ``type`` (``invalid_event``), a supported type (``invalid_value`` on ``type``, listing the
supported values in the server's order); then every field is checked with the wire models
(``unknown_parameter``, ``missing_required_parameter``, ``invalid_type``, ``invalid_value``,
``integer_below_min_value``, ...). Only the first problem is reported, with the dotted path
the server uses (``session.audio.input.format.rate``, ``item.content[0].text``), and the
client's ``event_id`` is echoed whenever it was a string.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

from pydantic import Field

from ...commands import (
    AppendInputAudio,
    CancelResponse,
    ClearInputAudio,
    ClearOutputAudio,
    CommitInputAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    ModelCommand,
    RetrieveItem,
    TruncateItem,
    UpdateSession,
)
from .._dialect import Dialect
from .._wire_errors import WireError, invalid_type, invalid_value
from .._wire_json import JsonObject
from ._client_event_error import ClientEventError
from ._read_items import b64decode, item_from_wire
from ._read_response_params import response_params_from_wire
from ._read_session import session_from_beta, session_from_ga
from ._wire_models import Wire
from ._wire_validate import validate

# The WebSocket GA types, in the order of the server's own invalid_value message.
GA_CLIENT_TYPES: tuple[str, ...] = (
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.truncate",
    "conversation.item.delete",
    "conversation.item.retrieve",
    "response.create",
    "response.cancel",
)
BETA_CLIENT_TYPES: tuple[str, ...] = (
    "session.update",
    "transcription_session.update",
    *GA_CLIENT_TYPES[1:],
)
OUTPUT_AUDIO_CLEAR = "output_audio_buffer.clear"  # WebRTC/SIP sessions only


class _Envelope(Wire):
    type: str
    event_id: str | None = None


class _SessionUpdate(_Envelope):
    session: JsonObject


class _Append(_Envelope):
    audio: str


class _ItemCreate(_Envelope):
    item: JsonObject
    previous_item_id: str | None = None


class _ItemRef(_Envelope):
    item_id: str


class _Truncate(_Envelope):
    item_id: str
    content_index: Annotated[int, Field(ge=0)]
    audio_end_ms: Annotated[int, Field(ge=0)]


class _ResponseCreate(_Envelope):
    response: JsonObject | None = None


class _ResponseCancel(_Envelope):
    response_id: str | None = None


def supported_types(dialect: Dialect, *, webrtc: bool) -> tuple[str, ...]:
    """The client event types a server of this kind accepts, in message order."""
    base = GA_CLIENT_TYPES if dialect == "ga" else BETA_CLIENT_TYPES
    return (*base, OUTPUT_AUDIO_CLEAR) if webrtc else base


def decode_client_frame(
    frame: str, dialect: Dialect, *, webrtc: bool
) -> ModelCommand | ClientEventError:
    """One client text frame -> its command, or the error the server answers. Never raises."""
    try:
        obj = json.loads(frame)
    except (ValueError, RecursionError) as exc:
        # Not fatal on the real server; the message's tail is the parser's.
        message = f"Invalid event: failed to parse JSON value. {exc}"
        return ClientEventError(code="invalid_json", message=message)
    if not isinstance(obj, dict):
        return ClientEventError(
            code="invalid_event", message="Invalid event: expected a JSON object."
        )
    raw_id = obj.get("event_id")
    event_id = raw_id if isinstance(raw_id, str) else None
    if "type" not in obj:
        return ClientEventError(
            code="invalid_event", message="The 'type' field is missing.", event_id=event_id
        )
    event_type = obj["type"]
    try:
        if not isinstance(event_type, str):
            raise invalid_type(("type",), "a string", event_type)
        allowed = supported_types(dialect, webrtc=webrtc)
        if event_type not in allowed:
            raise invalid_value(("type",), event_type, allowed)
        return _READERS[event_type](obj, dialect)
    except WireError as exc:
        return ClientEventError.from_wire_error(exc, event_id)
    except RecursionError:
        return ClientEventError(
            code="invalid_event", message="Invalid event: nested too deeply.", event_id=event_id
        )
    except Exception:  # never raise (see the docstring): answer like the server's own failure
        return ClientEventError(
            code="server_error",
            message="The server had an error while processing your request.",
            event_id=event_id,
            error_type="server_error",
        )


# ---------------------------------------------------------------------------------------------
# One reader per client event type


def _session_update(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_SessionUpdate, obj, ())
    if dialect == "ga":
        session = session_from_ga(w.session, ("session",))
    else:
        session = session_from_beta(w.session, ("session",), "realtime")
    return UpdateSession(session=session, event_id=w.event_id)


def _transcription_session_update(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_SessionUpdate, obj, ())
    session = session_from_beta(w.session, ("session",), "transcription")
    return UpdateSession(session=session, event_id=w.event_id)


def _append(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_Append, obj, ())
    return AppendInputAudio(audio=b64decode(w.audio, ("audio",)), event_id=w.event_id)


def _commit(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    return CommitInputAudio(event_id=validate(_Envelope, obj, ()).event_id)


def _clear(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    return ClearInputAudio(event_id=validate(_Envelope, obj, ()).event_id)


def _clear_output(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    return ClearOutputAudio(event_id=validate(_Envelope, obj, ()).event_id)


def _item_create(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_ItemCreate, obj, ())
    item = item_from_wire(w.item, ("item",), dialect)
    return CreateItem(item=item, previous_item_id=w.previous_item_id, event_id=w.event_id)


def _item_retrieve(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_ItemRef, obj, ())
    return RetrieveItem(item_id=w.item_id, event_id=w.event_id)


def _item_delete(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_ItemRef, obj, ())
    return DeleteItem(item_id=w.item_id, event_id=w.event_id)


def _item_truncate(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_Truncate, obj, ())
    return TruncateItem(
        item_id=w.item_id,
        content_index=w.content_index,
        audio_end_ms=w.audio_end_ms,
        event_id=w.event_id,
    )


def _response_create(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_ResponseCreate, obj, ())
    params = None
    if w.response is not None:
        params = response_params_from_wire(w.response, ("response",), dialect)
    return CreateResponse(response=params, event_id=w.event_id)


def _response_cancel(obj: JsonObject, dialect: Dialect) -> ModelCommand:
    w = validate(_ResponseCancel, obj, ())
    return CancelResponse(response_id=w.response_id, event_id=w.event_id)


_READERS: dict[str, Callable[[JsonObject, Dialect], ModelCommand]] = {
    "session.update": _session_update,
    "transcription_session.update": _transcription_session_update,
    "input_audio_buffer.append": _append,
    "input_audio_buffer.commit": _commit,
    "input_audio_buffer.clear": _clear,
    "conversation.item.create": _item_create,
    "conversation.item.retrieve": _item_retrieve,
    "conversation.item.truncate": _item_truncate,
    "conversation.item.delete": _item_delete,
    "response.create": _response_create,
    "response.cancel": _response_cancel,
    OUTPUT_AUDIO_CLEAR: _clear_output,
}
