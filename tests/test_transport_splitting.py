"""The splitting receive path of WebSocketTransport, against websockets' own on the same bytes.

A raw server on 127.0.0.1 completes the opening handshake (offering no extension) and then
stays quiet; each test hands the client connection a crafted byte stream through its
``data_received`` (asyncio's own entry point for received bytes) in chunks of several sizes,
then closes the TCP connection. What the application sees through the transport (the frames,
then how iteration ended) must be the same with :class:`SplittingConnection` as with
websockets' ``ClientConnection``, and what the test expects.
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
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.version import version as websockets_version

from rtvoice.errors import TransportClosedError, TransportError
from rtvoice.transport import TransportOptions, WebSocketTransport
from rtvoice.transport._splitting import SplittingConnection

pytestmark = pytest.mark.anyio

WEBSOCKETS_MAJOR = int(websockets_version.split(".")[0])
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
    got_eof: asyncio.Event = field(default_factory=asyncio.Event)

    def close_tcp(self) -> None:
        """End the server's side of the TCP stream (reading on, to see all the client sent)."""
        assert self.writer is not None
        self.writer.write_eof()


@asynccontextmanager
async def raw_server(after_handshake: bytes = b"", cut: int = 0) -> AsyncIterator[RawServer]:
    """A server that answers the upgrade (and writes ``after_handshake`` in the same write).

    With ``cut`` < 0, the response and what follows go out in two writes 20 ms apart, the
    first ending ``-cut`` bytes before the end of the response head."""
    server = RawServer()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
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


async def run_stream(
    chunks: Sequence[bytes],
    *,
    splitting: bool,
    max_size: int = 2**20,
    prefix: bytes = b"",
    cut: int = 0,
) -> tuple[Outcome, list[tuple[int, bytes]]]:
    """Feed ``chunks`` to a fresh connection; return what the application saw and what the
    client sent back (PONGs, close frames)."""
    factory = SplittingConnection if splitting else ClientConnection
    async with raw_server(prefix, cut) as server:
        connection = await connect(
            server.url, create_connection=factory, max_size=max_size, compression=None
        )
        assert type(connection) is factory
        transport = WebSocketTransport(connection, url=server.url)
        for chunk in chunks:
            connection.data_received(chunk)
        await asyncio.sleep(0)
        server.close_tcp()
        frames: list[str] = []
        error: TransportError | None = None
        with anyio.fail_after(5):
            try:
                async for received in transport:
                    frames.append(received)
            except TransportError as exc:
                error = exc
            await transport.close()
            await server.got_eof.wait()
        sent = client_frames(bytes(server.received))
        # The client's own close frame (if any) is part of the outcome through ``error``.
        answers = [(op, payload) for op, payload in sent if op != CLOSE]
        if error is None:
            return (frames, None, None), answers
        return (frames, type(error).__name__, error.code), answers


def chunkings(stream: bytes) -> list[list[bytes]]:
    """The stream whole, byte by byte, in 7-byte pieces, and in three random cuttings."""
    ways = [[stream], [stream[i : i + 1] for i in range(len(stream))]]
    ways.append([stream[i : i + 7] for i in range(0, len(stream), 7)])
    rng = random.Random(len(stream))
    for _ in range(3):
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
async def test_same_outcome_as_websockets_in_any_chunking(name: str) -> None:
    stream, expected = CASES[name]
    pongs = [(PONG, b"hi")] if name == PING_CASE else []
    max_size = 1024 if "max_size" in name else 2**20
    # websockets 13's recv lets a UnicodeDecodeError escape: nothing to compare with there.
    if WEBSOCKETS_MAJOR >= 14 or "UTF-8" not in name:
        reference, _ = await run_stream([stream], splitting=False, max_size=max_size)
        assert reference == expected
    for chunks in chunkings(stream):
        outcome, answers = await run_stream(chunks, splitting=True, max_size=max_size)
        assert outcome == expected, [len(c) for c in chunks]
        assert answers == pongs


async def test_ping_inside_fragments_is_answered() -> None:
    stream = frame(TEXT, b"a", fin=False) + frame(PING, b"hi") + frame(CONT, b"b")
    outcome, answers = await run_stream(
        [stream[i : i + 1] for i in range(len(stream))], splitting=True
    )
    assert outcome[0] == ["ab"]
    assert answers == [(PONG, b"hi")]


@pytest.mark.parametrize("cut", [0, -1, -2, -3, -4, -20])
async def test_frames_written_with_the_handshake_response_are_split(cut: int) -> None:
    """The frames come in the read that ends the response head, wherever the reads split
    the head's closing CRLF CRLF."""
    prefix = text("first") + frame(PING, b"p") + text("second")
    outcome, answers = await run_stream([], splitting=True, prefix=prefix, cut=cut)
    assert outcome == (["first", "second"], "ConnectionLostError", 1006)
    assert answers == [(PONG, b"p")]


@given(
    messages=st.lists(st.text(max_size=300), max_size=12),
    pieces=st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=40),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_cutting_of_any_text_stream(messages: list[str], pieces: list[int]) -> None:
    stream = b"".join(text(m) for m in messages)
    chunks, pos, i = [], 0, 0
    while pos < len(stream):
        step = pieces[i % len(pieces)]
        chunks.append(stream[pos : pos + step])
        pos, i = pos + step, i + 1
    outcome, _ = asyncio.run(run_stream(chunks, splitting=True))
    assert outcome == (messages, "ConnectionLostError", 1006)


async def test_full_queue_stops_reading_until_drained() -> None:
    async with raw_server() as server:
        connection = await connect(
            server.url, create_connection=SplittingConnection, max_queue=4, compression=None
        )
        connection.data_received(b"".join(text(str(i)) for i in range(10)))
        assert not connection.transport.is_reading()  # type: ignore[attr-defined]
        taken = [connection.next_message() for _ in range(8)]
        assert taken == [str(i) for i in range(8)]
        assert not connection.transport.is_reading()  # type: ignore[attr-defined]
        assert connection.next_message() == "8"  # down to max_queue // 4: reading resumes
        assert connection.transport.is_reading()  # type: ignore[attr-defined]
        server.close_tcp()
        await connection.close()


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_real_server_fragments_large_messages_and_pings(compression: str | None) -> None:
    big = "x" * 300_000  # many TCP reads for one frame
    pong = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        await ws.send("one")
        await ws.send(["fr", "ag", "ment\u00e9"])  # a fragmented message
        waiter = await ws.ping(b"abc")
        await ws.send(big)
        await waiter
        pong.set()
        await ws.send("last")
        await ws.close(1000)

    async with serve(handler, "127.0.0.1", 0, compression=compression) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/v1/realtime"
        with anyio.fail_after(10):
            async with await WebSocketTransport.connect(
                url, options=TransportOptions(compression="deflate")
            ) as transport:
                assert type(transport._connection) is SplittingConnection  # connect() splits
                negotiated = transport._connection.protocol.extensions
                assert bool(negotiated) == (compression == "deflate")
                frames = [f async for f in transport]
    assert frames == ["one", "fragment\u00e9", big, "last"]
    assert pong.is_set()


async def test_keepalive_pongs_reach_websockets_through_the_splitting() -> None:
    """The client's own PINGs are answered by a real server; the PONGs arrive among text
    frames and must reach websockets' keepalive, or it would fail the connection (1011)."""

    async def handler(ws: ServerConnection) -> None:
        for i in range(30):
            await ws.send(f"frame {i}")
            await asyncio.sleep(0.03)
        await ws.close(1000)

    # Pings every 20 ms for 0.9 s: a lost PONG fails the connection after 0.5 s.
    options = TransportOptions(ping_interval=0.02, ping_timeout=0.5, compression=None)
    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        with anyio.fail_after(10):
            async with await WebSocketTransport.connect(
                f"ws://127.0.0.1:{port}/v1/realtime", options=options
            ) as transport:
                frames = [f async for f in transport]
    assert frames == [f"frame {i}" for i in range(30)]


async def test_unanswered_keepalive_ends_with_1011() -> None:
    """A server that never answers PINGs (the raw server reads and ignores them)."""
    frames: list[str] = []

    async def read_all(transport: WebSocketTransport) -> None:
        async for received in transport:
            frames.append(received)

    options = TransportOptions(
        ping_interval=0.02, ping_timeout=0.05, close_timeout=0.1, compression=None
    )
    async with raw_server(text("hello")) as server:
        with anyio.fail_after(10):
            transport = await WebSocketTransport.connect(server.url, options=options)
            with pytest.raises(TransportError) as info:
                await read_all(transport)
            await transport.close()
    assert frames == ["hello"]
    assert info.value.code == 1011


# ---- sending ----------------------------------------------------------------------------------


def record_writes(connection: SplittingConnection) -> list[bytes]:
    """What the connection writes to its socket, write by write (the writes still happen)."""
    writes: list[bytes] = []
    write = connection.transport.write

    def recording(data: bytes | bytearray | memoryview) -> None:
        writes.append(bytes(data))
        write(data)

    connection.transport.write = recording  # type: ignore[method-assign]
    return writes


async def test_a_batch_of_frames_goes_out_in_one_write_in_order() -> None:
    async with raw_server() as server:
        with anyio.fail_after(5):
            transport = await WebSocketTransport.connect(
                server.url, options=TransportOptions(compression=None)
            )
            connection = transport._connection
            assert isinstance(connection, SplittingConnection)
            writes = record_writes(connection)
            await transport.send_batch(['{"type":"a"}', '{"type":"b"}', "caf\u00e9"])
            assert [client_frames(w) for w in writes] == [
                [(TEXT, b'{"type":"a"}'), (TEXT, b'{"type":"b"}'), (TEXT, "caf\u00e9".encode())]
            ]
            await transport.send("one")
            await transport.send("two")
            assert len(writes) == 3  # one write per frame sent on its own
            server.close_tcp()  # the raw server never answers a close frame
            await transport.close()
            await server.got_eof.wait()
    sent = [payload for op, payload in client_frames(bytes(server.received)) if op == TEXT]
    assert sent == [b'{"type":"a"}', b'{"type":"b"}', "caf\u00e9".encode(), b"one", b"two"]


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_a_real_server_receives_a_batch_whole_and_in_order(compression: str | None) -> None:
    received: list[str | bytes] = []

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            received.append(message)

    async with serve(handler, "127.0.0.1", 0, compression=compression) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        with anyio.fail_after(10):
            async with await WebSocketTransport.connect(
                f"ws://127.0.0.1:{port}/v1/realtime",
                options=TransportOptions(compression=compression),  # type: ignore[arg-type]
            ) as transport:
                await transport.send_batch([f"message {i} " + "x" * 2000 for i in range(5)])
                await transport.send("after")
    assert received == [*(f"message {i} " + "x" * 2000 for i in range(5)), "after"]


async def test_a_batch_waits_for_a_fragmented_message_being_sent() -> None:
    """websockets refuses a new message inside a fragmented one: the batch goes after it."""
    received: list[str | bytes] = []

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            received.append(message)

    release = asyncio.Event()

    async def fragments() -> AsyncIterator[str]:
        yield "frag"
        await release.wait()
        yield "ment"

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        with anyio.fail_after(10):
            async with await WebSocketTransport.connect(
                f"ws://127.0.0.1:{port}/v1/realtime",
                options=TransportOptions(compression=None),
            ) as transport:
                connection = transport._connection
                async with anyio.create_task_group() as tg:
                    tg.start_soon(connection.send, fragments())
                    await anyio.wait_all_tasks_blocked()
                    tg.start_soon(transport.send_batch, ["a", "b"])
                    await anyio.wait_all_tasks_blocked()
                    release.set()
    assert received == ["fragment", "a", "b"]


async def test_a_batch_on_a_closed_connection_raises_the_transport_error() -> None:
    async with raw_server() as server:
        with anyio.fail_after(5):
            transport = await WebSocketTransport.connect(
                server.url, options=TransportOptions(compression=None, close_timeout=0.1)
            )
            await transport.close()
            with pytest.raises(TransportClosedError):
                await transport.send_batch(["a", "b"])
