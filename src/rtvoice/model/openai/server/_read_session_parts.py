"""The parts of a client's session object (formats, voices, turn detection, transcription,
noise reduction, tools, tool choice, tracing, prompts), validated as strictly as the real
server: the inverses of :mod:`rtvoice.model.openai._session_parts_wire`, on the models of
:mod:`._wire_models`.
"""

from __future__ import annotations

from typing import Literal

from ....audio import AudioFormatName
from ...session_config import (
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
from .._wire_errors import Loc, invalid_type, invalid_value, missing
from .._wire_json import JsonObject
from ._wire_models import (
    AudioFormat,
    FunctionToolW,
    NoiseReductionW,
    PcmaFormat,
    PcmFormat,
    PcmuFormat,
    PromptW,
    SemanticVadW,
    ServerVadW,
    ToolChoiceFunctionW,
    ToolChoiceMcpW,
    TracingW,
    TranscriptionW,
    TurnDetectionW,
    Voice,
    VoiceId,
)
from ._wire_validate import validate

_TOOL_CHOICE_MODES: dict[str, Literal["auto", "none", "required"]] = {
    "auto": "auto",
    "none": "none",
    "required": "required",
}


def format_from_ga(fmt: AudioFormat) -> AudioFormatName:
    """The inverse of :func:`format_to_ga`."""
    if isinstance(fmt, PcmFormat):
        return "pcm16"
    if isinstance(fmt, PcmuFormat):
        return "g711_ulaw"
    assert isinstance(fmt, PcmaFormat)
    return "g711_alaw"


def voice_from_wire(voice: Voice) -> str:
    """A voice name, or the id of a custom voice."""
    return voice.id if isinstance(voice, VoiceId) else voice


def turn_detection_from_wire(td: TurnDetectionW | None) -> TurnDetection | None:
    """The inverse of :func:`turn_detection_to_wire`."""
    if td is None:
        return None
    if isinstance(td, ServerVadW):
        return ServerVad(
            threshold=td.threshold,
            prefix_padding_ms=td.prefix_padding_ms,
            silence_duration_ms=td.silence_duration_ms,
            idle_timeout_ms=td.idle_timeout_ms,
            create_response=td.create_response,
            interrupt_response=td.interrupt_response,
        )
    assert isinstance(td, SemanticVadW)
    return SemanticVad(
        eagerness=td.eagerness,
        create_response=td.create_response,
        interrupt_response=td.interrupt_response,
    )


def transcription_from_wire(t: TranscriptionW | None) -> Transcription | None:
    """The inverse of :func:`transcription_to_wire`."""
    if t is None:
        return None
    return Transcription(
        model=t.model,
        language=t.language,
        prompt=t.prompt,
        languages=None if t.languages is None else tuple(t.languages),
        keywords=None if t.keywords is None else tuple(t.keywords),
        delay=t.delay,
    )


def noise_from_wire(n: NoiseReductionW | None) -> NoiseReduction | None:
    """The inverse of :func:`noise_to_wire`."""
    return None if n is None else NoiseReduction(type=n.type, strength=n.strength)


def tool_from_wire(obj: object, loc: Loc) -> Tool:
    """A function tool, or an ``mcp`` tool as an :class:`OtherTool`; other types are errors."""
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    kind = obj.get("type")
    if kind == "function":
        w = validate(FunctionToolW, obj, loc)
        return FunctionTool(name=w.name, description=w.description, parameters=w.parameters)
    if "type" not in obj:
        raise missing((*loc, "type"))
    if kind != "mcp":
        raise invalid_value((*loc, "type"), kind, ["function", "mcp"])
    return OtherTool(raw=obj)


def tools_from_wire(objs: list[JsonObject] | None, loc: Loc) -> tuple[Tool, ...]:
    """Each tool of a ``tools`` array (``loc`` is the array's)."""
    return tuple(tool_from_wire(t, (*loc, n)) for n, t in enumerate(objs or ()))


def tool_choice_from_wire(obj: object, loc: Loc) -> ToolChoice | JsonObject:
    """A neutral tool choice; the MCP form, which has none, comes back as its JSON."""
    if isinstance(obj, str):
        if obj in _TOOL_CHOICE_MODES:
            return _TOOL_CHOICE_MODES[obj]
        raise invalid_value(loc, obj, list(_TOOL_CHOICE_MODES))
    if not isinstance(obj, dict):
        raise invalid_type(loc, "one of a string or an object", obj)
    kind = obj.get("type")
    if kind == "function":
        return ToolChoiceFunction(name=validate(ToolChoiceFunctionW, obj, loc).name)
    if kind == "mcp":
        validate(ToolChoiceMcpW, obj, loc)
        return dict(obj)
    if "type" not in obj:
        raise missing((*loc, "type"))
    raise invalid_value((*loc, "type"), kind, ["function", "mcp"])


def tracing_from_wire(
    t: Literal["auto"] | TracingW | None,
) -> Literal["auto"] | TracingConfig | None:
    """The inverse of :func:`tracing_to_wire`; ``null`` reads as not set."""
    if t is None or isinstance(t, str):
        return t
    return TracingConfig(workflow_name=t.workflow_name, group_id=t.group_id, metadata=t.metadata)


def prompt_from_wire(p: PromptW | None) -> PromptConfig | None:
    """The inverse of :func:`prompt_to_wire`; ``null`` reads as not set."""
    return None if p is None else PromptConfig(id=p.id, version=p.version, variables=p.variables)
