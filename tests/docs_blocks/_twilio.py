"""docs/twilio.md: the blocks run against the simulated Twilio caller, on 127.0.0.1."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import anyio

from rtvoice import RealtimeAgent, RealtimeRunner

from ._net import free_port, wait_listening

if TYPE_CHECKING:
    from . import Docs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "twilio" / "app.py"
TOKEN = "token"  # the auth token docs/twilio.md's caller block signs with


def phone_runner() -> RealtimeRunner[Any]:
    """The page's ``runner``: Twilio's audio (G.711 mu-law) both ways, on the simulator."""
    phone = {"format": "g711_ulaw"}
    config: Any = {"model_settings": {"audio": {"input": phone, "output": phone}}}
    return RealtimeRunner(
        RealtimeAgent(name="Phone", instructions="Keep answers short."), config=config
    )


async def talk(stream_url: str) -> None:
    """One call as Twilio places it: a question, the agent's spoken answer, a hang-up."""
    from rtvoice.simulator.twilio import SimulatedTwilioCaller

    async with SimulatedTwilioCaller(stream_url, pace=8) as caller:
        await caller.say("what time is it")
        await caller.wait_until(lambda: "You said: what time is it" in caller.heard_text())


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """An aiohttp application on 127.0.0.1; yields its ``http://`` base URL."""
    from aiohttp import web

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_twilio_example_app", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def twilio_app(docs: Docs) -> None:
    """The example's three parts: served, signed webhooks only, one call end to end."""
    from rtvoice.simulator.twilio import post_twilio_webhook, read_connect_stream

    docs.monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    await docs.run()
    async with serving(docs.namespace["app"]) as base:
        status, body = await post_twilio_webhook(f"{base}/incoming-call", auth_token="forged")
        assert (status, body) == (403, "not signed by Twilio")
        status, twiml = await post_twilio_webhook(f"{base}/incoming-call", auth_token=TOKEN)
        assert status == 200, twiml
        stream_url, _ = read_connect_stream(twiml)
        assert stream_url == base.replace("http://", "ws://") + "/media-stream"
        await talk(stream_url)


async def twilio_stream(docs: Docs) -> None:
    """``socket``: a media stream Twilio opened to a websockets server (the block runs in its
    handler); the simulated caller asks one question and hangs up."""
    from websockets.asyncio.server import serve

    from rtvoice.integrations.twilio import WebsocketsMediaSocket

    docs.namespace["runner"] = phone_runner()
    failures: list[BaseException] = []
    done = anyio.Event()

    async def handler(connection: Any) -> None:
        docs.namespace["socket"] = WebsocketsMediaSocket(connection)
        try:
            await docs.run()
        except BaseException as exc:  # the server would only log it: hand it to the test
            failures.append(exc)
            raise
        finally:
            done.set()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        await talk(f"ws://127.0.0.1:{port}/media-stream")
        await done.wait()
    if failures:
        raise failures[0]
    call = docs.namespace["call"]
    assert call.ended_by == "stop"
    assert call.start.stream_sid.startswith("MZ")
    history = call.session.history
    assert any(item.type == "assistant_message" for item in history), history


async def twilio_websockets(docs: Docs) -> None:
    """The websockets server block serves forever: on ``PORT``, until one call is over."""
    port = free_port()
    docs.monkeypatch.setenv("PORT", str(port))
    docs.namespace["runner"] = phone_runner()
    async with anyio.create_task_group() as group:
        group.start_soon(docs.run)
        await wait_listening(port)
        await talk(f"ws://127.0.0.1:{port}/media-stream")
        group.cancel_scope.cancel()


async def twilio_aiohttp(docs: Docs) -> None:
    """The aiohttp handler, routed at ``/media-stream``: one call through it."""
    from aiohttp import web

    docs.namespace["runner"] = phone_runner()
    await docs.run()
    app = web.Application()
    app.add_routes([web.get("/media-stream", docs.namespace["media_stream"])])
    async with serving(app) as base:
        await talk(base.replace("http://", "ws://") + "/media-stream")


async def twilio_caller(docs: Docs) -> None:
    """``base``: the app under test, examples/twilio/app.py, checking signatures with the
    block's auth token."""
    docs.monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    example = load_example()
    async with serving(example.make_app()) as base:
        docs.namespace["base"] = base
        await docs.run()
    assert docs.namespace["status"] == 200
