"""Direct reads of a server frame's fields and nested values, without pydantic (PROTOCOL.md
§5, §6.1-§6.7).

The validating readers check nested objects (items, content parts, responses, usage, errors,
rate limits) with the lenient models of :mod:`._wire_models`: extra keys are ignored, a
missing or ill-typed field is an error, and a few values are coerced (``"5"`` or ``true`` for
an integer). The functions here return the same values for the well-formed shapes, using
exact ``type(x) is ...`` checks, and raise :class:`Decline` for anything else: a missing or
ill-typed field, a value pydantic would coerce, an item or part type they do not know. The
validating reader then decides, and reports its error in its own words. So a direct read
never rejects a frame and never accepts one the validating reader would reject; each check
below mirrors one field of a model in :mod:`._wire_models`, including the fields whose value
is then dropped (a response's ``output_modalities`` and beta ``modalities`` are both checked).
"""

from __future__ import annotations

import contextlib
from binascii import a2b_base64
from collections.abc import Callable
from typing import Any, Literal

from ..events import (
    ErrorInfo,
    ModelEvent,
    RateLimit,
    ResponseInfo,
    ResponseStatus,
    StatusDetails,
    TranscriptionUsage,
    Usage,
)
from ..items import (
    ContentPart,
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputImage,
    InputText,
    Item,
    ItemStatus,
    MessageItem,
    OutputAudio,
    OutputText,
    Role,
)
from ._dialect import Dialect
from ._session_wire import ga_modalities
from ._wire_json import JsonObject

DirectReader = Callable[[JsonObject, Dialect], list[ModelEvent]]
"""Reads one parsed frame of a known type; raises :class:`Decline` unless it is well formed."""


class Decline(Exception):
    """Not vouched for by a direct read: the validating reader must decide (never escapes
    the decoder)."""


_EMPTY: JsonObject = {}
_ITEM_STATUSES: dict[str, ItemStatus] = {
    "completed": "completed",
    "incomplete": "incomplete",
    "in_progress": "in_progress",
}
_RESPONSE_STATUSES: dict[str, ResponseStatus] = {
    "in_progress": "in_progress",
    "completed": "completed",
    "cancelled": "cancelled",
    "failed": "failed",
    "incomplete": "incomplete",
}
_ROLES: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}
_DETAILS: dict[str, Literal["auto", "low", "high"]] = {"auto": "auto", "low": "low", "high": "high"}


# ---------------------------------------------------------------------------------------------
# Scalars: each raises Decline unless the value is exactly what the model field declares


def text(obj: JsonObject, key: str) -> str:
    """A required string."""
    value = obj.get(key)
    if type(value) is str:
        return value
    raise Decline


def opt_text(obj: JsonObject, key: str) -> str | None:
    """A string or ``null`` / absent (``str | None = None``)."""
    value = obj.get(key)
    if value is None or type(value) is str:
        return value
    raise Decline


def integer(obj: JsonObject, key: str) -> int:
    """A required integer (not a boolean)."""
    value = obj.get(key)
    if type(value) is int:
        return value
    raise Decline


def integer_or(obj: JsonObject, key: str, default: int) -> int:
    """An integer, ``default`` when absent or ``null`` (an event's optional index)."""
    value = obj.get(key)
    if type(value) is int:
        return value
    if value is None:
        return default
    raise Decline


def count(obj: JsonObject, key: str) -> int:
    """A model's ``int = 0``: absent is 0, ``null`` is not an integer."""
    value = obj.get(key, 0)
    if type(value) is int:
        return value
    raise Decline


def number(obj: JsonObject, key: str, default: float | None = None) -> float:
    """A ``float`` field: a decimal, or an integer converted as pydantic does."""
    value = obj.get(key, default)
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)  # an OverflowError here also sends the frame to the validating path
    raise Decline


def child(obj: JsonObject, key: str) -> JsonObject:
    """A required object."""
    value = obj.get(key)
    if type(value) is dict:
        return value
    raise Decline


def opt_child(obj: JsonObject, key: str) -> JsonObject | None:
    """An object or ``null`` / absent."""
    value = obj.get(key)
    if value is None or type(value) is dict:
        return value
    raise Decline


def strings(obj: JsonObject, key: str) -> list[str] | None:
    """A ``list[str] | None`` field."""
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is list and all(type(v) is str for v in value):
        return value
    raise Decline


def pick(table: dict[str, Any], value: object) -> Any:
    """A ``Literal`` field: ``value`` must be one of ``table``'s keys (typed values)."""
    if type(value) is str and value in table:
        return table[value]
    raise Decline


# ---------------------------------------------------------------------------------------------
# Items and content parts (§5; models MessageW, FunctionCallW, FunctionCallOutputW, *W parts)


_RECENT_ITEMS: dict[str, tuple[JsonObject, Item]] = {}
"""The last items decoded, by id, with the object each was decoded from. The server states an
item up to four times a turn (as an output item and in the conversation when it is added, the
same when it is done, then in ``response.done``); an object equal to the last one of its id is
not decoded again. Items are immutable, so sharing one is safe; those holding audio bytes are
not kept."""

_RECENT_LIMIT = 64


def item(obj: object) -> Item:
    """A message, function call or function call output; any other type declines."""
    if type(obj) is not dict:
        raise Decline
    item_id = obj.get("id")
    if type(item_id) is not str:
        return _item(obj)
    known = _RECENT_ITEMS.get(item_id)
    if known is not None and known[0] == obj:
        return known[1]
    decoded = _item(obj)
    if isinstance(decoded, MessageItem) and any(
        getattr(part, "audio", None) is not None for part in decoded.content
    ):
        _RECENT_ITEMS.pop(item_id, None)
        return decoded
    _RECENT_ITEMS[item_id] = (obj, decoded)
    if len(_RECENT_ITEMS) > _RECENT_LIMIT:
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):
            del _RECENT_ITEMS[next(iter(_RECENT_ITEMS))]  # the oldest
    return decoded


def _item(obj: JsonObject) -> Item:
    kind = obj.get("type")
    item_id = opt_text(obj, "id")
    status = obj.get("status")
    if status is not None:
        status = pick(_ITEM_STATUSES, status)
    marker = obj.get("object")
    if marker is not None and marker != "realtime.item":
        raise Decline
    if kind == "message":
        content = obj.get("content")
        if type(content) is not list:
            raise Decline
        return MessageItem(
            role=pick(_ROLES, obj.get("role")),
            content=tuple([part(p) for p in content]),
            id=item_id,
            status=status,
        )
    if kind == "function_call":
        arguments = obj.get("arguments", "")
        if type(arguments) is not str:
            raise Decline
        return FunctionCallItem(
            call_id=text(obj, "call_id"),
            name=text(obj, "name"),
            arguments=arguments,
            id=item_id,
            status=status,
        )
    if kind == "function_call_output":
        return FunctionCallOutputItem(
            call_id=text(obj, "call_id"), output=text(obj, "output"), id=item_id, status=status
        )
    raise Decline  # MCP and unknown items become OtherItem on the validating path


def part(obj: object) -> ContentPart:
    """One content part of either spelling (``output_audio`` / ``audio``, ...)."""
    if type(obj) is not dict:
        raise Decline
    kind = obj.get("type")
    if kind == "output_audio" or kind == "audio":
        return OutputAudio(audio=_audio(obj), transcript=opt_text(obj, "transcript"))
    if kind == "output_text" or kind == "text":
        return OutputText(text=text(obj, "text"))
    if kind == "input_text":
        return InputText(text=text(obj, "text"))
    if kind == "input_audio":
        return InputAudio(audio=_audio(obj), transcript=opt_text(obj, "transcript"))
    if kind == "input_image":
        detail = obj.get("detail")
        return InputImage(
            image_url=text(obj, "image_url"),
            detail=None if detail is None else pick(_DETAILS, detail),
        )
    raise Decline


def _audio(obj: JsonObject) -> bytes | None:
    """A part's optional base64 ``audio``, decoded as leniently as the validating reader."""
    value = obj.get("audio")
    if value is None:
        return None
    if type(value) is not str:
        raise Decline
    try:
        return a2b_base64(value)
    except ValueError:
        raise Decline from None


# ---------------------------------------------------------------------------------------------
# Responses and their numbers (§6.7; models ResponseW, StatusDetailsW, UsageW, ErrorW, ...)


def response(obj: object) -> ResponseInfo:
    """A response object of either dialect (GA ``output_modalities`` + ``audio.output.voice``,
    beta ``modalities`` + ``voice``)."""
    if type(obj) is not dict:
        raise Decline
    output = obj.get("output", [])
    if type(output) is not list:
        raise Decline
    ga_names, beta_names = strings(obj, "output_modalities"), strings(obj, "modalities")
    modalities: tuple[str, ...] | None = None
    if ga_names is not None:
        modalities = tuple(ga_names)
    elif beta_names is not None:
        modalities = ga_modalities(beta_names)
    max_tokens = obj.get("max_output_tokens")
    if not (max_tokens is None or type(max_tokens) is int or max_tokens == "inf"):
        raise Decline
    voice = opt_text(obj, "voice")
    audio = opt_child(obj, "audio")
    audio_out = None if audio is None else opt_child(audio, "output")
    if audio_out is not None and audio_out.get("voice") is not None:
        voice = voice_name(audio_out["voice"])
    usage_obj = opt_child(obj, "usage")
    details = opt_child(obj, "status_details")
    return ResponseInfo(
        id=text(obj, "id"),
        status=pick(_RESPONSE_STATUSES, obj.get("status")),
        status_details=None if details is None else _status_details(details),
        output=tuple([item(i) for i in output]),
        conversation_id=opt_text(obj, "conversation_id"),
        output_modalities=modalities,
        max_output_tokens=max_tokens,
        voice=voice,
        usage=None if usage_obj is None else usage(usage_obj),
        metadata=_metadata(obj.get("metadata")),
    )


def voice_name(value: object) -> str:
    """``str | VoiceId``: a name, or ``{"id": ...}`` for a custom voice (§3.4)."""
    if type(value) is str:
        return value
    if type(value) is dict:
        return text(value, "id")
    raise Decline


def _metadata(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return value
    raise Decline


def _status_details(obj: JsonObject) -> StatusDetails:
    error_obj = opt_child(obj, "error")
    return StatusDetails(
        type=text(obj, "type"),
        reason=opt_text(obj, "reason"),
        error=None if error_obj is None else error(error_obj),
    )


def error(obj: JsonObject) -> ErrorInfo:
    """An ``error`` object: ``type`` and ``message`` read as ``""`` when absent (not ``null``)."""
    kind, message = obj.get("type", ""), obj.get("message", "")
    if type(kind) is not str or type(message) is not str:
        raise Decline
    return ErrorInfo(
        type=kind,
        message=message,
        code=opt_text(obj, "code"),
        param=opt_text(obj, "param"),
        event_id=opt_text(obj, "event_id"),
    )


def usage(obj: JsonObject) -> Usage:
    """A response's nested usage, flattened; absent counts and details are 0."""
    inputs = opt_child(obj, "input_token_details") or _EMPTY
    cached = opt_child(inputs, "cached_tokens_details") or _EMPTY
    outputs = opt_child(obj, "output_token_details") or _EMPTY
    return Usage(
        total_tokens=count(obj, "total_tokens"),
        input_tokens=count(obj, "input_tokens"),
        output_tokens=count(obj, "output_tokens"),
        input_text_tokens=count(inputs, "text_tokens"),
        input_audio_tokens=count(inputs, "audio_tokens"),
        input_image_tokens=count(inputs, "image_tokens"),
        cached_tokens=count(inputs, "cached_tokens"),
        cached_text_tokens=count(cached, "text_tokens"),
        cached_audio_tokens=count(cached, "audio_tokens"),
        cached_image_tokens=count(cached, "image_tokens"),
        output_text_tokens=count(outputs, "text_tokens"),
        output_audio_tokens=count(outputs, "audio_tokens"),
    )


def rate_limits(obj: JsonObject) -> tuple[RateLimit, ...]:
    """The ``rate_limits`` array of ``rate_limits.updated`` (§6.1)."""
    entries = obj.get("rate_limits")
    if type(entries) is not list:
        raise Decline
    limits = []
    for entry in entries:
        if type(entry) is not dict:
            raise Decline
        limits.append(
            RateLimit(
                name=text(entry, "name"),
                limit=integer(entry, "limit"),
                remaining=integer(entry, "remaining"),
                reset_seconds=number(entry, "reset_seconds"),
            )
        )
    return tuple(limits)


def transcription_usage(obj: object) -> TranscriptionUsage:
    """Tokens or seconds of a finished input transcription (§6.2); every field is checked,
    whichever ``type`` leaves unused."""
    if type(obj) is not dict:
        raise Decline
    kind = obj.get("type")
    details = opt_child(obj, "input_token_details") or _EMPTY
    tokens = TranscriptionUsage(
        type="tokens",
        input_tokens=count(obj, "input_tokens"),
        output_tokens=count(obj, "output_tokens"),
        total_tokens=count(obj, "total_tokens"),
        input_audio_tokens=count(details, "audio_tokens"),
        input_text_tokens=count(details, "text_tokens"),
    )
    seconds = number(obj, "seconds", 0.0)
    if kind == "tokens":
        return tokens
    if kind == "duration":
        return TranscriptionUsage(type="duration", seconds=seconds)
    raise Decline
