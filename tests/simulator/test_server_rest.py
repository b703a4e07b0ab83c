"""The simulator's REST endpoints on its WebSocket port (PROTOCOL.md §1.3, §13 item 6):
call actions with the real API's refusals, client secrets, and the call's socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anyio
import pytest

from rtvoice.errors import InvalidRequestError
from rtvoice.simulator import Simulator
from rtvoice.simulator.sip import CallState
from rtvoice.transport import WebSocketTransport

pytestmark = pytest.mark.anyio


async def post(
    sim: Simulator, path: str, body: Any = None, *, raw: bytes | None = None
) -> tuple[int, Any]:
    """One plain HTTP/1.1 POST to the simulator's port; the status and the JSON body."""
    with anyio.fail_after(2):
        return await _post(sim, path, body, raw)


async def _post(sim: Simulator, path: str, body: Any, raw: bytes | None) -> tuple[int, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    payload = raw if raw is not None else json.dumps(body or {}).encode()
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, content = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    return status, json.loads(content) if content else None


ACCEPT = {"type": "realtime", "model": "gpt-realtime", "instructions": "Hi."}


async def test_call_actions_follow_the_call_and_refuse_what_the_api_refuses() -> None:
    async with Simulator() as sim:
        assert (await post(sim, "/v1/realtime/calls/rtc_nope/accept", ACCEPT))[0] == 404
        call = sim.calls.ring()
        base = f"/v1/realtime/calls/{call.call_id}"
        status, body = await post(sim, f"{base}/refer", {"target_uri": "tel:+1555"})
        assert status == 404  # not accepted yet
        status, body = await post(sim, f"{base}/accept", {**ACCEPT, "bogus": 1})
        assert status == 400
        assert body["error"]["code"] == "unknown_parameter"
        assert body["error"]["param"] == "bogus"
        assert (await post(sim, f"{base}/accept", {"instructions": "x"}))[0] == 400  # no type
        assert (await post(sim, f"{base}/accept", ACCEPT)) == (200, None)
        assert call.session is not None
        assert call.session.instructions == "Hi."
        assert (await post(sim, f"{base}/accept", ACCEPT))[0] == 409
        assert (await post(sim, f"{base}/refer", {"target_uri": "mailto:x"}))[0] == 400
        assert (await post(sim, f"{base}/hangup"))[0] == 200
        status, body = await post(sim, f"{base}/accept", ACCEPT)  # a redelivery after hang-up
        assert status == 404
        assert body["error"]["code"] == "call_not_found"
        assert (await post(sim, f"{base}/hangup"))[0] == 404
    assert call.state is CallState.ENDED
    assert call.accepts == 1


async def test_reject_defaults_to_603_and_checks_the_status() -> None:
    async with Simulator() as sim:
        first, second = sim.calls.ring(), sim.calls.ring()
        assert (await post(sim, f"/v1/realtime/calls/{first.call_id}/reject"))[0] == 200
        path = f"/v1/realtime/calls/{second.call_id}/reject"
        assert (await post(sim, path, {"status_code": 200}))[0] == 400
    assert first.reject_status == 603
    assert first.state is CallState.REJECTED
    assert second.state is CallState.RINGING


async def test_bad_requests_get_http_errors_and_the_socket_still_works() -> None:
    async with Simulator() as sim:
        assert (await post(sim, "/v1/realtime/calls/x/accept", raw=b"{not json"))[0] == 400
        assert (await post(sim, "/v1/realtime/nothing"))[0] == 404
        status, body = await post(sim, "/v1/realtime/client_secrets", {"expires_after": 5})
        assert status == 400
        status, body = await post(sim, "/v1/realtime/client_secrets", {})
        assert status == 200
        assert body["value"].startswith("ek_")
        async with await WebSocketTransport.connect(
            sim.realtime_url(), headers=sim.provider().build_headers()
        ) as transport:
            first = json.loads(await transport.receive())
        assert first["type"] == "session.created"


async def test_the_socket_of_a_sip_call_needs_the_call_accepted() -> None:
    async with Simulator() as sim:
        call = sim.calls.ring()
        url = f"{sim.url}/realtime?call_id={call.call_id}"
        headers = sim.provider().build_headers()
        with anyio.fail_after(2):
            async with await WebSocketTransport.connect(url, headers=headers) as transport:
                error = json.loads(await transport.receive())
                with pytest.raises(InvalidRequestError):
                    await transport.receive()
        assert error["error"]["code"] == "call_not_found"
        await post(sim, f"/v1/realtime/calls/{call.call_id}/accept", ACCEPT)
        async with await WebSocketTransport.connect(url, headers=headers) as transport:
            created = json.loads(await transport.receive())
        # The accept's configuration is the session's from the start.
        assert created["type"] == "session.created"
        assert created["session"]["instructions"] == "Hi."
