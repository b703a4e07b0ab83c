"""The transport's bounds from outside: bad arguments, credentials, sends after the connection
ended, and the socket options a session takes from ``model_config``.

Every test talks to a real server on 127.0.0.1: websockets' own server, or the scripted
Realtime server of ``tests/realtime_server.py`` for session-level behaviour.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from realtime_server import ScriptedConnection, scripted_server
from rtvoice import OpenAIProvider, RealtimeAgent, RealtimeRunner
from rtvoice.errors import (
    AuthenticationError,
    ConnectionLostError,
    MessageTooBigError,
    TransportClosedError,
    UserError,
)
from rtvoice.model import ConnectRequest, OpenAIRealtimeModel
from rtvoice.model.commands import SendRaw
from rtvoice.tools import function_tool
from rtvoice.transport import TransportOptions, WebSocketTransport

pytestmark = pytest.mark.anyio

HEADER_SECRET = "gw-cred-7f3a9c21d4"
"""Under a header name nobody here knows is a credential."""
BEARER_SECRET = "sk-live-0c9d8e7f6a5b"
QUERY_SECRET = "sig-5be0d8e4aa91"
"""Under a query key nobody here knows is a credential."""
SECRETS = (HEADER_SECRET, BEARER_SECRET, QUERY_SECRET)


@asynccontextmanager
async def websockets_server(handler: Any, *, process_request: Any = None) -> AsyncIterator[str]:
    async with serve(
        handler, "127.0.0.1", 0, process_request=process_request, compression=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/v1/realtime"


def client_side_log(caplog: pytest.LogCaptureFixture) -> str:
    """Everything logged in this process except by websockets' *server* (which is the test's
    stand-in for the remote end, and logs what it received)."""
    return "\n".join(
        f"{record.name} {record.levelname} {record.getMessage()}"
        for record in caplog.records
        if not record.name.startswith("websockets.server")
    )


# ---- credentials --------------------------------------------------------------------------


async def test_a_credential_in_a_custom_header_or_the_query_shows_nowhere(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send('{"type": "session.created"}')
        await ws.close(3000, "invalid_request_error.invalid_api_key")

    headers = {
        "X-Gateway-Credential": HEADER_SECRET,
        "Authorization": f"Bearer {BEARER_SECRET}",
        "OpenAI-Project": "proj_visible",
    }
    caplog.set_level(logging.DEBUG)  # every logger and level, websockets' own included
    with anyio.fail_after(5):
        async with websockets_server(handler) as base:
            url = f"{base}?model=gpt-realtime&sig={QUERY_SECRET}"
            request = ConnectRequest(url=url, headers=headers)
            model = await OpenAIRealtimeModel.connect(request)
            shown = [repr(request), repr(model), repr(model._transport)]
            with pytest.raises(AuthenticationError) as info:
                async for _ in model.events():
                    pass
            await model.close()

    log = client_side_log(caplog)
    everything = "\n".join([log, *shown, str(info.value), repr(info.value), info.value.reason])
    for secret in SECRETS:
        assert secret not in everything
    assert "> X-Gateway-Credential: ***" in log  # the header was logged, its value masked
    assert "> Authorization: ***" in log
    assert "> OpenAI-Project: proj_visible" in log  # allow-listed: shown
    assert "> GET /v1/realtime?model=gpt-realtime&sig=*** HTTP/1.1" in log
    assert "model=gpt-realtime&sig=***" in shown[0]
    assert "model=gpt-realtime&sig=***" in shown[1]


async def test_a_refusal_that_echoes_a_custom_header_credential_is_masked() -> None:
    def refuse(connection: ServerConnection, request: Request) -> Response:
        echoed = request.headers["X-Gateway-Credential"]
        return connection.respond(401, f"unknown credential {echoed}\n")

    with anyio.fail_after(5):
        async with websockets_server(lambda ws: ws.wait_closed(), process_request=refuse) as url:
            with pytest.raises(AuthenticationError) as info:
                await WebSocketTransport.connect(
                    f"{url}?token2={QUERY_SECRET}",
                    headers={"X-Gateway-Credential": HEADER_SECRET},
                )

    assert HEADER_SECRET not in str(info.value)
    assert QUERY_SECRET not in str(info.value)
    assert info.value.reason == "HTTP 401: unknown credential ***"


async def test_span_attributes_and_session_errors_hold_no_credential() -> None:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    agent: RealtimeAgent[None] = RealtimeAgent(name="a")
    config: Any = {"tracing": {"tracer_provider": tracer_provider}, "reconnect": False}
    with anyio.fail_after(5):
        async with scripted_server() as server:
            runner: RealtimeRunner[None] = RealtimeRunner(agent, config=config)
            session = await runner.run(
                model_config={
                    "url": f"{server.url}/realtime?model=m&sig={QUERY_SECRET}",
                    "headers": {"X-Gateway-Credential": HEADER_SECRET},
                }
            )
            async with session:
                await server.close(1011, "going down")
                with pytest.raises(ConnectionLostError) as info:
                    async for _ in session:
                        pass
    tracer_provider.shutdown()
    spans = exporter.get_finished_spans()
    assert spans
    recorded = json.dumps([dict(span.attributes or {}) for span in spans], default=str)
    recorded += json.dumps([[e.name, dict(e.attributes or {})] for s in spans for e in s.events])
    recorded += str(info.value)
    for secret in SECRETS:
        assert secret not in recorded


# ---- bad arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("ws://[::1/v1?key=" + QUERY_SECRET, "not a valid URL"),
        ("http://127.0.0.1:9/v1", "ws:// or wss://"),
        ("127.0.0.1:9/v1", "ws:// or wss://"),
        ("ws://127.0.0.1:0/v1", "port 0"),
        ("wss://127.0.0.1:0/v1", "port 0"),
        ("ws://127.0.0.1:70000/v1", "port"),
        ("ws://127.0.0.1:http/v1", "port"),
        ("ws:///v1", "no host"),
        ("", "ws:// or wss://"),
        (b"ws://127.0.0.1:9/v1", "str"),
        (None, "str"),
    ],
)
async def test_every_bad_url_is_a_user_error_naming_url(url: Any, names: str) -> None:
    with anyio.fail_after(5), pytest.raises(UserError) as info:
        await WebSocketTransport.connect(url)
    message = str(info.value)
    assert message.startswith("url ")
    assert names in message
    assert QUERY_SECRET not in message


@pytest.mark.parametrize(
    ("headers", "names"),
    [
        ({"X-Key": 123}, "headers['X-Key'] must be a str"),
        ({"X-Key": f"{HEADER_SECRET}\r\nInjected: 1"}, "headers['X-Key'] must not contain"),
        ({"Bad Name": "v"}, "'Bad Name' is not a valid HTTP header name"),
        ({1: "v"}, "1 is not a valid HTTP header name"),
        ([("X-Key", "v")], "headers must be a mapping"),
    ],
)
async def test_bad_headers_are_a_user_error_naming_the_header(headers: Any, names: str) -> None:
    with anyio.fail_after(5), pytest.raises(UserError) as info:
        await WebSocketTransport.connect("ws://127.0.0.1:9/v1", headers=headers)
    assert names in str(info.value)
    assert HEADER_SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"open_timeout": 0}, "open_timeout"),
        ({"open_timeout": "5"}, "open_timeout"),
        ({"open_timeout": True}, "open_timeout"),
        ({"close_timeout": -1.0}, "close_timeout"),
        ({"close_timeout": float("inf")}, "close_timeout"),
        ({"ping_interval": float("nan")}, "ping_interval"),
        ({"ping_timeout": [20]}, "ping_timeout"),
        ({"max_size": 0}, "max_size"),
        ({"max_size": 1.5}, "max_size"),
        ({"max_size": "16MiB"}, "max_size"),
        ({"max_queue": "16"}, "max_queue"),
        ({"compression": "gzip"}, "compression"),
        ({"compression": True}, "compression"),
        ({"user_agent": 7}, "user_agent"),
        ({"user_agent": "x\r\nInjected: 1"}, "user_agent"),
    ],
)
def test_every_bad_transport_option_is_a_user_error_naming_it(
    kwargs: dict[str, Any], option: str
) -> None:
    with pytest.raises(UserError, match=rf"^TransportOptions\.{option} "):
        TransportOptions(**kwargs)


async def test_options_of_the_wrong_type_are_a_user_error() -> None:
    with pytest.raises(UserError, match="options must be a TransportOptions"):
        await WebSocketTransport.connect("ws://127.0.0.1:9/v1", options={"open_timeout": 1})  # type: ignore[arg-type]


# ---- sends after the connection ended -------------------------------------------------------


@function_tool
def slow_lookup(key: str) -> str:
    """Look a key up."""
    return key


async def test_every_session_send_after_the_server_failed_the_connection_is_typed() -> None:
    async def fail_on_message(conn: ScriptedConnection, frame: dict[str, Any]) -> None:
        if frame["type"] == "conversation.item.create":
            await conn.ws.close(1009, "message too big")

    agent: RealtimeAgent[None] = RealtimeAgent(name="a", tools=[slow_lookup])
    with anyio.fail_after(5):
        async with scripted_server(on_frame=fail_on_message) as server:
            session = await RealtimeRunner(agent, provider=server.provider()).run()
            async with session:
                await session.send_message("hello")
                with pytest.raises(MessageTooBigError):
                    async for _ in session:
                        pass
                sends: dict[str, Any] = {
                    "send_message": lambda: session.send_message("again"),
                    "send_audio": lambda: session.send_audio(b"\x00\x00" * 240),
                    "send_audio(commit)": lambda: session.send_audio(b"\x00\x00", commit=True),
                    "commit_audio": session.commit_audio,
                    "create_response": session.create_response,
                    "interrupt": session.interrupt,
                    "update_agent": lambda: session.update_agent(agent),
                    "send_raw": lambda: session.send_raw({"type": "response.cancel"}),
                    "approve_tool_call": lambda: session.approve_tool_call("call_1"),
                    "reject_tool_call": lambda: session.reject_tool_call("call_1"),
                }
                for name, send in sends.items():
                    for _ in range(2):
                        with pytest.raises(TransportClosedError) as info:
                            await send()
                        assert info.value.code == 1009, name
                        assert "1009" in str(info.value), name


async def test_every_model_and_transport_send_after_the_server_closed_is_typed() -> None:
    async def close_at_once(ws: ServerConnection) -> None:
        await ws.close(1011, "internal error")

    with anyio.fail_after(5):
        async with websockets_server(close_at_once) as url:
            model = await OpenAIRealtimeModel.connect(ConnectRequest(url=url))
            with pytest.raises(ConnectionLostError):
                async for _ in model.events():
                    pass
            transport = model._transport
            assert isinstance(transport, WebSocketTransport)
            for send in (
                lambda: model.send(SendRaw(event={"type": "response.create"})),
                lambda: model.send_batch([SendRaw(event={"type": "x"})] * 2),
                lambda: transport.send('{"type": "x"}'),
                lambda: transport.send_batch(['{"type": "x"}']),
            ):
                for _ in range(2):
                    with pytest.raises(TransportClosedError) as info:
                        await send()
                    assert info.value.code == 1011
            await model.close()
            with pytest.raises(TransportClosedError):
                await model.send(SendRaw(event={"type": "x"}))


# ---- model_config["transport"] ----------------------------------------------------------------


async def test_model_config_transport_options_reach_the_socket() -> None:
    big = "x" * 4096

    async def answer_big(conn: ScriptedConnection, frame: dict[str, Any]) -> None:
        if frame["type"] == "conversation.item.create":
            await conn.send({"type": "response.output_text.delta", "delta": big})

    agent: RealtimeAgent[None] = RealtimeAgent(name="a")
    with anyio.fail_after(5):
        async with scripted_server(on_frame=answer_big) as server:
            runner: RealtimeRunner[None] = RealtimeRunner(agent, provider=server.provider())
            session = await runner.run(
                model_config={"transport": {"max_size": 2048, "close_timeout": 0.5}}
            )
            async with session:
                await session.send_message("hello")
                with pytest.raises(MessageTooBigError) as info:
                    async for _ in session:
                        pass
    assert info.value.code == 1009


@pytest.mark.parametrize(
    ("transport", "message"),
    [
        (
            {"open_timeot": 5},
            "Unknown config key 'model_config.transport.open_timeot'; did you mean 'open_timeout'?",
        ),
        ({"max_sise": 5}, "did you mean 'max_size'?"),
        ({"pingtimeout": 5}, "did you mean 'ping_timeout'?"),
        ({"close_timeout": 0}, "'model_config.transport.close_timeout': 0 (int); expected"),
        ({"ping_interval": "20"}, "'model_config.transport.ping_interval'"),
        ({"max_size": 0}, "'model_config.transport.max_size': 0"),
        ({"compression": "zstd"}, "'model_config.transport.compression'"),
        (5.0, "'model_config.transport': 5.0 (float)"),
    ],
)
async def test_bad_model_config_transport_is_a_user_error_naming_the_key(
    transport: Any, message: str
) -> None:
    runner = RealtimeRunner(RealtimeAgent(name="a"), provider=OpenAIProvider(api_key="sk-x"))
    with pytest.raises(UserError) as info:
        await runner.run(model_config={"transport": transport})
    assert message in str(info.value)
