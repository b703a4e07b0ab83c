"""Plain HTTP on the simulator's port: the REST endpoints that go with the socket.

The real API serves ``POST /v1/realtime/calls/...``, ``POST /v1/realtime/client_secrets`` and
``POST /v1/responses`` (the simulator's Responses model, for GPT-Live's delegations) on the
same host as the WebSocket, and the ``openai`` SDK derives both from one base URL, so
the simulator answers them on its WebSocket port. websockets' handshake reads only bodiless
``GET`` requests, so a connection whose first bytes are a ``POST`` request line is answered
here instead: :class:`RestConnection` (the simulator's ``serve(create_connection=...)``
connection) takes the bytes before websockets sees them, reads one request with a
``Content-Length`` body, writes the answer with ``Connection: close`` and closes. The
websockets handshake then sees a connection closed before any request and ends quietly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import ClassVar

from ._calls import CallBook, RestAnswer
from ._connection import DroppableConnection

ResponsesRoute = Callable[[bytes, dict[str, str]], RestAnswer]
"""Answers ``POST /v1/responses`` from the request body and the credential headers
(``Authorization``, ``api-key``) as sent."""

__all__ = ["RestConnection", "rest_connection_type"]

_MAX_HEAD = 16 * 1024
_MAX_BODY = 1024 * 1024


class RestConnection(DroppableConnection):
    """A simulator connection that also answers one plain HTTP ``POST``."""

    book: ClassVar[CallBook | None] = None
    responses: ClassVar[ResponsesRoute | None] = None
    _rest_buffer: bytearray | None = None
    _rest_transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._rest_transport = transport
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        buffer = self._rest_buffer
        if buffer is None:
            if not data.startswith((b"POST ", b"PUT ", b"DELETE ", b"PATCH ")):
                super().data_received(data)
                return
            buffer = self._rest_buffer = bytearray()
        elif self._rest_done():
            return  # answered already: the rest is not read
        buffer += data
        request = _parse(bytes(buffer))
        if request is None:
            return  # wait for the rest of the request
        answer = request if isinstance(request, RestAnswer) else self._route(*request)
        self._reply(answer)

    def _rest_done(self) -> bool:
        transport = self._rest_transport
        return transport is None or transport.is_closing()

    def _route(
        self, method: str, path: str, body: bytes, credentials: dict[str, str]
    ) -> RestAnswer:
        route = path.partition("?")[0].rstrip("/")
        responses = type(self).responses
        if route.endswith("/responses") and method == "POST" and responses is not None:
            return responses(body, credentials)
        book = self.book
        if book is None:
            return _plain_error(404, "no REST endpoints here")
        return book.answer(method, route, body)

    def _reply(self, answer: RestAnswer) -> None:
        transport = self._rest_transport
        assert isinstance(transport, asyncio.WriteTransport)
        self._rest_buffer = bytearray()
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        phrase = HTTPStatus(answer.status).phrase
        head = [
            f"HTTP/1.1 {answer.status} {phrase}",
            f"Content-Length: {len(payload)}",
            "Connection: close",
        ]
        if answer.body is not None:
            head.append("Content-Type: application/json")
        transport.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii") + payload)
        transport.close()


def rest_connection_type(
    book: CallBook, responses: ResponsesRoute | None = None
) -> type[RestConnection]:
    """A connection class whose REST requests go to ``book`` and, for ``POST
    /v1/responses``, to ``responses`` (one per simulator)."""
    return type(
        "SimulatorConnection",
        (RestConnection,),
        {"book": book, "responses": staticmethod(responses) if responses else None},
    )


def _parse(data: bytes) -> tuple[str, str, bytes, dict[str, str]] | RestAnswer | None:
    """One request from ``data``: ``(method, path, body, credential headers)``, an error
    answer, or ``None`` when more bytes are needed."""
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return _too_large() if len(data) > _MAX_HEAD else None
    lines = data[:head_end].decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    path = rest.rpartition(" ")[0] or rest
    length = 0
    credentials: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in ("authorization", "api-key"):
            credentials[
                "Authorization" if name.strip().lower() == "authorization" else "api-key"
            ] = value.strip()
        if name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return _plain_error(400, "bad Content-Length")
        elif name.strip().lower() == "transfer-encoding":
            return _plain_error(411, "send a Content-Length")
    if length > _MAX_BODY:
        return _too_large()
    body = data[head_end + 4 :]
    if len(body) < length:
        return None
    return method, path, body[:length], credentials


def _too_large() -> RestAnswer:
    return _plain_error(413, "request too large")


def _plain_error(status: int, message: str) -> RestAnswer:
    return RestAnswer(status, {"error": {"message": message, "type": "invalid_request_error"}})
