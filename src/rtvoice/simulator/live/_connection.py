"""The async driver of one simulated GPT-Live connection: socket in, engine, socket out.

One task group per connection owns three tasks, as in the Realtime mode: the reader (client
frames -> the codec's strict reading -> the engine -> immediate replies), the pump (the
model's output, paced) and the ticker (the session's maximum duration). Each engine call runs
to completion between awaits, so the engine needs no lock; sends go through one lock so frames
keep their order. Once the engine has written ``session.closed`` the server closes the socket
normally (1000). A closed socket ends all three tasks quietly.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal

import anyio
import anyio.lowlevel
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ...model.live.server import LiveCommandError, LiveEventWriter, LiveServerCodec, StartSession
from ._engine import LiveSimulatedSession

__all__ = ["FrameObserver", "LiveConnection"]

FrameObserver = Callable[[Literal["client", "server"], str], None]
"""Sees every text frame of a Live connection: who sent it, and the frame."""


class LiveConnection:
    """Runs one accepted Live connection until the client leaves or the session ends.

    Args:
        websocket: The accepted server connection.
        codec: Reads the client frames (strict).
        writer: Writes the server frames (the engine shares it).
        session: The engine.
        pace: ``None`` sends output as fast as possible; ``1.0`` at real time.
        clock: Seconds on the wall clock.
        observer: Sees every text frame, both ways (``None``: nobody).
    """

    def __init__(
        self,
        websocket: ServerConnection,
        codec: LiveServerCodec,
        writer: LiveEventWriter,
        session: LiveSimulatedSession,
        *,
        pace: float | None,
        clock: Callable[[], float] = time.time,
        observer: FrameObserver | None = None,
    ) -> None:
        self._ws = websocket
        self._observer = observer
        self._codec = codec
        self._writer = writer
        self._session = session
        self._pace = pace
        self._clock = clock
        self._changed = anyio.Event()
        self._send_lock = anyio.Lock()
        self._stop = anyio.CancelScope()

    async def run(self) -> None:
        """Serve the connection; returns when it is over (never raises for a closed socket)."""
        try:
            with self._stop:
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(self._until_closed, self._pump)
                    tasks.start_soon(self._until_closed, self._ticker)
                    await self._until_closed(self._read)
                    tasks.cancel_scope.cancel()
        except ConnectionClosed:
            pass

    async def _until_closed(self, body: Callable[[], Awaitable[None]]) -> None:
        try:
            await body()
        except ConnectionClosed:
            self._stop.cancel()

    async def _send(self, frames: Iterable[str]) -> None:
        async with self._send_lock:
            for frame in frames:
                if self._observer is not None:
                    self._observer("server", frame)
                await self._ws.send(frame)
        self._changed.set()
        self._changed = anyio.Event()
        if self._session.closed:
            await self._ws.close(1000, "session closed")
            self._stop.cancel()

    async def _read(self) -> None:
        async for message in self._ws:
            if isinstance(message, bytes):
                await self._send(
                    [
                        self._writer.error(
                            code="invalid_event",
                            message="Expected a text WebSocket message; binary frames are "
                            "not supported.",
                        )
                    ]
                )
                continue
            if self._observer is not None:
                self._observer("client", message)
            decoded = self._codec.decode(message)
            if isinstance(decoded, LiveCommandError):
                await self._send(
                    [
                        self._writer.error(
                            code=decoded.code,
                            message=decoded.message,
                            param=decoded.param,
                            client_event_id=decoded.client_event_id,
                            error_type=decoded.error_type,
                        )
                    ]
                )
                continue
            await self._send(self._session.handle(decoded, self._clock()))
            if isinstance(decoded, StartSession):
                self._changed.set()  # the ticker has a deadline now

    async def _pump(self) -> None:
        while True:
            changed = self._changed
            step = self._session.next_step(self._clock())
            if step is None:
                await changed.wait()
                continue
            await self._send(step.frames)
            if self._pace is not None and step.audio_ms:
                await anyio.sleep(step.audio_ms / 1000 / self._pace)
            else:
                await anyio.lowlevel.checkpoint()  # let the reader land a barge-in

    async def _ticker(self) -> None:
        while True:
            changed = self._changed
            deadline = self._session.next_deadline()
            if deadline is None:
                await changed.wait()
                continue
            with anyio.move_on_after(max(0.0, deadline - self._clock())):
                await changed.wait()
                continue
            await self._send(self._session.tick(self._clock()))
