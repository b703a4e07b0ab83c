"""Where a runner's sessions connect, and what it refuses. A ScriptedModel stands in for the
connection and records the request, so nothing is dialled."""

from __future__ import annotations

import logging

import anyio
import pytest

from rtvoice import (
    AzureOpenAIProvider,
    OpenAIProvider,
    RealtimeAgent,
    RealtimeRunner,
    UserError,
)
from rtvoice.model import ConnectRequest
from rtvoice.testing import ScriptedModel

KEY = "sk-test-runner"


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _request(
    runner: RealtimeRunner[None], model: ScriptedModel, **model_config: object
) -> ConnectRequest:
    """Open a session through the scripted model and return the request it received."""

    async def main() -> None:
        model.handshake()
        session = await runner.run(model_config=model_config or None)  # type: ignore[arg-type]
        async with session:
            pass

    anyio.run(main)
    assert model.request is not None
    return model.request


def test_environment_key_connects_to_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    model = ScriptedModel()
    runner = RealtimeRunner(
        RealtimeAgent(name="A"),
        config={"model_settings": {"model_name": "gpt-realtime-mini"}},
        model=model,
    )
    request = _request(runner, model)
    assert request.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime-mini"
    assert request.headers == {"Authorization": f"Bearer {KEY}"}
    assert request.dialect == "ga"


def test_agent_provider_wins_over_runner_provider() -> None:
    model = ScriptedModel()
    azure = AzureOpenAIProvider(resource="res", deployment="dep", api_key=KEY, api_version="v1p")
    agent = RealtimeAgent(name="A", provider=azure)
    runner = RealtimeRunner(agent, provider=OpenAIProvider(api_key="sk-other"), model=model)
    request = _request(runner, model)
    assert request.url.startswith("wss://res.openai.azure.com/openai/realtime?api-version=v1p")
    assert request.headers == {"api-key": KEY}
    assert request.dialect == "beta"


def test_model_config_url_with_explicit_headers_adds_no_authorization() -> None:
    model = ScriptedModel()
    runner = RealtimeRunner(
        RealtimeAgent(name="A"), provider=OpenAIProvider(api_key=KEY), model=model
    )
    request = _request(runner, model, url="ws://127.0.0.1:9/rt", headers={"X-Token": "t"})
    assert request.url == "ws://127.0.0.1:9/rt"
    assert request.headers == {"X-Token": "t"}


def test_model_config_api_key_is_a_bearer_key() -> None:
    model = ScriptedModel()
    runner = RealtimeRunner(RealtimeAgent(name="A"), model=model)
    request = _request(runner, model, api_key=KEY)
    assert request.headers == {"Authorization": f"Bearer {KEY}"}
    assert request.url.startswith("wss://api.openai.com/v1/realtime?model=")


def test_model_config_call_id_attaches_to_the_call() -> None:
    model = ScriptedModel()
    runner = RealtimeRunner(
        RealtimeAgent(name="A"), provider=OpenAIProvider(api_key=KEY), model=model
    )
    request = _request(runner, model, call_id="rtc_42")
    assert request.url == "wss://api.openai.com/v1/realtime?call_id=rtc_42"


def test_a_custom_model_needs_no_simulator_and_logs_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = ScriptedModel()
    runner = RealtimeRunner(RealtimeAgent(name="A"), model=model)
    with caplog.at_level(logging.WARNING, logger="rtvoice"):
        request = _request(runner, model)
    assert request.url == ""
    assert "simulator" not in caplog.text


def test_unknown_model_config_key_is_named() -> None:
    runner = RealtimeRunner(RealtimeAgent(name="A"), model=ScriptedModel())
    with pytest.raises(UserError, match="'playback'"):
        anyio.run(lambda: runner.run(model_config={"playback": object()}))  # type: ignore[typeddict-unknown-key]


def test_bad_config_fails_when_the_runner_is_built() -> None:
    with pytest.raises(UserError, match=r"model_settings\.audio\.input\.formt.*'format'"):
        RealtimeRunner(
            RealtimeAgent(name="A"),
            config={"model_settings": {"audio": {"input": {"formt": "pcm16"}}}},  # type: ignore[typeddict-unknown-key]
        )


def test_runner_needs_an_agent() -> None:
    with pytest.raises(UserError, match="RealtimeAgent"):
        RealtimeRunner("Assistant")  # type: ignore[arg-type]


def test_runner_middleware_argument_runs_inside_the_config_middleware() -> None:
    from rtvoice import Middleware

    class Outer(Middleware):
        pass

    class Inner(Middleware):
        pass

    outer, inner = Outer(), Inner()
    runner = RealtimeRunner(
        RealtimeAgent(name="A"), config={"middleware": [outer]}, middleware=[inner]
    )
    assert runner.settings.middleware == (outer, inner)


def test_no_key_and_no_choice_fails_closed_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RTVOICE_SIMULATOR", raising=False)
    runner = RealtimeRunner(RealtimeAgent(name="A"))
    with pytest.raises(UserError, match="OPENAI_API_KEY") as info:
        anyio.run(runner.run)
    assert "SimulatorProvider()" in str(info.value)
    assert "RTVOICE_SIMULATOR=1" in str(info.value)


@pytest.mark.parametrize("value", ["", "0", "no", "off"])
def test_the_simulator_switch_off_still_fails_closed(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RTVOICE_SIMULATOR", value)
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        anyio.run(RealtimeRunner(RealtimeAgent(name="A")).run)


def test_the_simulator_switch_gives_each_session_its_own_simulator(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("RTVOICE_SIMULATOR", "1")
    runner = RealtimeRunner(RealtimeAgent(name="A"))

    async def one(text: str) -> str:
        session = await runner.run()
        async with session:
            await session.send_message(text)
            async for event in session:
                if event.type == "agent_end":
                    break
        return repr(session.history[-1])

    async def main() -> list[str]:
        return [await one("first"), await one("second")]

    with caplog.at_level(logging.WARNING, logger="rtvoice"):
        answers = anyio.run(main)
    assert "You said: first" in answers[0]
    assert "You said: second" in answers[1]
    assert caplog.text.count("RTVOICE_SIMULATOR is set") == 1  # once per runner


def test_a_provider_brings_the_connector_its_protocol_needs() -> None:
    """A provider for another protocol: the runner builds the request from it and hands the
    request to the provider's own connector."""
    scripted = ScriptedModel()

    class OtherProtocol(OpenAIProvider):
        def build_url(self, model: str) -> str:
            return f"wss://other.example/live?model={model}"

        def model_connector(self) -> ScriptedModel:  # type: ignore[override]
            return scripted

    runner = RealtimeRunner(RealtimeAgent(name="A"), provider=OtherProtocol(api_key=KEY))
    request = _request(runner, scripted)
    assert request.url == "wss://other.example/live?model=gpt-realtime"
    assert request.headers == {"Authorization": f"Bearer {KEY}"}


def test_building_a_runner_loads_what_its_first_session_needs() -> None:
    """The first session of a process must not wait for imports: building the runner pays
    them (building the agent does not: see test_import_cost)."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from rtvoice import RealtimeAgent, RealtimeRunner, OpenAIProvider\n"
        "RealtimeRunner(RealtimeAgent(name='A'), provider=OpenAIProvider(api_key='sk-x'))\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(out.stdout.splitlines()[-1]))
    for needed in (
        "rtvoice.session._session",
        "rtvoice.model._openai_model",
        "rtvoice.model.openai",
        "rtvoice.transport._connection",
        "rtvoice.tracing",
        "websockets.client",
        "anyio",
    ):
        assert needed in modules, needed
