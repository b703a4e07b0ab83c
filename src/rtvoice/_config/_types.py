"""The user-facing config dicts: :class:`RealtimeRunConfig` and its parts.

They are ``TypedDict``\\ s with ``total=False``, so a plain dict literal type-checks (and a
misspelled key is a type error under mypy), and every key may be left out. A value type
admits ``None`` only where the wire does (``turn_detection``, ``transcription``,
``noise_reduction``, ``tracing``, ``prompt``, ``idle_timeout_ms``): there ``None`` means *off*.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeAlias

from typing_extensions import Required, TypedDict

from ._continuity import HistorySeedConfig, ReconnectConfig, RolloverConfig

__all__ = [
    "AudioConfig",
    "AudioFormat",
    "AudioFormatConfig",
    "AudioFormatString",
    "AudioInputConfig",
    "AudioOutputConfig",
    "GuardrailsSettings",
    "LiveConfig",
    "LiveResponsesConfig",
    "NoiseReductionConfig",
    "OpenTelemetryConfig",
    "PromptTemplateConfig",
    "RealtimeRunConfig",
    "RealtimeSessionModelSettings",
    "ServerTracingConfig",
    "SessionTimeoutsConfig",
    "ToolChoiceFunctionConfig",
    "TranscriptionConfig",
    "TurnDetectionConfig",
]

AudioFormatString: TypeAlias = Literal[
    "pcm16", "g711_ulaw", "g711_alaw", "audio/pcm", "audio/pcmu", "audio/pcma"
]
"""A format by name: the beta names, or the GA ``type`` strings (the same three formats)."""


class AudioFormatConfig(TypedDict, total=False):
    """A GA format object, e.g. ``{"type": "audio/pcm", "rate": 24000}``."""

    type: Required[Literal["audio/pcm", "audio/pcmu", "audio/pcma"]]
    """``audio/pcm`` (PCM16 24 kHz), ``audio/pcmu`` (G.711 mu-law) or ``audio/pcma`` (A-law)."""
    rate: int
    """``audio/pcm`` only, and it must be 24000 (the only rate the server accepts)."""


AudioFormat: TypeAlias = AudioFormatString | AudioFormatConfig
"""Any of the accepted spellings of an audio format."""


class TranscriptionConfig(TypedDict, total=False):
    """Transcription of the user's speech; results arrive as ``input_transcript``."""

    model: str
    """e.g. ``gpt-4o-mini-transcribe``, ``gpt-4o-transcribe``, ``whisper-1``."""
    language: str | None
    """ISO-639-1 code, e.g. ``"en"``; improves accuracy and latency."""
    prompt: str | None
    """Text to guide the transcription (vocabulary, style)."""
    languages: list[str]
    """Languages to expect, ISO-639-1 codes (``gpt-live-transcribe``)."""
    keywords: list[str]
    """Words and names to listen for (``gpt-live-transcribe``)."""
    delay: Literal["minimal", "low", "medium", "high", "xhigh"]
    """Latency against accuracy (``gpt-realtime-whisper``)."""


class NoiseReductionConfig(TypedDict, total=False):
    """Noise reduction of the input audio before VAD and the model."""

    type: Required[Literal["near_field", "far_field"]]
    """``near_field`` for headsets and phones, ``far_field`` for laptops and rooms."""
    strength: float
    """0.0 to 1.0; the server uses 1.0 when first enabled."""


class TurnDetectionConfig(TypedDict, total=False):
    """Voice activity detection. Keys apply to one ``type`` each, as marked."""

    type: Literal["server_vad", "semantic_vad"]
    """Default ``server_vad``."""
    threshold: float
    """server_vad: activation threshold 0.0 to 1.0 (server default 0.5)."""
    prefix_padding_ms: int
    """server_vad: audio kept before detected speech (server default 300)."""
    silence_duration_ms: int
    """server_vad: silence that ends a turn (server default 200 observed)."""
    idle_timeout_ms: int | None
    """server_vad: fire ``input_audio_timeout_triggered`` after this much silence."""
    create_response: bool
    """Respond automatically when the user stops (server default True)."""
    interrupt_response: bool
    """Cancel the response in progress when the user starts speaking (server default True)."""
    eagerness: Literal["low", "medium", "high", "auto"]
    """semantic_vad: how soon to take the turn (``auto`` = ``medium``)."""


class AudioInputConfig(TypedDict, total=False):
    """``audio.input``: what the user sends."""

    format: AudioFormat
    transcription: TranscriptionConfig | None
    noise_reduction: NoiseReductionConfig | None
    turn_detection: TurnDetectionConfig | None
    """``None`` means manual turns: the application commits audio and asks for responses."""


class AudioOutputConfig(TypedDict, total=False):
    """``audio.output``: what the model speaks."""

    format: AudioFormat
    voice: str
    """``alloy``, ``ash``, ``ballad``, ``coral``, ``echo``, ``sage``, ``shimmer``, ``verse``,
    ``marin``, ``cedar``, any newer name, or a custom voice id ``voice_...``."""
    speed: float
    """0.25 to 1.5 (server default 1.0)."""


class AudioConfig(TypedDict, total=False):
    """``audio``: the primary, nested shape of the audio settings."""

    input: AudioInputConfig
    output: AudioOutputConfig


class ToolChoiceFunctionConfig(TypedDict):
    """Force a call of one function: ``{"type": "function", "name": "get_weather"}``."""

    type: Literal["function"]
    name: str


class ServerTracingConfig(TypedDict, total=False):
    """OpenAI's server-side tracing of the session; cannot change once enabled."""

    workflow_name: str
    group_id: str
    metadata: Mapping[str, object]


class PromptTemplateConfig(TypedDict, total=False):
    """A stored prompt template."""

    id: Required[str]
    version: str
    variables: Mapping[str, object]


class LiveResponsesConfig(TypedDict, total=False):
    """``live.responses``: the hosted Responses model that does the delegated work
    (``delegation: "responses"`` only)."""

    model: Required[str]
    """The Responses model, e.g. ``gpt-5.1``."""
    instructions: str
    """Its backend prompt (business rules, tool workflows); the agent's instructions stay
    the voice model's."""


class LiveConfig(TypedDict, total=False):
    """``model_settings.live``: GPT-Live's own settings (only with a ``gpt-live-*`` model).

    Every key is optional. GPT-Live fixes them when the session starts.
    """

    delegation: Literal["client", "responses"]
    """Who does the work the model delegates: ``"client"`` (the default: rtvoice runs the
    agent's tools and answers with commentary) or ``"responses"`` (a hosted Responses model,
    whose function calls come back to the agent's tools). GPT-Live's ``"decisions"`` is not
    supported yet."""
    responses: LiveResponsesConfig
    """The hosted model; required with ``delegation: "responses"``, refused otherwise."""
    acknowledgement_delay_ms: int | None
    """How long the server waits before the model acknowledges a delegation aloud
    (``None``: the server's default)."""
    silent_tools: Sequence[str]
    """Tools whose results go back silently (thinking) instead of spoken (commentary);
    client delegation only."""
    store: bool
    """Have the server store the session (forking, recordings)."""
    safety_identifier: str
    """A stable id of the end user, for the server's abuse detection."""
    turn_end_ms: int
    """How long without output ends an assistant turn (default 700)."""
    backend: object
    """The client-delegation backend: an object with an ``async plan(task)`` method. Left
    out: the built-in Responses backend (needs ``pip install 'rtvoice[live]'``)."""


class RealtimeSessionModelSettings(TypedDict, total=False):
    """What the model session is configured with (``RealtimeRunConfig["model_settings"]``).

    ``audio`` is the primary shape. The flat keys below it are the beta names, kept as aliases; when
    a nested key and its alias are both present, the nested one
    wins.
    """

    model_name: str
    instructions: str
    prompt: PromptTemplateConfig | None
    output_modalities: Sequence[Literal["audio", "text"]]
    audio: AudioConfig
    tool_choice: Literal["auto", "none", "required"] | ToolChoiceFunctionConfig
    max_output_tokens: int | Literal["inf"]
    tracing: Literal["auto"] | ServerTracingConfig | None
    live: LiveConfig
    """GPT-Live's own settings; only with a ``gpt-live-*`` ``model_name``."""
    # Flat aliases (beta names) of nested or GA keys:
    voice: str
    speed: float
    input_audio_format: AudioFormat
    output_audio_format: AudioFormat
    input_audio_transcription: TranscriptionConfig | None
    input_audio_noise_reduction: NoiseReductionConfig | None
    turn_detection: TurnDetectionConfig | None
    modalities: Sequence[Literal["audio", "text"]]
    max_response_output_tokens: int | Literal["inf"]


class GuardrailsSettings(TypedDict, total=False):
    """How output guardrails run."""

    debounce_text_length: int
    """Run the output guardrails each time this many more characters of transcript arrived."""


class OpenTelemetryConfig(TypedDict, total=False):
    """rtvoice's own OpenTelemetry tracing (not OpenAI's server tracing).

    The providers are typed loosely so that ``opentelemetry-sdk`` is not needed to import
    rtvoice; they must have ``get_tracer`` / ``get_meter``.
    """

    tracer_provider: object
    """A ``TracerProvider``; default: the global one."""
    meter_provider: object
    """A ``MeterProvider``; default: the global one."""
    include_transcripts: bool
    """Put transcripts and message text on spans (default False: they may hold personal data)."""


class SessionTimeoutsConfig(TypedDict, total=False):
    """How long a session waits for each thing it waits for, in seconds (``timeouts``).

    Every wait of a session is bounded by one of these; what happens when one expires is
    said per key (``docs/configuration.md``, "Timeouts").
    """

    configure: float
    """Entering ``async with session`` waits this long for ``session.updated``."""
    response_created: float
    """A ``response.create`` of the session waits this long for ``response.created``."""
    response_idle: float
    """A running response is given up after this long without an event of it."""
    guardrail_verdicts: float
    """``agent_end`` waits this long for the turn's guardrail checks to decide."""
    close: float
    """Closing waits this long for the connection and the reader to end."""


class RealtimeRunConfig(TypedDict, total=False):
    """Everything a :class:`~rtvoice.RealtimeRunner` is configured with, besides agents.

    Guardrails, the tool error formatter and middleware are kept as given here and built
    into the session by their own modules.
    """

    model_settings: RealtimeSessionModelSettings
    output_guardrails: Sequence[object]
    input_guardrails: Sequence[object]
    guardrails_settings: GuardrailsSettings
    async_tool_calls: bool
    tool_error_formatter: Callable[..., object]
    tracing: OpenTelemetryConfig
    tracing_disabled: bool
    middleware: Sequence[object]
    reconnect: ReconnectConfig | bool
    rollover: RolloverConfig | bool
    history_seed: HistorySeedConfig
    event_buffer_size: int

    # Bounds on tool calls (see RunSettings for the defaults and what they mean).
    max_concurrent_tool_calls: int
    tool_timeout: float | None
    timeouts: SessionTimeoutsConfig
