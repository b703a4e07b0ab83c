"""The response object and the numbers of server frames -> neutral values.

The response of ``response.created`` / ``response.done`` in either dialect (GA
``output_modalities`` and ``audio.output.voice``, beta ``modalities`` and ``voice``), its usage
(flattened into :class:`Usage`), error objects, rate limits and transcription usage.

Strict on the response's ``id`` and ``status`` and on its output items; lenient on the numbers
the server may add to or leave out: a usage count that is absent or ``null`` reads as 0, an
absent detail object as all zeros, an absent or ``null`` error ``type`` / ``message`` as
``""``. Keys the client does not read are ignored.
"""

from __future__ import annotations

from ..events import (
    ErrorInfo,
    RateLimit,
    ResponseInfo,
    ResponseStatus,
    StatusDetails,
    TranscriptionUsage,
    Usage,
)
from ._read_fields import (
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

_STATUSES: dict[str, ResponseStatus] = {
    "in_progress": "in_progress",
    "completed": "completed",
    "cancelled": "cancelled",
    "failed": "failed",
    "incomplete": "incomplete",
}
_USAGE_KINDS: dict[str, str] = {"tokens": "tokens", "duration": "duration"}
_NONE: JsonObject = {}


def response_from_wire(value: object, loc: Loc) -> ResponseInfo:
    """A response object found at ``loc`` (``("response",)``), of either dialect.

    Raises:
        WireError: A missing or ill-typed field, an unknown ``status``, or a malformed output
            item.
    """
    obj = object_at(value, loc)
    output: object = obj.get("output")
    if output is None:
        output = []
    elif type(output) is not list:
        raise invalid_type((*loc, "output"), "an array", output)
    modalities: tuple[str, ...] | None = None
    ga_names = _strings(obj, "output_modalities", loc)
    beta_names = _strings(obj, "modalities", loc)
    if ga_names is not None:
        modalities = tuple(ga_names)
    elif beta_names is not None:
        modalities = ga_modalities(beta_names)
    voice = opt_text(obj, "voice", loc)  # beta
    audio = opt_child(obj, "audio", loc)
    audio_out = None if audio is None else opt_child(audio, "output", (*loc, "audio"))
    if audio_out is not None and audio_out.get("voice") is not None:
        voice = voice_from_wire(audio_out["voice"], (*loc, "audio", "output", "voice"))
    details = opt_child(obj, "status_details", loc)
    usage = opt_child(obj, "usage", loc)
    return ResponseInfo(
        id=text(obj, "id", loc),
        status=choice(obj, "status", _STATUSES, loc),
        status_details=None
        if details is None
        else _status_details(details, (*loc, "status_details")),
        output=tuple([item_from_wire(i, (*loc, "output", n)) for n, i in enumerate(output)]),
        conversation_id=opt_text(obj, "conversation_id", loc),
        output_modalities=modalities,
        max_output_tokens=max_tokens(obj, "max_output_tokens", loc),
        voice=voice,
        usage=None if usage is None else _usage(usage, (*loc, "usage")),
        metadata=_metadata(obj, loc),
    )


def _status_details(obj: JsonObject, loc: Loc) -> StatusDetails:
    error = opt_child(obj, "error", loc)
    return StatusDetails(
        type=text(obj, "type", loc),
        reason=opt_text(obj, "reason", loc),
        error=None if error is None else error_from_wire(error, (*loc, "error")),
    )


def _usage(obj: JsonObject, loc: Loc) -> Usage:
    at_in, at_out = (*loc, "input_token_details"), (*loc, "output_token_details")
    inputs = opt_child(obj, "input_token_details", loc) or _NONE
    at_cached = (*at_in, "cached_tokens_details")
    cached = opt_child(inputs, "cached_tokens_details", at_in) or _NONE
    outputs = opt_child(obj, "output_token_details", loc) or _NONE
    return Usage(
        total_tokens=integer_or(obj, "total_tokens", 0, loc),
        input_tokens=integer_or(obj, "input_tokens", 0, loc),
        output_tokens=integer_or(obj, "output_tokens", 0, loc),
        input_text_tokens=integer_or(inputs, "text_tokens", 0, at_in),
        input_audio_tokens=integer_or(inputs, "audio_tokens", 0, at_in),
        input_image_tokens=integer_or(inputs, "image_tokens", 0, at_in),
        cached_tokens=integer_or(inputs, "cached_tokens", 0, at_in),
        cached_text_tokens=integer_or(cached, "text_tokens", 0, at_cached),
        cached_audio_tokens=integer_or(cached, "audio_tokens", 0, at_cached),
        cached_image_tokens=integer_or(cached, "image_tokens", 0, at_cached),
        output_text_tokens=integer_or(outputs, "text_tokens", 0, at_out),
        output_audio_tokens=integer_or(outputs, "audio_tokens", 0, at_out),
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


def _metadata(obj: JsonObject, loc: Loc) -> dict[str, str] | None:
    """String values by string keys, or ``None`` when absent or ``null``."""
    value = opt_child(obj, "metadata", loc)
    if value is None:
        return None
    for key, entry in value.items():
        if type(entry) is not str:
            raise invalid_type((*loc, "metadata", key), "a string", entry)
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
