"""Responses and their numbers -> wire objects, as a server writes them.

The response object of ``response.created`` / ``response.done`` (GA ``output_modalities`` +
``audio.output.voice``, beta ``modalities`` + ``voice``), its nested usage, errors, rate limits
and transcription usage. The client reads them back with
:mod:`rtvoice.model.openai._read_responses`.
"""

from __future__ import annotations

from ...events import ErrorInfo, RateLimit, ResponseInfo, TranscriptionUsage, Usage
from .._dialect import Dialect
from .._item_wire import item_to_wire
from .._session_parts_wire import voice_to_ga
from .._session_wire import beta_modalities
from .._wire_json import JsonObject, drop_none

# ---------------------------------------------------------------------------------------------
# Errors, usage, rate limits


def error_to_wire(error: ErrorInfo, *, full: bool) -> JsonObject:
    """An ``error`` object. ``full`` (the ``error`` event) writes ``code``, ``param``
    and ``event_id`` even when ``null``; elsewhere only ``code`` is always written."""
    out: JsonObject = {"type": error.type, "code": error.code, "message": error.message}
    if full or error.param is not None:
        out["param"] = error.param
    if full or error.event_id is not None:
        out["event_id"] = error.event_id
    return out


def usage_to_wire(u: Usage, dialect: Dialect) -> JsonObject:
    """The nested usage object, every count written; beta has no image tokens and no
    ``cached_tokens_details``."""
    inputs: JsonObject = {
        "text_tokens": u.input_text_tokens,
        "audio_tokens": u.input_audio_tokens,
        "cached_tokens": u.cached_tokens,
    }
    if dialect == "ga":
        inputs["image_tokens"] = u.input_image_tokens
        inputs["cached_tokens_details"] = {
            "text_tokens": u.cached_text_tokens,
            "audio_tokens": u.cached_audio_tokens,
            "image_tokens": u.cached_image_tokens,
        }
    return {
        "total_tokens": u.total_tokens,
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "input_token_details": inputs,
        "output_token_details": {
            "text_tokens": u.output_text_tokens,
            "audio_tokens": u.output_audio_tokens,
        },
    }


def rate_limit_to_wire(r: RateLimit) -> JsonObject:
    """One entry of ``rate_limits.updated.rate_limits``."""
    return {
        "name": r.name,
        "limit": r.limit,
        "remaining": r.remaining,
        "reset_seconds": r.reset_seconds,
    }


def transcription_usage_to_wire(u: TranscriptionUsage) -> JsonObject:
    """``{type: "tokens", ...counts}`` or ``{type: "duration", seconds}``."""
    if u.type == "duration":
        return {"type": "duration", "seconds": u.seconds}
    return {
        "type": "tokens",
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "total_tokens": u.total_tokens,
        "input_token_details": {
            "audio_tokens": u.input_audio_tokens,
            "text_tokens": u.input_text_tokens,
        },
    }


# ---------------------------------------------------------------------------------------------
# The response object


def response_to_wire(r: ResponseInfo, dialect: Dialect) -> JsonObject:
    """The response object as the server writes it (output items without audio bytes are
    the caller's business: items are written as given)."""
    out: JsonObject = {"object": "realtime.response", "id": r.id, "status": r.status}
    sd = r.status_details
    out["status_details"] = (
        None
        if sd is None
        else drop_none(
            type=sd.type,
            reason=sd.reason,
            error=None if sd.error is None else error_to_wire(sd.error, full=False),
        )
    )
    out["output"] = [item_to_wire(i, dialect, server=True) for i in r.output]
    out["conversation_id"] = r.conversation_id
    if dialect == "ga":
        if r.output_modalities is not None:
            out["output_modalities"] = list(r.output_modalities)
        if r.voice is not None:
            out["audio"] = {"output": {"voice": voice_to_ga(r.voice)}}
    else:
        if r.output_modalities is not None:
            out["modalities"] = beta_modalities(r.output_modalities)
        if r.voice is not None:
            out["voice"] = r.voice
    if r.max_output_tokens is not None:
        out["max_output_tokens"] = r.max_output_tokens
    out["usage"] = None if r.usage is None else usage_to_wire(r.usage, dialect)
    out["metadata"] = None if r.metadata is None else dict(r.metadata)
    return out
