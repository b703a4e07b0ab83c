"""Small loopback helpers for the setups: a free port, waiting for a listener, and an HTTP
server that records each request and answers it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_listening(port: int, within_s: float = 5.0) -> None:
    """Until something accepts connections on 127.0.0.1:``port``."""
    with anyio.fail_after(within_s):
        while True:
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
            except OSError:
                await anyio.sleep(0.01)
            else:
                await stream.aclose()
                return


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """The requests an :func:`http_recorder` received, in order."""

    url: str
    requests: list[Request] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@contextlib.asynccontextmanager
async def http_recorder() -> AsyncIterator[Recorder]:
    """An HTTP/1.1 server on 127.0.0.1 that keeps every request and answers each ``200`` with
    an empty body (what an OTLP collector or a webhook route answers when all is well)."""

    recorder: Recorder

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                first, *lines = head.decode("latin-1").split("\r\n")
                method, path, _ = first.split(" ", 2)
                headers = {
                    name.lower(): value
                    for name, _, value in (line.partition(": ") for line in lines if line)
                }
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                recorder.requests.append(Request(method, path, headers, body))
                recorder.arrived.set()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    recorder = Recorder(f"http://127.0.0.1:{port}")
    try:
        yield recorder
    finally:
        server.close()
        await server.wait_closed()
