"""The in-memory transport pair, and the close-code mapping both transports share."""

from __future__ import annotations

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rtvoice.transport
from rtvoice.errors import (
    AuthenticationError,
    ConnectionLostError,
    InvalidRequestError,
    MessageTooBigError,
    TransportClosedError,
    TransportError,
    UserError,
)
from rtvoice.transport import MemoryTransport, Transport, memory_transport_pair
from rtvoice.transport._base import error_for_close

pytestmark = pytest.mark.anyio

ABNORMAL_CLOSES: list[tuple[int, str, type[TransportError]]] = [
    (3000, "invalid_request_error.invalid_api_key", AuthenticationError),
    (4000, "invalid_request_error.invalid_model", InvalidRequestError),
    (1009, "frame too big", MessageTooBigError),
    (1006, "", ConnectionLostError),
    (1011, "keepalive ping timeout", ConnectionLostError),
    (4001, "custom", ConnectionLostError),
]


async def collect(transport: MemoryTransport) -> list[str]:
    return [frame async for frame in transport]


async def drain_into(transport: MemoryTransport, frames: list[str]) -> None:
    """Append every received frame to ``frames``, so frames survive a raised close."""
    async for frame in transport:
        frames.append(frame)


# -- the shared mapping (sans-IO) -----------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1001, 1005])
def test_clean_codes_map_to_no_error(code: int) -> None:
    assert error_for_close(code, "bye") is None


@pytest.mark.parametrize(("code", "reason", "expected"), ABNORMAL_CLOSES)
def test_abnormal_codes_map_to_typed_errors(
    code: int, reason: str, expected: type[TransportError]
) -> None:
    error = error_for_close(code, reason)
    assert type(error) is expected
    assert error is not None
    assert (error.code, error.reason) == (code, reason)
    assert f"close code {code}" in str(error)
    assert repr(reason) in str(error)


def test_package_all_is_sorted_and_resolves() -> None:
    names = list(rtvoice.transport.__all__)
    assert names == sorted(names)
    for name in names:
        assert hasattr(rtvoice.transport, name), name


# -- frames ----------------------------------------------------------------------------------


async def test_frames_flow_both_ways_in_order() -> None:
    client, server = memory_transport_pair()
    assert isinstance(client, Transport)
    assert isinstance(server, Transport)
    with anyio.fail_after(5):
        async with client, server:
            await client.send("c1")
            await client.send("c2")
            await server.send("s1")
            assert [await server.receive(), await server.receive()] == ["c1", "c2"]
            assert await client.receive() == "s1"


async def test_concurrent_senders_and_one_reader_keep_per_sender_order() -> None:
    client, server = memory_transport_pair(max_buffer=2)
    received: list[str] = []

    async def sender(name: str) -> None:
        for i in range(50):
            await client.send(f"{name}:{i}")

    async def reader() -> None:
        for _ in range(200):
            received.append(await server.receive())

    with anyio.fail_after(5):
        async with client, server, anyio.create_task_group() as tg:
            tg.start_soon(reader)
            for name in "abcd":
                tg.start_soon(sender, name)

    assert len(received) == 200
    for name in "abcd":
        assert [f for f in received if f.startswith(name)] == [f"{name}:{i}" for i in range(50)]


async def test_full_buffer_makes_send_wait() -> None:
    client, server = memory_transport_pair(max_buffer=2)
    sent: list[int] = []

    async def send_five() -> None:
        for i in range(5):
            await client.send(str(i))
            sent.append(i)

    with anyio.fail_after(5):
        async with client, server, anyio.create_task_group() as tg:
            tg.start_soon(send_five)
            await anyio.wait_all_tasks_blocked()
            assert sent == [0, 1]  # the third send waits for the reader
            assert [await server.receive() for _ in range(5)] == ["0", "1", "2", "3", "4"]
    assert sent == [0, 1, 2, 3, 4]


async def test_zero_buffer_is_a_rendezvous() -> None:
    client, server = memory_transport_pair(max_buffer=0)
    with anyio.fail_after(5):
        async with client, server, anyio.create_task_group() as tg:
            tg.start_soon(client.send, "hi")
            assert await server.receive() == "hi"


async def test_send_rejects_bytes() -> None:
    client, server = memory_transport_pair()
    async with client, server:
        with pytest.raises(TypeError):
            await client.send(b"{}")  # type: ignore[arg-type]


def test_negative_buffer_is_a_user_error() -> None:
    with pytest.raises(UserError):
        memory_transport_pair(max_buffer=-1)


# -- how the connection ends -----------------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1001])
async def test_clean_close_delivers_pending_frames_then_ends_iteration(code: int) -> None:
    client, server = memory_transport_pair()
    with anyio.fail_after(5):
        await server.send("one")
        await server.send("two")
        await server.close(code, "bye")
        assert await collect(client) == ["one", "two"]
        for end in (client, server):
            assert (end.close_code, end.close_reason) == (code, "bye")
        with pytest.raises(TransportClosedError):
            await client.receive()
        await client.close()


@pytest.mark.parametrize(("code", "reason", "expected"), ABNORMAL_CLOSES)
async def test_abnormal_close_raises_mapped_error_after_pending_frames(
    code: int, reason: str, expected: type[TransportError]
) -> None:
    client, server = memory_transport_pair()
    frames: list[str] = []
    with anyio.fail_after(5):
        await server.send('{"type":"error"}')
        await server.close(code, reason)
        with pytest.raises(TransportError) as info:
            await drain_into(client, frames)
        with pytest.raises(expected):  # reported again on every later receive
            await client.receive()
        await client.close()
        with pytest.raises(expected):  # closing after the peer does not hide the cause
            await client.receive()

    assert frames == ['{"type":"error"}']
    assert type(info.value) is expected
    assert (info.value.code, info.value.reason) == (code, reason)
    assert str(code) in str(info.value)
    assert (client.close_code, client.close_reason) == (code, reason)


async def test_local_close_ends_own_iteration_and_discards_unread_frames() -> None:
    client, server = memory_transport_pair()
    with anyio.fail_after(5):
        await server.send("unread")
        await client.close(4000, "client gave up")
        assert await collect(client) == []
        with pytest.raises(TransportClosedError) as info:
            await client.receive()
        assert (info.value.code, info.value.reason) == (4000, "client gave up")
        with pytest.raises(InvalidRequestError):
            await server.receive()
        await server.close()


async def test_send_after_close_raises_transport_closed_on_both_ends() -> None:
    client, server = memory_transport_pair()
    await server.close(3000, "invalid_request_error")
    for end in (server, client):
        with pytest.raises(TransportClosedError) as info:
            await end.send("{}")
        assert (info.value.code, info.value.reason) == (3000, "invalid_request_error")
        assert "3000" in str(info.value)
    await client.close()


async def test_close_is_idempotent_and_first_close_wins() -> None:
    client, server = memory_transport_pair()
    await client.close(1000, "first")
    await client.close(4000, "second")
    await server.close(3000, "third")
    await server.close()
    for end in (client, server):
        assert (end.close_code, end.close_reason) == (1000, "first")
    assert "closed code=1000" in repr(client)


async def test_close_code_is_checked() -> None:
    client, server = memory_transport_pair()
    with pytest.raises(UserError):
        await client.close(999)
    with pytest.raises(UserError):
        await client.close(1000, "é" * 62)  # 124 bytes
    assert client.close_code is None
    await client.close(1006)  # allowed in memory: simulates a lost connection
    with pytest.raises(ConnectionLostError):
        await server.receive()
    await server.close()


# -- close racing with waiting tasks ---------------------------------------------------------


async def send_many(transport: MemoryTransport, count: int) -> None:
    for i in range(count):
        await transport.send(str(i))


@pytest.mark.parametrize("closer", ["peer", "self"])
async def test_close_wakes_a_send_blocked_on_a_full_buffer(closer: str) -> None:
    client, server = memory_transport_pair(max_buffer=1)
    errors: list[TransportClosedError] = []

    async def fill() -> None:
        with pytest.raises(TransportClosedError) as info:
            await send_many(client, 10)
        errors.append(info.value)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(fill)
            await anyio.wait_all_tasks_blocked()
            await (server if closer == "peer" else client).close(1001, "going away")
        await client.close()
        await server.close()

    assert [(e.code, e.reason) for e in errors] == [(1001, "going away")]


@pytest.mark.parametrize(
    ("closer", "code", "expected"),
    [
        ("self", 4000, None),
        ("peer", 1000, None),
        ("peer", 3000, AuthenticationError),
    ],
)
async def test_close_wakes_a_waiting_reader(
    closer: str, code: int, expected: type[TransportError] | None
) -> None:
    client, server = memory_transport_pair()
    outcome: list[object] = []

    async def read() -> None:
        try:
            outcome.append(await collect(client))
        except TransportError as exc:
            outcome.append(type(exc))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(read)
            await anyio.wait_all_tasks_blocked()
            await (client if closer == "self" else server).close(code)
        await client.close()
        await server.close()

    assert outcome == [[] if expected is None else expected]


async def test_close_in_a_cancelled_scope_still_closes() -> None:
    client, server = memory_transport_pair()
    with anyio.fail_after(5):
        with anyio.CancelScope() as scope:
            scope.cancel()
            await client.close(4000, "cancelled")
            reached_end_of_close = True
        assert reached_end_of_close
        assert not scope.cancelled_caught
        with pytest.raises(InvalidRequestError):
            await server.receive()
        await server.close()


# -- property --------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    frames=st.lists(st.text(max_size=20), max_size=20),
    code=st.sampled_from([1000, 1001, 1005, 1006, 1009, 1011, 3000, 4000, 4999]),
    reason=st.text(max_size=30),  # at most 120 UTF-8 bytes: always a valid close reason
    max_buffer=st.integers(min_value=0, max_value=4),
)
def test_peer_sees_every_frame_in_order_then_the_mapped_close(
    frames: list[str], code: int, reason: str, max_buffer: int
) -> None:
    expected_error = error_for_close(code, reason)

    async def scenario() -> None:
        client, server = memory_transport_pair(max_buffer=max_buffer)
        received: list[str] = []
        caught: list[TransportError] = []

        async def read() -> None:
            try:
                async for frame in client:
                    received.append(frame)
            except TransportError as exc:
                caught.append(exc)

        async def write() -> None:
            for frame in frames:
                await server.send(frame)
            await server.close(code, reason)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(read)
                tg.start_soon(write)
        await client.close()

        assert received == frames
        if expected_error is None:
            assert caught == []
        else:
            assert [(type(e), e.code, e.reason) for e in caught] == [
                (type(expected_error), code, reason)
            ]

    anyio.run(scenario)
