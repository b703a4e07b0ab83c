"""Responses and their numbers <-> wire objects (PROTOCOL.md §4.2, §6.1, §6.2, §6.7, §11.4).

Covers the response object of ``response.created`` / ``response.done`` (GA
``output_modalities`` + ``audio.output.voice``, beta ``modalities`` + ``voice``), its nested
usage (flattened into :class:`Usage`), errors, rate limits, transcription usage, and the
``response`` parameters of ``response.create``.
"""

from __future__ import annotations

from typing import Literal

from ...audio import AudioFormatName
from ..commands import ResponseParams
from ..events import (
    ErrorInfo,
    RateLimit,
    ResponseInfo,
    StatusDetails,
    TranscriptionUsage,
    Usage,
)
from ._dialect import Dialect
from ._item_wire import input_from_wire, input_to_wire, item_from_wire, item_to_wire
from ._session_parts_wire import (
    format_from_ga,
    format_to_ga,
    tool_choice_from_wire,
    tool_choice_to_wire,
    tool_to_wire,
    tools_from_wire,
    voice_from_wire,
    voice_to_ga,
)
from ._session_wire import beta_modalities, ga_modalities
from ._wire_errors import Loc, validate
from ._wire_models import (
    BetaResponseParams,
    ErrorW,
    GaResponseParams,
    JsonObject,
    RateLimitW,
    ResponseW,
    TranscriptionUsageW,
    UsageW,
    drop_none,
)

# ---------------------------------------------------------------------------------------------
# Errors, usage, rate limits


def error_to_wire(error: ErrorInfo, *, full: bool) -> JsonObject:
    """An ``error`` object. ``full`` (the ``error`` event, §6.1) writes ``code``, ``param``
    and ``event_id`` even when ``null``; elsewhere only ``code`` is always written."""
    out: JsonObject = {"type": error.type, "code": error.code, "message": error.message}
    if full or error.param is not None:
        out["param"] = error.param
    if full or error.event_id is not None:
        out["event_id"] = error.event_id
    return out


def error_from_wire(w: ErrorW) -> ErrorInfo:
    """A validated ``error`` object (missing ``type`` / ``message`` read as ``""``)."""
    return ErrorInfo(
        type=w.type, message=w.message, code=w.code, param=w.param, event_id=w.event_id
    )


def usage_to_wire(u: Usage, dialect: Dialect) -> JsonObject:
    """The nested usage object (§6.7), every count written; beta has no image tokens and no
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


def usage_from_wire(w: UsageW) -> Usage:
    """Flatten a usage object; absent counts (beta has no image tokens) are 0."""
    i = w.input_token_details
    c = i.cached_tokens_details if i else None
    o = w.output_token_details
    return Usage(
        total_tokens=w.total_tokens,
        input_tokens=w.input_tokens,
        output_tokens=w.output_tokens,
        input_text_tokens=i.text_tokens if i else 0,
        input_audio_tokens=i.audio_tokens if i else 0,
        input_image_tokens=i.image_tokens if i else 0,
        cached_tokens=i.cached_tokens if i else 0,
        cached_text_tokens=c.text_tokens if c else 0,
        cached_audio_tokens=c.audio_tokens if c else 0,
        cached_image_tokens=c.image_tokens if c else 0,
        output_text_tokens=o.text_tokens if o else 0,
        output_audio_tokens=o.audio_tokens if o else 0,
    )


def rate_limit_to_wire(r: RateLimit) -> JsonObject:
    """One entry of ``rate_limits.updated.rate_limits``."""
    return {
        "name": r.name,
        "limit": r.limit,
        "remaining": r.remaining,
        "reset_seconds": r.reset_seconds,
    }


def rate_limit_from_wire(w: RateLimitW) -> RateLimit:
    """The inverse of :func:`rate_limit_to_wire`."""
    return RateLimit(
        name=w.name, limit=w.limit, remaining=w.remaining, reset_seconds=w.reset_seconds
    )


def transcription_usage_to_wire(u: TranscriptionUsage) -> JsonObject:
    """§6.2: ``{type: "tokens", ...counts}`` or ``{type: "duration", seconds}``."""
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


def transcription_usage_from_wire(w: TranscriptionUsageW) -> TranscriptionUsage:
    """The inverse of :func:`transcription_usage_to_wire`."""
    if w.type == "duration":
        return TranscriptionUsage(type="duration", seconds=w.seconds)
    d = w.input_token_details
    return TranscriptionUsage(
        type="tokens",
        input_tokens=w.input_tokens,
        output_tokens=w.output_tokens,
        total_tokens=w.total_tokens,
        input_audio_tokens=d.audio_tokens if d else 0,
        input_text_tokens=d.text_tokens if d else 0,
    )


# ---------------------------------------------------------------------------------------------
# The response object (§6.7)


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


def response_from_wire(obj: object, loc: Loc) -> ResponseInfo:
    """A response object of either dialect (leniently; the output format is not kept)."""
    w = validate(ResponseW, obj, loc, strict=False)
    modalities: tuple[str, ...] | None = None
    if w.output_modalities is not None:
        modalities = tuple(w.output_modalities)
    elif w.modalities is not None:
        modalities = ga_modalities(w.modalities)
    voice = w.voice
    if w.audio and w.audio.output and w.audio.output.voice is not None:
        voice = voice_from_wire(w.audio.output.voice)
    sd = w.status_details
    return ResponseInfo(
        id=w.id,
        status=w.status,
        status_details=None
        if sd is None
        else StatusDetails(
            type=sd.type,
            reason=sd.reason,
            error=None if sd.error is None else error_from_wire(sd.error),
        ),
        output=tuple(
            item_from_wire(i, (*loc, "output", n), strict=False) for n, i in enumerate(w.output)
        ),
        conversation_id=w.conversation_id,
        output_modalities=modalities,
        max_output_tokens=w.max_output_tokens,
        voice=voice,
        usage=None if w.usage is None else usage_from_wire(w.usage),
        metadata=w.metadata,
    )


# ---------------------------------------------------------------------------------------------
# response.create parameters (§4.2)


def response_params_to_wire(p: ResponseParams, dialect: Dialect) -> JsonObject:
    """The ``response`` object of ``response.create``; ``None`` fields are left out."""
    out: JsonObject = drop_none(conversation=p.conversation)
    if p.input is not None:
        out["input"] = [input_to_wire(e, dialect) for e in p.input]
    if p.instructions is not None:
        out["instructions"] = p.instructions
    if dialect == "ga":
        if p.output_modalities is not None:
            out["output_modalities"] = list(p.output_modalities)
        audio_out = drop_none(
            voice=None if p.voice is None else voice_to_ga(p.voice),
            format=None if p.output_format is None else format_to_ga(p.output_format),
        )
        if audio_out:
            out["audio"] = {"output": audio_out}
    else:
        if p.output_modalities is not None:
            out["modalities"] = beta_modalities(p.output_modalities)
        out.update(drop_none(voice=p.voice, output_audio_format=p.output_format))
    if p.tools is not None:
        out["tools"] = [tool_to_wire(t) for t in p.tools]
    if p.tool_choice is not None:
        out["tool_choice"] = tool_choice_to_wire(p.tool_choice)
    if p.max_output_tokens is not None:
        key = "max_output_tokens" if dialect == "ga" else "max_response_output_tokens"
        out[key] = p.max_output_tokens
    if p.metadata is not None:
        out["metadata"] = dict(p.metadata)
    return out


def response_params_from_wire(
    obj: object, loc: Loc, *, strict: bool, dialect: Dialect
) -> ResponseParams:
    """The inverse of :func:`response_params_to_wire`.

    Fields ``ResponseParams`` cannot hold are accepted and dropped: GA ``prompt``,
    ``reasoning``, ``parallel_tool_calls``, an MCP ``tool_choice``; beta ``temperature``.
    """
    w: GaResponseParams | BetaResponseParams
    if dialect == "ga":
        w = validate(GaResponseParams, obj, loc, strict=strict)
    else:
        w = validate(BetaResponseParams, obj, loc, strict=strict)
    inputs = None
    if w.input is not None:
        inputs = tuple(
            input_from_wire(e, (*loc, "input", n), strict=strict, dialect=dialect)
            for n, e in enumerate(w.input)
        )
    choice = None
    if w.tool_choice is not None:
        found = tool_choice_from_wire(w.tool_choice, (*loc, "tool_choice"), strict=strict)
        choice = None if isinstance(found, dict) else found
    modalities: tuple[Literal["audio", "text"], ...] | None = None
    voice: str | None = None
    fmt: AudioFormatName | None = None
    if isinstance(w, GaResponseParams):
        if w.output_modalities is not None:
            modalities = tuple(w.output_modalities)
        out = w.audio.output if w.audio else None
        if out is not None and out.voice is not None:
            voice = voice_from_wire(out.voice)
        if out is not None and out.format is not None:
            fmt = format_from_ga(out.format)
        max_tokens = w.max_output_tokens
    else:
        if w.modalities is not None:
            modalities = ga_modalities(list(w.modalities))
        voice, fmt, max_tokens = w.voice, w.output_audio_format, w.max_response_output_tokens
    tools = None if w.tools is None else tools_from_wire(w.tools, (*loc, "tools"), strict=strict)
    return ResponseParams(
        conversation=w.conversation,
        input=inputs,
        instructions=w.instructions,
        output_modalities=modalities,
        voice=voice,
        output_format=fmt,
        tools=tools,
        tool_choice=choice,
        max_output_tokens=max_tokens,
        metadata=w.metadata,
    )
