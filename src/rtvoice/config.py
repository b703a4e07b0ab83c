"""Run configuration: the user's dicts, and the frozen settings they normalise into.

A :class:`~rtvoice.RealtimeRunner` takes a :class:`RealtimeRunConfig` dict (its
``model_settings`` is a :class:`RealtimeSessionModelSettings`). Both are ``TypedDict``\\ s, so
dict literals type-check. :func:`normalize_run_config` validates the dict once, when the
runner is built, and resolves it into a frozen :class:`RunSettings`; unknown keys and bad
values raise :class:`~rtvoice.UserError` naming the full dotted key path (and, for an unknown
key, the closest valid one). :meth:`ModelSettings.session_config` then gives the full
:class:`~rtvoice.model.session_config.SessionConfig` the session sends for an agent.

Shape rules:

* ``audio.input`` / ``audio.output`` is the primary shape. The beta flat names are aliases:
  ``voice``, ``speed``, ``input_audio_format``, ``output_audio_format``,
  ``input_audio_transcription``, ``input_audio_noise_reduction``, ``turn_detection``,
  ``modalities`` (for ``output_modalities``) and ``max_response_output_tokens`` (for
  ``max_output_tokens``).
* When a nested (or GA) key and its alias are both present, the nested one wins, even when its
  value is ``None``; both are validated.
* ``None`` is accepted only where the wire has ``null``: ``turn_detection`` (manual turns),
  ``transcription`` / ``noise_reduction`` / ``tracing`` / ``prompt`` (off) and
  ``idle_timeout_ms`` (no timeout).

Defaults (the one table; ``docs/configuration.md`` repeats it with examples):

=============================================  ===========================================
Key                                            Default
=============================================  ===========================================
``model_settings.model_name``                  ``"gpt-realtime"``
``model_settings.instructions``                the agent's; not sent if neither has any
``model_settings.prompt``                      ``None`` (no stored prompt)
``model_settings.output_modalities``           ``["audio"]``
``model_settings.audio.input.format``          ``"pcm16"`` (``audio/pcm``, 24 kHz)
``model_settings.audio.input.transcription``   ``None`` (off)
``model_settings.audio.input.noise_reduction`` ``None`` (off)
``model_settings.audio.input.turn_detection``  ``{"type": "server_vad"}`` (server's tuning)
``model_settings.audio.output.format``         ``"pcm16"``
``model_settings.audio.output.voice``          the agent's, else the server's (``alloy``)
``model_settings.audio.output.speed``          not sent (server: 1.0)
``model_settings.tool_choice``                 not sent (server: ``"auto"``)
``model_settings.max_output_tokens``           not sent (server: ``"inf"``)
``model_settings.tracing``                     ``None`` (OpenAI server tracing off)
``output_guardrails`` / ``input_guardrails``   ``[]``
``guardrails_settings.debounce_text_length``   ``100``
``async_tool_calls``                           ``True``
``tool_error_formatter``                       ``None`` (rtvoice's default message)
``tracing.tracer_provider``                    the global ``TracerProvider``
``tracing.meter_provider``                     the global ``MeterProvider``
``tracing.include_transcripts``                ``False``
``tracing_disabled``                           ``False``
``middleware``                                 ``[]``
``reconnect``                                  on: 5 attempts, 0.25 s doubling to 8 s
``rollover.after_s``                           ``3300`` (55 minutes); ``False``: off
``history_seed``                               200 items, 60,000 characters
``event_buffer_size``                          ``256``
``timeouts.configure``                         ``10`` s (``session.updated`` on entry)
``timeouts.response_created``                  ``15`` s (``response.created`` per request)
``timeouts.response_idle``                     ``60`` s (between a response's events)
``timeouts.guardrail_verdicts``                ``10`` s (``agent_end`` waits for checks)
``timeouts.close``                             ``10`` s (closing)
=============================================  ===========================================

The values themselves live in one place each: the field defaults of :class:`ModelSettings`
and :class:`RunSettings` (and :class:`SessionTimeouts`).
"""

from __future__ import annotations

from ._config._continuity import (
    DEFAULT_ROLLOVER_AFTER_S,
    HistorySeedConfig,
    ReconnectConfig,
    ReconnectSettings,
    RolloverConfig,
    RolloverSettings,
    SeedSettings,
)
from ._config._model import (
    DEFAULT_MODEL_NAME,
    DEFAULT_TURN_DETECTION,
    ModelSettings,
    normalize_model_settings,
)
from ._config._run import (
    DEFAULT_DEBOUNCE_TEXT_LENGTH,
    RunSettings,
    SessionTimeouts,
    normalize_run_config,
)
from ._config._types import (
    AudioConfig,
    AudioFormat,
    AudioFormatConfig,
    AudioFormatString,
    AudioInputConfig,
    AudioOutputConfig,
    GuardrailsSettings,
    LiveConfig,
    LiveResponsesConfig,
    NoiseReductionConfig,
    OpenTelemetryConfig,
    PromptTemplateConfig,
    RealtimeRunConfig,
    RealtimeSessionModelSettings,
    ServerTracingConfig,
    SessionTimeoutsConfig,
    ToolChoiceFunctionConfig,
    TranscriptionConfig,
    TurnDetectionConfig,
)

__all__ = [
    "AudioConfig",
    "AudioFormat",
    "AudioFormatConfig",
    "AudioFormatString",
    "AudioInputConfig",
    "AudioOutputConfig",
    "DEFAULT_DEBOUNCE_TEXT_LENGTH",
    "DEFAULT_MODEL_NAME",
    "DEFAULT_ROLLOVER_AFTER_S",
    "DEFAULT_TURN_DETECTION",
    "GuardrailsSettings",
    "HistorySeedConfig",
    "LiveConfig",
    "LiveResponsesConfig",
    "ModelSettings",
    "NoiseReductionConfig",
    "OpenTelemetryConfig",
    "PromptTemplateConfig",
    "RealtimeRunConfig",
    "RealtimeSessionModelSettings",
    "ReconnectConfig",
    "ReconnectSettings",
    "RolloverConfig",
    "RolloverSettings",
    "RunSettings",
    "SeedSettings",
    "ServerTracingConfig",
    "SessionTimeouts",
    "SessionTimeoutsConfig",
    "ToolChoiceFunctionConfig",
    "TranscriptionConfig",
    "TurnDetectionConfig",
    "normalize_model_settings",
    "normalize_run_config",
]
