"""The async driver of one simulated session: socket in, engine, socket out.

One task group per connection owns three tasks: the reader (client frames -> commands ->
immediate replies), the pump (a response's steps, paced), and the ticker (idle timeout and
session expiry). They share one engine; each engine call runs to completion between awaits,
so the engine needs no lock. Sends go through :meth:`SimulatedConnection.send_events`, which
keeps frames in order and applies the configured faults. A closed socket (or a fault that drops
it) ends all three tasks quietly.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable

import anyio
import anyio.lowlevel
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ..model.events import ErrorEvent, ErrorInfo, ModelEvent
from ..model.openai.server import ClientEventError, OpenAIServerCodec
from ._engine import SimulatedSession
from ._faults import Faults

__all__ = ["DroppableConnection", "SimulatedConnection"]

_BINARY_FRAME_ERROR = ErrorInfo(
    type="invalid_request_error",
    code="invalid_event",
    message="Expected a text WebSocket message; binary frames are not supported.",
)


class _Dropped(Exception):
    """A fault aborted the connection."""


class SimulatedConnection:
    """Runs one accepted connection until the client leaves or the session ends.

    Args:
        websocket: The accepted server connection.
        codec: Encodes events and decodes client frames in the connection's dialect.
        session: The engine, not yet started.
        pace: ``None`` sends a response as fast as possible; ``1.0`` paces it at real time
            (the audio's duration); ``4.0`` at four times real time.
        faults: Misbehaviour to inject.
        clock: Seconds on the clock ``session.expires_at`` uses.
    """

    def __init__(
        self,
        websocket: ServerConnection,
        codec: OpenAIServerCodec,
        session: SimulatedSession,
        *,
        pace: float | None,
        faults: Faults,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ws = websocket
        self._codec = codec
        self._session = session
        self._pace = pace
        self._faults = faults
        self._clock = clock
        self._sent = 0
        self._error_injected = False
        self._changed = anyio.Event()
        self._send_lock = anyio.Lock()
        self._stop = anyio.CancelScope()

    async def run(self) -> None:
        """Serve the connection; returns when it is over (never raises for a closed socket)."""
        try:
            with self._stop:
                await self.send_events(self._session.start())
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(self._until_closed, self._pump)
                    tasks.start_soon(self._until_closed, self._ticker)
                    await self._until_closed(self._read)
                    tasks.cancel_scope.cancel()
        except (ConnectionClosed, _Dropped):
            pass
        finally:
            self._session.close()

    async def _until_closed(self, body: Callable[[], Awaitable[None]]) -> None:
        """Run one task; a closed or dropped socket stops the whole connection."""
        try:
            await body()
        except (ConnectionClosed, _Dropped):
            self._stop.cancel()

    async def send_events(self, events: Iterable[ModelEvent]) -> None:
        """Encode and send events in order, applying the faults; wakes the pump and ticker."""
        async with self._send_lock:
            for event in events:
                for frame in self._codec.encode(event):
                    await self._send_frame(frame)
        self._notify()

    async def _send_frame(self, frame: str) -> None:
        faults = self._faults
        if faults.drop_at_event is not None and json.loads(frame)["type"] == faults.drop_at_event:
            self._abort()
        await self._ws.send(frame)
        self._sent += 1
        if faults.drop_after_events is not None and self._sent >= faults.drop_after_events:
            self._abort()
        if (
            faults.error_after_events is not None
            and not self._error_injected
            and self._sent >= faults.error_after_events
        ):
            self._error_injected = True
            for error_frame in self._codec.encode(ErrorEvent(error=faults.error)):
                await self._ws.send(error_frame)
                self._sent += 1

    def _abort(self) -> None:
        assert isinstance(self._ws, DroppableConnection)
        self._ws.drop()
        raise _Dropped

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def _read(self) -> None:
        async for message in self._ws:
            if isinstance(message, bytes):
                await self.send_events([ErrorEvent(error=_BINARY_FRAME_ERROR)])
                continue
            decoded = self._codec.decode(message)
            if isinstance(decoded, ClientEventError):
                await self.send_events([ErrorEvent(error=decoded.to_error_info())])
                continue
            await self.send_events(self._session.handle(decoded, self._clock()))
            if self._session.closed:
                await self._close_expired()
                return

    async def _pump(self) -> None:
        idle = True
        while True:
            changed = self._changed
            step = self._session.next_step(self._clock())
            if step is None:
                idle = True
                await changed.wait()
                continue
            if idle and self._faults.response_delay:
                await anyio.sleep(self._faults.response_delay)
            idle = False
            await self.send_events(step.events)
            if self._session.closed:  # the session reached its maximum duration
                await self._close_expired()
                return
            if self._pace is not None and step.audio_ms:
                await anyio.sleep(step.audio_ms / 1000 / self._pace)
            else:
                await anyio.lowlevel.checkpoint()  # let the reader land a cancel or a barge-in

    async def _ticker(self) -> None:
        while True:
            changed = self._changed
            deadline = self._session.next_deadline()
            if deadline is None:
                return
            with anyio.move_on_after(max(0.0, deadline - self._clock())):
                await changed.wait()
                continue
            await self.send_events(self._session.tick(self._clock()))
            if self._session.closed:
                await self._close_expired()
                return

    async def _close_expired(self) -> None:
        """Close as the engine says (1001 and the expiry message at the maximum duration)."""
        await self._ws.close(self._session.close_code, self._session.close_reason)


class DroppableConnection(ServerConnection):
    """websockets' server connection, able to drop its TCP connection without a close frame
    (the fault a dropped network makes). websockets' ``serve`` takes it as
    ``create_connection``, its documented way to customise connections; the socket comes
    through ``connection_made``, the asyncio protocol's own entry point."""

    _simulator_socket: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._simulator_socket = transport
        super().connection_made(transport)

    def drop(self) -> None:
        """Abort the TCP connection now."""
        if isinstance(self._simulator_socket, asyncio.Transport):
            self._simulator_socket.abort()
