"""Whole session objects: ``SessionConfig`` -> the GA nested and beta flat ``session``.

GA: ``{type, audio: {input: {format, noise_reduction, transcription,
turn_detection}, output: {format, voice, speed}}, output_modalities, ...}``. Beta: one
flat object (``input_audio_format``, ``voice``, ``modalities``, ...), no ``type``. The parts
(formats, voices, turn detection, tools, ...) are mapped by :mod:`._session_parts_wire`;
the client reads them back with :mod:`._read_session`, the server side with
:mod:`rtvoice.model.openai.server._read_session`.

The rules of :mod:`rtvoice.model.session_config` hold in both directions (a ``session.update``
is a patch): ``turn_detection``, ``transcription`` and ``noise_reduction`` are written as
``null`` when ``None`` (off) and left out when :data:`UNSET`; an absent key reads back as
:data:`UNSET`. Every other ``None`` field is left out, and an absent key reads back as ``None``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from ..session_config import SessionConfig, Unset
from ._session_parts_wire import (
    format_to_ga,
    noise_to_wire,
    prompt_to_wire,
    tool_choice_to_wire,
    tool_to_wire,
    tracing_to_wire,
    transcription_to_wire,
    turn_detection_to_wire,
    voice_to_ga,
)
from ._wire_json import JsonObject, drop_none

# Which top-level keys of a session read back as ``SessionConfig.extra`` (shared by both
# readers): the fields the server reports but a client never sends (``object``, ``id``, ...) are
# dropped, the modelled ones have their own fields, every other key lands in ``extra``.
GA_OUTPUT_ONLY = frozenset({"object", "id", "expires_at"})
BETA_OUTPUT_ONLY = frozenset({"object", "id", "expires_at", "client_secret"})
GA_MODELLED = frozenset(
    {"type", "model", "instructions", "output_modalities", "audio", "tools", "tool_choice"}
    | {"max_output_tokens", "tracing", "prompt"}
)
BETA_MODELLED = frozenset(
    {"model", "instructions", "modalities", "voice", "speed", "temperature", "tools"}
    | {"input_audio_format", "output_audio_format", "input_audio_transcription"}
    | {"input_audio_noise_reduction", "turn_detection", "tool_choice", "tracing"}
    | {"max_response_output_tokens"}
)
"""The beta session model's fields but ``include`` (the server side checks this against its
model on import)."""


def session_to_ga(cfg: SessionConfig) -> JsonObject:
    """The nested GA ``session`` object. ``temperature`` is not a GA field."""
    audio_in: JsonObject = {}
    if cfg.input_format is not None:
        audio_in["format"] = format_to_ga(cfg.input_format)
    if not isinstance(cfg.noise_reduction, Unset):
        audio_in["noise_reduction"] = noise_to_wire(cfg.noise_reduction)
    if not isinstance(cfg.transcription, Unset):
        audio_in["transcription"] = transcription_to_wire(cfg.transcription)
    if not isinstance(cfg.turn_detection, Unset):
        audio_in["turn_detection"] = turn_detection_to_wire(cfg.turn_detection)
    audio_out: JsonObject = {}
    if cfg.output_format is not None:
        audio_out["format"] = format_to_ga(cfg.output_format)
    if cfg.voice is not None:
        audio_out["voice"] = voice_to_ga(cfg.voice)
    if cfg.speed is not None:
        audio_out["speed"] = cfg.speed
    audio: JsonObject = {}
    if audio_in:
        audio["input"] = audio_in
    if audio_out:
        audio["output"] = audio_out
    out: JsonObject = {"type": cfg.type}
    out.update(drop_none(model=cfg.model, instructions=cfg.instructions))
    if cfg.output_modalities is not None:
        out["output_modalities"] = list(cfg.output_modalities)
    if audio:
        out["audio"] = audio
    _put_common(out, cfg, max_tokens_key="max_output_tokens")
    if cfg.extra:
        out.update(cfg.extra)
    return out


def session_to_beta(cfg: SessionConfig) -> JsonObject:
    """The flat beta ``session`` object: no ``type``; audio output implies text."""
    out: JsonObject = drop_none(model=cfg.model, instructions=cfg.instructions)
    if cfg.output_modalities is not None:
        out["modalities"] = beta_modalities(cfg.output_modalities)
    out.update(
        drop_none(
            voice=cfg.voice,
            input_audio_format=cfg.input_format,
            output_audio_format=cfg.output_format,
            speed=cfg.speed,
        )
    )
    if not isinstance(cfg.transcription, Unset):
        out["input_audio_transcription"] = transcription_to_wire(cfg.transcription)
    if not isinstance(cfg.noise_reduction, Unset):
        out["input_audio_noise_reduction"] = noise_to_wire(cfg.noise_reduction)
    if not isinstance(cfg.turn_detection, Unset):
        out["turn_detection"] = turn_detection_to_wire(cfg.turn_detection)
    _put_common(out, cfg, max_tokens_key="max_response_output_tokens")
    if cfg.temperature is not None:
        out["temperature"] = cfg.temperature
    if cfg.extra:
        out.update(cfg.extra)
    return out


def beta_modalities(modalities: tuple[str, ...]) -> list[str]:
    """GA ``["audio"]`` is beta ``["text", "audio"]``: beta audio always came with text."""
    return ["text", "audio"] if "audio" in modalities else ["text"]


def ga_modalities(modalities: Collection[str]) -> tuple[Literal["audio", "text"], ...]:
    """The inverse of :func:`beta_modalities`."""
    return ("audio",) if "audio" in modalities else ("text",)


def is_ga_session(obj: Mapping[str, Any]) -> bool:
    """Shape detection for server frames whose name is the same in both dialects
    (``session.created`` / ``session.updated``): a GA session has ``type`` or ``audio``."""
    return "type" in obj or "audio" in obj


def _put_common(out: JsonObject, cfg: SessionConfig, *, max_tokens_key: str) -> None:
    if cfg.tools is not None:
        out["tools"] = [tool_to_wire(t) for t in cfg.tools]
    if cfg.tool_choice is not None:
        out["tool_choice"] = tool_choice_to_wire(cfg.tool_choice)
    if cfg.max_output_tokens is not None:
        out[max_tokens_key] = cfg.max_output_tokens
    if cfg.tracing is not None:
        out["tracing"] = tracing_to_wire(cfg.tracing)
    if cfg.prompt is not None:
        out["prompt"] = prompt_to_wire(cfg.prompt)
