"""Fixtures for tests that talk to the simulator over a real loopback socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sim_wire import Connect, WireClient, assert_parsed_by_openai_sdk

from rtvoice.simulator import Simulator
from rtvoice.transport import WebSocketTransport


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    async with Simulator() as sim:
        yield sim


@pytest.fixture
async def connect(simulator: Simulator) -> AsyncIterator[Connect]:
    """Open wire clients to ``simulator``; the default session start is consumed."""
    clients: list[WireClient] = []

    async def open_client(
        model: str = "gpt-realtime",
        *,
        headers: dict[str, str] | None = None,
        query: str | None = None,
        sim: Simulator | None = None,
        expect_session: bool = True,
    ) -> WireClient:
        server = sim or simulator
        url = f"{server.url}/realtime?{query}" if query is not None else server.realtime_url(model)
        transport = await WebSocketTransport.connect(
            url, headers=headers if headers is not None else server.provider().build_headers()
        )
        beta = "OpenAI-Beta" in (headers or {})
        client = WireClient(transport, dialect="beta" if beta else "ga")
        clients.append(client)
        if expect_session:
            created = await client.recv()
            assert created["type"] == "session.created"
        return client

    yield open_client
    for client in clients:
        await client.close()
    # Every GA frame any test read must parse with the official SDK's own types.
    for client in clients:
        if client.dialect == "ga":
            assert_parsed_by_openai_sdk(client.received)
