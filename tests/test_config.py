"""Run config normalisation: the user's dicts -> frozen settings -> the session config sent."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.trace import NoOpTracerProvider

from rtvoice import UserError
from rtvoice.config import (
    DEFAULT_DEBOUNCE_TEXT_LENGTH,
    DEFAULT_MODEL_NAME,
    AudioConfig,
    AudioFormatConfig,
    AudioInputConfig,
    AudioOutputConfig,
    GuardrailsSettings,
    HistorySeedConfig,
    ModelSettings,
    NoiseReductionConfig,
    OpenTelemetryConfig,
    PromptTemplateConfig,
    RealtimeRunConfig,
    RealtimeSessionModelSettings,
    ReconnectConfig,
    RolloverConfig,
    RunSettings,
    ServerTracingConfig,
    TranscriptionConfig,
    TurnDetectionConfig,
    normalize_model_settings,
    normalize_run_config,
)
from rtvoice.model.session_config import (
    UNSET,
    FunctionTool,
    NoiseReduction,
    PromptConfig,
    SemanticVad,
    ServerVad,
    SessionConfig,
    ToolChoiceFunction,
    TracingConfig,
    Transcription,
)

ROOT = Path(__file__).resolve().parents[1]

# The DESIGN.md example, exactly as a user writes it.
DESIGN_CONFIG: RealtimeRunConfig = {
    "model_settings": {
        "model_name": "gpt-realtime-2",
        "audio": {
            "input": {
                "format": "pcm16",
                "transcription": {"model": "gpt-4o-mini-transcribe"},
                "turn_detection": {"type": "semantic_vad", "interrupt_response": True},
            },
            "output": {"format": "pcm16", "voice": "ash"},
        },
    }
}


def model(settings: dict[str, Any]) -> ModelSettings:
    return normalize_run_config({"model_settings": settings}).model


def error_of(config: object) -> str:
    with pytest.raises(UserError) as info:
        normalize_run_config(config)  # type: ignore[arg-type]
    return str(info.value)


# ---------------------------------------------------------------------------------------------
# The DESIGN.md example and the defaults


def test_design_example_normalises_to_the_expected_settings() -> None:
    settings = normalize_run_config(DESIGN_CONFIG)

    assert settings == RunSettings(
        model=ModelSettings(
            model_name="gpt-realtime-2",
            input_format="pcm16",
            output_format="pcm16",
            voice="ash",
            transcription=Transcription(model="gpt-4o-mini-transcribe"),
            turn_detection=SemanticVad(interrupt_response=True),
        )
    )


def test_design_example_session_config_is_complete() -> None:
    settings = normalize_run_config(DESIGN_CONFIG).model
    tool = FunctionTool(name="get_weather", description="Current weather for a city.")

    sent = settings.session_config(instructions="Keep answers short.", tools=(tool,), voice=None)

    assert sent == SessionConfig(
        type="realtime",
        instructions="Keep answers short.",
        output_modalities=("audio",),
        input_format="pcm16",
        output_format="pcm16",
        voice="ash",
        transcription=Transcription(model="gpt-4o-mini-transcribe"),
        noise_reduction=None,
        turn_detection=SemanticVad(interrupt_response=True),
        tools=(tool,),
    )


@pytest.mark.parametrize("config", [None, {}, {"model_settings": {}}])
def test_empty_config_gives_the_documented_defaults(config: RealtimeRunConfig | None) -> None:
    settings = normalize_run_config(config)

    assert settings == RunSettings()
    assert settings.model.model_name == DEFAULT_MODEL_NAME == "gpt-realtime"
    assert settings.model.output_modalities == ("audio",)
    assert (settings.model.input_format, settings.model.output_format) == ("pcm16", "pcm16")
    assert settings.model.turn_detection == ServerVad()
    assert settings.model.transcription is None
    assert settings.model.noise_reduction is None
    assert settings.model.voice is None
    assert settings.debounce_text_length == DEFAULT_DEBOUNCE_TEXT_LENGTH == 100
    assert settings.async_tool_calls is True
    assert settings.tracing_disabled is False
    assert settings.include_transcripts is False
    assert settings.output_guardrails == settings.input_guardrails == settings.middleware == ()


def test_default_session_config_sets_every_audio_field_explicitly() -> None:
    sent = normalize_run_config(None).model.session_config(
        instructions=None, tools=None, voice=None
    )

    for value in (sent.transcription, sent.noise_reduction, sent.turn_detection):
        assert value is not UNSET
    assert sent.input_format == sent.output_format == "pcm16"
    assert sent.turn_detection == ServerVad()
    assert sent.transcription is None  # off, sent as null
    assert sent.noise_reduction is None
    assert sent.voice is None  # the server's default voice
    assert sent.instructions is None
    assert sent.tools is None
    assert sent.model is None  # the model goes in the URL


def test_public_names_are_sorted_and_resolve() -> None:
    import rtvoice.config

    assert rtvoice.config.__all__ == sorted(rtvoice.config.__all__)
    for name in rtvoice.config.__all__:
        assert hasattr(rtvoice.config, name), name


def test_settings_are_frozen_and_slotted() -> None:
    settings = normalize_run_config(DESIGN_CONFIG)

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.model.voice = "alloy"  # type: ignore[misc]
    assert not hasattr(settings, "__dict__")
    assert not hasattr(settings.model, "__dict__")


def test_normalize_model_settings_alone_names_the_given_path() -> None:
    assert normalize_model_settings(None) == ModelSettings()
    with pytest.raises(UserError, match=r"'override\.voce'; did you mean 'voice'\?"):
        normalize_model_settings({"voce": "ash"}, path="override")


def test_any_mapping_and_tuples_are_accepted() -> None:
    settings = normalize_run_config(
        MappingProxyType(
            {"model_settings": MappingProxyType({"output_modalities": ("text",)}), "middleware": ()}
        )
    )

    assert settings.model.output_modalities == ("text",)


# ---------------------------------------------------------------------------------------------
# Flat aliases and precedence

FLAT_ALIASES = [
    ({"voice": "ash"}, "voice", "ash"),
    ({"speed": 1.25}, "speed", 1.25),
    ({"input_audio_format": "g711_ulaw"}, "input_format", "g711_ulaw"),
    ({"output_audio_format": "g711_alaw"}, "output_format", "g711_alaw"),
    (
        {"input_audio_transcription": {"model": "whisper-1", "language": "en"}},
        "transcription",
        Transcription(model="whisper-1", language="en"),
    ),
    (
        {"input_audio_noise_reduction": {"type": "far_field"}},
        "noise_reduction",
        NoiseReduction(type="far_field"),
    ),
    (
        {"turn_detection": {"type": "server_vad", "silence_duration_ms": 700}},
        "turn_detection",
        ServerVad(silence_duration_ms=700),
    ),
    ({"turn_detection": None}, "turn_detection", None),
    ({"modalities": ["text", "audio"]}, "output_modalities", ("audio",)),
    ({"modalities": ["text"]}, "output_modalities", ("text",)),
    ({"max_response_output_tokens": 512}, "max_output_tokens", 512),
    ({"max_response_output_tokens": "inf"}, "max_output_tokens", "inf"),
]


@pytest.mark.parametrize(("flat", "field", "expected"), FLAT_ALIASES)
def test_flat_alias(flat: dict[str, Any], field: str, expected: object) -> None:
    assert getattr(model(flat), field) == expected


NESTED_WINS = [
    ({"audio": {"output": {"voice": "ash"}}, "voice": "coral"}, "voice", "ash"),
    ({"audio": {"output": {"speed": 0.5}}, "speed": 1.5}, "speed", 0.5),
    (
        {"audio": {"input": {"format": "audio/pcmu"}}, "input_audio_format": "pcm16"},
        "input_format",
        "g711_ulaw",
    ),
    (
        {"audio": {"output": {"format": "audio/pcma"}}, "output_audio_format": "pcm16"},
        "output_format",
        "g711_alaw",
    ),
    (
        {
            "audio": {"input": {"transcription": None}},
            "input_audio_transcription": {"model": "whisper-1"},
        },
        "transcription",
        None,
    ),
    (
        {
            "audio": {"input": {"noise_reduction": {"type": "near_field"}}},
            "input_audio_noise_reduction": {"type": "far_field"},
        },
        "noise_reduction",
        NoiseReduction(type="near_field"),
    ),
    (
        {"audio": {"input": {"turn_detection": None}}, "turn_detection": {"type": "server_vad"}},
        "turn_detection",
        None,
    ),
    (
        {"output_modalities": ["text"], "modalities": ["text", "audio"]},
        "output_modalities",
        ("text",),
    ),
    ({"max_output_tokens": 100, "max_response_output_tokens": 200}, "max_output_tokens", 100),
]


@pytest.mark.parametrize(("settings", "field", "expected"), NESTED_WINS)
def test_nested_or_ga_key_wins_over_its_flat_alias(
    settings: dict[str, Any], field: str, expected: object
) -> None:
    assert getattr(model(settings), field) == expected


def test_a_losing_alias_is_still_validated() -> None:
    message = error_of({"model_settings": {"audio": {"output": {"voice": "ash"}}, "voice": ""}})

    assert "'model_settings.voice'" in message


# ---------------------------------------------------------------------------------------------
# Modes and formats


@pytest.mark.parametrize("settings", [{"output_modalities": ["text"]}, {"modalities": ["text"]}])
def test_text_only_mode(settings: dict[str, Any]) -> None:
    sent = model(settings).session_config(instructions=None, tools=None, voice=None)

    assert sent.output_modalities == ("text",)


@pytest.mark.parametrize(
    "settings",
    [{"audio": {"input": {"turn_detection": None}}}, {"turn_detection": None}],
)
def test_manual_turn_mode_sends_null_turn_detection(settings: dict[str, Any]) -> None:
    sent = model(settings).session_config(instructions=None, tools=None, voice=None)

    assert sent.turn_detection is None
    assert sent.turn_detection is not UNSET


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("pcm16", "pcm16"),
        ("audio/pcm", "pcm16"),
        ({"type": "audio/pcm"}, "pcm16"),
        ({"type": "audio/pcm", "rate": 24000}, "pcm16"),
        ("g711_ulaw", "g711_ulaw"),
        ("audio/pcmu", "g711_ulaw"),
        ({"type": "audio/pcmu"}, "g711_ulaw"),
        ("g711_alaw", "g711_alaw"),
        ("audio/pcma", "g711_alaw"),
        ({"type": "audio/pcma"}, "g711_alaw"),
    ],
)
def test_every_format_spelling(spelling: object, expected: str) -> None:
    nested = model({"audio": {"input": {"format": spelling}, "output": {"format": spelling}}})
    flat = model({"input_audio_format": spelling, "output_audio_format": spelling})

    assert nested.input_format == nested.output_format == expected
    assert flat.input_format == flat.output_format == expected


def test_g711_formats_survive_every_agent_change() -> None:
    settings = model(
        {
            "audio": {
                "input": {"format": {"type": "audio/pcmu"}},
                "output": {"format": "audio/pcma"},
            }
        }
    )

    first = settings.session_config(instructions="triage", tools=(), voice=None)
    handoff = settings.session_config(
        instructions="billing", tools=(FunctionTool(name="refund"),), voice="cedar"
    )

    for sent in (first, handoff):
        assert (sent.input_format, sent.output_format) == ("g711_ulaw", "g711_alaw")
        assert sent.turn_detection == ServerVad()
        assert sent.transcription is None
        assert sent.noise_reduction is None


@pytest.mark.parametrize(
    ("tracing", "expected"),
    [
        ("auto", "auto"),
        (None, None),
        (
            {"workflow_name": "support", "group_id": "g-1", "metadata": {"tier": "gold"}},
            TracingConfig(workflow_name="support", group_id="g-1", metadata={"tier": "gold"}),
        ),
        ({}, TracingConfig()),
    ],
)
def test_server_tracing(tracing: object, expected: object) -> None:
    sent = model({"tracing": tracing}).session_config(instructions=None, tools=None, voice=None)

    assert sent.tracing == expected


def test_turn_detection_fields() -> None:
    server = model(
        {
            "turn_detection": {
                "threshold": 0.7,
                "prefix_padding_ms": 250,
                "silence_duration_ms": 600,
                "idle_timeout_ms": 6000,
                "create_response": False,
                "interrupt_response": False,
            }
        }
    )
    semantic = model({"turn_detection": {"type": "semantic_vad", "eagerness": "high"}})

    assert server.turn_detection == ServerVad(
        threshold=0.7,
        prefix_padding_ms=250,
        silence_duration_ms=600,
        idle_timeout_ms=6000,
        create_response=False,
        interrupt_response=False,
    )
    assert semantic.turn_detection == SemanticVad(eagerness="high")
    assert model({"turn_detection": {"idle_timeout_ms": None}}).turn_detection == ServerVad()


def test_other_model_settings() -> None:
    settings = model(
        {
            "instructions": "Be brief.",
            "prompt": {"id": "pmpt_1", "version": "3", "variables": {"name": "Ada"}},
            "tool_choice": {"type": "function", "name": "get_weather"},
            "max_output_tokens": 4096,
            "audio": {
                "input": {"noise_reduction": {"type": "near_field", "strength": 0.5}},
                "output": {"speed": 0.25},
            },
        }
    )

    assert settings.instructions == "Be brief."
    assert settings.prompt == PromptConfig(id="pmpt_1", version="3", variables={"name": "Ada"})
    assert settings.tool_choice == ToolChoiceFunction(name="get_weather")
    assert settings.max_output_tokens == 4096
    assert settings.noise_reduction == NoiseReduction(type="near_field", strength=0.5)
    assert settings.speed == 0.25
    assert model({"tool_choice": "required"}).tool_choice == "required"


# ---------------------------------------------------------------------------------------------
# What the session sends for an agent


def test_agent_voice_wins_then_settings_voice_then_none() -> None:
    with_voice = model({"voice": "ash"})

    assert with_voice.session_config(instructions=None, tools=None, voice="cedar").voice == "cedar"
    assert with_voice.session_config(instructions=None, tools=None, voice=None).voice == "ash"
    assert model({}).session_config(instructions=None, tools=None, voice=None).voice is None


def test_agent_instructions_win_over_the_settings_fallback() -> None:
    settings = model({"instructions": "fallback"})

    assert settings.session_config(instructions="agent", tools=None, voice=None).instructions == (
        "agent"
    )
    assert settings.session_config(instructions="", tools=None, voice=None).instructions == ""
    assert (
        settings.session_config(instructions=None, tools=None, voice=None).instructions
        == "fallback"
    )


def test_tools_are_passed_through() -> None:
    settings = model({})
    tools = (FunctionTool(name="a"), FunctionTool(name="b"))

    assert settings.session_config(instructions=None, tools=tools, voice=None).tools == tools
    assert settings.session_config(instructions=None, tools=(), voice=None).tools == ()


def test_to_config_round_trips_the_design_example() -> None:
    settings = normalize_run_config(DESIGN_CONFIG).model

    canonical = settings.to_config()

    assert canonical["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert canonical["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad",
        "interrupt_response": True,
    }
    assert normalize_model_settings(canonical) == settings


# ---------------------------------------------------------------------------------------------
# Run-level keys


def test_run_level_keys_are_kept() -> None:
    guardrail, middleware = object(), object()

    def formatter(error: Exception) -> str:
        return f"failed: {error}"

    tracer_provider, meter_provider = NoOpTracerProvider(), NoOpMeterProvider()

    settings = normalize_run_config(
        {
            "output_guardrails": [guardrail],
            "input_guardrails": (guardrail,),
            "guardrails_settings": {"debounce_text_length": 20},
            "async_tool_calls": False,
            "tool_error_formatter": formatter,
            "tracing": {
                "tracer_provider": tracer_provider,
                "meter_provider": meter_provider,
                "include_transcripts": True,
            },
            "tracing_disabled": True,
            "middleware": [middleware],
        }
    )

    assert settings.output_guardrails == settings.input_guardrails == (guardrail,)
    assert settings.debounce_text_length == 20
    assert settings.async_tool_calls is False
    assert settings.tool_error_formatter is formatter
    assert settings.tracer_provider is tracer_provider
    assert settings.meter_provider is meter_provider
    assert settings.include_transcripts is True
    assert settings.tracing_disabled is True
    assert settings.middleware == (middleware,)


# ---------------------------------------------------------------------------------------------
# Errors: every kind names the full key path; unknown keys suggest the closest valid key

UNKNOWN_KEYS = [
    (
        {"model_settings": {"audio": {"input": {"formt": "pcm16"}}}},
        "Unknown config key 'model_settings.audio.input.formt'; did you mean 'format'?",
    ),
    (
        {"model_settings": {"audio": {"outptu": {}}}},
        "Unknown config key 'model_settings.audio.outptu'; did you mean 'output'?",
    ),
    (
        {"model_settings": {"audio": {"output": {"vocie": "ash"}}}},
        "Unknown config key 'model_settings.audio.output.vocie'; did you mean 'voice'?",
    ),
    (
        {"model_settings": {"model": "gpt-realtime"}},
        "Unknown config key 'model_settings.model'; did you mean 'model_name'?",
    ),
    (
        {"model_settings": {"turn_detection": {"type": "server_vad", "treshold": 0.5}}},
        "Unknown config key 'model_settings.turn_detection.treshold'; did you mean 'threshold'?",
    ),
    (
        {"model_settings": {"input_audio_transcription": {"modle": "whisper-1"}}},
        "Unknown config key 'model_settings.input_audio_transcription.modle'; "
        "did you mean 'model'?",
    ),
    (
        {"model_settings": {"input_audio_format": {"type": "audio/pcm", "rates": 24000}}},
        "Unknown config key 'model_settings.input_audio_format.rates'; did you mean 'rate'?",
    ),
    ({"modl_settings": {}}, "Unknown config key 'modl_settings'; did you mean 'model_settings'?"),
    (
        {"guardrails_settings": {"debounce": 10}},
        "Unknown config key 'guardrails_settings.debounce'; did you mean 'debounce_text_length'?",
    ),
    (
        {"tracing": {"include_transcript": True}},
        "Unknown config key 'tracing.include_transcript'; did you mean 'include_transcripts'?",
    ),
    (
        {"model_settings": {"tool_choice": {"type": "function", "nam": "x"}}},
        "Unknown config key 'model_settings.tool_choice.nam'; did you mean 'name'?",
    ),
]


@pytest.mark.parametrize(("config", "message"), UNKNOWN_KEYS)
def test_unknown_key_names_path_and_suggestion(config: object, message: str) -> None:
    assert error_of(config) == message


def test_unknown_key_without_a_close_match_lists_the_valid_keys() -> None:
    assert error_of({"model_settings": {"audio": {"xyzzy": 1}}}) == (
        "Unknown config key 'model_settings.audio.xyzzy'; valid keys here are: 'input', 'output'"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"model_settings": {"tools": []}},
            "Unsupported config key 'model_settings.tools': tools belong to the agent",
        ),
        (
            {"model_settings": {"temperature": 0.8}},
            "Unsupported config key 'model_settings.temperature': removed from the GA",
        ),
        (
            {"model_settings": {"truncation": "auto"}},
            "Unsupported config key 'model_settings.truncation': a GA session field that "
            "rtvoice does not send yet",
        ),
    ],
)
def test_known_but_unsupported_keys_are_explained(config: object, message: str) -> None:
    assert error_of(config).startswith(message)


BAD_VALUES = [
    # Wrong types.
    (
        {"model_settings": {"turn_detection": "server_vad"}},
        "model_settings.turn_detection",
        "'server_vad' (str); expected a dict such as {'type': 'server_vad'}",
    ),
    ({"model_settings": {"audio": []}}, "model_settings.audio", "[] (list); expected a dict"),
    ({"model_settings": None}, "model_settings", "None (None); expected a dict"),
    (
        {"model_settings": {"audio": {"input": {"format": 24000}}}},
        "model_settings.audio.input.format",
        "24000 (int); expected one of 'pcm16'",
    ),
    ({"async_tool_calls": 1}, "async_tool_calls", "1 (int); expected True or False"),
    ({"tracing_disabled": "no"}, "tracing_disabled", "expected True or False"),
    ({"model_settings": {"voice": None}}, "model_settings.voice", "expected a non-empty string"),
    ({"model_settings": {"voice": ""}}, "model_settings.voice", "expected a non-empty string"),
    ({"model_settings": {"instructions": 1}}, "model_settings.instructions", "expected a string"),
    ({"model_settings": {"model_name": ""}}, "model_settings.model_name", "non-empty string"),
    (
        {"model_settings": {"turn_detection": {"create_response": "yes"}}},
        "model_settings.turn_detection.create_response",
        "expected True or False",
    ),
    (
        {"model_settings": {"turn_detection": {"prefix_padding_ms": True}}},
        "model_settings.turn_detection.prefix_padding_ms",
        "True (bool); expected an integer >= 0",
    ),
    # Out of range or not in the enum.
    (
        {"model_settings": {"turn_detection": {"threshold": 1.5}}},
        "model_settings.turn_detection.threshold",
        "1.5 (float); expected a number from 0.0 to 1.0",
    ),
    (
        {"model_settings": {"turn_detection": {"threshold": float("nan")}}},
        "model_settings.turn_detection.threshold",
        "expected a number from 0.0 to 1.0",
    ),
    (
        {"model_settings": {"turn_detection": {"silence_duration_ms": -1}}},
        "model_settings.turn_detection.silence_duration_ms",
        "expected an integer >= 0",
    ),
    (
        {"model_settings": {"turn_detection": {"type": "vad"}}},
        "model_settings.turn_detection.type",
        "'vad' (str); expected one of 'server_vad', 'semantic_vad'",
    ),
    (
        {"model_settings": {"turn_detection": {"type": "semantic_vad", "eagerness": "fast"}}},
        "model_settings.turn_detection.eagerness",
        "expected one of 'low', 'medium', 'high', 'auto'",
    ),
    (
        {"model_settings": {"audio": {"output": {"speed": 2}}}},
        "model_settings.audio.output.speed",
        "2 (int); expected a number from 0.25 to 1.5",
    ),
    (
        {"model_settings": {"speed": 0.2}},
        "model_settings.speed",
        "expected a number from 0.25 to 1.5",
    ),
    (
        {"model_settings": {"max_output_tokens": 4097}},
        "model_settings.max_output_tokens",
        "4097 (int); expected an integer from 1 to 4096, or 'inf'",
    ),
    (
        {"model_settings": {"max_response_output_tokens": "infinite"}},
        "model_settings.max_response_output_tokens",
        "expected an integer from 1 to 4096, or 'inf'",
    ),
    (
        {"model_settings": {"input_audio_noise_reduction": {"type": "medium"}}},
        "model_settings.input_audio_noise_reduction.type",
        "expected one of 'near_field', 'far_field'",
    ),
    (
        {"model_settings": {"input_audio_noise_reduction": {"strength": 0.5}}},
        "model_settings.input_audio_noise_reduction",
        "expected a dict with a 'type'",
    ),
    (
        {"model_settings": {"input_audio_noise_reduction": {"type": "far_field", "strength": 2}}},
        "model_settings.input_audio_noise_reduction.strength",
        "expected a number from 0.0 to 1.0",
    ),
    (
        {"model_settings": {"output_modalities": ["audio", "text"]}},
        "model_settings.output_modalities",
        "expected ['audio'] or ['text'] (both at once is not allowed",
    ),
    (
        {"model_settings": {"output_modalities": []}},
        "model_settings.output_modalities",
        "expected ['audio'] or ['text']",
    ),
    (
        {"model_settings": {"output_modalities": "audio"}},
        "model_settings.output_modalities",
        "'audio' (str); expected ['audio'] or ['text']",
    ),
    (
        {"model_settings": {"modalities": ["text", "video"]}},
        "model_settings.modalities[1]",
        "expected one of 'audio', 'text'",
    ),
    (
        {"model_settings": {"modalities": ["text", "text"]}},
        "model_settings.modalities",
        "without repeats",
    ),
    (
        {"model_settings": {"input_audio_format": "pcm24"}},
        "model_settings.input_audio_format",
        "'pcm24' (str); expected one of 'pcm16', 'g711_ulaw', 'g711_alaw', 'audio/pcm'",
    ),
    (
        {"model_settings": {"audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}}},
        "model_settings.audio.input.format.rate",
        "16000 (int); expected 24000, the only rate the server accepts for PCM",
    ),
    (
        {"model_settings": {"audio": {"output": {"format": {"rate": 24000}}}}},
        "model_settings.audio.output.format",
        "expected a format dict with a 'type'",
    ),
    (
        {"model_settings": {"tool_choice": "get_weather"}},
        "model_settings.tool_choice",
        "'get_weather' (str); expected one of 'auto', 'none', 'required', or "
        "{'type': 'function', 'name': <function name>}",
    ),
    (
        {"model_settings": {"tool_choice": {"type": "function"}}},
        "model_settings.tool_choice",
        "expected one of 'auto', 'none', 'required', or {'type': 'function'",
    ),
    (
        {"model_settings": {"tracing": "on"}},
        "model_settings.tracing",
        "'on' (str); expected 'auto', a dict such as {'workflow_name': 'support'}, or None",
    ),
    (
        {"model_settings": {"tracing": {"metadata": {1: "x"}}}},
        "model_settings.tracing.metadata",
        "expected a dict with string keys",
    ),
    (
        {"model_settings": {"prompt": {"version": "1"}}},
        "model_settings.prompt",
        "expected a dict with the prompt's 'id'",
    ),
    (
        {"guardrails_settings": {"debounce_text_length": 0}},
        "guardrails_settings.debounce_text_length",
        "0 (int); expected an integer >= 1",
    ),
    (
        {"output_guardrails": print},
        "output_guardrails",
        "expected a list of guardrail objects",
    ),
    ({"input_guardrails": [None]}, "input_guardrails[0]", "None (None); expected a guardrail"),
    ({"middleware": "logging"}, "middleware", "expected a list of middleware objects"),
    ({"tool_error_formatter": "oops"}, "tool_error_formatter", "expected a callable"),
    (
        {"tracing": {"tracer_provider": object()}},
        "tracing.tracer_provider",
        "expected an OpenTelemetry provider with get_tracer()",
    ),
    (
        {"tracing": {"meter_provider": NoOpTracerProvider()}},
        "tracing.meter_provider",
        "expected an OpenTelemetry provider with get_meter()",
    ),
]


@pytest.mark.parametrize(("config", "path", "detail"), BAD_VALUES)
def test_bad_value_names_path_value_and_what_is_allowed(
    config: object, path: str, detail: str
) -> None:
    message = error_of(config)

    assert message.startswith(f"Invalid value for config key {path!r}: ")
    assert detail in message


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"model_settings": {"turn_detection": {"type": "semantic_vad", "threshold": 0.3}}},
            "Config key 'model_settings.turn_detection.threshold' applies only to type "
            "'server_vad', not to 'semantic_vad'",
        ),
        (
            {"model_settings": {"turn_detection": {"eagerness": "low"}}},
            "Config key 'model_settings.turn_detection.eagerness' applies only to type "
            "'semantic_vad', not to 'server_vad'",
        ),
        (
            {"model_settings": {"output_audio_format": {"type": "audio/pcmu", "rate": 8000}}},
            "Config key 'model_settings.output_audio_format.rate' applies only to 'audio/pcm'; "
            "'audio/pcmu' (G.711) is always 8000 Hz, so leave 'rate' out",
        ),
    ],
)
def test_key_of_the_other_variant(config: object, message: str) -> None:
    assert error_of(config) == message


def test_config_that_is_not_a_dict() -> None:
    assert error_of(["model_settings"]) == (
        "Invalid value for the config: ['model_settings'] (list); "
        "expected a dict (RealtimeRunConfig) or None"
    )


def test_non_string_key() -> None:
    assert error_of({"model_settings": {1: "x"}}) == (
        "Config keys must be strings; got 1 (int) in 'model_settings'"
    )


def test_long_bad_values_are_elided_in_messages() -> None:
    message = error_of({"model_settings": {"voice": ["x" * 500]}})

    assert len(message) < 250
    assert "..." in message


# ---------------------------------------------------------------------------------------------
# Docs and types


def test_every_key_is_documented() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    typed_dicts = [
        RealtimeRunConfig,
        RealtimeSessionModelSettings,
        AudioConfig,
        AudioInputConfig,
        AudioOutputConfig,
        AudioFormatConfig,
        TranscriptionConfig,
        NoiseReductionConfig,
        TurnDetectionConfig,
        ServerTracingConfig,
        PromptTemplateConfig,
        GuardrailsSettings,
        OpenTelemetryConfig,
        ReconnectConfig,
        RolloverConfig,
        HistorySeedConfig,
    ]
    documented = set(re.findall(r"`([a-z_.]+)`", docs))
    leaves = {name.rsplit(".", 1)[-1] for name in documented}

    missing = {key for td in typed_dicts for key in td.__annotations__ if key not in leaves}

    assert not missing


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_config_literals_type_check_under_mypy_strict() -> None:
    """The DESIGN.md literal type-checks, and the TypedDicts still reject common mistakes."""
    target = ROOT / "tests" / "typing" / "config_literals.py"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            "/dev/null",
            "--config-file",
            "/dev/null",
            "--python-version",
            "3.10",
            str(target),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_transcription_hints_and_delay_are_read_checked_and_written_back() -> None:
    hints = {"model": "gpt-live-transcribe", "languages": ["en", "de"], "keywords": ["Anya"]}
    settings = normalize_run_config(
        {"model_settings": {"audio": {"input": {"transcription": hints}}}}
    )
    t = settings.model.transcription
    assert isinstance(t, Transcription)
    assert (t.languages, t.keywords, t.delay) == (("en", "de"), ("Anya",), None)
    assert settings.model.to_config()["audio"]["input"]["transcription"] == hints
    delayed = {"input": {"transcription": {"model": "gpt-realtime-whisper", "delay": "xhigh"}}}
    t2 = normalize_run_config({"model_settings": {"audio": delayed}}).model.transcription
    assert isinstance(t2, Transcription)
    assert t2.delay == "xhigh"

    def transcription(value: object) -> object:
        return {"model_settings": {"audio": {"input": {"transcription": value}}}}

    assert error_of(transcription({"keywords": "Anya"})) == (
        "Invalid value for config key 'model_settings.audio.input.transcription.keywords': "
        "'Anya' (str); expected a list of strings"
    )
    assert "'minimal', 'low', 'medium', 'high', 'xhigh'" in error_of(
        transcription({"delay": "soon"})
    )
