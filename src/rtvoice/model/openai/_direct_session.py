"""Direct reads of session objects: the GA nested and beta flat ``session`` of
``session.created`` / ``session.updated`` (PROTOCOL.md §3, §11.3), without pydantic.

The same contract as :mod:`._direct_values`: the result equals what the validating reader
(:mod:`._read_session`, leniently) gives, or :class:`~._direct_values.Decline` sends the
object to it. Each check mirrors one field of the session models of :mod:`._wire_models`
(``GaRealtimeSession``, ``GaTranscriptionSession``, ``BetaSession`` and their parts),
including the server's ranges (§3, §10) and the fields that only land in ``extra``
(``truncation``, ``include``, ``reasoning``, ``parallel_tool_calls``), so a session the
validating reader rejects is never accepted here. As there, an absent nullable key
(``turn_detection``, ``transcription``, ``noise_reduction``) reads back as :data:`UNSET`.
"""

from __future__ import annotations

from typing import Any, Literal

from ...audio import AudioFormatName
from ..session_config import (
    UNSET,
    FunctionTool,
    NoiseReduction,
    OtherTool,
    PromptConfig,
    SemanticVad,
    ServerVad,
    SessionConfig,
    Tool,
    ToolChoice,
    ToolChoiceFunction,
    TracingConfig,
    Transcription,
    TurnDetection,
)
from ._direct_values import Decline, opt_child, opt_text, pick, strings, text, voice_name
from ._session_wire import (
    BETA_MODELLED,
    BETA_OUTPUT_ONLY,
    GA_MODELLED,
    GA_OUTPUT_ONLY,
    ga_modalities,
    is_ga_session,
)
from ._wire_json import JsonObject

_GA_FORMATS: dict[str, AudioFormatName] = {
    "audio/pcm": "pcm16",
    "audio/pcmu": "g711_ulaw",
    "audio/pcma": "g711_alaw",
}
_BETA_FORMATS: dict[str, AudioFormatName] = {
    "pcm16": "pcm16",
    "g711_ulaw": "g711_ulaw",
    "g711_alaw": "g711_alaw",
}
_MODALITIES: dict[str, Literal["text", "audio"]] = {"text": "text", "audio": "audio"}
_EAGERNESS = {"low": "low", "medium": "medium", "high": "high", "auto": "auto"}
_NOISE = {"near_field": "near_field", "far_field": "far_field"}
_DELAYS = {"minimal", "low", "medium", "high", "xhigh"}
_TOOL_CHOICE_MODES = {"auto": "auto", "none": "none", "required": "required"}


def session(obj: JsonObject, kind: Literal["realtime", "transcription"]) -> SessionConfig:
    """A session object of either shape; ``kind`` (from the event name) is for beta only."""
    return _ga(obj) if is_ga_session(obj) else _beta(obj, kind)


# ---------------------------------------------------------------------------------------------
# GA (§3.1): nested audio, ``type`` realtime or transcription


def _ga(obj: JsonObject) -> SessionConfig:
    kind = obj.get("type", "realtime")
    audio = opt_child(obj, "audio")
    audio_in = None if audio is None else opt_child(audio, "input")
    a_in = audio_in if audio_in is not None else {}
    extra = {k: v for k, v in obj.items() if k not in GA_MODELLED and k not in GA_OUTPUT_ONLY}
    input_format = _ga_format(a_in.get("format"))
    transcription = _transcription(a_in.get("transcription"))
    noise = _noise(a_in.get("noise_reduction"))
    turns = _turn_detection(a_in.get("turn_detection"))
    strings(obj, "include")
    if kind == "transcription":
        return SessionConfig(
            type="transcription",
            input_format=input_format,
            transcription=_unset_unless(audio_in, "transcription", transcription),
            noise_reduction=_unset_unless(audio_in, "noise_reduction", noise),
            turn_detection=_unset_unless(audio_in, "turn_detection", turns),
            extra=extra or None,
        )
    if kind != "realtime":
        raise Decline
    a_out = (None if audio is None else opt_child(audio, "output")) or {}
    output_modalities = _modalities(obj, "output_modalities")
    truncation = obj.get("truncation")
    if not (truncation is None or truncation in ("auto", "disabled") or type(truncation) is dict):
        raise Decline
    opt_child(obj, "reasoning")
    _flag(obj, "parallel_tool_calls")
    voice = a_out.get("voice")
    return SessionConfig(
        type="realtime",
        model=opt_text(obj, "model"),
        instructions=opt_text(obj, "instructions"),
        output_modalities=output_modalities,
        input_format=input_format,
        output_format=_ga_format(a_out.get("format")),
        voice=None if voice is None else voice_name(voice),
        speed=_bounded(a_out, "speed", 0.25, 1.5),
        transcription=_unset_unless(audio_in, "transcription", transcription),
        noise_reduction=_unset_unless(audio_in, "noise_reduction", noise),
        turn_detection=_unset_unless(audio_in, "turn_detection", turns),
        tools=_tools(obj),
        tool_choice=_tool_choice(obj, extra),
        max_output_tokens=_max_tokens(obj, "max_output_tokens"),
        tracing=_tracing(obj.get("tracing")),
        prompt=_prompt(obj.get("prompt")),
        extra=extra or None,
    )


def _ga_format(value: object) -> AudioFormatName | None:
    """``{"type": "audio/pcm", "rate": 24000}`` (the rate may only be 24000) or G.711."""
    if value is None:
        return None
    if type(value) is not dict:
        raise Decline
    name: AudioFormatName = pick(_GA_FORMATS, value.get("type"))
    rate = value.get("rate")
    if name == "pcm16" and rate is not None and not (type(rate) is int and rate == 24000):
        raise Decline
    return name


# ---------------------------------------------------------------------------------------------
# Beta (§11.3): one flat object, its kind from the event name


def _beta(obj: JsonObject, kind: Literal["realtime", "transcription"]) -> SessionConfig:
    extra = {k: v for k, v in obj.items() if k not in BETA_MODELLED and k not in BETA_OUTPUT_ONLY}
    modalities = _modalities(obj, "modalities")
    strings(obj, "include")
    formats = [obj.get("input_audio_format"), obj.get("output_audio_format")]
    input_format, output_format = (None if f is None else pick(_BETA_FORMATS, f) for f in formats)
    transcription = _transcription(obj.get("input_audio_transcription"))
    noise = _noise(obj.get("input_audio_noise_reduction"))
    turns = _turn_detection(obj.get("turn_detection"))
    return SessionConfig(
        type=kind,
        model=opt_text(obj, "model"),
        instructions=opt_text(obj, "instructions"),
        output_modalities=None if modalities is None else ga_modalities(modalities),
        input_format=input_format,
        output_format=output_format,
        voice=opt_text(obj, "voice"),
        speed=_bounded(obj, "speed", 0.25, 1.5),
        transcription=_unset_unless(obj, "input_audio_transcription", transcription),
        noise_reduction=_unset_unless(obj, "input_audio_noise_reduction", noise),
        turn_detection=_unset_unless(obj, "turn_detection", turns),
        tools=_tools(obj),
        tool_choice=_tool_choice(obj, extra),
        max_output_tokens=_max_tokens(obj, "max_response_output_tokens"),
        tracing=_tracing(obj.get("tracing")),
        temperature=_bounded(obj, "temperature", 0.6, 1.2),
        extra=extra or None,
    )


# ---------------------------------------------------------------------------------------------
# Parts both shapes share (§3.2-§3.5)


def _modalities(obj: JsonObject, key: str) -> tuple[Literal["text", "audio"], ...] | None:
    """``list[Literal["text", "audio"]] | None``."""
    names = obj.get(key)
    if names is None:
        return None
    if type(names) is not list:
        raise Decline
    return tuple([pick(_MODALITIES, name) for name in names])


def _unset_unless(raw: JsonObject | None, key: str, value: Any) -> Any:
    """``value``, or :data:`UNSET` when ``raw`` has no ``key`` (absent and ``null`` differ)."""
    return UNSET if raw is None or key not in raw else value


def _turn_detection(value: object) -> TurnDetection | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise Decline
    kind = value.get("type")
    if kind == "server_vad":
        return ServerVad(
            threshold=_bounded(value, "threshold", 0.0, 1.0),
            prefix_padding_ms=_natural(value, "prefix_padding_ms"),
            silence_duration_ms=_natural(value, "silence_duration_ms"),
            idle_timeout_ms=_natural(value, "idle_timeout_ms"),
            create_response=_flag(value, "create_response"),
            interrupt_response=_flag(value, "interrupt_response"),
        )
    if kind == "semantic_vad":
        eagerness = value.get("eagerness")
        return SemanticVad(
            eagerness=None if eagerness is None else pick(_EAGERNESS, eagerness),
            create_response=_flag(value, "create_response"),
            interrupt_response=_flag(value, "interrupt_response"),
        )
    raise Decline


def _transcription(value: object) -> Transcription | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise Decline
    strings(value, "languages")
    strings(value, "keywords")
    delay = value.get("delay")
    if delay is not None and not (type(delay) is str and delay in _DELAYS):
        raise Decline
    return Transcription(
        model=opt_text(value, "model"),
        language=opt_text(value, "language"),
        prompt=opt_text(value, "prompt"),
    )


def _noise(value: object) -> NoiseReduction | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise Decline
    strength = value.get("strength")
    if not (strength is None or type(strength) is float or type(strength) is int):
        raise Decline
    return NoiseReduction(
        type=pick(_NOISE, value.get("type")),
        strength=None if strength is None else float(strength),
    )


def _tools(obj: JsonObject) -> tuple[Tool, ...] | None:
    """Function tools; any other object (``mcp``, unknown) is kept as an :class:`OtherTool`."""
    tools = obj.get("tools")
    if tools is None:
        return None
    if type(tools) is not list:
        raise Decline
    out: list[Tool] = []
    for tool in tools:
        if type(tool) is not dict:
            raise Decline
        if tool.get("type") != "function":
            out.append(OtherTool(raw=tool))
            continue
        out.append(
            FunctionTool(
                name=text(tool, "name"),
                description=opt_text(tool, "description"),
                parameters=opt_child(tool, "parameters"),
            )
        )
    return tuple(out)


def _tool_choice(obj: JsonObject, extra: JsonObject) -> ToolChoice | None:
    """A mode or a function; the MCP form has no neutral value and goes to ``extra``."""
    choice = obj.get("tool_choice")
    if choice is None:
        return None
    if type(choice) is str:
        return pick(_TOOL_CHOICE_MODES, choice)  # type: ignore[no-any-return]
    if type(choice) is not dict:
        raise Decline
    kind = choice.get("type")
    if kind == "function":
        return ToolChoiceFunction(name=text(choice, "name"))
    if kind == "mcp":
        text(choice, "server_label")
        opt_text(choice, "name")
        extra["tool_choice"] = dict(choice)
        return None
    raise Decline


def _tracing(value: object) -> Literal["auto"] | TracingConfig | None:
    if value is None:
        return None
    if value == "auto":
        return "auto"
    if type(value) is not dict:
        raise Decline
    return TracingConfig(
        workflow_name=opt_text(value, "workflow_name"),
        group_id=opt_text(value, "group_id"),
        metadata=opt_child(value, "metadata"),
    )


def _prompt(value: object) -> PromptConfig | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise Decline
    return PromptConfig(
        id=text(value, "id"),
        version=opt_text(value, "version"),
        variables=opt_child(value, "variables"),
    )


def _max_tokens(obj: JsonObject, key: str) -> int | Literal["inf"] | None:
    """§10: 1 to 4096, or ``"inf"``."""
    value = obj.get(key)
    if value is None or value == "inf" or (type(value) is int and 1 <= value <= 4096):
        return value
    raise Decline


def _bounded(obj: JsonObject, key: str, low: float, high: float) -> float | None:
    """An optional ``float`` within ``[low, high]`` (an integer is converted, as pydantic does)."""
    value = obj.get(key)
    if value is None:
        return None
    if (type(value) is float or type(value) is int) and low <= value <= high:
        return float(value)
    raise Decline


def _natural(obj: JsonObject, key: str) -> int | None:
    value = obj.get(key)
    if value is None or (type(value) is int and value >= 0):
        return value
    raise Decline


def _flag(obj: JsonObject, key: str) -> bool | None:
    value = obj.get(key)
    if value is None or type(value) is bool:
        return value
    raise Decline
