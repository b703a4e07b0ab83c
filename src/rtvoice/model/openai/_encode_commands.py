"""Model commands -> client frames: the writing half of the client codec.

GA writes the nested session and ``output_*`` assistant content; beta writes the flat session
(``transcription_session.update`` for a transcription session), ``text`` / ``audio`` content
and the beta ``response`` fields. ``event_id`` is written only when set.

``input_audio_buffer.append`` (the hot path on the way up) is assembled as a string:
base64 text never needs JSON escaping, so the payload is copied once and never scanned.
"""

from __future__ import annotations

import json
from binascii import b2a_base64
from typing import Any

from typing_extensions import assert_never

from ..commands import (
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
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from ._dialect import Dialect
from ._item_wire import item_to_wire
from ._response_params_wire import response_params_to_wire
from ._session_wire import session_to_beta, session_to_ga
from ._wire_json import JsonObject

dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
"""Compact JSON text: ASCII-only (safe for any string) and strict (no NaN or Infinity)."""


def encode_command(command: ModelCommand, dialect: Dialect) -> str:
    """One command -> one client frame.

    Raises:
        TypeError: ``SendRaw.event`` (or an ``extra`` / raw mapping) is not JSON-serialisable.
        ValueError: The same, for a circular structure or a non-finite float.
    """
    match command:
        case AppendInputAudio():
            b64 = b2a_base64(command.audio, newline=False).decode("ascii")
            if command.event_id is None:
                return '{"type":"input_audio_buffer.append","audio":"' + b64 + '"}'
            return (
                '{"type":"input_audio_buffer.append","event_id":'
                + dumps(command.event_id)
                + ',"audio":"'
                + b64
                + '"}'
            )
        case UpdateSession():
            if dialect == "ga":
                return _event(
                    "session.update", command.event_id, session=session_to_ga(command.session)
                )
            name = "session.update"
            if command.session.type == "transcription":
                name = "transcription_session.update"  # beta's own name
            return _event(name, command.event_id, session=session_to_beta(command.session))
        case CommitInputAudio():
            return _event("input_audio_buffer.commit", command.event_id)
        case ClearInputAudio():
            return _event("input_audio_buffer.clear", command.event_id)
        case CreateItem():
            fields: JsonObject = {}
            if command.previous_item_id is not None:
                fields["previous_item_id"] = command.previous_item_id
            fields["item"] = item_to_wire(command.item, dialect, server=False)
            return _event("conversation.item.create", command.event_id, **fields)
        case RetrieveItem():
            return _event("conversation.item.retrieve", command.event_id, item_id=command.item_id)
        case TruncateItem():
            return _event(
                "conversation.item.truncate",
                command.event_id,
                item_id=command.item_id,
                content_index=command.content_index,
                audio_end_ms=command.audio_end_ms,
            )
        case DeleteItem():
            return _event("conversation.item.delete", command.event_id, item_id=command.item_id)
        case CreateResponse():
            if command.response is None:
                return _event("response.create", command.event_id)
            response = response_params_to_wire(command.response, dialect)
            return _event("response.create", command.event_id, response=response)
        case CancelResponse():
            if command.response_id is None:
                return _event("response.cancel", command.event_id)
            return _event("response.cancel", command.event_id, response_id=command.response_id)
        case ClearOutputAudio():
            return _event("output_audio_buffer.clear", command.event_id)
        case SendRaw():
            return dumps(dict(command.event))
        case _:
            assert_never(command)


def _event(event_type: str, event_id: str | None, **fields: Any) -> str:
    head: JsonObject = {"type": event_type}
    if event_id is not None:
        head["event_id"] = event_id
    head.update(fields)
    return dumps(head)
