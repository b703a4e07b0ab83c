"""The two ordered outboxes of a session: commands to the model, events to the application.

A state step's effects are put into an outbox *synchronously*, in the same step, so each
outbox holds them in the order the state decided them, whichever task (the reader, or an
application task calling a session method) made the step. Draining then only has to preserve
that order:

* :class:`CommandOutbox` sends under one lock, so commands reach the model in outbox order.
* :class:`EventOutbox` feeds a bounded memory object stream. The reader drains it waiting for
  room (backpressure); application calls drain it only as far as there is room, because the
  task that calls ``session.interrupt()`` may be the very task that empties the stream.

Each producer drains right after putting, so an outbox holds at most one step's effects per
producing task.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ..model._base import RealtimeModel
from ..model.commands import ModelCommand
from .events import RealtimeSessionEvent

__all__ = ["CommandOutbox", "EventOutbox"]


class CommandOutbox:
    """Commands waiting to be sent to one model, in decision order.

    Args:
        model: The connected model the commands go to.
    """

    __slots__ = ("_lock", "_model", "_queue")

    def __init__(self, model: RealtimeModel) -> None:
        self._model = model
        self._queue: deque[ModelCommand] = deque()
        self._lock = anyio.Lock()

    def put(self, commands: Iterable[ModelCommand]) -> None:
        """Queue commands (synchronously, in the step that decided them)."""
        self._queue.extend(commands)

    def put_one(self, command: ModelCommand) -> None:
        """Queue one command."""
        self._queue.append(command)

    async def flush(self) -> None:
        """Send everything queued, in order, whoever queued it; return when the queue is empty.

        Raises:
            TransportClosedError: The connection is closed (the command being sent is lost;
                the rest stay queued, which no longer matters).
        """
        queue = self._queue
        if not queue:
            return
        async with self._lock:
            while queue:
                await self._model.send(queue.popleft())


class EventOutbox:
    """Events waiting for the application, in decision order, before a bounded stream.

    Args:
        buffer_size: How many events the stream holds for the application.
    """

    __slots__ = ("_delivering", "_queue", "_send", "receive")

    def __init__(self, buffer_size: int) -> None:
        self._send: MemoryObjectSendStream[RealtimeSessionEvent]
        self.receive: MemoryObjectReceiveStream[RealtimeSessionEvent]
        """Where the application reads the events."""
        self._send, self.receive = anyio.create_memory_object_stream[RealtimeSessionEvent](
            buffer_size
        )
        self._queue: deque[RealtimeSessionEvent] = deque()
        self._delivering = False

    def __bool__(self) -> bool:
        return bool(self._queue)

    def put(self, event: RealtimeSessionEvent) -> None:
        """Queue one event (synchronously, in the step that decided it)."""
        self._queue.append(event)

    def put_all(self, events: Iterable[RealtimeSessionEvent]) -> None:
        """Queue events in order."""
        self._queue.extend(events)

    async def deliver(self) -> None:
        """Move every queued event into the stream, waiting for room (the reader's way)."""
        queue = self._queue
        send = self._send
        self._delivering = True
        try:
            while queue:
                event = queue[0]
                try:
                    send.send_nowait(event)
                except anyio.WouldBlock:
                    await send.send(event)
                queue.popleft()
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            queue.clear()  # the session was closed: nobody will read them
        finally:
            self._delivering = False

    def deliver_nowait(self) -> None:
        """Move queued events into the stream as far as there is room, without waiting.

        Does nothing while :meth:`deliver` is at work (it will take them, in order); what does
        not fit is taken by the next :meth:`deliver` or by the next :meth:`after_receive`.
        """
        if self._delivering:
            return
        queue = self._queue
        send = self._send
        while queue:
            try:
                send.send_nowait(queue[0])
            except anyio.WouldBlock:
                return
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                queue.clear()
                return
            queue.popleft()

    def after_receive(self) -> None:
        """The application took an event: room was made for queued ones."""
        if self._queue:
            self.deliver_nowait()

    def end(self) -> None:
        """No more events: the application's iteration ends once the stream is empty."""
        self._send.close()

    def close(self) -> None:
        """Close both ends; events not yet read are dropped."""
        self._send.close()
        self.receive.close()
