"""Adapters from three WebSocket servers to the bridge's :class:`MediaStreamSocket`.

Each wraps an accepted socket and imports its library only when it is built, so importing
this module costs nothing and forces no framework on anyone. Any other server plugs in the
same way: an object with ``async receive_text() -> str | None`` (``None`` once closed) and
``async send_text(text)`` (raising :class:`~rtvoice.errors.TransportClosedError` once closed).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ...errors import TransportClosedError

__all__ = ["AiohttpMediaSocket", "StarletteMediaSocket", "WebsocketsMediaSocket"]


class WebsocketsMediaSocket:
    """A connection of the ``websockets`` server (``websockets.asyncio.server``).

    ``async def handler(connection): await run_twilio_call(WebsocketsMediaSocket(connection),
    runner)``; the server closes the socket when the handler returns.
    """

    __slots__ = ("_closed", "_connection")

    def __init__(self, connection: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        self._connection = connection
        self._closed = ConnectionClosed

    async def receive_text(self) -> str | None:
        try:
            message = await self._connection.recv()
        except self._closed:
            return None
        return message if isinstance(message, str) else bytes(message).decode("utf-8", "replace")

    async def send_text(self, text: str) -> None:
        try:
            await self._connection.send(text)
        except self._closed as exc:
            raise TransportClosedError(f"the Twilio socket is closed: {exc}") from exc


class StarletteMediaSocket:
    """A Starlette (or FastAPI) ``WebSocket``, already accepted (``await websocket.accept()``).

    Close it after the call: ``await websocket.close()`` (it may already be closed by Twilio).
    """

    __slots__ = ("_disconnect", "_websocket")

    def __init__(self, websocket: Any) -> None:
        self._websocket = websocket
        self._disconnect: type[Exception] = import_module(
            "starlette.websockets"
        ).WebSocketDisconnect

    async def receive_text(self) -> str | None:
        try:
            text: str = await self._websocket.receive_text()
        except self._disconnect:
            return None
        return text

    async def send_text(self, text: str) -> None:
        try:
            await self._websocket.send_text(text)
        except (self._disconnect, RuntimeError) as exc:  # RuntimeError: sent after close
            raise TransportClosedError(f"the Twilio socket is closed: {exc}") from exc


class AiohttpMediaSocket:
    """An aiohttp ``web.WebSocketResponse``, already prepared (``await ws.prepare(request)``).

    Return the response from the handler after the call; aiohttp closes it.
    """

    __slots__ = ("_binary", "_text", "_websocket")

    def __init__(self, websocket: Any) -> None:
        message_types = import_module("aiohttp").WSMsgType
        self._websocket = websocket
        self._text = message_types.TEXT
        self._binary = message_types.BINARY

    async def receive_text(self) -> str | None:
        message = await self._websocket.receive()
        if message.type == self._text:
            text: str = message.data
            return text
        if message.type == self._binary:
            return bytes(message.data).decode("utf-8", "replace")
        return None  # CLOSE, CLOSING, CLOSED or ERROR: the stream is over

    async def send_text(self, text: str) -> None:
        if self._websocket.closed:
            raise TransportClosedError("the Twilio socket is closed")
        try:
            await self._websocket.send_str(text)
        except (ConnectionError, RuntimeError) as exc:
            raise TransportClosedError(f"the Twilio socket is closed: {exc}") from exc
