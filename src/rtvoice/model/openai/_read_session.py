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

Forward-compatible throughout: a ``session.updated`` confirms an update whatever it carries,
so a session object never fails to read. Each field is read strictly on its own (the parts'
rules are in :mod:`._read_session_parts`), and one that does not read (a turn detection or
noise reduction type added later, a format rtvoice does not know, a value of another type)
reads as not reported, its raw value kept in :attr:`SessionConfig.unread` by its dotted path.
A GA ``type`` other than the two reads as ``realtime``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from ...audio import AudioFormatName
from ..session_config import UNSET, SessionConfig, ToolChoice, Unset
from ._read_fields import Unread, max_tokens, opt_child, opt_choice, opt_number, opt_text
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
    """The ``session`` object of a session event, in either shape. Never raises: a field that
    does not read is left unset and kept in ``unread`` (see the module docstring).

    Args:
        obj: The ``session`` object.
        kind: What the event name says (``transcription_session.*`` is a beta transcription
            session); a GA session says it itself.
    """
    unread = Unread()
    if is_ga_session(obj):
        return _ga(obj, unread)
    return _beta(obj, kind, unread)


def _ga(obj: JsonObject, unread: Unread) -> SessionConfig:
    loc = _LOC
    read = unread.field
    kind = unread.value(obj.get("type", "realtime"), (*loc, "type"), _ga_kind, "realtime")
    at_audio = (*loc, "audio")
    audio = read(obj, "audio", loc, opt_child, None)
    audio_in = None if audio is None else read(audio, "input", at_audio, opt_child, None)
    at_in = (*at_audio, "input")
    extra = {k: v for k, v in obj.items() if k not in GA_MODELLED and k not in GA_OUTPUT_ONLY}
    input_format = None if audio_in is None else read(audio_in, "format", at_in, _format, None)
    transcription = _nullable(audio_in, "transcription", at_in, transcription_from_wire, unread)
    noise = _nullable(audio_in, "noise_reduction", at_in, noise_from_wire, unread)
    turns = _nullable(audio_in, "turn_detection", at_in, turn_detection_from_wire, unread)
    if kind == "transcription":
        return SessionConfig(
            type="transcription",
            input_format=input_format,
            transcription=transcription,
            noise_reduction=noise,
            turn_detection=turns,
            extra=extra or None,
            unread=unread.result(),
        )
    at_out = (*at_audio, "output")
    audio_out = (None if audio is None else read(audio, "output", at_audio, opt_child, None)) or {}
    voice = read(audio_out, "voice", at_out, _voice, None)
    return SessionConfig(
        type="realtime",
        model=read(obj, "model", loc, opt_text, None),
        instructions=read(obj, "instructions", loc, opt_text, None),
        output_modalities=read(obj, "output_modalities", loc, _modalities, None),
        input_format=input_format,
        output_format=read(audio_out, "format", at_out, _format, None),
        voice=voice,
        speed=read(audio_out, "speed", at_out, opt_number, None),
        transcription=transcription,
        noise_reduction=noise,
        turn_detection=turns,
        tools=unread.value(obj.get("tools"), (*loc, "tools"), tools_from_wire, None),
        tool_choice=_tool_choice(obj, extra, unread),
        max_output_tokens=read(obj, "max_output_tokens", loc, max_tokens, None),
        tracing=unread.value(obj.get("tracing"), (*loc, "tracing"), tracing_from_wire, None),
        prompt=unread.value(obj.get("prompt"), (*loc, "prompt"), prompt_from_wire, None),
        extra=extra or None,
        unread=unread.result(),
    )


def _ga_kind(kind: object, loc: Loc) -> SessionKind:
    """A GA session's ``type``; a session recognised by its ``audio`` alone is ``realtime``."""
    if type(kind) is str and kind in _KINDS:
        return _KINDS[kind]
    if type(kind) is str:
        raise invalid_choice(loc, kind, list(_KINDS))
    raise invalid_type(loc, "a string", kind)


def _format(audio: JsonObject, key: str, at: Loc) -> AudioFormatName | None:
    return format_from_ga(audio, at)


def _voice(audio: JsonObject, key: str, at: Loc) -> str | None:
    voice: object = audio.get(key)
    return None if voice is None else voice_from_wire(voice, (*at, key))


def _beta(obj: JsonObject, kind: SessionKind, unread: Unread) -> SessionConfig:
    loc = _LOC
    read = unread.field
    extra = {k: v for k, v in obj.items() if k not in BETA_MODELLED and k not in BETA_OUTPUT_ONLY}
    modalities = read(obj, "modalities", loc, _modalities, None)
    return SessionConfig(
        type=kind,
        model=read(obj, "model", loc, opt_text, None),
        instructions=read(obj, "instructions", loc, opt_text, None),
        output_modalities=None if modalities is None else ga_modalities(modalities),
        input_format=read(obj, "input_audio_format", loc, _beta_format, None),
        output_format=read(obj, "output_audio_format", loc, _beta_format, None),
        voice=read(obj, "voice", loc, opt_text, None),
        speed=read(obj, "speed", loc, opt_number, None),
        transcription=_nullable(
            obj, "input_audio_transcription", loc, transcription_from_wire, unread
        ),
        noise_reduction=_nullable(obj, "input_audio_noise_reduction", loc, noise_from_wire, unread),
        turn_detection=_nullable(obj, "turn_detection", loc, turn_detection_from_wire, unread),
        tools=unread.value(obj.get("tools"), (*loc, "tools"), tools_from_wire, None),
        tool_choice=_tool_choice(obj, extra, unread),
        max_output_tokens=read(obj, "max_response_output_tokens", loc, max_tokens, None),
        tracing=unread.value(obj.get("tracing"), (*loc, "tracing"), tracing_from_wire, None),
        temperature=read(obj, "temperature", loc, opt_number, None),
        extra=extra or None,
        unread=unread.result(),
    )


def _beta_format(obj: JsonObject, key: str, at: Loc) -> AudioFormatName | None:
    return opt_choice(obj, key, BETA_FORMATS, at)


def _modalities(obj: JsonObject, key: str, at: Loc) -> tuple[Literal["text", "audio"], ...] | None:
    """A list of ``"text"`` / ``"audio"``, or ``None`` when absent or ``null``."""
    names: object = obj.get(key)
    if names is None:
        return None
    if type(names) is not list:
        raise invalid_type((*at, key), "an array", names)
    out: list[Literal["text", "audio"]] = []
    for n, name in enumerate(names):
        if type(name) is str and name in _MODALITIES:
            out.append(_MODALITIES[name])
        elif type(name) is str:
            raise invalid_choice((*at, key, n), name, list(_MODALITIES))
        else:
            raise invalid_type((*at, key, n), "a string", name)
    return tuple(out)


def _tool_choice(obj: JsonObject, extra: JsonObject, unread: Unread) -> ToolChoice | None:
    """The session's tool choice; the MCP form, which has no neutral value, goes to ``extra``."""
    at = (*_LOC, "tool_choice")
    found = unread.value(obj.get("tool_choice"), at, tool_choice_from_wire, None)
    if isinstance(found, dict):
        extra["tool_choice"] = found
        return None
    return found


def _nullable(
    raw: JsonObject | None,
    key: str,
    at: Loc,
    convert: Callable[[object, Loc], T],
    unread: Unread,
) -> T | Unset:
    """``convert`` of ``raw[key]``, or :data:`UNSET` when ``raw`` has no such key or its value
    does not read (kept in ``unread``)."""
    if raw is None or key not in raw:
        return UNSET
    return unread.value(raw[key], (*at, key), convert, UNSET)
