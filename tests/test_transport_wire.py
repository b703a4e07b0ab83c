"""The WebSocket transport's own protocol driver against servers nobody here wrote a client for:
raw scripted servers on 127.0.0.1 that write hand-made frames, and websockets' own server.

A raw server answers the upgrade (offering no extension), then the test hands the client a
crafted byte stream, whole or cut into pieces, and the server ends its side of TCP. What the
application sees (the frames, then how iteration ended) and what the client answered (PONGs,
close frames) must be what RFC 6455 and the transport's contract say.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection, serve
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

from rtvoice.errors import ConnectionLostError, TransportClosedError, TransportError
from rtvoice.transport import TransportOptions, WebSocketTransport
from rtvoice.transport._connection import WireConnection
from rtvoice.transport._handshake import MAX_REDIRECTS
from rtvoice.transport._versions import installed_websockets

pytestmark = pytest.mark.anyio

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bool = False
) -> bytes:
    """One server frame, encoded by hand (so malformed ones can be built too)."""
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mask_bit | n])
    elif n < 1 << 16:
        head += bytes([mask_bit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([mask_bit | 127]) + n.to_bytes(8, "big")
    if mask:
        key = b"\x01\x02\x03\x04"
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def text(value: str, **kwargs: bool) -> bytes:
    return frame(TEXT, value.encode(), **kwargs)  # type: ignore[arg-type]


def close_frame(code: int, reason: str = "") -> bytes:
    return frame(CLOSE, code.to_bytes(2, "big") + reason.encode())


def client_frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, unmasked payload) of each frame the client sent."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos + 2 <= len(data):
        n, start = data[pos + 1] & 0x7F, pos + 2
        if n == 126:
            n, start = int.from_bytes(data[start : start + 2], "big"), start + 2
        elif n == 127:
            n, start = int.from_bytes(data[start : start + 8], "big"), start + 8
        key, start = data[start : start + 4], start + 4
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(data[start : start + n]))
        out.append((data[pos] & 0x0F, payload))
        pos = start + n
    return out


@dataclass
class RawServer:
    url: str = ""
    received: bytearray = field(default_factory=bytearray)
    writer: asyncio.StreamWriter | None = None
    requests: list[bytes] = field(default_factory=list)
    got_eof: asyncio.Event = field(default_factory=asyncio.Event)

    def write(self, data: bytes) -> None:
        assert self.writer is not None
        self.writer.write(data)

    def close_tcp(self) -> None:
        """End the server's side of the TCP stream (reading on, to see all the client sent)."""
        assert self.writer is not None
        self.writer.write_eof()

    def frames_from_client(self) -> list[tuple[int, bytes]]:
        return client_frames(bytes(self.received))


@asynccontextmanager
async def raw_server(
    after_handshake: bytes = b"", cut: int = 0, redirect_first: str | None = None
) -> AsyncIterator[RawServer]:
    """A server that answers the upgrade (and writes ``after_handshake`` in the same write).

    With ``cut`` < 0, the response and what follows go out in two writes 20 ms apart, the
    first ending ``-cut`` bytes before the end of the response head. With
    ``redirect_first``, the first request is answered with a 302 to that location."""
    server = RawServer()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        server.requests.append(head)
        if redirect_first is not None and len(server.requests) == 1:
            writer.write(
                f"HTTP/1.1 302 Found\r\nLocation: {redirect_first}\r\n"
                "Content-Length: 0\r\n\r\n".encode()
            )
            await writer.drain()
            writer.close()
            return
        found = re.search(rb"(?i)sec-websocket-key: *(\S+)", head)
        assert found is not None
        accept = base64.b64encode(hashlib.sha1(found.group(1) + _GUID).digest())
        response = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        if cut:
            writer.write(response[:cut])
            await writer.drain()
            await asyncio.sleep(0.02)
            writer.write(response[cut:] + after_handshake)
        else:
            writer.write(response + after_handshake)
        server.writer = writer
        while chunk := await reader.read(65536):
            server.received += chunk
        server.got_eof.set()
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"ws://127.0.0.1:{port}/v1/realtime"
    try:
        yield server
    finally:
        listener.close()


Outcome = tuple[list[str], str | None, int | None]


async def read_outcome(transport: WebSocketTransport) -> Outcome:
    frames: list[str] = []
    try:
        async for received in transport:
            frames.append(received)
    except TransportError as exc:
        return frames, type(exc).__name__, exc.code
    return frames, None, None


async def run_stream(
    chunks: Sequence[bytes], *, max_size: int = 2**20, prefix: bytes = b"", cut: int = 0
) -> tuple[Outcome, list[tuple[int, bytes]]]:
    """Hand ``chunks`` to a fresh connection as received data (through the protocol's
    ``data_received``, in exactly those pieces), then end the server's side of TCP; return
    what the application saw and what the client sent back (PONGs; its close frame shows
    in the outcome)."""
    options = TransportOptions(max_size=max_size, compression=None, close_timeout=2)
    async with raw_server(prefix, cut) as server:
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(server.url, options=options)
            connection = transport._connection
            for chunk in chunks:
                connection.data_received(chunk)
            await asyncio.sleep(0)
            server.close_tcp()
            outcome = await read_outcome(transport)
            await transport.close()
            await server.got_eof.wait()
        answers = [(op, payload) for op, payload in server.frames_from_client() if op != CLOSE]
        return outcome, answers


def chunkings(stream: bytes) -> list[list[bytes]]:
    """The stream whole, byte by byte, in 7-byte pieces, and in two random cuttings."""
    ways = [[stream], [stream[i : i + 1] for i in range(len(stream))]]
    ways.append([stream[i : i + 7] for i in range(0, len(stream), 7)])
    rng = random.Random(len(stream))
    for _ in range(2):
        cuts = sorted(rng.sample(range(1, len(stream)), min(5, len(stream) - 1)))
        ways.append([stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)])
    return ways


LONG = "é" * 40_000  # 80,000 bytes: the 8-byte length form
CASES: dict[str, tuple[bytes, Outcome]] = {
    "every length form": (
        b"".join(text(s) for s in ["", "a", "b" * 125, "c" * 126, "d" * 65535, LONG]),
        (["", "a", "b" * 125, "c" * 126, "d" * 65535, LONG], "ConnectionLostError", 1006),
    ),
    "binary frames are skipped": (
        text("one") + frame(BINARY, b"\x00\xff") + text("two"),
        (["one", "two"], "ConnectionLostError", 1006),
    ),
    "fragments with a ping inside, UTF-8 cut between fragments": (
        frame(TEXT, b"hel", fin=False)
        + frame(PING, b"hi")
        + frame(CONT, b"lo w\xc3", fin=False)  # the first byte of "\u00f6" ...
        + frame(CONT, b"\xb6rld")  # ... and its second
        + text("after"),
        (["hello w\u00f6rld", "after"], "ConnectionLostError", 1006),
    ),
    "fragmented binary is skipped": (
        frame(BINARY, b"ab", fin=False) + frame(CONT, b"cd") + text("x"),
        (["x"], "ConnectionLostError", 1006),
    ),
    "clean close; later frames are dropped": (
        text("a") + close_frame(1000) + text("dropped"),
        (["a"], None, None),
    ),
    "close 4000 is an invalid request": (
        text("a") + close_frame(4000, "invalid_request_error"),
        (["a"], "InvalidRequestError", 4000),
    ),
    "masked frame": (
        text("a") + text("b", mask=True) + text("c"),
        (["a"], "ConnectionLostError", 1002),
    ),
    "reserved opcode": (
        text("a") + frame(0x3, b"x") + text("c"),
        (["a"], "ConnectionLostError", 1002),
    ),
    "reserved bit without an extension": (
        text("a") + frame(TEXT, b"x", rsv=4) + text("c"),
        (["a"], "ConnectionLostError", 1002),
    ),
    "continuation without a message": (
        text("a") + frame(CONT, b"x") + text("c"),
        (["a"], "ConnectionLostError", 1002),
    ),
    "new message inside a fragmented one": (
        text("a") + frame(TEXT, b"x", fin=False) + text("y") + text("c"),
        (["a"], "ConnectionLostError", 1002),
    ),
    "invalid UTF-8": (
        text("a") + frame(TEXT, b"\xff\xfe") + text("c"),
        (["a"], "ConnectionLostError", 1007),
    ),
    "invalid UTF-8 across fragments": (
        text("a") + frame(TEXT, b"\xc3", fin=False) + frame(CONT, b"(") + text("c"),
        (["a"], "ConnectionLostError", 1007),
    ),
    "control frame too long": (
        text("a") + frame(PING, b"x" * 126) + text("c"),
        (["a"], "ConnectionLostError", 1002),
    ),
    "control frame announcing a terabyte": (
        text("a") + bytes([0x80 | PING, 127]) + (2**40).to_bytes(8, "big"),
        (["a"], "MessageTooBigError", 1009),
    ),
    "fragmented control frame": (
        text("a") + frame(PING, b"x", fin=False) + text("c"),
        (["a"], "ConnectionLostError", 1002),
    ),
    "message over max_size": (
        text("a") + text("b" * 1025) + text("c"),
        (["a"], "MessageTooBigError", 1009),
    ),
    "fragmented message over max_size": (
        text("a") + frame(TEXT, b"b" * 600, fin=False) + frame(CONT, b"b" * 600) + text("c"),
        (["a"], "MessageTooBigError", 1009),
    ),
    "truncated frame at the end": (
        text("a") + text("bcdef")[:-2],
        (["a"], "ConnectionLostError", 1006),
    ),
}
PING_CASE = "fragments with a ping inside, UTF-8 cut between fragments"


@pytest.mark.parametrize("name", list(CASES))
async def test_every_stream_gives_its_outcome_in_any_chunking(name: str) -> None:
    stream, expected = CASES[name]
    pongs = [(PONG, b"hi")] if name == PING_CASE else []
    max_size = 1024 if "max_size" in name else 2**20
    for chunks in chunkings(stream):
        outcome, answers = await run_stream(chunks, max_size=max_size)
        assert outcome == expected, [len(c) for c in chunks]
        assert answers == pongs


@pytest.mark.parametrize("cut", [0, -1, -2, -4, -20])
async def test_frames_in_the_read_that_ends_the_handshake_are_received(cut: int) -> None:
    prefix = text("first") + frame(PING, b"p") + text("second")
    outcome, answers = await run_stream([], prefix=prefix, cut=cut)
    assert outcome == (["first", "second"], "ConnectionLostError", 1006)
    assert answers == [(PONG, b"p")]


@given(
    messages=st.lists(st.text(max_size=300), max_size=12),
    pieces=st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=40),
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_cutting_of_any_text_stream(messages: list[str], pieces: list[int]) -> None:
    stream = b"".join(text(m) for m in messages)
    chunks, pos, i = [], 0, 0
    while pos < len(stream):
        step = pieces[i % len(pieces)]
        chunks.append(stream[pos : pos + step])
        pos, i = pos + step, i + 1
    outcome, _ = asyncio.run(run_stream(chunks))
    assert outcome == (messages, "ConnectionLostError", 1006)


# ---- flow control and closing ---------------------------------------------------------------


async def test_a_full_queue_stops_reading_the_socket_until_drained() -> None:
    options = TransportOptions(max_queue=4, compression=None, close_timeout=1)
    async with raw_server() as server:
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(server.url, options=options)
            connection = transport._connection
            socket = connection.transport
            assert socket is not None
            connection.data_received(b"".join(text(str(i)) for i in range(10)))
            assert not socket.is_reading()
            assert [await transport.receive() for _ in range(8)] == [str(i) for i in range(8)]
            assert not socket.is_reading()
            assert await transport.receive() == "8"  # down to max_queue // 4: reading resumes
            assert socket.is_reading()
            server.close_tcp()
            await transport.close()


async def test_closing_with_unread_frames_completes_the_handshake() -> None:
    """The client stopped reading a flood (its queue is full, the socket paused): closing drops
    what is unread, so the server's close frame is read and the handshake completes cleanly,
    however long ``close_timeout`` is."""
    flooding = asyncio.Event()

    async def flood(ws: ServerConnection) -> None:
        for i in range(500):
            await ws.send(f"frame {i} " + "x" * 100)
            if i == 100:
                flooding.set()
        await ws.wait_closed()

    options = TransportOptions(max_queue=16, close_timeout=60, compression=None)
    async with serve(flood, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(
                f"ws://127.0.0.1:{port}/v1/realtime", options=options
            )
            await flooding.wait()
            await transport.close()
    assert transport.close_code == 1000  # not 1006: the TCP connection was not dropped
    assert [frame async for frame in transport] == []


async def test_a_connection_the_client_failed_refuses_every_later_send() -> None:
    async with raw_server() as server:
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(
                server.url, options=TransportOptions(compression=None, close_timeout=0.5)
            )
            server.write(text("a") + frame(TEXT, b"\xff"))  # invalid UTF-8: the client fails it
            outcome = await read_outcome(transport)
            for _ in range(2):
                with pytest.raises(TransportClosedError) as info:
                    await transport.send('{"type":"response.create"}')
                assert info.value.code == 1007
            await transport.close()
    assert outcome == (["a"], "ConnectionLostError", 1007)
    assert (CLOSE, (1007).to_bytes(2, "big") + b"invalid start byte at position 0") in (
        server.frames_from_client()
    )


# ---- keepalive ------------------------------------------------------------------------------


async def test_keepalive_pings_answered_among_text_frames_keep_the_connection() -> None:
    async def handler(ws: ServerConnection) -> None:
        for i in range(30):
            await ws.send(f"frame {i}")
            await asyncio.sleep(0.03)
        await ws.close(1000)

    # Pings every 20 ms for 0.9 s: a lost PONG would fail the connection after 0.5 s.
    options = TransportOptions(ping_interval=0.02, ping_timeout=0.5, compression=None)
    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        with anyio.fail_after(10):
            async with await WebSocketTransport.connect(
                f"ws://127.0.0.1:{port}/v1/realtime", options=options
            ) as transport:
                frames = [f async for f in transport]
    assert frames == [f"frame {i}" for i in range(30)]


async def test_an_unanswered_keepalive_ends_with_1011() -> None:
    options = TransportOptions(
        ping_interval=0.02, ping_timeout=0.05, close_timeout=0.1, compression=None
    )
    async with raw_server(text("hello")) as server:  # reads PINGs and never answers them
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(server.url, options=options)
            outcome = await read_outcome(transport)
            await transport.close()
    assert outcome == (["hello"], "ConnectionLostError", 1011)
    pings = [op for op, _ in server.frames_from_client() if op == PING]
    assert len(pings) == 1  # one PING in flight at a time
    assert transport.close_reason == "keepalive ping timeout"


# ---- sending, compression -------------------------------------------------------------------


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_large_fragmented_and_batched_messages_both_ways(compression: str | None) -> None:
    big = "x" * 300_000  # many TCP reads for one frame
    received: list[str | bytes] = []
    offered: list[str | None] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.response is not None
        offered.append(ws.response.headers.get("Sec-WebSocket-Extensions"))
        await ws.send("one")
        await ws.send(["fr", "ag", "ment\u00e9"])  # a fragmented message
        await ws.send(big)
        async for message in ws:
            received.append(message)
            if message == "last":
                await ws.close(1000)

    async with serve(handler, "127.0.0.1", 0, compression=compression) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        with anyio.fail_after(10):
            async with await WebSocketTransport.connect(
                f"ws://127.0.0.1:{port}/v1/realtime",
                options=TransportOptions(compression="deflate"),
            ) as transport:
                frames = [await transport.receive() for _ in range(3)]
                await transport.send_batch([f"message {i} " + "y" * 2000 for i in range(5)])
                await transport.send("last")
                assert [f async for f in transport] == []
    assert frames == ["one", "fragment\u00e9", big]
    assert received == [*(f"message {i} " + "y" * 2000 for i in range(5)), "last"]
    assert (offered[0] or "").startswith("permessage-deflate") == (compression == "deflate")


# ---- redirects -------------------------------------------------------------------------------


@asynccontextmanager
async def redirecting_server(location: str, status: int = 302) -> AsyncIterator[RawServer]:
    """A server that answers every upgrade with a redirect to ``location``."""
    server = RawServer()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(
            f"HTTP/1.1 {status} Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"ws://127.0.0.1:{port}/v1/realtime?model=m"
    try:
        yield server
    finally:
        listener.close()


async def test_a_redirect_to_another_origin_drops_every_credential_header() -> None:
    headers = {"Authorization": "Bearer sk-secret-1", "api-key": "k-123456", "OpenAI-Project": "p"}
    headers["X-Gateway-Credential"] = "gw-7f3a9c21"  # a name no rule guesses is a credential
    async with raw_server(close_frame(1000)) as target, redirecting_server(target.url) as hop:
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(
                hop.url, headers=headers, options=TransportOptions(close_timeout=1)
            )
            await transport.close()
    first, final = hop.requests[0].decode(), target.requests[0].decode()
    assert "Authorization: Bearer sk-secret-1" in first
    assert "api-key: k-123456" in first
    assert "sk-secret-1" not in final
    assert "k-123456" not in final
    assert "gw-7f3a9c21" in first
    assert "gw-7f3a9c21" not in final
    assert "OpenAI-Project: p" in final
    assert final.startswith("GET /v1/realtime HTTP/1.1")


async def test_a_same_origin_redirect_keeps_the_credentials() -> None:
    async with raw_server(close_frame(1000), redirect_first="/moved?x=1") as server:
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(
                server.url,
                headers={"Authorization": "Bearer sk-secret-1"},
                options=TransportOptions(close_timeout=1),
            )
            await transport.close()
    first, final = server.requests
    assert first.startswith(b"GET /v1/realtime HTTP/1.1")
    assert final.startswith(b"GET /moved?x=1 HTTP/1.1")
    assert b"Authorization: Bearer sk-secret-1" in final


async def test_endless_redirects_are_a_connection_error() -> None:
    async with redirecting_server("/v1/realtime?model=m") as hop:
        with anyio.fail_after(10), pytest.raises(ConnectionLostError, match="redirects"):
            await WebSocketTransport.connect(hop.url)
    assert len(hop.requests) == MAX_REDIRECTS + 1


# ---- a websockets release that does not fit ----------------------------------------------------


class ChangedProtocol(ClientProtocol):
    """A ``ClientProtocol`` as a future release might break it: the call rtvoice makes fails."""

    def events_received(self) -> list[object]:  # type: ignore[override]
        raise AttributeError("'ClientProtocol' object has no attribute 'max_size'")


async def test_a_failure_inside_websockets_names_the_release_instead_of_a_lost_connection() -> None:
    async with raw_server(text("hello")) as server:
        protocol = ChangedProtocol(parse_uri(server.url))
        protocol.send_request(protocol.connect())
        connection = WireConnection(
            protocol, max_queue=16, ping_interval=None, ping_timeout=None, close_timeout=1
        )
        loop = asyncio.get_running_loop()
        port = int(server.url.split(":")[2].split("/")[0])
        with anyio.fail_after(10):
            await loop.create_connection(lambda: connection, "127.0.0.1", port)
            transport = WebSocketTransport(connection, url=server.url)
            with pytest.raises(ConnectionLostError) as info:
                await transport.receive()
            await transport.close()
    message = str(info.value)
    assert f"websockets {installed_websockets()}" in message
    assert "AttributeError" in message
    assert "max_size" in message


# ---- hostile upgrades -----------------------------------------------------------------------


@asynccontextmanager
async def answering_server(answer: bytes) -> AsyncIterator[str]:
    """A server that answers the upgrade request with ``answer`` and closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{listener.sockets[0].getsockname()[1]}/v1/realtime"
    finally:
        listener.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"",  # closes at once
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n",  # cut in the head
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",  # not HTTP
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBvbmU=\r\n\r\n",  # a wrong accept key
    ],
    ids=["closed", "cut", "not-http", "wrong-accept"],
)
async def test_a_broken_upgrade_is_a_connection_error_naming_the_url(answer: bytes) -> None:
    async with answering_server(answer) as url:
        with anyio.fail_after(10), pytest.raises(ConnectionLostError) as info:
            await WebSocketTransport.connect(url + "?api-key=sk-secret-123")
    assert "127.0.0.1" in str(info.value)
    assert "sk-secret-123" not in str(info.value)
    assert info.value.code is None
