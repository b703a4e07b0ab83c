"""Session objects of ``session.created`` / ``session.updated`` -> :class:`SessionConfig`.

Both shapes, whatever the codec's dialect: a session with ``type`` or ``audio`` is GA (nested
``audio.input`` / ``audio.output``, ``type`` ``realtime`` or ``transcription``), any other is
beta (one flat object; whether it is a transcription session comes from the event name). The
inverses of :mod:`._session_wire`; the parts are read by :mod:`._read_session_parts`.

As in :mod:`rtvoice.model.session_config`, absent and ``null`` differ for the three nullable
fields (``turn_detection``, ``transcription``, ``noise_reduction``): absent reads as
:data:`UNSET`, ``null`` as ``None`` (off). Every other absent or ``null`` field reads as
``None``. Top-level keys the config does not model land in ``extra`` untouched; the
server-only ``object``, ``id`` and ``expires_at`` (and beta ``client_secret``) are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from ..session_config import UNSET, SessionConfig, ToolChoice, Unset
from ._read_fields import max_tokens, opt_child, opt_choice, opt_number, opt_text
from ._read_session_parts import (
    BETA_FORMATS,
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
from ._session_wire import (
    BETA_MODELLED,
    BETA_OUTPUT_ONLY,
    GA_MODELLED,
    GA_OUTPUT_ONLY,
    ga_modalities,
    is_ga_session,
)
from ._wire_errors import Loc, invalid_choice, invalid_type
from ._wire_json import JsonObject

__all__ = ["session_from_wire"]

T = TypeVar("T")

SessionKind = Literal["realtime", "transcription"]

_KINDS: dict[str, SessionKind] = {"realtime": "realtime", "transcription": "transcription"}
_MODALITIES: dict[str, Literal["text", "audio"]] = {"text": "text", "audio": "audio"}
_LOC: Loc = ("session",)


def session_from_wire(obj: JsonObject, kind: SessionKind) -> SessionConfig:
    """The ``session`` object of a session event, in either shape.

    Args:
        obj: The ``session`` object.
        kind: What the event name says (``transcription_session.*`` is a beta transcription
            session); a GA session says it itself.

    Raises:
        WireError: A modelled field is ill-typed, a format or union ``type`` is unknown.
    """
    return _ga(obj) if is_ga_session(obj) else _beta(obj, kind)


def _ga(obj: JsonObject) -> SessionConfig:
    loc = _LOC
    kind = _ga_kind(obj)
    at_audio = (*loc, "audio")
    audio = opt_child(obj, "audio", loc)
    audio_in = None if audio is None else opt_child(audio, "input", at_audio)
    at_in = (*at_audio, "input")
    extra = {k: v for k, v in obj.items() if k not in GA_MODELLED and k not in GA_OUTPUT_ONLY}
    input_format = None if audio_in is None else format_from_ga(audio_in, at_in)
    transcription = _nullable(audio_in, "transcription", at_in, transcription_from_wire)
    noise = _nullable(audio_in, "noise_reduction", at_in, noise_from_wire)
    turns = _nullable(audio_in, "turn_detection", at_in, turn_detection_from_wire)
    if kind == "transcription":
        return SessionConfig(
            type="transcription",
            input_format=input_format,
            transcription=transcription,
            noise_reduction=noise,
            turn_detection=turns,
            extra=extra or None,
        )
    at_out = (*at_audio, "output")
    audio_out = (None if audio is None else opt_child(audio, "output", at_audio)) or {}
    voice: object = audio_out.get("voice")
    return SessionConfig(
        type="realtime",
        model=opt_text(obj, "model", loc),
        instructions=opt_text(obj, "instructions", loc),
        output_modalities=_modalities(obj, "output_modalities"),
        input_format=input_format,
        output_format=format_from_ga(audio_out, at_out),
        voice=None if voice is None else voice_from_wire(voice, (*at_out, "voice")),
        speed=opt_number(audio_out, "speed", at_out),
        transcription=transcription,
        noise_reduction=noise,
        turn_detection=turns,
        tools=tools_from_wire(obj.get("tools"), (*loc, "tools")),
        tool_choice=_tool_choice(obj, extra),
        max_output_tokens=max_tokens(obj, "max_output_tokens", loc),
        tracing=tracing_from_wire(obj.get("tracing"), (*loc, "tracing")),
        prompt=prompt_from_wire(obj.get("prompt"), (*loc, "prompt")),
        extra=extra or None,
    )


def _ga_kind(obj: JsonObject) -> SessionKind:
    """A GA session's ``type``; a session recognised by its ``audio`` alone is ``realtime``."""
    kind: object = obj.get("type", "realtime")
    if type(kind) is str and kind in _KINDS:
        return _KINDS[kind]
    if type(kind) is str:
        raise invalid_choice((*_LOC, "type"), kind, list(_KINDS))
    raise invalid_type((*_LOC, "type"), "a string", kind)


def _beta(obj: JsonObject, kind: SessionKind) -> SessionConfig:
    loc = _LOC
    extra = {k: v for k, v in obj.items() if k not in BETA_MODELLED and k not in BETA_OUTPUT_ONLY}
    modalities = _modalities(obj, "modalities")
    return SessionConfig(
        type=kind,
        model=opt_text(obj, "model", loc),
        instructions=opt_text(obj, "instructions", loc),
        output_modalities=None if modalities is None else ga_modalities(modalities),
        input_format=opt_choice(obj, "input_audio_format", BETA_FORMATS, loc),
        output_format=opt_choice(obj, "output_audio_format", BETA_FORMATS, loc),
        voice=opt_text(obj, "voice", loc),
        speed=opt_number(obj, "speed", loc),
        transcription=_nullable(obj, "input_audio_transcription", loc, transcription_from_wire),
        noise_reduction=_nullable(obj, "input_audio_noise_reduction", loc, noise_from_wire),
        turn_detection=_nullable(obj, "turn_detection", loc, turn_detection_from_wire),
        tools=tools_from_wire(obj.get("tools"), (*loc, "tools")),
        tool_choice=_tool_choice(obj, extra),
        max_output_tokens=max_tokens(obj, "max_response_output_tokens", loc),
        tracing=tracing_from_wire(obj.get("tracing"), (*loc, "tracing")),
        temperature=opt_number(obj, "temperature", loc),
        extra=extra or None,
    )


def _modalities(obj: JsonObject, key: str) -> tuple[Literal["text", "audio"], ...] | None:
    """A list of ``"text"`` / ``"audio"``, or ``None`` when absent or ``null``."""
    names: object = obj.get(key)
    if names is None:
        return None
    if type(names) is not list:
        raise invalid_type((*_LOC, key), "an array", names)
    out: list[Literal["text", "audio"]] = []
    for n, name in enumerate(names):
        if type(name) is str and name in _MODALITIES:
            out.append(_MODALITIES[name])
        elif type(name) is str:
            raise invalid_choice((*_LOC, key, n), name, list(_MODALITIES))
        else:
            raise invalid_type((*_LOC, key, n), "a string", name)
    return tuple(out)


def _tool_choice(obj: JsonObject, extra: JsonObject) -> ToolChoice | None:
    """The session's tool choice; the MCP form, which has no neutral value, goes to ``extra``."""
    found = tool_choice_from_wire(obj.get("tool_choice"), (*_LOC, "tool_choice"))
    if isinstance(found, dict):
        extra["tool_choice"] = found
        return None
    return found


def _nullable(
    raw: JsonObject | None, key: str, at: Loc, convert: Callable[[object, Loc], T]
) -> T | Unset:
    """``convert`` of ``raw[key]``, or :data:`UNSET` when ``raw`` has no such key."""
    if raw is None or key not in raw:
        return UNSET
    return convert(raw[key], (*at, key))
