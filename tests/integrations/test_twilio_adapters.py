"""The socket adapters, each over its own library's real WebSocket object."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from rtvoice import RealtimeAgent, RealtimeRunner
from rtvoice.integrations.twilio import (
    DtmfFrame,
    StarletteMediaSocket,
    StartFrame,
    StopFrame,
    TwilioCall,
    encode_frame,
    run_twilio_call,
)
from rtvoice.simulator import SimulatorProvider

pytestmark = pytest.mark.anyio

PHONE: Any = {"format": "g711_ulaw"}


async def test_a_starlette_websocket_carries_a_call() -> None:
    websockets = pytest.importorskip("starlette.websockets")
    runner = RealtimeRunner(
        RealtimeAgent(name="Phone"),
        provider=SimulatorProvider(),
        config={"model_settings": {"audio": {"input": PHONE, "output": PHONE}}},
    )
    incoming: list[dict[str, Any]] = [
        {"type": "websocket.connect"},
        *(
            {"type": "websocket.receive", "text": encode_frame(frame)}
            for frame in (
                StartFrame(stream_sid="MZ1", call_sid="CA1"),
                DtmfFrame(stream_sid="MZ1", digit="7"),
                StopFrame(stream_sid="MZ1", call_sid="CA1"),
            )
        ),
        {"type": "websocket.disconnect", "code": 1000},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/media-stream", "headers": [], "query_string": b""}
    websocket = websockets.WebSocket(scope, receive, send)
    digits: list[str] = []

    def on_dtmf(call: TwilioCall, digit: str) -> None:
        digits.append(digit)

    await websocket.accept()
    with anyio.fail_after(10):
        call = await run_twilio_call(StarletteMediaSocket(websocket), runner, on_dtmf=on_dtmf)
    assert call is not None
    assert (call.ended_by, call.call_sid, digits) == ("stop", "CA1", ["7"])
    assert sent[0]["type"] == "websocket.accept"
