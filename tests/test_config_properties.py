"""Properties of config normalisation over random valid configs, nested and/or flat."""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.trace import NoOpTracerProvider

from rtvoice import UserError
from rtvoice.config import (
    AudioConfig,
    AudioFormatConfig,
    AudioInputConfig,
    AudioOutputConfig,
    GuardrailsSettings,
    NoiseReductionConfig,
    OpenTelemetryConfig,
    PromptTemplateConfig,
    RealtimeRunConfig,
    RealtimeSessionModelSettings,
    ServerTracingConfig,
    ToolChoiceFunctionConfig,
    TranscriptionConfig,
    TurnDetectionConfig,
    normalize_model_settings,
    normalize_run_config,
)
from rtvoice.model.session_config import UNSET, FunctionTool

names = st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=10)


def some_of(**keys: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts holding any subset of ``keys``."""
    return st.fixed_dictionaries({}, optional=keys)


formats: st.SearchStrategy[Any] = (
    st.sampled_from(["pcm16", "g711_ulaw", "g711_alaw", "audio/pcm", "audio/pcmu", "audio/pcma"])
    | st.sampled_from(["audio/pcm", "audio/pcmu", "audio/pcma"]).map(lambda t: {"type": t})
    | st.builds(dict, type=st.just("audio/pcm"), rate=st.just(24000))
)
transcriptions = st.none() | some_of(
    model=st.sampled_from(["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"]),
    language=st.none() | st.sampled_from(["en", "de", "fr"]),
    prompt=st.none() | st.text(max_size=20),
)
noise_reductions = st.none() | st.fixed_dictionaries(
    {"type": st.sampled_from(["near_field", "far_field"])},
    optional={"strength": st.floats(0.0, 1.0)},
)
server_vads = some_of(
    type=st.just("server_vad"),
    threshold=st.floats(0.0, 1.0),
    prefix_padding_ms=st.integers(0, 5_000),
    silence_duration_ms=st.integers(0, 5_000),
    idle_timeout_ms=st.none() | st.integers(0, 60_000),
    create_response=st.booleans(),
    interrupt_response=st.booleans(),
)
semantic_vads = st.fixed_dictionaries(
    {"type": st.just("semantic_vad")},
    optional={
        "eagerness": st.sampled_from(["low", "medium", "high", "auto"]),
        "create_response": st.booleans(),
        "interrupt_response": st.booleans(),
    },
)
turn_detections = st.none() | server_vads | semantic_vads
voices = st.sampled_from(["alloy", "ash", "marin", "cedar", "voice_123"]) | names
speeds = st.floats(0.25, 1.5) | st.sampled_from([1, 0.25, 1.5])
max_tokens = st.integers(1, 4096) | st.just("inf")
tool_choices = st.sampled_from(["auto", "none", "required"]) | names.map(
    lambda n: {"type": "function", "name": n}
)
server_tracings = (
    st.none()
    | st.just("auto")
    | some_of(
        workflow_name=names,
        group_id=names,
        metadata=st.dictionaries(names, st.text(max_size=5), max_size=3),
    )
)
prompts = st.none() | st.fixed_dictionaries(
    {"id": names},
    optional={"version": names, "variables": st.dictionaries(names, names, max_size=3)},
)

model_settings = some_of(
    model_name=st.sampled_from(["gpt-realtime", "gpt-realtime-mini", "gpt-realtime-2"]),
    instructions=st.text(max_size=30),
    prompt=prompts,
    output_modalities=st.sampled_from([["audio"], ["text"]]),
    audio=some_of(
        input=some_of(
            format=formats,
            transcription=transcriptions,
            noise_reduction=noise_reductions,
            turn_detection=turn_detections,
        ),
        output=some_of(format=formats, voice=voices, speed=speeds),
    ),
    tool_choice=tool_choices,
    max_output_tokens=max_tokens,
    tracing=server_tracings,
    # The flat aliases, drawn independently of their nested keys:
    voice=voices,
    speed=speeds,
    input_audio_format=formats,
    output_audio_format=formats,
    input_audio_transcription=transcriptions,
    input_audio_noise_reduction=noise_reductions,
    turn_detection=turn_detections,
    modalities=st.sampled_from([["text", "audio"], ["audio", "text"], ["text"], ["audio"]]),
    max_response_output_tokens=max_tokens,
)
objects = st.lists(st.builds(object), max_size=3)
run_configs = some_of(
    model_settings=model_settings,
    output_guardrails=objects,
    input_guardrails=objects,
    guardrails_settings=some_of(debounce_text_length=st.integers(1, 10_000)),
    async_tool_calls=st.booleans(),
    tool_error_formatter=st.just(str),
    tracing=some_of(
        tracer_provider=st.builds(NoOpTracerProvider),
        meter_provider=st.builds(NoOpMeterProvider),
        include_transcripts=st.booleans(),
    ),
    tracing_disabled=st.booleans(),
    middleware=objects,
)

# Where each flat alias goes in the nested (or GA) shape.
ALIASES: dict[str, tuple[str, ...]] = {
    "voice": ("audio", "output", "voice"),
    "speed": ("audio", "output", "speed"),
    "input_audio_format": ("audio", "input", "format"),
    "output_audio_format": ("audio", "output", "format"),
    "input_audio_transcription": ("audio", "input", "transcription"),
    "input_audio_noise_reduction": ("audio", "input", "noise_reduction"),
    "turn_detection": ("audio", "input", "turn_detection"),
    "modalities": ("output_modalities",),
    "max_response_output_tokens": ("max_output_tokens",),
}


def has(data: Mapping[str, Any], where: tuple[str, ...]) -> bool:
    for key in where:
        if not isinstance(data, Mapping) or key not in data:
            return False
        data = data[key]
    return True


def put(data: dict[str, Any], where: tuple[str, ...], value: object) -> None:
    for key in where[:-1]:
        data = data.setdefault(key, {})
    data[where[-1]] = value


@given(run_configs)
def test_valid_configs_normalise_and_send_explicit_audio_settings(config: dict[str, Any]) -> None:
    settings = normalize_run_config(config)

    sent = settings.model.session_config(
        instructions="x", tools=(FunctionTool(name="f"),), voice=None
    )

    assert sent.input_format in ("pcm16", "g711_ulaw", "g711_alaw")
    assert sent.output_format in ("pcm16", "g711_ulaw", "g711_alaw")
    for value in (sent.transcription, sent.noise_reduction, sent.turn_detection):
        assert value is not UNSET
    assert sent.output_modalities in (("audio",), ("text",))


@given(model_settings)
def test_normalisation_is_idempotent(settings: dict[str, Any]) -> None:
    once = normalize_model_settings(settings)

    assert normalize_model_settings(once.to_config()) == once


@given(model_settings)
def test_a_flat_alias_beside_its_nested_key_changes_nothing(settings: dict[str, Any]) -> None:
    without_losers = copy.deepcopy(settings)
    for alias, nested in ALIASES.items():
        if alias in settings and has(settings, nested):
            del without_losers[alias]

    assert normalize_model_settings(without_losers) == normalize_model_settings(settings)


@given(model_settings)
def test_flat_aliases_mean_the_same_as_the_nested_shape(settings: dict[str, Any]) -> None:
    nested_only = copy.deepcopy(settings)
    for alias, nested in ALIASES.items():
        if alias not in nested_only:
            continue
        value = nested_only.pop(alias)
        if alias == "modalities":  # beta ["text", "audio"] is GA ["audio"]
            value = ["audio"] if "audio" in value else ["text"]
        if not has(nested_only, nested):
            put(nested_only, nested, value)

    assert normalize_model_settings(nested_only) == normalize_model_settings(settings)


# The allowed keys of every dict in a run config, and which key leads to which dict.
SCHEMA: dict[str, tuple[Any, dict[str, str]]] = {
    "run": (
        RealtimeRunConfig,
        {"model_settings": "model", "guardrails_settings": "guardrails", "tracing": "otel"},
    ),
    "model": (
        RealtimeSessionModelSettings,
        {
            "audio": "audio",
            "prompt": "prompt",
            "tool_choice": "tool_choice",
            "tracing": "server_tracing",
            "input_audio_format": "format",
            "output_audio_format": "format",
            "input_audio_transcription": "transcription",
            "input_audio_noise_reduction": "noise",
            "turn_detection": "turn",
        },
    ),
    "audio": (AudioConfig, {"input": "audio_in", "output": "audio_out"}),
    "audio_in": (
        AudioInputConfig,
        {
            "format": "format",
            "transcription": "transcription",
            "noise_reduction": "noise",
            "turn_detection": "turn",
        },
    ),
    "audio_out": (AudioOutputConfig, {"format": "format"}),
    "format": (AudioFormatConfig, {}),
    "transcription": (TranscriptionConfig, {}),
    "noise": (NoiseReductionConfig, {}),
    "turn": (TurnDetectionConfig, {}),
    "server_tracing": (ServerTracingConfig, {}),
    "prompt": (PromptTemplateConfig, {}),
    "tool_choice": (ToolChoiceFunctionConfig, {}),
    "guardrails": (GuardrailsSettings, {}),
    "otel": (OpenTelemetryConfig, {}),
}


def dict_nodes(
    data: dict[str, Any], path: str = "", kind: str = "run"
) -> Iterator[tuple[str, dict[str, Any], frozenset[str]]]:
    """Every dict of the config: its dotted path, itself, and the keys valid in it."""
    typed_dict, children = SCHEMA[kind]
    yield path, data, frozenset(typed_dict.__annotations__)
    for key, value in data.items():
        if key in children and isinstance(value, dict):
            yield from dict_nodes(value, f"{path}.{key}" if path else key, children[key])


@st.composite
def typo(draw: st.DrawFn, word: str) -> str:
    """``word`` with one letter inserted, deleted, replaced or two letters swapped."""
    letters = "abcdefghijklmnopqrstuvwxyz_"
    at = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from(letters))
    edit = draw(st.sampled_from(["insert", "delete", "replace", "swap"]))
    if edit == "insert":
        return word[:at] + letter + word[at:]
    if edit == "delete":
        return word[:at] + word[at + 1 :]
    if edit == "replace":
        return word[:at] + letter + word[at + 1 :]
    at = min(at, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


@given(run_configs, st.data())
def test_a_misspelled_key_anywhere_raises_naming_its_path(
    config: dict[str, Any], data: st.DataObject
) -> None:
    path, node, allowed = data.draw(st.sampled_from(list(dict_nodes(config))))
    key = data.draw(typo(data.draw(st.sampled_from(sorted(allowed)))))
    assume(key and key not in allowed)
    node[key] = 1
    full_path = f"{path}.{key}" if path else key

    with pytest.raises(UserError, match=re.escape(repr(full_path))):
        normalize_run_config(config)


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.binary(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(run_configs, st.data())
def test_any_junk_value_gives_user_error_or_settings_never_another_exception(
    config: dict[str, Any], data: st.DataObject
) -> None:
    _, node, allowed = data.draw(st.sampled_from(list(dict_nodes(config))))
    node[data.draw(st.sampled_from(sorted(allowed)))] = data.draw(junk)

    with contextlib.suppress(UserError):
        normalize_run_config(config)
