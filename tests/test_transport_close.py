"""Closing is prompt however many frames wait unread: measured at a raw server on 127.0.0.1.

The server answers the upgrade by hand and then floods text frames. It follows RFC 6455
§7.1.1 for the end: when the client's close frame arrives it answers with its own (unless it
sent one first) and closes TCP. It notes when the client's close frame arrived and when the
TCP connection ended, so a test can check that closing did not sit out ``close_timeout`` (left
at its default of 5 s): the bounds below are on that protocol wait, not on CPU work.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest

from realtime_server import ScriptedConnection, scripted_server
from rtvoice import RealtimeAgent, RealtimeRunner
from rtvoice.transport import TransportOptions, WebSocketTransport

pytestmark = pytest.mark.anyio

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_DEFAULT_CLOSE_TIMEOUT = TransportOptions().close_timeout
BOUND = 1.0
"""Seconds within which the TCP connection must be gone: a fifth of the default close
timeout, so a pass means no timeout fired (typical runs take a few milliseconds)."""


def text_frame(payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes([0x81, n])
    elif n < 1 << 16:
        head = bytes([0x81, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 127]) + n.to_bytes(8, "big")
    return head + payload


def close_frame(code: int) -> bytes:
    return bytes([0x88, 2]) + code.to_bytes(2, "big")


def has_client_close(data: bytes) -> bool:
    """Whether the client's bytes hold a close frame (the client masks every frame)."""
    pos = 0
    while pos + 2 <= len(data):
        opcode, n, start = data[pos] & 0x0F, data[pos + 1] & 0x7F, pos + 2
        if n == 126:
            n, start = int.from_bytes(data[start : start + 2], "big"), start + 4
        elif n == 127:
            n, start = int.from_bytes(data[start : start + 8], "big"), start + 10
        if opcode == 0x8:
            return True
        pos = start + 4 + n
    return False


@dataclass
class FloodingServer:
    url: str = ""
    sent_frames: int = 0
    client_closed_at: float | None = None
    """When the client's close frame arrived."""
    tcp_closed_at: float | None = None
    """When the TCP connection ended."""
    flooding: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@asynccontextmanager
async def flooding_server(
    *, frames: int | None, close_first: int | None = None
) -> AsyncIterator[FloodingServer]:
    """Floods ``frames`` text frames of 1 KB (``None``: until the client's close frame), then
    sends a close frame with code ``close_first`` if given."""
    server = FloodingServer()
    payload = b'{"type":"response.output_audio.delta","delta":"' + b"A" * 960 + b'"}'

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        key = re.search(rb"(?i)sec-websocket-key: *(\S+)", head)
        assert key is not None
        accept = base64.b64encode(hashlib.sha1(key.group(1) + _GUID).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        closed_by_client = asyncio.Event()

        async def flood() -> None:
            one = text_frame(payload)
            while frames is None or server.sent_frames < frames:
                if closed_by_client.is_set():
                    return
                writer.write(one * 16)
                server.sent_frames += 16
                if server.sent_frames >= 64:
                    server.flooding.set()
                await writer.drain()  # waits while the client does not read
            if close_first is not None:
                writer.write(close_frame(close_first))
            server.flooding.set()

        flooder = asyncio.ensure_future(flood())
        received = b""
        try:
            while chunk := await reader.read(65536):
                received += chunk
                if server.client_closed_at is None and has_client_close(received):
                    server.client_closed_at = time.monotonic()
                    closed_by_client.set()
                    if close_first is None:
                        writer.write(close_frame(1000))
                    writer.close()  # the server closes TCP first (RFC 6455 §7.1.1)
                    break
        except ConnectionError:
            pass
        finally:
            server.tcp_closed_at = time.monotonic()
            flooder.cancel()
            writer.close()
            server.done.set()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    server.url = f"ws://127.0.0.1:{listener.sockets[0].getsockname()[1]}/v1/realtime"
    try:
        yield server
    finally:
        listener.close()


async def test_our_close_during_a_flood_with_reading_paused_is_prompt() -> None:
    assert _DEFAULT_CLOSE_TIMEOUT == 5.0
    with anyio.fail_after(4):
        async with flooding_server(frames=None) as server:
            transport = await WebSocketTransport.connect(server.url)  # default options
            await server.flooding.wait()
            await asyncio.sleep(0.05)  # the queue (16) is full: the client stopped reading
            started = time.monotonic()
            await transport.close()
            returned = time.monotonic() - started
            await server.done.wait()
    assert server.client_closed_at is not None
    assert server.tcp_closed_at is not None
    assert server.tcp_closed_at - started < BOUND
    assert returned < BOUND
    assert transport.close_code == 1000


@pytest.mark.parametrize("unread", [16, 17, 200])
async def test_the_servers_close_behind_unread_frames_then_our_close_is_prompt(
    unread: int,
) -> None:
    with anyio.fail_after(4):
        async with flooding_server(frames=unread, close_first=1000) as server:
            transport = await WebSocketTransport.connect(server.url)
            await server.flooding.wait()
            await asyncio.sleep(0.05)  # every frame and the close frame are on their way
            started = time.monotonic()
            await transport.close()
            returned = time.monotonic() - started
            await server.done.wait()
    assert server.tcp_closed_at is not None
    assert server.tcp_closed_at - started < BOUND
    assert returned < BOUND
    assert transport.close_code == 1000


def audio_deltas(count: int) -> list[dict[str, Any]]:
    where = {"response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0}
    delta = "AAAA" * 250
    return [{"type": "response.output_audio.delta", **where, "delta": delta} for _ in range(count)]


SESSION_EXPIRED = {
    "type": "error",
    "error": {
        "type": "invalid_request_error",
        "code": "session_expired",
        "message": "Your session hit the maximum duration of 60 minutes.",
    },
}


@pytest.mark.parametrize("ending", ["hang-up during a flood", "after session_expired"])
async def test_leaving_a_session_with_frames_unread_closes_promptly(ending: str) -> None:
    tcp_closed: list[float] = []
    server_done = asyncio.Event()
    expired = ending == "after session_expired"

    async def flood(conn: ScriptedConnection, frame: dict[str, Any]) -> None:
        if frame["type"] != "conversation.item.create":
            return
        if expired:
            await conn.send(*audio_deltas(200), SESSION_EXPIRED)
            await conn.ws.close(1000)  # waits for the client's close frame, as servers do
        else:
            try:
                while True:  # until the client hangs up
                    await conn.send(*audio_deltas(20))
            except Exception:
                pass
            await conn.ws.wait_closed()
        tcp_closed.append(time.monotonic())
        server_done.set()

    agent: RealtimeAgent[None] = RealtimeAgent(name="a")
    with anyio.fail_after(4):
        async with scripted_server(on_frame=flood) as server:
            session = await RealtimeRunner(agent, provider=server.provider()).run()
            async with session:
                await session.send_message("hello")
                await session.__anext__()  # the flood has begun
                await asyncio.sleep(0.2)  # the application is busy: frames pile up unread
                started = time.monotonic()
            exited = time.monotonic() - started
            await server_done.wait()
    assert exited < BOUND
    assert tcp_closed[0] - started < BOUND
