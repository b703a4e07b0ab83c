"""WebSocketTransport against a real websockets server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from http import HTTPStatus

import anyio
import pytest
from websockets.asyncio.server import Response, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request

from rtvoice.errors import (
    AuthenticationError,
    ConnectionLostError,
    ConnectTimeoutError,
    InvalidRequestError,
    MessageTooBigError,
    TransportClosedError,
    TransportError,
    UserError,
)
from rtvoice.transport import (
    DEFAULT_MAX_SIZE,
    Transport,
    TransportOptions,
    WebSocketTransport,
    redact_url,
)

pytestmark = pytest.mark.anyio

SECRET = "sk-test-0123456789abcdef"
Handler = Callable[[ServerConnection], Awaitable[None]]
ProcessRequest = Callable[[ServerConnection, Request], Response | None]


@asynccontextmanager
async def serve_ws(
    handler: Handler, *, process_request: ProcessRequest | None = None
) -> AsyncIterator[str]:
    """Run a websockets server on a free loopback port; yield its realtime-style URL."""
    async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/v1/realtime?model=gpt-realtime"


@contextmanager
def silent_tcp_listener() -> Iterator[int]:
    """A TCP port that completes the TCP handshake (kernel backlog) but never answers HTTP."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def hold_open(ws: ServerConnection) -> None:
    await ws.wait_closed()


async def collect(transport: WebSocketTransport) -> list[str]:
    return [frame async for frame in transport]


async def drain_into(transport: WebSocketTransport, frames: list[str]) -> None:
    """Append every received frame to ``frames``, so frames survive a raised close."""
    async for frame in transport:
        frames.append(frame)


# -- opening ---------------------------------------------------------------------------------


async def test_upgrade_carries_headers_and_default_user_agent() -> None:
    seen: list[Headers] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        seen.append(ws.request.headers)
        await ws.wait_closed()

    with anyio.fail_after(5):
        async with serve_ws(handler) as url:
            headers = {"Authorization": f"Bearer {SECRET}", "X-Custom": "value-1"}
            async with await WebSocketTransport.connect(url, headers=headers) as transport:
                assert isinstance(transport, Transport)
                assert transport.close_code is None

    (received,) = seen
    assert received["Authorization"] == f"Bearer {SECRET}"
    assert received["X-Custom"] == "value-1"
    assert received["User-Agent"].startswith("rtvoice/")
    assert "Sec-WebSocket-Extensions" not in received  # no compression unless asked for


async def test_deflate_is_offered_when_asked_for() -> None:
    offered: list[str | None] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        offered.append(ws.request.headers.get("Sec-WebSocket-Extensions"))
        await ws.send("compressed both ways")
        await ws.wait_closed()

    with anyio.fail_after(5):
        async with serve_ws(handler) as url:
            options = TransportOptions(compression="deflate")
            async with await WebSocketTransport.connect(url, options=options) as transport:
                assert await transport.receive() == "compressed both ways"
    assert (offered[0] or "").startswith("permessage-deflate")


async def test_user_agent_none_sends_no_user_agent() -> None:
    seen: list[Headers] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        seen.append(ws.request.headers)
        await ws.wait_closed()

    with anyio.fail_after(5):
        async with serve_ws(handler) as url:
            options = TransportOptions(user_agent=None)
            async with await WebSocketTransport.connect(url, options=options):
                pass

    assert "User-Agent" not in seen[0]


async def test_user_agent_header_wins_over_option() -> None:
    seen: list[Headers] = []

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        seen.append(ws.request.headers)
        await ws.wait_closed()

    with anyio.fail_after(5):
        async with serve_ws(handler) as url:
            headers = {"User-Agent": "OpenAI/Python 9.9"}
            async with await WebSocketTransport.connect(url, headers=headers):
                pass

    assert seen[0].get_all("User-Agent") == ["OpenAI/Python 9.9"]


async def test_environment_proxy_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    for name in ("http_proxy", "https_proxy", "all_proxy", "ws_proxy", "wss_proxy"):
        monkeypatch.setenv(name, dead_proxy)
        monkeypatch.setenv(name.upper(), dead_proxy)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)

    async def handler(ws: ServerConnection) -> None:
        await ws.send("hello")
        await ws.wait_closed()

    with anyio.fail_after(5):
        async with serve_ws(handler) as url, await WebSocketTransport.connect(url) as transport:
            assert await transport.receive() == "hello"


async def test_open_timeout_raises_connect_timeout() -> None:
    with silent_tcp_listener() as port, anyio.fail_after(5):
        options = TransportOptions(open_timeout=0.2)
        with pytest.raises(ConnectTimeoutError) as info:
            await WebSocketTransport.connect(f"ws://127.0.0.1:{port}/", options=options)
    assert info.value.code is None
    assert "0.2 s" in str(info.value)
    # asyncio.TimeoutError is TimeoutError from Python 3.11 on; websockets raises it on 3.10.
    assert isinstance(info.value.__cause__, (TimeoutError, asyncio.TimeoutError))


async def test_refused_connection_raises_connection_lost() -> None:
    with anyio.fail_after(5), pytest.raises(ConnectionLostError) as info:
        await WebSocketTransport.connect(f"ws://127.0.0.1:{closed_port()}/")
    assert not isinstance(info.value, MessageTooBigError)
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (HTTPStatus.UNAUTHORIZED, AuthenticationError),
        (HTTPStatus.FORBIDDEN, AuthenticationError),
        (HTTPStatus.BAD_REQUEST, InvalidRequestError),
        (HTTPStatus.NOT_FOUND, InvalidRequestError),
        (HTTPStatus.TOO_MANY_REQUESTS, ConnectionLostError),
        (HTTPStatus.INTERNAL_SERVER_ERROR, ConnectionLostError),
    ],
)
async def test_http_rejection_of_upgrade_is_typed(
    status: HTTPStatus, expected: type[TransportError]
) -> None:
    def reject(connection: ServerConnection, request: Request) -> Response:
        # A careless server that echoes the credential back: it must still be masked.
        return connection.respond(status, f"OperationNotSupported for key {SECRET}\n")

    with anyio.fail_after(5):
        async with serve_ws(hold_open, process_request=reject) as url:
            with pytest.raises(TransportError) as info:
                await WebSocketTransport.connect(url, headers={"api-key": SECRET})

    error = info.value
    assert type(error) is expected
    assert error.code is None
    assert error.reason.startswith(f"HTTP {status.value}: OperationNotSupported")
    assert f"HTTP {status.value}" in str(error)
    assert SECRET not in str(error)
    assert SECRET not in error.reason
    assert "***" in error.reason


async def test_invalid_url_is_a_user_error_without_secret() -> None:
    with pytest.raises(UserError) as info:
        await WebSocketTransport.connect(f"https://example.invalid/realtime?api-key={SECRET}")
    assert SECRET not in str(info.value)
    assert info.value.__cause__ is None


# -- frames ----------------------------------------------------------------------------------


async def test_text_frames_flow_both_ways_in_order() -> None:
    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(f"echo:{message!s}")

    frames = [f'{{"type":"input_audio_buffer.append","n":{i}}}' for i in range(100)]
    with anyio.fail_after(5):
        async with serve_ws(echo) as url, await WebSocketTransport.connect(url) as transport:
            for frame in frames:
                await transport.send(frame)
            received = [await transport.receive() for _ in frames]

    assert received == [f"echo:{frame}" for frame in frames]


async def test_binary_frame_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(b"\x00\x01\x02")
        await ws.send('{"type":"session.created"}')
        await ws.close()

    with anyio.fail_after(5):
        async with serve_ws(handler) as url, await WebSocketTransport.connect(url) as transport:
            with caplog.at_level(logging.WARNING, logger="rtvoice.transport"):
                frames = await collect(transport)

    assert frames == ['{"type":"session.created"}']
    assert transport.skipped_binary_frames == 1
    assert "3-byte binary frame" in caplog.text


async def test_send_rejects_bytes() -> None:
    with anyio.fail_after(5):
        async with serve_ws(hold_open) as url, await WebSocketTransport.connect(url) as transport:
            with pytest.raises(TypeError):
                await transport.send(b"{}")  # type: ignore[arg-type]


# -- how the connection ends -----------------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1001])
async def test_clean_server_close_ends_iteration(code: int) -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send("one")
        await ws.send("two")
        await ws.close(code, "bye")

    with anyio.fail_after(5):
        async with serve_ws(handler) as url, await WebSocketTransport.connect(url) as transport:
            frames = await collect(transport)
            assert frames == ["one", "two"]
            assert transport.close_code == code
            assert transport.close_reason == "bye"
            with pytest.raises(TransportClosedError):
                await transport.receive()


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        (3000, "invalid_request_error.invalid_api_key", AuthenticationError),
        (4000, "invalid_request_error.invalid_model", InvalidRequestError),
        (1011, "server error", ConnectionLostError),
    ],
)
async def test_abnormal_server_close_raises_mapped_error(
    code: int, reason: str, expected: type[TransportError]
) -> None:
    error_event = '{"type":"error","error":{"type":"invalid_request_error"}}'

    async def handler(ws: ServerConnection) -> None:
        await ws.send(error_event)  # PROTOCOL.md §1.2: the error event precedes the close
        await ws.close(code, reason)

    frames: list[str] = []
    with anyio.fail_after(5):
        async with serve_ws(handler) as url, await WebSocketTransport.connect(url) as transport:
            with pytest.raises(TransportError) as info:
                await drain_into(transport, frames)
            # Each later receive reports the same cause again.
            with pytest.raises(expected):
                await transport.receive()

    assert frames == [error_event]
    error = info.value
    assert type(error) is expected
    assert (error.code, error.reason) == (code, reason)
    assert str(code) in str(error)
    assert reason in str(error)
    assert transport.close_code == code
    assert transport.close_reason == reason


async def test_tcp_abort_raises_connection_lost_1006() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send("partial")
        ws.transport.abort()

    with anyio.fail_after(5):
        async with serve_ws(handler) as url, await WebSocketTransport.connect(url) as transport:
            assert await transport.receive() == "partial"
            with pytest.raises(ConnectionLostError) as info:
                await transport.receive()

    assert type(info.value) is ConnectionLostError
    assert info.value.code == 1006
    assert "1006" in str(info.value)
    assert transport.close_code == 1006


async def test_oversized_frame_raises_message_too_big() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send("small")
        await ws.send("x" * 2048)
        await ws.wait_closed()

    options = TransportOptions(max_size=1024)
    with anyio.fail_after(5):
        async with serve_ws(handler) as url:
            transport = await WebSocketTransport.connect(url, options=options)
            async with transport:
                assert await transport.receive() == "small"
                with pytest.raises(MessageTooBigError) as info:
                    await transport.receive()

    assert info.value.code == 1009
    assert "1009" in str(info.value)
    assert "1024" in info.value.reason


async def test_send_after_server_close_raises_transport_closed_with_code() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.close(3000, "invalid_request_error")

    with anyio.fail_after(5):
        async with serve_ws(handler) as url, await WebSocketTransport.connect(url) as transport:
            with pytest.raises(AuthenticationError):
                await transport.receive()
            with pytest.raises(TransportClosedError) as info:
                await transport.send("{}")

    assert (info.value.code, info.value.reason) == (3000, "invalid_request_error")


# -- closing from the client -----------------------------------------------------------------


async def test_close_twice_then_send_and_receive() -> None:
    server_saw: list[tuple[int | None, str | None]] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()
        server_saw.append((ws.protocol.close_code, ws.protocol.close_reason))

    with anyio.fail_after(5):
        async with serve_ws(handler) as url:
            transport = await WebSocketTransport.connect(url)
            await transport.close(4000, "client done")
            await transport.close()
            assert transport.close_code == 4000
            with pytest.raises(TransportClosedError) as info:
                await transport.send("{}")
            assert info.value.code == 4000
            assert await collect(transport) == []  # a local close ends iteration cleanly

    assert server_saw == [(4000, "client done")]


async def test_close_ends_concurrent_iteration() -> None:
    with anyio.fail_after(5):
        async with serve_ws(hold_open) as url, await WebSocketTransport.connect(url) as transport:
            results: list[list[str]] = []

            async def read() -> None:
                results.append(await collect(transport))

            async with anyio.create_task_group() as tg:
                tg.start_soon(read)
                await anyio.wait_all_tasks_blocked()
                await transport.close()

    assert results == [[]]


async def test_close_under_cancellation_leaves_no_open_socket() -> None:
    with anyio.fail_after(5):
        async with serve_ws(hold_open) as url:
            transport = await WebSocketTransport.connect(url)
            with anyio.CancelScope() as scope:
                scope.cancel()
                await transport.close()
            assert scope.cancelled_caught
            await transport.close()  # still idempotent afterwards
            assert transport.close_code is not None
            with pytest.raises(TransportClosedError):
                await transport.send("{}")


async def test_invalid_close_code_is_a_user_error() -> None:
    with anyio.fail_after(5):
        async with serve_ws(hold_open) as url, await WebSocketTransport.connect(url) as transport:
            with pytest.raises(UserError):
                await transport.close(1006)
            with pytest.raises(UserError):
                await transport.close(1000, "x" * 124)
            assert transport.close_code is None


# -- secrets ---------------------------------------------------------------------------------


async def test_secrets_appear_in_no_repr_exception_or_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.close(3000, "invalid_request_error.invalid_api_key")

    headers = {"Authorization": f"Bearer {SECRET}", "api-key": SECRET}
    with anyio.fail_after(5), caplog.at_level(logging.DEBUG, logger="websockets.client"):
        async with serve_ws(handler) as url:
            secret_url = f"{url}&api-key={SECRET}"
            async with await WebSocketTransport.connect(secret_url, headers=headers) as transport:
                text = repr(transport)
                with pytest.raises(AuthenticationError) as info:
                    await transport.receive()

    assert SECRET not in text
    assert "model=gpt-realtime" in text
    assert "api-key=***" in text
    assert SECRET not in str(info.value)
    assert "> Authorization: ***" in caplog.text  # the header was logged, masked
    assert SECRET not in caplog.text


async def test_close_reason_echoing_a_credential_is_masked() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.close(4000, f"bad key {SECRET}")

    with anyio.fail_after(5):
        async with serve_ws(handler) as url:
            headers = {"api-key": SECRET}
            async with await WebSocketTransport.connect(url, headers=headers) as transport:
                with pytest.raises(InvalidRequestError) as info:
                    await transport.receive()

    assert info.value.reason == "bad key ***"
    assert transport.close_reason == "bad key ***"
    assert SECRET not in str(info.value)


def test_redact_url() -> None:
    assert redact_url("wss://example.test/openai/v1/realtime?model=m&api-key=abc") == (
        "wss://example.test/openai/v1/realtime?model=m&api-key=***"
    )
    assert (
        redact_url("wss://example.test/r?Key=abc&deployment=d")
        == "wss://example.test/r?Key=***&deployment=d"
    )
    assert redact_url("wss://user:pw@example.test/r") == "wss://***@example.test/r"
    assert (
        redact_url("wss://example.test/r?sig=abc&model=m") == "wss://example.test/r?sig=***&model=m"
    )
    assert redact_url("wss://example.test/r?model=m") == "wss://example.test/r?model=m"
    assert redact_url("wss://[bad") == "<unparsable url>"


# -- options ---------------------------------------------------------------------------------


def test_default_options() -> None:
    options = TransportOptions()
    assert options.open_timeout == 10.0
    assert options.ping_interval == options.ping_timeout == 20.0
    assert options.max_size == DEFAULT_MAX_SIZE == 16 * 2**20
    assert options.user_agent is not None


@pytest.mark.parametrize(
    "kwargs",
    [{"open_timeout": 0}, {"ping_timeout": -1.0}, {"max_size": 0}, {"max_queue": 0}],
)
def test_options_reject_bad_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(UserError):
        TransportOptions(**kwargs)  # type: ignore[arg-type]
