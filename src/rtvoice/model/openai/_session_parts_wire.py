"""The parts of a session object -> their wire objects, for both sides.

Audio formats, voices, turn detection, transcription, noise reduction, tools, tool choice,
tracing and prompts. Turn detection, transcription and noise reduction have the same shape in
both dialects; only where they sit differs (:mod:`._session_wire`). The client reads
them back with :mod:`._read_session_parts`.
"""

from __future__ import annotations

from typing import Literal

from ...audio import AudioFormatName
from ..session_config import (
    NoiseReduction,
    OtherTool,
    PromptConfig,
    ServerVad,
    Tool,
    ToolChoice,
    ToolChoiceFunction,
    TracingConfig,
    Transcription,
    TurnDetection,
)
from ._wire_json import JsonObject, drop_none


def format_to_ga(name: AudioFormatName) -> JsonObject:
    """``pcm16`` -> ``{"type": "audio/pcm", "rate": 24000}`` (GA PCM is 24 kHz), G.711 by type."""
    if name == "pcm16":
        return {"type": "audio/pcm", "rate": 24000}
    return {"type": "audio/pcmu" if name == "g711_ulaw" else "audio/pcma"}


def voice_to_ga(voice: str) -> str | JsonObject:
    """Custom voices (``voice_...``) travel as ``{"id": ...}`` in GA."""
    return {"id": voice} if voice.startswith("voice_") else voice


def turn_detection_to_wire(td: TurnDetection | None) -> JsonObject | None:
    """Same object in both dialects; ``None`` is ``null`` (manual turns)."""
    if td is None:
        return None
    if isinstance(td, ServerVad):
        return drop_none(
            type="server_vad",
            threshold=td.threshold,
            prefix_padding_ms=td.prefix_padding_ms,
            silence_duration_ms=td.silence_duration_ms,
            idle_timeout_ms=td.idle_timeout_ms,
            create_response=td.create_response,
            interrupt_response=td.interrupt_response,
        )
    return drop_none(
        type="semantic_vad",
        eagerness=td.eagerness,
        create_response=td.create_response,
        interrupt_response=td.interrupt_response,
    )


def transcription_to_wire(t: Transcription | None) -> JsonObject | None:
    """Transcription settings; ``None`` is ``null`` (off)."""
    if t is None:
        return None
    return drop_none(
        model=t.model,
        language=t.language,
        prompt=t.prompt,
        languages=None if t.languages is None else list(t.languages),
        keywords=None if t.keywords is None else list(t.keywords),
        delay=t.delay,
    )


def noise_to_wire(n: NoiseReduction | None) -> JsonObject | None:
    """Noise reduction; ``None`` is ``null`` (off)."""
    return None if n is None else drop_none(type=n.type, strength=n.strength)


def tool_to_wire(tool: Tool) -> JsonObject:
    """A function tool, or an :class:`OtherTool`'s raw object."""
    if isinstance(tool, OtherTool):
        return dict(tool.raw)
    return drop_none(
        type="function",
        name=tool.name,
        description=tool.description,
        parameters=None if tool.parameters is None else dict(tool.parameters),
    )


def tool_choice_to_wire(choice: ToolChoice) -> str | JsonObject:
    """``"auto"``, ``"none"``, ``"required"`` or ``{"type": "function", "name": ...}``."""
    if isinstance(choice, ToolChoiceFunction):
        return {"type": "function", "name": choice.name}
    return choice


def tracing_to_wire(tracing: Literal["auto"] | TracingConfig) -> str | JsonObject:
    """``"auto"`` or the tracing object."""
    if isinstance(tracing, str):
        return tracing
    return drop_none(
        workflow_name=tracing.workflow_name,
        group_id=tracing.group_id,
        metadata=None if tracing.metadata is None else dict(tracing.metadata),
    )


def prompt_to_wire(p: PromptConfig) -> JsonObject:
    """A stored prompt reference."""
    return drop_none(
        id=p.id,
        version=p.version,
        variables=None if p.variables is None else dict(p.variables),
    )
