"""The parts of a session object the server reports -> neutral settings.

Audio formats, voices, turn detection, transcription, noise reduction, tools, tool choice,
tracing and prompts: the inverses of :mod:`._session_parts_wire`. Turn detection,
transcription and noise reduction have the same shape in both dialects.

Each reader is strict on its own part: an audio format (a client must not guess what its
audio is: the type must be one of the three, and PCM's ``rate``, when given, 24000) and the
``type`` of each union (turn detection, noise reduction, tool choice) must be known. The
session reader (:mod:`._read_session`) turns a part that does not read into "not reported"
plus its raw value in ``SessionConfig.unread``, so a part the server added later never stops
a ``session.updated`` from confirming. Lenient here: keys the neutral settings do not hold
(transcription ``languages``, ``keywords``, ``delay``) are not read, a tool of any type but
``function`` (or a function tool of another shape) is kept raw as an :class:`OtherTool`, and
the server's ranges (threshold, durations) are not re-checked: the server is the authority on
what it reports.
"""

from __future__ import annotations

from typing import Literal

from ...audio import AudioFormatName
from ..session_config import (
    FunctionTool,
    NoiseReduction,
    OtherTool,
    PromptConfig,
    SemanticVad,
    ServerVad,
    Tool,
    ToolChoice,
    ToolChoiceFunction,
    TracingConfig,
    Transcription,
    TurnDetection,
)
from ._read_fields import (
    choice,
    object_at,
    opt_child,
    opt_choice,
    opt_flag,
    opt_integer,
    opt_number,
    opt_text,
    text,
)
from ._wire_errors import Loc, WireError, format_path, invalid_choice, invalid_type, missing
from ._wire_json import JsonObject

__all__ = [
    "BETA_FORMATS",
    "format_from_ga",
    "noise_from_wire",
    "prompt_from_wire",
    "tool_choice_from_wire",
    "tools_from_wire",
    "tracing_from_wire",
    "transcription_from_wire",
    "turn_detection_from_wire",
    "voice_from_wire",
]

_GA_FORMATS: dict[str, AudioFormatName] = {
    "audio/pcm": "pcm16",
    "audio/pcmu": "g711_ulaw",
    "audio/pcma": "g711_alaw",
}
BETA_FORMATS: dict[str, AudioFormatName] = {
    "pcm16": "pcm16",
    "g711_ulaw": "g711_ulaw",
    "g711_alaw": "g711_alaw",
}
"""Beta's flat format names (``input_audio_format``, ``output_audio_format``)."""

_VAD_TYPES = ("server_vad", "semantic_vad")
_EAGERNESS: dict[str, Literal["low", "medium", "high", "auto"]] = {
    "low": "low",
    "medium": "medium",
    "high": "high",
    "auto": "auto",
}
_NOISE: dict[str, Literal["near_field", "far_field"]] = {
    "near_field": "near_field",
    "far_field": "far_field",
}
_TOOL_CHOICE_MODES: dict[str, Literal["auto", "none", "required"]] = {
    "auto": "auto",
    "none": "none",
    "required": "required",
}


def format_from_ga(audio: JsonObject, at: Loc) -> AudioFormatName | None:
    """The ``format`` of a GA ``audio.input`` / ``audio.output`` object (``at`` is that
    object's path), or ``None`` when absent or ``null``."""
    fmt = opt_child(audio, "format", at)
    if fmt is None:
        return None
    loc = (*at, "format")
    name = choice(fmt, "type", _GA_FORMATS, loc)
    if name == "pcm16":
        rate = opt_integer(fmt, "rate", loc)
        if rate is not None and rate != 24000:
            path = format_path((*loc, "rate"))
            message = f"Invalid '{path}': expected 24000 (PCM16 is 24 kHz), but got {rate}."
            raise WireError("invalid_value", message, path)
    return name


def voice_from_wire(value: object, loc: Loc) -> str:
    """A voice name, or ``{"id": ...}`` for a custom voice (read as its id)."""
    if type(value) is str:
        return value
    if type(value) is dict:
        return text(value, "id", loc)
    raise invalid_type(loc, "one of a string or an object", value)


def turn_detection_from_wire(value: object, loc: Loc) -> TurnDetection | None:
    """Server or semantic VAD, or ``None`` for ``null`` (turns by hand)."""
    if value is None:
        return None
    obj = object_at(value, loc)
    kind: object = obj.get("type")
    if kind == "server_vad":
        return ServerVad(
            threshold=opt_number(obj, "threshold", loc),
            prefix_padding_ms=opt_integer(obj, "prefix_padding_ms", loc),
            silence_duration_ms=opt_integer(obj, "silence_duration_ms", loc),
            idle_timeout_ms=opt_integer(obj, "idle_timeout_ms", loc),
            create_response=opt_flag(obj, "create_response", loc),
            interrupt_response=opt_flag(obj, "interrupt_response", loc),
        )
    if kind == "semantic_vad":
        return SemanticVad(
            eagerness=opt_choice(obj, "eagerness", _EAGERNESS, loc),
            create_response=opt_flag(obj, "create_response", loc),
            interrupt_response=opt_flag(obj, "interrupt_response", loc),
        )
    raise _bad_type(obj, loc, _VAD_TYPES)


def transcription_from_wire(value: object, loc: Loc) -> Transcription | None:
    """Transcription settings, or ``None`` for ``null`` (off)."""
    if value is None:
        return None
    obj = object_at(value, loc)
    return Transcription(
        model=opt_text(obj, "model", loc),
        language=opt_text(obj, "language", loc),
        prompt=opt_text(obj, "prompt", loc),
    )


def noise_from_wire(value: object, loc: Loc) -> NoiseReduction | None:
    """Noise reduction, or ``None`` for ``null`` (off)."""
    if value is None:
        return None
    obj = object_at(value, loc)
    return NoiseReduction(
        type=choice(obj, "type", _NOISE, loc), strength=opt_number(obj, "strength", loc)
    )


def tools_from_wire(value: object, loc: Loc) -> tuple[Tool, ...] | None:
    """A ``tools`` array, or ``None`` when absent or ``null``: function tools, and any other
    tool (``mcp``, or a type added later) as an :class:`OtherTool` holding its raw object."""
    if value is None:
        return None
    if type(value) is not list:
        raise invalid_type(loc, "an array", value)
    tools: list[Tool] = []
    for n, entry in enumerate(value):
        at = (*loc, n)
        tool = object_at(entry, at)
        if tool.get("type") != "function":
            tools.append(OtherTool(raw=tool))
            continue
        try:
            function = FunctionTool(
                name=text(tool, "name", at),
                description=opt_text(tool, "description", at),
                parameters=opt_child(tool, "parameters", at),
            )
        except WireError:  # a function tool of another shape: kept as it came
            tools.append(OtherTool(raw=tool))
            continue
        tools.append(function)
    return tuple(tools)


def tool_choice_from_wire(value: object, loc: Loc) -> ToolChoice | JsonObject | None:
    """A mode or a function, ``None`` when absent or ``null``; the MCP form, which has no
    neutral value, comes back as its raw object (for ``extra``)."""
    if value is None:
        return None
    if type(value) is str:
        if value in _TOOL_CHOICE_MODES:
            return _TOOL_CHOICE_MODES[value]
        raise invalid_choice(loc, value, list(_TOOL_CHOICE_MODES))
    if type(value) is not dict:
        raise invalid_type(loc, "one of a string or an object", value)
    kind: object = value.get("type")
    if kind == "function":
        return ToolChoiceFunction(name=text(value, "name", loc))
    if kind == "mcp":
        return value
    raise _bad_type(value, loc, ("function", "mcp"))


def tracing_from_wire(value: object, loc: Loc) -> Literal["auto"] | TracingConfig | None:
    """``"auto"``, a tracing object, or ``None`` when absent or ``null`` (not set)."""
    if value is None:
        return None
    if value == "auto":
        return "auto"
    if type(value) is not dict:
        raise invalid_type(loc, "one of 'auto' or an object", value)
    return TracingConfig(
        workflow_name=opt_text(value, "workflow_name", loc),
        group_id=opt_text(value, "group_id", loc),
        metadata=opt_child(value, "metadata", loc),
    )


def prompt_from_wire(value: object, loc: Loc) -> PromptConfig | None:
    """A stored prompt reference, or ``None`` when absent or ``null``."""
    if value is None:
        return None
    obj = object_at(value, loc)
    return PromptConfig(
        id=text(obj, "id", loc),
        version=opt_text(obj, "version", loc),
        variables=opt_child(obj, "variables", loc),
    )


def _bad_type(obj: JsonObject, loc: Loc, supported: tuple[str, ...]) -> WireError:
    """The error for a union member whose ``type`` is none of ``supported``."""
    kind: object = obj.get("type")
    if "type" not in obj:
        return missing((*loc, "type"))
    if type(kind) is not str:
        return invalid_type((*loc, "type"), "a string", kind)
    return invalid_choice((*loc, "type"), kind, supported)
