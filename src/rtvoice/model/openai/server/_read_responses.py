"""Responses and their numbers from wire objects, validated (PROTOCOL.md §4.2, §6.1, §6.2,
§6.7, §11.4).

The response object of ``response.created`` / ``response.done`` (GA ``output_modalities`` +
``audio.output.voice``, beta ``modalities`` + ``voice``), its nested usage (flattened into
:class:`Usage`), errors, rate limits, transcription usage, and (strictly, as a server) the
``response`` parameters of ``response.create``. This is the validating path (pydantic, loaded
on first use); :mod:`._direct_values` reads the common, well-formed server values without it.
"""

from __future__ import annotations

from typing import Literal

from ....audio import AudioFormatName
from ...commands import ResponseParams
from ...events import (
    ErrorInfo,
    RateLimit,
    ResponseInfo,
    StatusDetails,
    TranscriptionUsage,
    Usage,
)
from .._dialect import Dialect
from .._session_wire import ga_modalities
from .._wire_errors import Loc
from ._read_items import input_from_wire, item_from_wire
from ._read_session_parts import (
    format_from_ga,
    tool_choice_from_wire,
    tools_from_wire,
    voice_from_wire,
)
from ._wire_models import (
    BetaResponseParams,
    ErrorW,
    GaResponseParams,
    RateLimitW,
    ResponseW,
    TranscriptionUsageW,
    UsageW,
)
from ._wire_validate import validate


def error_from_wire(w: ErrorW) -> ErrorInfo:
    """A validated ``error`` object (missing ``type`` / ``message`` read as ``""``)."""
    return ErrorInfo(
        type=w.type, message=w.message, code=w.code, param=w.param, event_id=w.event_id
    )


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


def rate_limit_from_wire(w: RateLimitW) -> RateLimit:
    """The inverse of :func:`rate_limit_to_wire`."""
    return RateLimit(
        name=w.name, limit=w.limit, remaining=w.remaining, reset_seconds=w.reset_seconds
    )


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
