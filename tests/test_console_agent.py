"""``rtvoice console --agent module:attribute``: what it loads, the one-line errors when it
cannot, and the exit statuses."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from rtvoice import OpenAIProvider, RealtimeAgent, RealtimeRunner, UserError
from rtvoice._console import resolve_target, run_console
from rtvoice.cli import main
from rtvoice.simulator import SimulatorOptions, SimulatorProvider


def _error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["console", *argv]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def agents_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "console_agents.py").write_text(
        "from rtvoice import RealtimeAgent, RealtimeRunner\n"
        "from rtvoice.audio import PlaybackTracker\n"
        'agent = RealtimeAgent(name="Mine")\n'
        "runner = RealtimeRunner(agent)\n"
        'ulaw_runner = RealtimeRunner(agent, config={"model_settings": {"audio": {"output": '
        '{"format": "g711_ulaw"}}}})\n'
        "number = 42\n"
    )
    (tmp_path / "broken_agents.py").write_text("import no_such_dependency_here\n")
    (tmp_path / "failing_agents.py").write_text("raise RuntimeError('no\\nconfig file')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_errors_are_one_line_with_the_fix(
    capsys: pytest.CaptureFixture[str], agents_dir: Path
) -> None:
    assert "wants module:attribute (for example myapp.agents:triage), got 'agent'" in _error_of(
        capsys, "--agent", "agent"
    )
    missing = _error_of(capsys, "--agent", "no_such_module_here:agent")
    assert "cannot import 'no_such_module_here'" in missing
    assert "PYTHONPATH" in missing
    assert (
        "no module named 'no_such_dependency_here'"
        in _error_of(capsys, "--agent", "broken_agents:agent").lower()
    )
    assert _error_of(capsys, "--agent", "failing_agents:agent").endswith(
        "importing 'failing_agents' failed: RuntimeError: no config file"
    )
    assert _error_of(capsys, "--agent", "console_agents:nobody").endswith(
        "'console_agents' has no attribute 'nobody'"
    )
    assert _error_of(capsys, "--agent", "console_agents:number").endswith(
        "--agent console_agents:number: is a int, not a RealtimeAgent or a RealtimeRunner"
    )
    ulaw = _error_of(capsys, "--agent", "console_agents:ulaw_runner", "--voice")
    assert "voice mode plays and records PCM16" in ulaw
    assert "output audio is g711_ulaw" in ulaw
    assert _error_of(capsys, "--push-to-talk").endswith("--push-to-talk goes with --voice")
    assert _error_of(capsys, "--pace", "-1").endswith("--pace must be 0 or more, got -1.0")


def test_a_bad_option_is_one_line_naming_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["console", "--bogus"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "rtvoice: unrecognized arguments: --bogus (see rtvoice --help)"
    ]


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


@pytest.mark.anyio
async def test_a_runner_with_nowhere_to_connect_talks_to_a_simulator() -> None:
    runner: RealtimeRunner[None] = RealtimeRunner(RealtimeAgent(name="Mine"))
    target = resolve_target(runner, spec="m:runner", voice=False, simulator_options={}, environ={})
    assert target.simulated
    out = io.StringIO()
    with anyio.fail_after(10):
        status = await run_console(target, lines=_lines("hello", "/quit"), out=out)
    assert status == 0
    assert "Mine on the built-in simulator" in out.getvalue()
    assert "Mine: You said: hello" in out.getvalue()
    assert runner.provider is None  # the user's runner is left as it was


@pytest.mark.anyio
async def test_a_session_that_cannot_start_is_status_1() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    provider = OpenAIProvider(api_key="sk-test", base_url=f"ws://127.0.0.1:{port}/v1")
    agent = RealtimeAgent(name="Mine", provider=provider)
    target = resolve_target(agent, spec="m:agent", voice=False, simulator_options={}, environ={})
    assert not target.simulated
    out = io.StringIO()
    with anyio.fail_after(10):
        status = await run_console(target, lines=_lines("hello"), out=out)
    assert status == 1
    assert "Mine on OpenAIProvider." in out.getvalue()
    assert "rtvoice console: could not start the session:" in out.getvalue()


def test_a_bad_option_value_names_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["console", "--pace", "fast"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "rtvoice console: argument --pace: invalid float value: 'fast' (see rtvoice console --help)"
    ]


@pytest.mark.anyio
async def test_a_session_at_the_servers_time_limit_ends_the_console_with_status_1() -> None:
    # (a 1001 "maximum duration" close is session_expired: with reconnects off, a failure)
    async def never_typing() -> AsyncIterator[str]:
        await anyio.sleep_forever()
        yield ""  # pragma: no cover

    runner = RealtimeRunner(
        RealtimeAgent(name="Mine"),
        config={"reconnect": False, "model_settings": {"output_modalities": ["text"]}},
        provider=SimulatorProvider(options=SimulatorOptions(max_session_seconds=0.2)),
    )
    target = resolve_target(runner, spec="m:runner", voice=False, simulator_options={}, environ={})
    out = io.StringIO()
    with anyio.fail_after(10):
        status = await run_console(target, lines=never_typing(), out=out)
    assert status == 1
    assert out.getvalue().endswith(
        "you> \nrtvoice console: the session failed: the server ended the session: Your "
        "session hit the maximum duration of 0.2 seconds. (close code 1001)\n"
    )


@pytest.mark.anyio
async def test_model_picks_gpt_live_and_the_console_shows_what_it_says() -> None:
    async def typing() -> AsyncIterator[str]:
        yield "what time is it"
        await anyio.sleep(1.5)  # the answer streams meanwhile
        yield "/quit"

    target = resolve_target(
        RealtimeAgent(name="Mine"),
        spec="m:agent",
        voice=False,
        simulator_options={"pace": None},
        environ={},
        model="gpt-live-1.1",
    )
    assert target.runner.settings.model.model_name == "gpt-live-1.1"
    out = io.StringIO()
    with anyio.fail_after(10):
        status = await run_console(target, lines=typing(), out=out)
    assert status == 0
    # GPT-Live always speaks: text mode shows its transcript (the message went in as an
    # instruction saying the user typed it)
    assert "Mine: You said: " in out.getvalue()
    assert "what time is it" in out.getvalue().split("Mine: ", 1)[1]


def test_model_is_for_an_agent_not_a_runner() -> None:
    runner = RealtimeRunner(RealtimeAgent(name="Mine"), provider=SimulatorProvider())
    with pytest.raises(UserError, match="--model applies to an agent"):
        resolve_target(
            runner,
            spec="m:runner",
            voice=False,
            simulator_options={},
            environ={},
            model="gpt-live-1.1",
        )
