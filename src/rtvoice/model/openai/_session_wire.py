"""Whole session objects: ``SessionConfig`` <-> the GA nested and beta flat ``session``.

GA (PROTOCOL.md §3): ``{type, audio: {input: {format, noise_reduction, transcription,
turn_detection}, output: {format, voice, speed}}, output_modalities, ...}``. Beta (§11.3): one
flat object (``input_audio_format``, ``voice``, ``modalities``, ...), no ``type``. The parts
(formats, voices, turn detection, tools, ...) are mapped by :mod:`._session_parts_wire`.

The rules of :mod:`rtvoice.model.session_config` hold in both directions (§2 patch
semantics): ``turn_detection``, ``transcription`` and ``noise_reduction`` are written as
``null`` when ``None`` (off) and left out when :data:`UNSET`; an absent key reads back as
:data:`UNSET`. Every other ``None`` field is left out, and an absent key reads back as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from ..session_config import UNSET, SessionConfig, ToolChoice, Unset
from ._session_parts_wire import (
    format_from_ga,
    format_to_ga,
    noise_from_wire,
    noise_to_wire,
    prompt_from_wire,
    prompt_to_wire,
    tool_choice_from_wire,
    tool_choice_to_wire,
    tool_to_wire,
    tools_from_wire,
    tracing_from_wire,
    tracing_to_wire,
    transcription_from_wire,
    transcription_to_wire,
    turn_detection_from_wire,
    turn_detection_to_wire,
    voice_from_wire,
    voice_to_ga,
)
from ._wire_errors import Loc, invalid_type, invalid_value, missing, validate
from ._wire_models import (
    BetaSession,
    BetaTranscriptionSession,
    GaRealtimeSession,
    GaTranscriptionSession,
    JsonObject,
    drop_none,
)

T = TypeVar("T")

# Fields the server reports but a client never sends (§3.1 "Output only").
_GA_OUTPUT_ONLY = frozenset({"object", "id", "expires_at"})
_BETA_OUTPUT_ONLY = frozenset({"object", "id", "expires_at", "client_secret"})
_GA_MODELLED = frozenset(
    {"type", "model", "instructions", "output_modalities", "audio", "tools", "tool_choice"}
    | {"max_output_tokens", "tracing", "prompt"}
)
_BETA_MODELLED = frozenset(BetaSession.model_fields) - {"include"}


def session_to_ga(cfg: SessionConfig) -> JsonObject:
    """The nested GA ``session`` object (§3). ``temperature`` is not a GA field (§11.3)."""
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
    """The flat beta ``session`` object (§11.3): no ``type``; audio output implies text."""
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


def ga_modalities(modalities: list[str]) -> tuple[Literal["audio", "text"], ...]:
    """The inverse of :func:`beta_modalities`."""
    return ("audio",) if "audio" in modalities else ("text",)


def is_ga_session(obj: Mapping[str, Any]) -> bool:
    """Shape detection for server frames whose name is the same in both dialects
    (``session.created`` / ``session.updated``): a GA session has ``type`` or ``audio``."""
    return "type" in obj or "audio" in obj


def session_from_ga(obj: object, loc: Loc, *, strict: bool) -> SessionConfig:
    """A GA session object (``session.update``, ``session.created``, ...) as a config.

    Unmodelled top-level fields (``truncation``, ``include``, an MCP ``tool_choice``) land in
    ``extra``; output-only fields (``object``, ``id``, ``expires_at``) are dropped.
    """
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    if strict and "type" not in obj:
        raise missing((*loc, "type"))  # §3.1: required in GA session.update
    kind = obj.get("type", "realtime")
    audio_raw = obj.get("audio")
    a_raw = audio_raw.get("input") if isinstance(audio_raw, dict) else None
    extra = {k: v for k, v in obj.items() if k not in _GA_MODELLED and k not in _GA_OUTPUT_ONLY}
    if kind == "transcription":
        t = validate(GaTranscriptionSession, obj, loc, strict=strict)
        t_in = t.audio.input if t.audio else None
        return SessionConfig(
            type="transcription",
            input_format=format_from_ga(t_in.format) if t_in and t_in.format else None,
            transcription=_nullable(a_raw, "transcription", t_in, transcription_from_wire),
            noise_reduction=_nullable(a_raw, "noise_reduction", t_in, noise_from_wire),
            turn_detection=_nullable(a_raw, "turn_detection", t_in, turn_detection_from_wire),
            extra=extra or None,
        )
    if kind != "realtime":
        raise invalid_value((*loc, "type"), kind, ["realtime", "transcription"])
    w = validate(GaRealtimeSession, obj, loc, strict=strict)
    a_in = w.audio.input if w.audio else None
    a_out = w.audio.output if w.audio else None
    choice = _tool_choice(w.tool_choice, (*loc, "tool_choice"), extra, strict=strict)
    return SessionConfig(
        type="realtime",
        model=w.model,
        instructions=w.instructions,
        output_modalities=None if w.output_modalities is None else tuple(w.output_modalities),
        input_format=format_from_ga(a_in.format) if a_in and a_in.format else None,
        output_format=format_from_ga(a_out.format) if a_out and a_out.format else None,
        voice=voice_from_wire(a_out.voice) if a_out and a_out.voice is not None else None,
        speed=a_out.speed if a_out else None,
        transcription=_nullable(a_raw, "transcription", a_in, transcription_from_wire),
        noise_reduction=_nullable(a_raw, "noise_reduction", a_in, noise_from_wire),
        turn_detection=_nullable(a_raw, "turn_detection", a_in, turn_detection_from_wire),
        tools=None if w.tools is None else tools_from_wire(w.tools, (*loc, "tools"), strict=strict),
        tool_choice=choice,
        max_output_tokens=w.max_output_tokens,
        tracing=tracing_from_wire(w.tracing),
        prompt=prompt_from_wire(w.prompt),
        extra=extra or None,
    )


def session_from_beta(
    obj: object, loc: Loc, *, strict: bool, kind: Literal["realtime", "transcription"]
) -> SessionConfig:
    """A flat beta session (``kind`` comes from the event name: ``session.*`` or
    ``transcription_session.*``)."""
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    shape = BetaTranscriptionSession if strict and kind == "transcription" else BetaSession
    w = validate(shape, obj, loc, strict=strict)
    b = w if isinstance(w, BetaSession) else None
    extra = {k: v for k, v in obj.items() if k not in _BETA_MODELLED and k not in _BETA_OUTPUT_ONLY}
    raw_choice = b.tool_choice if b is not None else None
    choice = _tool_choice(raw_choice, (*loc, "tool_choice"), extra, strict=strict)
    tools = b.tools if b is not None else None
    return SessionConfig(
        type=kind,
        model=b.model if b else None,
        instructions=b.instructions if b else None,
        output_modalities=None if w.modalities is None else ga_modalities(list(w.modalities)),
        input_format=w.input_audio_format,
        output_format=b.output_audio_format if b else None,
        voice=b.voice if b else None,
        speed=b.speed if b else None,
        transcription=_nullable_flat(obj, "input_audio_transcription", w, transcription_from_wire),
        noise_reduction=_nullable_flat(obj, "input_audio_noise_reduction", w, noise_from_wire),
        turn_detection=_nullable_flat(obj, "turn_detection", w, turn_detection_from_wire),
        tools=None if tools is None else tools_from_wire(tools, (*loc, "tools"), strict=strict),
        tool_choice=choice,
        max_output_tokens=b.max_response_output_tokens if b else None,
        tracing=tracing_from_wire(b.tracing) if b else None,
        temperature=b.temperature if b else None,
        extra=extra or None,
    )


# ---------------------------------------------------------------------------------------------


def _tool_choice(
    obj: str | JsonObject | None, loc: Loc, extra: JsonObject, *, strict: bool
) -> ToolChoice | None:
    """A session's tool choice; the MCP form, which has no neutral value, goes to ``extra``."""
    if obj is None:
        return None
    choice = tool_choice_from_wire(obj, loc, strict=strict)
    if isinstance(choice, dict):
        extra["tool_choice"] = choice
        return None
    return choice


def _nullable(raw: object, key: str, parsed: Any, convert: Callable[[Any], T]) -> T | Unset:
    """``convert(parsed.<key>)``, or :data:`UNSET` when ``raw`` (the JSON object ``parsed``
    came from) has no such key: absent and ``null`` differ for the nullable fields (§2)."""
    if not isinstance(raw, dict) or key not in raw:
        return UNSET
    return convert(getattr(parsed, key))


def _nullable_flat(
    raw: JsonObject, key: str, parsed: Any, convert: Callable[[Any], T]
) -> T | Unset:
    return UNSET if key not in raw else convert(getattr(parsed, key))


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
