"""``model_settings`` -> :class:`ModelSettings`, and :class:`ModelSettings` -> ``SessionConfig``;
``model_config["transport"]`` -> :class:`~rtvoice.transport.TransportOptions`."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, TypedDict, TypeVar

from ..audio import AudioFormatName
from ..errors import UserError
from ..model.session_config import (
    NoiseReduction,
    PromptConfig,
    ServerVad,
    SessionConfig,
    Tool,
    ToolChoice,
    ToolChoiceFunction,
    TracingConfig,
    Transcription,
    TurnDetection,
)
from ._audio import (
    format_to_config,
    noise_reduction_to_config,
    read_format,
    read_noise_reduction,
    read_transcription,
    read_turn_detection,
    transcription_to_config,
    turn_detection_to_config,
)
from ._checks import (
    child,
    invalid,
    read_int,
    read_mapping,
    read_number,
    read_str,
    read_str_list,
    reject_unknown_keys,
)
from ._live import LiveOptions, live_to_config, read_live
from ._types import (
    AudioConfig,
    AudioInputConfig,
    AudioOutputConfig,
    PromptTemplateConfig,
    RealtimeSessionModelSettings,
    ServerTracingConfig,
)

if TYPE_CHECKING:
    from ..transport import TransportOptions

__all__ = [
    "DEFAULT_MODEL_NAME",
    "DEFAULT_TURN_DETECTION",
    "ModelSettings",
    "TransportConfig",
    "normalize_model_settings",
    "normalize_transport_config",
]

_T = TypeVar("_T")
_Place: TypeAlias = tuple[Callable[[object, str], _T], Mapping[str, object], str, str]
"""A spelling of one setting: its reader, the mapping it may be in, that mapping's path, the key."""

DEFAULT_MODEL_NAME: Final = "gpt-realtime"
"""The model used when ``model_settings.model_name`` is not given."""

Modality = Literal["audio", "text"]

DEFAULT_TURN_DETECTION: Final = ServerVad()
"""Server VAD with the server's own parameters: the default when no turn detection is given."""

_MODALITIES: Final[dict[str, Modality]] = {"audio": "audio", "text": "text"}
_TOOL_CHOICE_MODES: Final[dict[str, Literal["auto", "none", "required"]]] = {
    "auto": "auto",
    "none": "none",
    "required": "required",
}
_TOOL_CHOICE_EXPECTED: Final = (
    "one of 'auto', 'none', 'required', or {'type': 'function', 'name': <function name>}"
)
_MAX_TOKENS_EXPECTED: Final = "an integer from 1 to 4096, or 'inf'"
_MAX_TOKENS: Final = 4096  # the server's largest max_output_tokens
_SPEED_RANGE: Final = (0.25, 1.5)  # the speeds the server accepts
_NOT_SENT_YET: Final = "a GA session field that rtvoice does not send yet; leave it out"
_EXPLAINED: Final = {
    "tools": "tools belong to the agent: RealtimeAgent(..., tools=[...])",
    "temperature": "removed from the GA Realtime API; leave it out",
    "type": "rtvoice sets the session type itself; leave it out",
    "truncation": _NOT_SENT_YET,
    "include": _NOT_SENT_YET,
    "reasoning": _NOT_SENT_YET,
    "parallel_tool_calls": _NOT_SENT_YET,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSettings:
    """The model settings of a run, normalised and validated (see :mod:`rtvoice.config`).

    Built by :func:`normalize_model_settings`; every field holds its resolved value, with the
    defaults of the table in :mod:`rtvoice.config` filled in. The agent-dependent parts
    (instructions, tools, voice) are combined in by :meth:`session_config`.
    """

    model_name: str = DEFAULT_MODEL_NAME
    """The model to connect to (it goes in the URL)."""
    instructions: str | None = None
    """Fallback instructions, used when the agent has none. ``None``: not sent."""
    prompt: PromptConfig | None = None
    """A stored prompt template; ``None``: none (not sent)."""
    output_modalities: tuple[Modality, ...] = ("audio",)
    """``("audio",)`` (speech, with a transcript) or ``("text",)``."""
    input_format: AudioFormatName = "pcm16"
    """The format of the audio the application sends."""
    output_format: AudioFormatName = "pcm16"
    """The format of the audio the model speaks."""
    voice: str | None = None
    """Fallback voice, used when the agent has none. ``None``: the server's default voice."""
    speed: float | None = None
    """Speech speed 0.25-1.5. ``None``: the server's default (1.0)."""
    transcription: Transcription | None = None
    """Transcription of the user's audio; ``None``: off."""
    noise_reduction: NoiseReduction | None = None
    """Input noise reduction; ``None``: off."""
    turn_detection: TurnDetection | None = DEFAULT_TURN_DETECTION
    """Voice activity detection; ``None``: manual turns."""
    tool_choice: ToolChoice | None = None
    """How the model picks tools; ``None``: the server's default (``auto``)."""
    max_output_tokens: int | Literal["inf"] | None = None
    """Per-response token cap; ``None``: the server's default (``inf``)."""
    tracing: Literal["auto"] | TracingConfig | None = None
    """OpenAI's server-side tracing; ``None``: off (not sent)."""
    live: LiveOptions | None = None
    """GPT-Live's own settings (``live``); ``None``: not given (a GPT-Live model then uses
    the defaults). Checked against the model per session by the runner."""

    def session_config(
        self, *, instructions: str | None, tools: tuple[Tool, ...] | None, voice: str | None
    ) -> SessionConfig:
        """The full session configuration to send for an agent.

        Sent at connect, and again whenever the agent changes (handoff, ``update_agent``).
        The audio formats, transcription, noise reduction and turn detection are always
        explicit, never :data:`~rtvoice.model.session_config.UNSET`, so that no later
        update can fall back to the server's defaults (e.g. reset G.711 telephony formats
        to PCM16 at a handoff).

        Args:
            instructions: The agent's instructions; ``None`` falls back to
                :attr:`instructions`, and if that is ``None`` too, instructions are not sent.
                Pass ``""`` to clear them.
            tools: The agent's tools; ``()`` clears the session's tools, ``None`` leaves
                them out of the update.
            voice: The agent's voice; ``None`` falls back to :attr:`voice`, then to the
                server's default (not sent).

        Returns:
            A realtime :class:`~rtvoice.model.session_config.SessionConfig`. Its ``model``
            is not set: the model is chosen by the URL.
        """
        return SessionConfig(
            type="realtime",
            instructions=instructions if instructions is not None else self.instructions,
            output_modalities=self.output_modalities,
            input_format=self.input_format,
            output_format=self.output_format,
            voice=voice if voice is not None else self.voice,
            speed=self.speed,
            transcription=self.transcription,
            noise_reduction=self.noise_reduction,
            turn_detection=self.turn_detection,
            tools=tools,
            tool_choice=self.tool_choice,
            max_output_tokens=self.max_output_tokens,
            tracing=self.tracing,
            prompt=self.prompt,
        )

    def to_config(self) -> RealtimeSessionModelSettings:
        """These settings as a canonical ``model_settings`` dict (nested shape, GA formats).

        ``normalize_model_settings(s.to_config()) == s`` for any normalised ``s``, so the
        dict can be edited and normalised again (e.g. to derive a per-call variant).
        """
        audio_in: AudioInputConfig = {
            "format": format_to_config(self.input_format),
            "transcription": transcription_to_config(self.transcription),
            "noise_reduction": noise_reduction_to_config(self.noise_reduction),
            "turn_detection": turn_detection_to_config(self.turn_detection),
        }
        audio_out: AudioOutputConfig = {"format": format_to_config(self.output_format)}
        if self.voice is not None:
            audio_out["voice"] = self.voice
        if self.speed is not None:
            audio_out["speed"] = self.speed
        audio: AudioConfig = {"input": audio_in, "output": audio_out}
        out: RealtimeSessionModelSettings = {
            "model_name": self.model_name,
            "output_modalities": list(self.output_modalities),
            "audio": audio,
        }
        if self.instructions is not None:
            out["instructions"] = self.instructions
        if self.prompt is not None:
            out["prompt"] = _prompt_to_config(self.prompt)
        if self.tool_choice is not None:
            out["tool_choice"] = (
                {"type": "function", "name": self.tool_choice.name}
                if isinstance(self.tool_choice, ToolChoiceFunction)
                else self.tool_choice
            )
        if self.max_output_tokens is not None:
            out["max_output_tokens"] = self.max_output_tokens
        if self.tracing is not None:
            out["tracing"] = _tracing_to_config(self.tracing)
        if self.live is not None:
            out["live"] = live_to_config(self.live)
        return out


def normalize_model_settings(
    settings: RealtimeSessionModelSettings | Mapping[str, object] | None,
    *,
    path: str = "model_settings",
) -> ModelSettings:
    """Validate a ``model_settings`` dict and resolve it into :class:`ModelSettings`.

    Nested ``audio.input`` / ``audio.output`` keys and the GA names win over their flat
    aliases when both are present; both are validated either way.

    Args:
        settings: The user's dict; ``None`` or ``{}`` gives the defaults.
        path: The dotted path of ``settings`` in error messages.

    Raises:
        UserError: An unknown key (naming its full path and the closest valid key), or a value
            of the wrong type or out of range (naming the path, the value and what is allowed).
    """
    if settings is None:
        return ModelSettings()
    data = read_mapping(settings, path, "a dict of model settings (RealtimeSessionModelSettings)")
    reject_unknown_keys(
        data, path, RealtimeSessionModelSettings.__annotations__, explained=_EXPLAINED
    )
    audio_path = child(path, "audio")
    audio = _sub_mapping(data, path, "audio", AudioConfig.__annotations__)
    audio_in = _sub_mapping(audio, audio_path, "input", AudioInputConfig.__annotations__)
    audio_out = _sub_mapping(audio, audio_path, "output", AudioOutputConfig.__annotations__)
    in_path = child(audio_path, "input")
    out_path = child(audio_path, "output")
    defaults = ModelSettings()

    def pick(default: _T, *places: _Place[_T]) -> _T:
        # Every spelling present is validated; the first one (nested / GA name) wins.
        found = [read(m[key], child(p, key)) for read, m, p, key in places if key in m]
        return found[0] if found else default

    return ModelSettings(
        model_name=pick(defaults.model_name, (read_str, data, path, "model_name")),
        instructions=pick(None, (_read_instructions, data, path, "instructions")),
        prompt=pick(None, (_read_prompt, data, path, "prompt")),
        output_modalities=pick(
            defaults.output_modalities,
            (_read_output_modalities, data, path, "output_modalities"),
            (_read_beta_modalities, data, path, "modalities"),
        ),
        input_format=pick(
            defaults.input_format,
            (read_format, audio_in, in_path, "format"),
            (read_format, data, path, "input_audio_format"),
        ),
        output_format=pick(
            defaults.output_format,
            (read_format, audio_out, out_path, "format"),
            (read_format, data, path, "output_audio_format"),
        ),
        voice=pick(None, (read_str, audio_out, out_path, "voice"), (read_str, data, path, "voice")),
        speed=pick(
            None, (_read_speed, audio_out, out_path, "speed"), (_read_speed, data, path, "speed")
        ),
        transcription=pick(
            None,
            (read_transcription, audio_in, in_path, "transcription"),
            (read_transcription, data, path, "input_audio_transcription"),
        ),
        noise_reduction=pick(
            None,
            (read_noise_reduction, audio_in, in_path, "noise_reduction"),
            (read_noise_reduction, data, path, "input_audio_noise_reduction"),
        ),
        turn_detection=pick(
            defaults.turn_detection,
            (read_turn_detection, audio_in, in_path, "turn_detection"),
            (read_turn_detection, data, path, "turn_detection"),
        ),
        tool_choice=pick(None, (_read_tool_choice, data, path, "tool_choice")),
        max_output_tokens=pick(
            None,
            (_read_max_tokens, data, path, "max_output_tokens"),
            (_read_max_tokens, data, path, "max_response_output_tokens"),
        ),
        tracing=pick(None, (_read_server_tracing, data, path, "tracing")),
        live=pick(None, (read_live, data, path, "live")),
    )


def _sub_mapping(
    data: Mapping[str, object], path: str, key: str, allowed: Collection[str]
) -> Mapping[str, object]:
    if key not in data:
        return {}
    sub_path = child(path, key)
    sub = read_mapping(data[key], sub_path)
    reject_unknown_keys(sub, sub_path, allowed)
    return sub


def _read_instructions(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise invalid(path, value, "a string")
    return value


def _read_speed(value: object, path: str) -> float:
    return read_number(value, path, low=_SPEED_RANGE[0], high=_SPEED_RANGE[1])


def _read_output_modalities(value: object, path: str) -> tuple[Modality, ...]:
    # The server takes one output modality; audio always has a transcript.
    expected = "['audio'] or ['text'] (both at once is not allowed)"
    modalities = read_str_list(value, path, _MODALITIES, what=expected)
    if len(modalities) != 1:
        raise invalid(path, value, expected)
    return modalities


def _read_beta_modalities(value: object, path: str) -> tuple[Modality, ...]:
    # Beta audio output always came with text: ["text", "audio"] is GA ["audio"].
    modalities = read_str_list(
        value, path, _MODALITIES, what="['text', 'audio'] or ['text'] (the beta spelling)"
    )
    return ("audio",) if "audio" in modalities else ("text",)


def _read_tool_choice(value: object, path: str) -> ToolChoice:
    if isinstance(value, str):
        if value in _TOOL_CHOICE_MODES:
            return _TOOL_CHOICE_MODES[value]
        raise invalid(path, value, _TOOL_CHOICE_EXPECTED)
    data = read_mapping(value, path, _TOOL_CHOICE_EXPECTED)
    reject_unknown_keys(data, path, ("type", "name"))
    if data.get("type") != "function" or "name" not in data:
        raise invalid(path, value, _TOOL_CHOICE_EXPECTED)
    return ToolChoiceFunction(name=read_str(data["name"], child(path, "name")))


def _read_max_tokens(value: object, path: str) -> int | Literal["inf"]:
    if value == "inf":
        return "inf"
    if isinstance(value, str):
        raise invalid(path, value, _MAX_TOKENS_EXPECTED)
    try:
        return read_int(value, path, low=1, high=_MAX_TOKENS)
    except UserError:
        raise invalid(path, value, _MAX_TOKENS_EXPECTED) from None


def _read_metadata(value: object, path: str) -> Mapping[str, object]:
    data = read_mapping(value, path, "a dict with string keys")
    for key in data:
        if not isinstance(key, str):
            raise invalid(path, value, "a dict with string keys")
    return dict(data)


def _read_server_tracing(value: object, path: str) -> Literal["auto"] | TracingConfig | None:
    expected = "'auto', a dict such as {'workflow_name': 'support'}, or None"
    if value is None or value == "auto":
        return "auto" if value == "auto" else None
    data = read_mapping(value, path, expected)
    reject_unknown_keys(data, path, ServerTracingConfig.__annotations__)
    return TracingConfig(
        workflow_name=read_str(data["workflow_name"], child(path, "workflow_name"))
        if "workflow_name" in data
        else None,
        group_id=read_str(data["group_id"], child(path, "group_id"))
        if "group_id" in data
        else None,
        metadata=_read_metadata(data["metadata"], child(path, "metadata"))
        if "metadata" in data
        else None,
    )


def _tracing_to_config(
    tracing: Literal["auto"] | TracingConfig,
) -> Literal["auto"] | ServerTracingConfig:
    if isinstance(tracing, str):
        return tracing
    out: ServerTracingConfig = {}
    if tracing.workflow_name is not None:
        out["workflow_name"] = tracing.workflow_name
    if tracing.group_id is not None:
        out["group_id"] = tracing.group_id
    if tracing.metadata is not None:
        out["metadata"] = dict(tracing.metadata)
    return out


def _read_prompt(value: object, path: str) -> PromptConfig | None:
    if value is None:
        return None
    data = read_mapping(value, path, "a dict such as {'id': 'pmpt_123'}, or None")
    reject_unknown_keys(data, path, PromptTemplateConfig.__annotations__)
    if "id" not in data:
        raise invalid(path, value, "a dict with the prompt's 'id', e.g. {'id': 'pmpt_123'}")
    return PromptConfig(
        id=read_str(data["id"], child(path, "id")),
        version=read_str(data["version"], child(path, "version")) if "version" in data else None,
        variables=_read_metadata(data["variables"], child(path, "variables"))
        if "variables" in data
        else None,
    )


def _prompt_to_config(prompt: PromptConfig) -> PromptTemplateConfig:
    out: PromptTemplateConfig = {"id": prompt.id}
    if prompt.version is not None:
        out["version"] = prompt.version
    if prompt.variables is not None:
        out["variables"] = dict(prompt.variables)
    return out


class TransportConfig(TypedDict, total=False):
    """``model_config["transport"]``: the socket's timeouts and limits for one session.

    Every key is optional; a missing one keeps the
    :class:`~rtvoice.transport.TransportOptions` default (in brackets). Timeouts are in
    seconds, a finite number > 0, or ``None`` for no limit.
    """

    open_timeout: float | None
    """DNS, TCP, TLS and the upgrade together (10 s); then ``ConnectTimeoutError``."""
    close_timeout: float | None
    """How long closing waits for the server to close TCP after the close frames (5 s)."""
    ping_interval: float | None
    """Seconds between keepalive PINGs (20 s)."""
    ping_timeout: float | None
    """How long a PING waits for its PONG (20 s); then ``ConnectionLostError`` (1011)."""
    max_size: int | None
    """Largest received message in bytes (16 MiB); a larger one ends the session with
    ``MessageTooBigError`` (1009)."""
    max_queue: int
    """How many received frames may wait to be read (16)."""
    compression: Literal["deflate"] | None
    """``"deflate"`` offers permessage-deflate (off: ``None``)."""
    user_agent: str | None
    """The ``User-Agent`` header; ``None`` sends none."""


_TIMEOUT_EXPECTED: Final = "a finite number of seconds > 0, or None"


def normalize_transport_config(
    config: TransportConfig | Mapping[str, object] | None,
    *,
    path: str = "model_config.transport",
) -> TransportOptions:
    """Validate ``model_config["transport"]`` and build the session's transport options.

    Args:
        config: The user's dict; ``None`` or ``{}`` gives the defaults.
        path: The dotted path of ``config`` in error messages.

    Returns:
        The :class:`~rtvoice.transport.TransportOptions` for the session's socket.

    Raises:
        UserError: An unknown key (naming its full path and the closest valid key), or a
            value of the wrong type or out of range (naming the path and what is allowed).
    """
    from ..transport import TransportOptions

    if config is None:
        return TransportOptions()
    data = read_mapping(config, path, "a dict of transport options (TransportConfig)")
    reject_unknown_keys(data, path, TransportConfig.__annotations__)
    values: dict[str, object] = {}
    for key, value in data.items():
        where = child(path, key)
        if key in ("open_timeout", "close_timeout", "ping_interval", "ping_timeout"):
            values[key] = _read_timeout(value, where)
        elif key == "max_size":
            values[key] = None if value is None else read_int(value, where, low=1)
        elif key == "max_queue":
            values[key] = read_int(value, where, low=1)
        elif key == "compression":
            if value not in ("deflate", None):
                raise invalid(where, value, "'deflate' or None")
            values[key] = value
        else:  # user_agent
            values[key] = None if value is None else read_str(value, where, "a string or None")
    return TransportOptions(**values)  # type: ignore[arg-type]  # each value checked above


def _read_timeout(value: object, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid(path, value, _TIMEOUT_EXPECTED)
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise invalid(path, value, _TIMEOUT_EXPECTED)
    return number
