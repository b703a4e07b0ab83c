"""examples/sip/app.py end to end, as its user runs it, with the simulated SIP call playing
OpenAI and the caller: the OpenAI side comes from the SDK's environment variables."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from rtvoice.simulator import SimulatedSipCall, Simulator
from rtvoice.simulator.sip import DEFAULT_WEBHOOK_SECRET, CallState

pytest.importorskip("openai")

pytestmark = pytest.mark.anyio

APP = Path(__file__).resolve().parents[2] / "examples" / "sip" / "app.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_example_answers_a_call_once_talks_and_transfers() -> None:
    port = _free_port()
    async with Simulator() as sim:
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-simulator",
            "OPENAI_BASE_URL": sim.url.replace("ws://", "http://", 1),
            "OPENAI_WEBHOOK_SECRET": DEFAULT_WEBHOOK_SECRET,
            "PYTHONUNBUFFERED": "1",
        }
        async with await anyio.open_process(
            [sys.executable, str(APP), "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as app:
            assert app.stdout is not None
            output = b""
            try:
                with anyio.fail_after(30):  # the app imports the openai SDK (~1 s alone)
                    while b"webhook on" not in output:
                        output += await app.stdout.receive()
                url = f"http://127.0.0.1:{port}/openai/webhook"

                forged = SimulatedSipCall(sim, url, secret="whsec_" + "b3RoZXIta2V5LWJ5dGVz")
                assert await forged.ring() == 401

                call = SimulatedSipCall(sim, url)
                assert await call.ring() == 200
                assert await call.redeliver() == 200
                assert await call.hear() == "Hello! How can I help you?"
                await call.say("what are your opening hours")
                assert await call.hear() == "You said: what are your opening hours"
                await call.say("transfer to the front desk")
                assert await call.ended() is CallState.REFERRED

                caller_hangs_up = SimulatedSipCall(sim, url)
                assert await caller_hangs_up.ring() == 200
                assert await caller_hangs_up.hear() == "Hello! How can I help you?"
                await caller_hangs_up.hang_up()
                with anyio.fail_after(5):
                    while output.count(b"assistant_message: Hello! How can I help you?") < 2:
                        output += await app.stdout.receive()
            finally:
                app.terminate()
    assert forged.requests == []
    assert call.requests == ["accept", "refer"]
    assert call.accepts == 1
    assert call.refer_target == "tel:+15550100"
    assert caller_hangs_up.state is CallState.ENDED
    text = output.decode()
    assert "assistant_message: You said: what are your opening hours" in text


def test_the_example_with_no_key_calls_itself_through_the_simulator() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    result = subprocess.run(
        [sys.executable, str(APP), "--port", str(_free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "talking to the built-in simulator" in result.stdout
    assert "simulated call: webhook answered 200" in result.stdout
    assert "caller heard: 'You said: what are your opening hours'" in result.stdout
