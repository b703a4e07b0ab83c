"""The public ``realtime_simulator`` fixture from ``rtvoice.testing``."""

from __future__ import annotations

import json

import pytest

from rtvoice.simulator import SimulatorThread
from rtvoice.transport import WebSocketTransport


@pytest.mark.anyio
async def test_fixture_serves_a_session(realtime_simulator: SimulatorThread) -> None:
    provider = realtime_simulator.provider()
    transport = await WebSocketTransport.connect(
        provider.build_url("gpt-realtime"), headers=provider.build_headers()
    )
    async with transport:
        created = json.loads(await transport.receive())
    assert created["type"] == "session.created"


def test_fixture_works_in_a_synchronous_test(realtime_simulator: SimulatorThread) -> None:
    assert realtime_simulator.url.startswith("ws://127.0.0.1:")
    assert realtime_simulator.realtime_url("gpt-realtime-mini").endswith(
        "/v1/realtime?model=gpt-realtime-mini"
    )
