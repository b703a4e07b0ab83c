"""examples/twilio/app.py, driven end to end by the simulated Twilio caller: the webhook's
TwiML (and its signature check), then a call with a spoken question, a tool call, a barge-in
and a hang-up."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

import anyio
import pytest

from rtvoice.simulator.twilio import SimulatedTwilioCaller, post_twilio_webhook, read_connect_stream

pytest.importorskip("aiohttp")
pytest.importorskip("twilio")

from aiohttp import web

pytestmark = pytest.mark.anyio

APP = Path(__file__).resolve().parents[2] / "examples" / "twilio" / "app.py"
TOKEN = "test-auth-token"


def load_example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # the simulator, as documented
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    spec = importlib.util.spec_from_file_location("twilio_example_app", APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def test_the_example_is_under_40_lines_of_user_code() -> None:
    source = APP.read_text()
    body = source[source.index('"""', 3) + 3 :]  # after the module docstring
    code = [line for line in body.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert len(code) < 40


async def test_the_example_answers_a_call_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example(monkeypatch)
    before = asyncio.all_tasks()
    async with serving(example.make_app()) as base:
        status, body = await post_twilio_webhook(f"{base}/incoming-call", auth_token="wrong")
        assert (status, body) == (403, "not signed by Twilio")
        status, twiml = await post_twilio_webhook(f"{base}/incoming-call", auth_token=TOKEN)
        assert status == 200
        stream_url, _ = read_connect_stream(twiml)
        assert stream_url == base.replace("http://", "ws://") + "/media-stream"

        async with SimulatedTwilioCaller(stream_url, pace=12) as caller:
            await caller.say("what time is it")
            await caller.wait_until(lambda: "You said: what time is it" in caller.heard_text())
            await caller.wait_until_quiet()
            await caller.say('call get_weather {"city": "Paris"}')
            await caller.wait_until(lambda: "Sunny in Paris" in caller.heard_text())
            await caller.wait_until_quiet()
            heard = caller.played_ms
            await caller.say("tell me a very long story about the sea and the ships")
            await caller.wait_until(lambda: caller.played_ms >= heard + 1000)
            await caller.say("stop")
            await caller.wait_until(lambda: bool(caller.clears))
            await caller.wait_until(lambda: caller.heard_text().endswith("You said: stop"))
        [clear] = caller.clears
        assert clear.dropped_bytes > 0
        assert not caller.app_hung_up  # the caller hung up, and the app let it
    assert asyncio.all_tasks() == before


def test_the_example_runs_as_a_script_on_the_given_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "TWILIO_AUTH_TOKEN")}
    process = subprocess.Popen(
        [sys.executable, str(APP), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        async def call() -> str:
            with anyio.fail_after(20):
                while True:
                    try:
                        await anyio.connect_tcp("127.0.0.1", port)
                        break
                    except OSError:
                        await anyio.sleep(0.05)
            status, twiml = await post_twilio_webhook(f"http://127.0.0.1:{port}/incoming-call")
            assert status == 200  # no TWILIO_AUTH_TOKEN: no signature needed
            stream_url, _ = read_connect_stream(twiml)
            async with SimulatedTwilioCaller(stream_url, pace=8) as caller:
                await caller.say("hello")
                await caller.wait_until(lambda: "hello" in caller.heard_text(), within=10)
            return caller.heard_text()

        assert anyio.run(call) == "You said: hello"
    finally:
        process.terminate()
        process.wait(timeout=10)
