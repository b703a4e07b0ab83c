"""The response object and the numbers of server frames -> neutral values.

The response of ``response.created`` / ``response.done`` in either dialect (GA
``output_modalities`` and ``audio.output.voice``, beta ``modalities`` and ``voice``), its usage
(flattened into :class:`Usage`), error objects, rate limits and transcription usage.

A response is strict on its ``id`` alone: those two frames start and end a turn, and a turn
the client cannot end wedges the session, so every other field is forward-compatible. A
status rtvoice does not know is kept as its string; a field of another type or shape
(``status_details``, ``usage``, ``metadata``, the modalities, the voice, the token limit) reads
as not given, and an output entry that is not an item with a string ``id`` and ``type`` is
left out, each with its raw value in :attr:`ResponseInfo.unread`. A usage count that is absent
or ``null`` reads as 0. Keys the client does not read are ignored.
"""

from __future__ import annotations

from ..events import (
    ErrorInfo,
    RateLimit,
    ResponseInfo,
    StatusDetails,
    TranscriptionUsage,
    Usage,
)
from ..items import Item
from ._read_fields import (
    Unread,
    array,
    choice,
    integer,
    integer_or,
    max_tokens,
    number,
    object_at,
    opt_child,
    opt_number,
    opt_text,
    text,
)
from ._read_items import item_from_wire
from ._read_session_parts import voice_from_wire
from ._session_wire import ga_modalities
from ._wire_errors import Loc, invalid_type
from ._wire_json import JsonObject

__all__ = [
    "error_from_wire",
    "rate_limits_from_wire",
    "response_from_wire",
    "transcription_usage_from_wire",
]

_USAGE_KINDS: dict[str, str] = {"tokens": "tokens", "duration": "duration"}
_NONE: JsonObject = {}


def response_from_wire(value: object, loc: Loc) -> ResponseInfo:
    """A response object found at ``loc`` (``("response",)``), of either dialect.

    Raises:
        WireError: ``value`` is not an object, or its ``id`` is not a string.
    """
    obj = object_at(value, loc)
    rid = text(obj, "id", loc)
    unread = Unread()
    status: object = obj.get("status")
    if type(status) is not str:
        unread.keep(status, (*loc, "status"))
        status = ""
    output: object = obj.get("output")
    items: list[Item] = []
    if type(output) is list:
        for n, entry in enumerate(output):
            at = (*loc, "output", n)
            item = unread.value(entry, at, item_from_wire, None)
            if item is not None:
                items.append(item)
    elif output is not None:
        unread.keep(output, (*loc, "output"))
    modalities: tuple[str, ...] | None = None
    ga_names = unread.field(obj, "output_modalities", loc, _strings, None)
    beta_names = unread.field(obj, "modalities", loc, _strings, None)
    if ga_names is not None:
        modalities = tuple(ga_names)
    elif beta_names is not None:
        modalities = ga_modalities(beta_names)
    voice = unread.field(obj, "voice", loc, opt_text, None)  # beta
    audio_out = unread.value(obj.get("audio"), (*loc, "audio"), _audio_output, None)
    if audio_out is not None and audio_out.get("voice") is not None:
        at_voice = (*loc, "audio", "output", "voice")
        voice = unread.value(audio_out["voice"], at_voice, voice_from_wire, voice)
    usage = unread.field(obj, "usage", loc, opt_child, None)
    return ResponseInfo(
        id=rid,
        status=status,
        status_details=unread.field(obj, "status_details", loc, _opt_status_details, None),
        output=tuple(items),
        conversation_id=unread.field(obj, "conversation_id", loc, opt_text, None),
        output_modalities=modalities,
        max_output_tokens=unread.field(obj, "max_output_tokens", loc, max_tokens, None),
        voice=voice,
        usage=None if usage is None else _usage(usage, (*loc, "usage"), unread),
        metadata=unread.field(obj, "metadata", loc, _metadata, None),
        unread=unread.result(),
    )


def _audio_output(value: object, loc: Loc) -> JsonObject | None:
    """A response's ``audio.output`` object, or ``None`` when either is absent or ``null``."""
    if value is None:
        return None
    return opt_child(object_at(value, loc), "output", loc)


def _opt_status_details(obj: JsonObject, key: str, loc: Loc) -> StatusDetails | None:
    details = opt_child(obj, key, loc)
    return None if details is None else _status_details(details, (*loc, key))


def _status_details(obj: JsonObject, loc: Loc) -> StatusDetails:
    error = opt_child(obj, "error", loc)
    return StatusDetails(
        type=text(obj, "type", loc),
        reason=opt_text(obj, "reason", loc),
        error=None if error is None else error_from_wire(error, (*loc, "error")),
    )


def _count(obj: JsonObject, key: str, at: Loc) -> int:
    return integer_or(obj, key, 0, at)


def _usage(obj: JsonObject, loc: Loc, unread: Unread) -> Usage:
    """Each count that is absent or ``null`` reads as 0, and so does one of another type (kept
    in ``unread``); a details object of another type reads as all zeros (kept likewise)."""
    at_in, at_out = (*loc, "input_token_details"), (*loc, "output_token_details")
    inputs = unread.field(obj, "input_token_details", loc, opt_child, None) or _NONE
    at_cached = (*at_in, "cached_tokens_details")
    cached = unread.field(inputs, "cached_tokens_details", at_in, opt_child, None) or _NONE
    outputs = unread.field(obj, "output_token_details", loc, opt_child, None) or _NONE
    count = unread.field
    return Usage(
        total_tokens=count(obj, "total_tokens", loc, _count, 0),
        input_tokens=count(obj, "input_tokens", loc, _count, 0),
        output_tokens=count(obj, "output_tokens", loc, _count, 0),
        input_text_tokens=count(inputs, "text_tokens", at_in, _count, 0),
        input_audio_tokens=count(inputs, "audio_tokens", at_in, _count, 0),
        input_image_tokens=count(inputs, "image_tokens", at_in, _count, 0),
        cached_tokens=count(inputs, "cached_tokens", at_in, _count, 0),
        cached_text_tokens=count(cached, "text_tokens", at_cached, _count, 0),
        cached_audio_tokens=count(cached, "audio_tokens", at_cached, _count, 0),
        cached_image_tokens=count(cached, "image_tokens", at_cached, _count, 0),
        output_text_tokens=count(outputs, "text_tokens", at_out, _count, 0),
        output_audio_tokens=count(outputs, "audio_tokens", at_out, _count, 0),
    )


def _strings(obj: JsonObject, key: str, loc: Loc) -> list[str] | None:
    """An array of strings, or ``None`` when absent or ``null``."""
    value: object = obj.get(key)
    if value is None:
        return None
    if type(value) is not list:
        raise invalid_type((*loc, key), "an array", value)
    for n, name in enumerate(value):
        if type(name) is not str:
            raise invalid_type((*loc, key, n), "a string", name)
    return value


def _metadata(obj: JsonObject, key: str, loc: Loc) -> dict[str, str] | None:
    """String values by string keys, or ``None`` when absent or ``null``."""
    value = opt_child(obj, key, loc)
    if value is None:
        return None
    for name, entry in value.items():
        if type(entry) is not str:
            raise invalid_type((*loc, key, name), "a string", entry)
    return value


# ---------------------------------------------------------------------------------------------
# Errors, rate limits, transcription usage


def error_from_wire(obj: JsonObject, loc: Loc) -> ErrorInfo:
    """An error object found at ``loc`` (``("error",)``, ...): ``type`` and ``message`` read as
    ``""`` when absent or ``null``; ``code``, ``param`` and ``event_id`` as ``None``."""
    return ErrorInfo(
        type=opt_text(obj, "type", loc) or "",
        message=opt_text(obj, "message", loc) or "",
        code=opt_text(obj, "code", loc),
        param=opt_text(obj, "param", loc),
        event_id=opt_text(obj, "event_id", loc),
    )


def rate_limits_from_wire(frame: JsonObject) -> tuple[RateLimit, ...]:
    """The ``rate_limits`` array of a ``rate_limits.updated`` frame; every entry's ``name``,
    ``limit``, ``remaining`` and ``reset_seconds`` is required."""
    limits = []
    for n, entry in enumerate(array(frame, "rate_limits")):
        at = ("rate_limits", n)
        obj = object_at(entry, at)
        limits.append(
            RateLimit(
                name=text(obj, "name", at),
                limit=integer(obj, "limit", at),
                remaining=integer(obj, "remaining", at),
                reset_seconds=number(obj, "reset_seconds", at),
            )
        )
    return tuple(limits)


def transcription_usage_from_wire(obj: JsonObject, loc: Loc) -> TranscriptionUsage:
    """Token counts (``type: "tokens"``) or seconds (``type: "duration"``) of a finished input
    transcription; a count or ``seconds`` that is absent or ``null`` reads as 0."""
    if choice(obj, "type", _USAGE_KINDS, loc) == "duration":
        return TranscriptionUsage(type="duration", seconds=opt_number(obj, "seconds", loc) or 0.0)
    at = (*loc, "input_token_details")
    details = opt_child(obj, "input_token_details", loc) or _NONE
    return TranscriptionUsage(
        type="tokens",
        input_tokens=integer_or(obj, "input_tokens", 0, loc),
        output_tokens=integer_or(obj, "output_tokens", 0, loc),
        total_tokens=integer_or(obj, "total_tokens", 0, loc),
        input_audio_tokens=integer_or(details, "audio_tokens", 0, at),
        input_text_tokens=integer_or(details, "text_tokens", 0, at),
    )
