"""The ``session`` object of a client's ``session.update`` (GA nested or beta flat) -> a
:class:`SessionConfig`, validated as strictly as the real server: the inverse of
:mod:`rtvoice.model.openai._session_wire`, on the models of :mod:`._wire_models`.

An absent nullable key (``turn_detection``, ``transcription``, ``noise_reduction``) reads back
as :data:`UNSET`, ``null`` as ``None`` (an update is a patch); every other absent key reads back
as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from ...session_config import UNSET, SessionConfig, ToolChoice, Unset
from .._session_wire import (
    BETA_MODELLED,
    BETA_OUTPUT_ONLY,
    GA_MODELLED,
    GA_OUTPUT_ONLY,
    ga_modalities,
)
from .._wire_errors import Loc, invalid_type, invalid_value, missing
from .._wire_json import JsonObject
from ._read_session_parts import (
    format_from_ga,
    noise_from_wire,
    prompt_from_wire,
    tool_choice_from_wire,
    tools_from_wire,
    tracing_from_wire,
    transcription_from_wire,
    turn_detection_from_wire,
    voice_from_wire,
)
from ._wire_models import (
    BetaSession,
    BetaTranscriptionSession,
    GaRealtimeSession,
    GaTranscriptionSession,
)
from ._wire_validate import validate

T = TypeVar("T")

assert frozenset(BetaSession.model_fields) - {"include"} == BETA_MODELLED


def session_from_ga(obj: object, loc: Loc) -> SessionConfig:
    """A GA ``session.update`` session object as a config (``type`` is required).

    Unmodelled top-level fields (``truncation``, ``include``, an MCP ``tool_choice``) land in
    ``extra``; output-only fields (``object``, ``id``, ``expires_at``) are dropped.
    """
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    if "type" not in obj:
        raise missing((*loc, "type"))  # required in a GA session.update
    kind = obj["type"]
    audio_raw = obj.get("audio")
    a_raw = audio_raw.get("input") if isinstance(audio_raw, dict) else None
    extra = {k: v for k, v in obj.items() if k not in GA_MODELLED and k not in GA_OUTPUT_ONLY}
    if kind == "transcription":
        t = validate(GaTranscriptionSession, obj, loc)
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
    w = validate(GaRealtimeSession, obj, loc)
    a_in = w.audio.input if w.audio else None
    a_out = w.audio.output if w.audio else None
    choice = _tool_choice(w.tool_choice, (*loc, "tool_choice"), extra)
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
        tools=None if w.tools is None else tools_from_wire(w.tools, (*loc, "tools")),
        tool_choice=choice,
        max_output_tokens=w.max_output_tokens,
        tracing=tracing_from_wire(w.tracing),
        prompt=prompt_from_wire(w.prompt),
        extra=extra or None,
    )


def session_from_beta(
    obj: object, loc: Loc, kind: Literal["realtime", "transcription"]
) -> SessionConfig:
    """A flat beta session (``kind`` comes from the event name: ``session.*`` or
    ``transcription_session.*``)."""
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    shape = BetaTranscriptionSession if kind == "transcription" else BetaSession
    w = validate(shape, obj, loc)
    b = w if isinstance(w, BetaSession) else None
    extra = {k: v for k, v in obj.items() if k not in BETA_MODELLED and k not in BETA_OUTPUT_ONLY}
    raw_choice = b.tool_choice if b is not None else None
    choice = _tool_choice(raw_choice, (*loc, "tool_choice"), extra)
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
        tools=None if tools is None else tools_from_wire(tools, (*loc, "tools")),
        tool_choice=choice,
        max_output_tokens=b.max_response_output_tokens if b else None,
        tracing=tracing_from_wire(b.tracing) if b else None,
        temperature=b.temperature if b else None,
        extra=extra or None,
    )


def _tool_choice(obj: str | JsonObject | None, loc: Loc, extra: JsonObject) -> ToolChoice | None:
    """A session's tool choice; the MCP form, which has no neutral value, goes to ``extra``."""
    if obj is None:
        return None
    choice = tool_choice_from_wire(obj, loc)
    if isinstance(choice, dict):
        extra["tool_choice"] = choice
        return None
    return choice


def _nullable(raw: object, key: str, parsed: Any, convert: Callable[[Any], T]) -> T | Unset:
    """``convert(parsed.<key>)``, or :data:`UNSET` when ``raw`` (the JSON object ``parsed``
    came from) has no such key: absent and ``null`` differ for the nullable fields."""
    if not isinstance(raw, dict) or key not in raw:
        return UNSET
    return convert(getattr(parsed, key))


def _nullable_flat(
    raw: JsonObject, key: str, parsed: Any, convert: Callable[[Any], T]
) -> T | Unset:
    return UNSET if key not in raw else convert(getattr(parsed, key))
