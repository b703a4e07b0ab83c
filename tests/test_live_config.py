"""GPT-Live's settings in the run config (``model_settings.live``): what is accepted, what
each key becomes in the connector's ``ConnectRequest.live``, and every refusal, each naming
the key and what to do instead. A ScriptedModel records the request, so nothing is dialled."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtvoice import RealtimeAgent, RealtimeRunner, UserError, function_tool
from rtvoice._config._live_checks import live_settings
from rtvoice.config import normalize_model_settings, normalize_run_config
from rtvoice.model import ConnectRequest
from rtvoice.model._live_settings import LiveSettings
from rtvoice.testing import ScriptedModel

LIVE = "gpt-live-1.1"


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


class Planner:
    """A client-delegation backend of the application's own."""

    async def plan(self, task: object) -> object:
        return task


def _request(
    model_settings: dict[str, Any], agent: RealtimeAgent[Any] | None = None
) -> ConnectRequest:
    """Open (and close) one session with these model settings; the request it connected with."""
    model = ScriptedModel()
    runner = RealtimeRunner(
        agent or RealtimeAgent(name="A"),
        config={"model_settings": model_settings},  # type: ignore[typeddict-item]
        model=model,
    )

    async def main() -> None:
        model.handshake()
        session = await runner.run()
        async with session:
            pass

    anyio.run(main)
    assert model.request is not None
    return model.request


def _refusal(model_settings: dict[str, Any], agent: RealtimeAgent[Any] | None = None) -> str:
    """The message of the UserError ``run()`` raises for these model settings."""
    runner = RealtimeRunner(
        agent or RealtimeAgent(name="A"),
        config={"model_settings": model_settings},  # type: ignore[typeddict-item]
        model=ScriptedModel(),
    )

    async def main() -> None:
        await runner.run()

    with pytest.raises(UserError) as caught:
        anyio.run(main)
    return str(caught.value)


# --- Accepted -----------------------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("openai") is None,
    reason="an agent with tools on GPT-Live uses the built-in backend: the openai SDK",
)
def test_the_design_quickstart_with_a_live_model_is_accepted_and_carries_the_defaults() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Keep answers short.", tools=[get_weather])
    request = _request(
        {
            "model_name": LIVE,
            "audio": {
                "input": {
                    "format": "pcm16",
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                    "turn_detection": {"type": "semantic_vad", "interrupt_response": True},
                },
                "output": {"format": "pcm16", "voice": "ash"},
            },
        },
        agent,
    )
    assert request.model_name == LIVE
    assert request.live == LiveSettings()
    assert request.live is not None
    assert request.live.delegation == "client"


def test_every_live_key_reaches_the_connector() -> None:
    backend = Planner()
    request = _request(
        {
            "model_name": "gpt-live-1",
            "live": {
                "delegation": "client",
                "acknowledgement_delay_ms": 250,
                "silent_tools": ["log_call", "save_note"],
                "store": True,
                "safety_identifier": "user-42",
                "turn_end_ms": 900,
                "backend": backend,
            },
        }
    )
    live = request.live
    assert live == LiveSettings(
        delegation="client",
        acknowledgement_delay_ms=250,
        silent_tools=frozenset({"log_call", "save_note"}),
        store=True,
        safety_identifier="user-42",
        turn_end_ms=900,
    )
    assert live is not None
    assert live.backend is backend


def test_responses_delegation_names_the_hosted_model() -> None:
    request = _request(
        {
            "model_name": LIVE,
            "live": {
                "delegation": "responses",
                "responses": {"model": "gpt-5.1", "instructions": "Refunds need an order id."},
            },
        }
    )
    assert request.live == LiveSettings(
        delegation="responses",
        responses_model="gpt-5.1",
        responses_instructions="Refunds need an order id.",
    )


def test_what_gpt_live_does_on_its_own_is_accepted() -> None:
    request = _request(
        {
            "model_name": LIVE,
            "output_modalities": ["audio"],
            "tool_choice": "auto",
            "turn_detection": {
                "type": "server_vad",
                "create_response": True,
                "interrupt_response": True,
            },
            "input_audio_transcription": {"model": "whisper-1", "language": "en"},
            "input_audio_format": "g711_ulaw",
            "output_audio_format": "g711_ulaw",
        }
    )
    assert request.live == LiveSettings()


def test_the_live_settings_survive_to_config_and_back() -> None:
    backend = Planner()
    once = normalize_model_settings(
        {
            "model_name": LIVE,
            "live": {
                "delegation": "responses",
                "responses": {"model": "gpt-5.1"},
                "store": False,
                "turn_end_ms": 500,
                "backend": backend,
            },
        }
    )
    again = normalize_model_settings(once.to_config())
    assert again == once
    assert again.live is not None
    assert again.live.backend is backend


def test_a_per_session_live_model_is_checked_when_run_is_called() -> None:
    runner = RealtimeRunner(
        RealtimeAgent(name="A"),
        config={"model_settings": {"turn_detection": None}},
        model=ScriptedModel(),
    )

    async def main() -> None:
        await runner.run(model_config={"initial_model_settings": {"model_name": LIVE}})

    with pytest.raises(UserError, match=r"turn_detection.*owns turn-taking"):
        anyio.run(main)


tool_names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
client_live = st.fixed_dictionaries(
    {},
    optional={
        "delegation": st.just("client"),
        "silent_tools": st.lists(tool_names, unique=True, max_size=3),
    },
)
responses_live = st.fixed_dictionaries(
    {
        "delegation": st.just("responses"),
        "responses": st.fixed_dictionaries(
            {"model": tool_names}, optional={"instructions": st.text(max_size=20)}
        ),
    }
)
shared_live = st.fixed_dictionaries(
    {},
    optional={
        "acknowledgement_delay_ms": st.none() | st.integers(0, 10_000),
        "store": st.booleans(),
        "safety_identifier": tool_names,
        "turn_end_ms": st.integers(1, 60_000),
    },
)
live_configs = st.builds(lambda a, b: {**a, **b}, client_live | responses_live, shared_live)


@given(live_configs)
def test_any_valid_live_config_normalises_idempotently_and_reaches_live_settings(
    live: dict[str, Any],
) -> None:
    once = normalize_model_settings({"model_name": LIVE, "live": live})
    assert normalize_model_settings(once.to_config()) == once
    settings = live_settings(once)
    assert settings is not None
    assert settings.delegation == live.get("delegation", "client")
    assert settings.silent_tools == frozenset(live.get("silent_tools", ()))
    assert settings.turn_end_ms == live.get("turn_end_ms", LiveSettings().turn_end_ms)
    assert settings.store == live.get("store")


# --- Normalisation: unknown keys and wrong types --------------------------------------------


@pytest.mark.parametrize(
    ("live", "message"),
    [
        ({"delegaton": "client"}, r"'model_settings\.live\.delegaton'; did you mean 'delegation'"),
        ({"silent": ["a"]}, r"'model_settings\.live\.silent'; did you mean 'silent_tools'"),
        ({"turn_end": 5}, r"'model_settings\.live\.turn_end'; did you mean 'turn_end_ms'"),
        (
            {"delegation": "responses", "responses": {"modle": "gpt-5.1"}},
            r"'model_settings\.live\.responses\.modle'; did you mean 'model'",
        ),
        (
            {"delegation": "responses", "responses": {"model": "m", "reasoning": {}}},
            r"Unsupported config key 'model_settings\.live\.responses\.reasoning'",
        ),
    ],
)
def test_an_unknown_live_key_names_the_nearest_one(live: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        normalize_run_config({"model_settings": {"model_name": LIVE, "live": live}})


@pytest.mark.parametrize(
    ("live", "where", "expected"),
    [
        ("client", "model_settings.live'", "a dict of GPT-Live settings"),
        ({"delegation": "server"}, "live.delegation'", "one of 'client', 'responses'"),
        ({"acknowledgement_delay_ms": -1}, "live.acknowledgement_delay_ms'", "integer >= 0"),
        ({"acknowledgement_delay_ms": 1.5}, "live.acknowledgement_delay_ms'", "integer"),
        ({"silent_tools": "log_call"}, "live.silent_tools'", "a list of tool names"),
        ({"silent_tools": ["a", "a"]}, "live.silent_tools'", "without repeats"),
        ({"silent_tools": [""]}, r"live.silent_tools\[0\]'", "a tool name"),
        ({"store": "yes"}, "live.store'", "True or False"),
        ({"safety_identifier": ""}, "live.safety_identifier'", "a non-empty string"),
        ({"turn_end_ms": 0}, "live.turn_end_ms'", "from 1 to 60000"),
        ({"turn_end_ms": True}, "live.turn_end_ms'", "from 1 to 60000"),
        ({"backend": object()}, "live.backend'", "plan\\(\\) method"),
        ({"delegation": "responses"}, "live.responses'", "naming the hosted model"),
        ({"responses": {"model": "gpt-5.1"}}, "live.delegation'", "'responses' when"),
        (
            {"delegation": "responses", "responses": {"instructions": "x"}},
            "live.responses'",
            "the hosted model's 'model'",
        ),
        (
            {"delegation": "responses", "responses": {"model": "m", "instructions": 3}},
            "live.responses.instructions'",
            "a string",
        ),
        (
            {"delegation": "responses", "responses": {"model": "m"}, "silent_tools": ["a"]},
            "live.delegation'",
            "'client' with silent_tools",
        ),
    ],
)
def test_a_wrong_live_value_names_the_key_and_what_is_allowed(
    live: object, where: str, expected: str
) -> None:
    with pytest.raises(UserError, match=rf"Invalid value for config key '.*{where}.*{expected}"):
        normalize_run_config({"model_settings": {"model_name": LIVE, "live": live}})


# --- Refusals: what GPT-Live cannot do, from run() ------------------------------------------


@pytest.mark.parametrize(
    ("model_settings", "key", "instead"),
    [
        ({"turn_detection": None}, "audio.input.turn_detection", "leave turn_detection out"),
        (
            {
                "audio": {
                    "input": {"turn_detection": {"type": "semantic_vad", "create_response": False}}
                }
            },
            "audio.input.turn_detection.create_response",
            "leave create_response out",
        ),
        (
            {"turn_detection": {"interrupt_response": False}},
            "audio.input.turn_detection.interrupt_response",
            "leave interrupt_response out",
        ),
        (
            {"turn_detection": {"type": "server_vad", "silence_duration_ms": 500}},
            "audio.input.turn_detection.silence_duration_ms",
            "no voice activity detection to tune",
        ),
        (
            {"turn_detection": {"type": "semantic_vad", "eagerness": "high"}},
            "audio.input.turn_detection.eagerness",
            "leave 'eagerness' out",
        ),
        (
            {"turn_detection": {"idle_timeout_ms": 5000}},
            "audio.input.turn_detection.idle_timeout_ms",
            "leave 'idle_timeout_ms' out",
        ),
        ({"output_modalities": ["text"]}, "output_modalities", "always speaks"),
        ({"tool_choice": "required"}, "tool_choice", "decides itself when to delegate"),
        (
            {"tool_choice": {"type": "function", "name": "get_weather"}},
            "tool_choice",
            "leave tool_choice out",
        ),
        ({"tool_choice": "none"}, "tool_choice", "give it none"),
        (
            {"input_audio_format": "pcm16", "output_audio_format": "g711_ulaw"},
            "audio.output.format",
            "one audio format for both directions",
        ),
        ({"speed": 1.2}, "audio.output.speed", "leave audio.output.speed out"),
        (
            {"input_audio_noise_reduction": {"type": "near_field"}},
            "audio.input.noise_reduction",
            "no such setting",
        ),
        ({"max_output_tokens": 200}, "max_output_tokens", "leave max_output_tokens out"),
        ({"prompt": {"id": "pmpt_1"}}, "prompt", "leave prompt out"),
        ({"tracing": "auto"}, "tracing", "leave tracing out"),
        ({"live": {"delegation": "decisions"}}, "live.delegation", "use 'client'"),
    ],
)
def test_what_gpt_live_cannot_do_is_refused_naming_the_key(
    model_settings: dict[str, Any], key: str, instead: str
) -> None:
    message = _refusal({"model_name": LIVE, **model_settings})
    assert f"'model_settings.{key}'" in message
    assert f"GPT-Live ('{LIVE}')" in message
    assert instead in message
    # The same setting still works for a Realtime model (all but GPT-Live's own 'live').
    if "live" not in model_settings:
        assert _request({"model_name": "gpt-realtime-2", **model_settings}).live is None


def test_live_settings_with_a_realtime_model_are_refused() -> None:
    message = _refusal({"model_name": "gpt-realtime-2", "live": {"store": True}})
    assert "'model_settings.live'" in message
    assert "'gpt-realtime-2' speaks the Realtime protocol" in message
    assert "gpt-live-1.1" in message


# --- The built-in client-delegation backend needs openai ------------------------------------


@pytest.fixture
def without_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the openai package were not installed (None in sys.modules blocks an import)."""
    monkeypatch.setitem(sys.modules, "openai", None)


@pytest.mark.usefixtures("without_openai")
def test_tools_over_client_delegation_without_openai_name_the_extra_and_the_backend() -> None:
    agent = RealtimeAgent(name="Assistant", tools=[get_weather])
    message = _refusal({"model_name": LIVE}, agent)
    assert "pip install 'rtvoice[live]'" in message
    assert "model_settings['live']['backend']" in message


@pytest.mark.usefixtures("without_openai")
def test_an_agent_whose_tools_are_behind_a_handoff_needs_it_too() -> None:
    billing = RealtimeAgent(name="Billing", tools=[get_weather])
    triage = RealtimeAgent(name="Triage")
    triage.handoffs.append(billing)
    assert "rtvoice[live]" in _refusal({"model_name": LIVE}, triage)


@pytest.mark.usefixtures("without_openai")
@pytest.mark.parametrize(
    "live",
    [
        {"backend": Planner()},
        {"delegation": "responses", "responses": {"model": "gpt-5.1"}},
    ],
)
def test_an_own_backend_or_hosted_delegation_needs_no_openai(live: dict[str, Any]) -> None:
    agent = RealtimeAgent(name="Assistant", tools=[get_weather])
    assert _request({"model_name": LIVE, "live": live}, agent).live is not None


@pytest.mark.usefixtures("without_openai")
def test_an_agent_without_tools_needs_no_openai() -> None:
    assert _request({"model_name": LIVE}).live == LiveSettings()
