"""docs/sip.md: the blocks run against the simulator's SIP routes and a simulated call.

Each setup starts a :class:`~rtvoice.simulator.Simulator` and points the ``openai`` SDK's
environment at it (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``OPENAI_WEBHOOK_SECRET``), as a
reader's deployment sets them for OpenAI.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import anyio

from rtvoice.simulator import SimulatedSipCall, Simulator
from rtvoice.simulator.sip import DEFAULT_WEBHOOK_SECRET, CallState

from ._net import http_recorder

if TYPE_CHECKING:
    from . import Docs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sip" / "app.py"
GREETING = "Hello! How can I help you?"  # what the simulator says to create_response()


@contextlib.asynccontextmanager
async def openai_on_simulator(docs: Docs) -> AsyncIterator[Simulator]:
    import openai  # noqa: F401  (rtvoice[sip]: skipped where it is not installed)

    async with Simulator() as sim:
        docs.monkeypatch.setenv("OPENAI_BASE_URL", sim.url.replace("ws://", "http://", 1))
        docs.monkeypatch.setenv("OPENAI_API_KEY", "sk-simulator")
        docs.monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET)
        yield sim


async def sip_webhook(docs: Docs) -> None:
    """``body`` and ``headers``: a signed ``realtime.call.incoming`` as the webhook route got
    it. The caller hears the greeting and hangs up, which ends ``on_call`` and the block."""
    async with openai_on_simulator(docs) as sim, http_recorder() as route:
        call = SimulatedSipCall(sim, f"{route.url}/openai/webhook")
        assert await call.ring() == 200
        (request,) = route.requests
        docs.namespace.update(body=request.body, headers=request.headers)
        async with anyio.create_task_group() as group:
            group.start_soon(docs.run)
            assert await call.answered() == CallState.ACCEPTED
            assert await call.hear() == GREETING
            await call.hang_up()
        assert docs.namespace["reply"].status == 200
        assert call.accepts == 1
        assert call.requests == ["accept"]


async def sip_client_secret(docs: Docs) -> None:
    """The block defines the route; the test calls it as the browser's request would."""
    async with openai_on_simulator(docs):
        await docs.run()
        answer = await docs.namespace["browser_session"]()
    assert answer["client_secret"].startswith("ek_"), answer


async def _serve_example(example: ModuleType) -> AsyncIterator[str]:
    async with example.calls:
        server = await asyncio.start_server(example.webhook, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}/openai/webhook"
        finally:
            server.close()
            await server.wait_closed()


async def sip_app(docs: Docs) -> None:
    """``sim`` and ``webhook_url``: the running simulator and the app under test,
    examples/sip/app.py, its ``openai`` client pointed at the simulator."""
    async with openai_on_simulator(docs) as sim:
        example = load_example()
        async with contextlib.asynccontextmanager(_serve_example)(example) as webhook_url:
            docs.namespace.update(sim=sim, webhook_url=webhook_url)
            await docs.run()


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_sip_example_app", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
