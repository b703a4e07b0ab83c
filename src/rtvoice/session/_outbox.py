"""The two ordered outboxes of a session: commands to the model, events to the application.

A state step's effects are put into an outbox *synchronously*, in the same step, so each
outbox holds them in the order the state decided them, whichever task (the reader, or an
application task calling a session method) made the step. Draining then only has to preserve
that order:

* :class:`CommandOutbox` sends them one task at a time, so commands reach the model in outbox
  order.
* :class:`EventOutbox` is the session's event channel. A step's events become readable when
  they are delivered (after the step's commands were sent). The reader then waits while more
  than ``buffer_size`` events are unread (backpressure: it stops reading the model);
  application calls never wait, because the task that calls ``session.interrupt()`` may be
  the very task that reads the events.

Both are plain containers until someone has to wait: an idle session holds no lock, queue
or event objects beyond two empty lists (see docs/performance.md, "idle").
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TypeAlias

import anyio

from ..errors import TransportClosedError
from ..model._base import BatchSender, RealtimeModel
from ..model.commands import ModelCommand
from .events import RealtimeSessionEvent

__all__ = ["CommandOutbox", "EventOutbox", "Flag"]

_Wakeup: TypeAlias = "asyncio.Future[None] | anyio.Event"


def _new_wakeup() -> _Wakeup:
    """A one-shot wake-up for a waiting task: a bare future under asyncio (making, awaiting
    and setting one costs about a tenth of an ``anyio.Event``, which asks sniffio for the
    backend and wraps an ``asyncio.Event``), an ``anyio.Event`` under any other backend."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return anyio.Event()
    return loop.create_future()


class Flag:
    """A one-way flag that tasks can wait for; the waiting machinery exists only while
    someone waits (an ``anyio.Event`` costs about 0.8 KB per session)."""

    __slots__ = ("_event", "_set")

    def __init__(self) -> None:
        self._set = False
        self._event: anyio.Event | None = None

    def is_set(self) -> bool:
        """Whether :meth:`set` was called."""
        return self._set

    def set(self) -> None:
        """Set the flag and wake every waiter."""
        self._set = True
        event, self._event = self._event, None
        if event is not None:
            event.set()

    async def wait(self) -> None:
        """Return once the flag is set."""
        if self._set:
            return
        if self._event is None:
            self._event = anyio.Event()
        await self._event.wait()


class CommandOutbox:
    """Commands waiting to be sent to one model, in decision order.

    Args:
        model: The connected model the commands go to.
    """

    __slots__ = ("_batch", "_done", "_held", "_model", "_queue", "_sending")

    def __init__(self, model: RealtimeModel) -> None:
        self._model = model
        self._batch = model.send_batch if isinstance(model, BatchSender) else None
        """Sends several commands together, when the model can."""
        self._queue: list[ModelCommand] = []
        self._sending = False
        self._done: anyio.Event | None = None
        """Set when a flush ends; created only when a second task has to wait for it."""
        self._held = False

    def __bool__(self) -> bool:
        return bool(self._queue)

    def put(self, commands: list[ModelCommand]) -> None:
        """Queue commands (synchronously, in the step that decided them)."""
        if commands:
            self._queue += commands

    def put_one(self, command: ModelCommand) -> None:
        """Queue one command."""
        self._queue.append(command)

    def hold(self) -> None:
        """Keep every command queued from now on: the connection is being replaced, and
        :meth:`take_all` hands them to the next one's outbox."""
        self._held = True

    def take_all(self) -> list[ModelCommand]:
        """Remove and return the queued commands, in order."""
        queue, self._queue = self._queue, []
        return queue

    async def flush(self) -> None:
        """Send everything queued, in order, whoever queued it; return when the queue is empty.

        While another task is sending, wait for it to finish (it sends what was queued
        meanwhile too), then send whatever is left.

        Raises:
            TransportClosedError: The connection is closed (nothing more was sent; the
                commands stay queued, for a reconnect to hand over). While :meth:`hold`
                is in force nothing is sent and nothing raised.
        """
        while self._sending:
            if self._done is None:
                self._done = anyio.Event()
            await self._done.wait()
        if not self._queue or self._held:
            return
        self._sending = True
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                if self._batch is not None and len(batch) > 1:
                    try:
                        await self._batch(batch)
                        continue
                    except TransportClosedError:
                        self._queue[:0] = batch  # a closed transport sent none of them
                        raise
                    except (TypeError, ValueError):
                        pass  # one cannot be encoded, nothing was sent: one by one, below
                for index, command in enumerate(batch):
                    try:
                        await self._model.send(command)
                    except TransportClosedError:
                        self._queue[:0] = batch[index:]  # not sent: kept for a next connection
                        raise
                    except BaseException:
                        self._queue[:0] = batch[index + 1 :]  # keep the order for whoever goes on
                        raise
        finally:
            self._sending = False
            done, self._done = self._done, None
            if done is not None:
                done.set()


class EventOutbox:
    """The session's events, in decision order: queued by a step, then delivered to the
    application's iteration.

    Args:
        buffer_size: How many unread events make the reader wait.
    """

    __slots__ = (
        "_arrived",
        "_closed",
        "_ended",
        "_pending",
        "_ready",
        "_room",
        "_size",
    )

    def __init__(self, buffer_size: int) -> None:
        self._size = buffer_size
        self._pending: list[RealtimeSessionEvent] = []
        """Put by a step and not yet delivered."""
        self._ready: deque[RealtimeSessionEvent] | None = None
        """Delivered: what the application reads, oldest first (made on first delivery)."""
        self._arrived: _Wakeup | None = None
        """Fired when events become readable or the stream ends (while the application waits)."""
        self._room: anyio.Event | None = None
        """Set when the application read enough (while the reader waits for room)."""
        self._ended = False
        self._closed = False

    def __bool__(self) -> bool:
        return bool(self._pending)

    def put(self, event: RealtimeSessionEvent) -> None:
        """Queue one event (synchronously, in the step that decided it)."""
        self._pending.append(event)

    def put_all(self, events: list[RealtimeSessionEvent]) -> None:
        """Queue events in order."""
        if events:
            self._pending += events

    def push(self, event: RealtimeSessionEvent) -> bool:
        """Queue one event and make it readable at once, after any still pending (the
        reader's way for streamed deltas: no list, no separate delivery).

        Returns:
            Whether too many events are now unread: the reader must :meth:`wait_for_room`.
        """
        ready = self._ready
        if self._pending or self._closed or ready is None:
            self._pending.append(event)
            self.deliver_nowait()
            return self.backlogged()
        ready.append(event)
        arrived = self._arrived
        if arrived is not None:
            self._arrived = None
            self._wake_application(arrived)
        return len(ready) > self._size

    def deliver_nowait(self) -> None:
        """Make the queued events readable (an application call's way: never waits)."""
        pending = self._pending
        if not pending:
            return
        if self._closed:
            pending.clear()
            return
        if self._ready is None:
            self._ready = deque(pending)
        else:
            self._ready.extend(pending)
        pending.clear()
        arrived, self._arrived = self._arrived, None
        if arrived is not None:
            self._wake_application(arrived)

    async def deliver(self) -> None:
        """Make the queued events readable, then wait while too many are unread (the
        reader's way: backpressure)."""
        self.deliver_nowait()
        if self.backlogged():
            await self.wait_for_room()

    def backlogged(self) -> bool:
        """Whether more than ``buffer_size`` events are unread (the reader must wait)."""
        ready = self._ready
        return ready is not None and len(ready) > self._size and not self._closed

    async def wait_for_room(self) -> None:
        """Wait until the application read enough (or the outbox was closed)."""
        while self.backlogged():
            if self._room is None:
                self._room = anyio.Event()
            await self._room.wait()

    def take(self) -> RealtimeSessionEvent | None:
        """The next readable event, or ``None`` if there is none yet (never waits)."""
        ready = self._ready
        if not ready:  # None or empty
            return None
        event = ready.popleft()
        if self._room is not None and len(ready) <= self._size:
            room, self._room = self._room, None
            room.set()
        return event

    async def receive(self) -> RealtimeSessionEvent:
        """The next event, waiting for one.

        Raises:
            anyio.EndOfStream: :meth:`end` was called and every event was read.
            anyio.ClosedResourceError: :meth:`close` was called.
        """
        while True:
            if self._closed:
                raise anyio.ClosedResourceError
            event = self.take()
            if event is not None:
                return event
            if self._ended:
                raise anyio.EndOfStream
            arrived = self._arrived
            if arrived is None or (isinstance(arrived, asyncio.Future) and arrived.done()):
                arrived = self._arrived = _new_wakeup()  # (a cancelled wait left it done)
            if isinstance(arrived, asyncio.Future):
                await arrived
            else:
                await arrived.wait()

    def end(self) -> None:
        """No more events: the application's iteration ends once it read the rest."""
        self._ended = True
        self._wake()

    def close(self) -> None:
        """Drop every event not yet read; reading raises ``ClosedResourceError`` from now on."""
        self._closed = True
        self._pending.clear()
        self._ready = None
        self._wake()

    def _wake_application(self, arrived: _Wakeup) -> None:
        """Fire the waiting application's wake-up."""
        if isinstance(arrived, asyncio.Future):
            if not arrived.done():  # a waiter cancelled meanwhile leaves it cancelled
                arrived.set_result(None)
        else:
            arrived.set()

    def _wake(self) -> None:
        arrived, self._arrived = self._arrived, None
        room, self._room = self._room, None
        if arrived is not None:
            self._wake_application(arrived)
        if room is not None:
            room.set()
