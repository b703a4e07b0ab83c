"""An in-memory pair of connected transports, for tests and for embedding a local server.

Each direction is one bounded anyio memory object stream. A close is not a frame on that
stream: it is recorded once in state shared by both ends, and the streams are closed, so a
close never waits for buffer space and works the same from a cancelled scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Literal

import anyio
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from typing_extensions import Self

from ..errors import TransportClosedError, UserError
from ._base import check_close_args, error_for_close

__all__ = ["DEFAULT_MAX_BUFFER", "MemoryTransport", "memory_transport_pair"]

DEFAULT_MAX_BUFFER = 16
"""Frames each direction of a memory pair buffers before :meth:`MemoryTransport.send` waits.

The same depth as websockets' default receive queue, so code tested over the pair meets
backpressure at about the same point as over a socket.
"""


@dataclass(slots=True)
class _Link:
    """What both ends of one pair share: the single close that ended the connection."""

    code: int | None = None
    reason: str = ""


class MemoryTransport:
    """One end of an in-memory connection; create a pair with :func:`memory_transport_pair`.

    It satisfies :class:`~rtvoice.transport.Transport` and behaves like
    :class:`~rtvoice.transport.WebSocketTransport` on every path a caller can observe:

    * Frames arrive in order. Frames the peer sent before it closed are delivered before the
      close is reported.
    * :meth:`send` waits while the peer's buffer is full (backpressure: the buffer is bounded
      by ``max_buffer`` and never grows), and wakes with
      :class:`~rtvoice.errors.TransportClosedError` if either end closes meanwhile.
    * Closing is symmetric, like a completed WebSocket closing handshake: the first
      :meth:`close` of either end fixes :attr:`close_code` and :attr:`close_reason` for both.
      The other end's iteration ends normally for a clean code (1000, 1001, 1005) and raises
      the exception from :func:`~rtvoice.transport._base.error_for_close` otherwise; this end's
      own iteration simply ends. Frames this end had not yet received are discarded.
    * Any number of tasks may send concurrently; one task at a time should receive (several
      receivers each get some of the frames, in order, as with any shared queue).

    Unlike a socket it accepts close codes a real close frame may not carry (1005, 1006,
    1015, ...), so tests can simulate a connection lost without a close frame.
    """

    __slots__ = (
        "_blocked_sends",
        "_initiated_close",
        "_link",
        "_peer",
        "_receive_stream",
        "_role",
        "_send_stream",
    )

    def __init__(
        self,
        *,
        role: Literal["client", "server"],
        link: _Link,
        send_stream: MemoryObjectSendStream[str],
        receive_stream: MemoryObjectReceiveStream[str],
    ) -> None:
        """Wrap one end's streams; use :func:`memory_transport_pair` instead of calling this."""
        self._role = role
        self._link = link
        self._send_stream = send_stream
        self._receive_stream = receive_stream
        self._peer: MemoryTransport | None = None
        self._initiated_close = False
        self._blocked_sends: set[anyio.CancelScope] = set()

    def __repr__(self) -> str:
        if self._link.code is None:
            return f"<MemoryTransport {self._role} open>"
        return f"<MemoryTransport {self._role} closed code={self._link.code}>"

    @property
    def close_code(self) -> int | None:
        """The code of the first close of either end, or ``None`` while open."""
        return self._link.code

    @property
    def close_reason(self) -> str:
        """The reason that went with :attr:`close_code` (``""`` while open)."""
        return self._link.reason

    async def send(self, frame: str) -> None:
        """Send one text frame to the peer, waiting while the peer's buffer is full.

        Args:
            frame: The frame to deliver.

        Raises:
            TypeError: If ``frame`` is not a ``str`` (a transport carries text frames only).
            TransportClosedError: Either end closed before or while sending; ``code`` and
                ``reason`` are those of the close.
        """
        if not isinstance(frame, str):
            raise TypeError(f"a transport sends text frames (str), not {type(frame).__name__}")
        if self._link.code is not None:
            raise self._closed_error()
        # close() cancels this scope: closing our own send stream wakes a blocked sender only
        # in recent anyio versions, and a frame must never be delivered after its sender closed.
        with anyio.CancelScope() as scope:
            self._blocked_sends.add(scope)
            try:
                await self._send_stream.send(frame)
            except (anyio.ClosedResourceError, anyio.BrokenResourceError) as exc:
                raise self._closed_error() from exc
            finally:
                self._blocked_sends.discard(scope)
        if scope.cancelled_caught:
            raise self._closed_error()

    async def receive(self) -> str:
        """Wait for and return the next frame from the peer.

        Returns:
            The next frame, in the order the peer sent it.

        Raises:
            TransportClosedError: The connection closed cleanly, or this end closed it.
            TransportError: The mapped subclass when the peer closed with any other code.
        """
        frame = await self._receive_or_end()
        if frame is None:
            raise self._closed_error("the transport is closed; no more frames")
        return frame

    def __aiter__(self) -> Self:
        """Iterate over received frames; see the class docstring for how iteration ends."""
        return self

    async def __anext__(self) -> str:
        """Return the next frame, or end iteration on a clean or local close."""
        frame = await self._receive_or_end()
        if frame is None:
            raise StopAsyncIteration
        return frame

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close both directions of the pair; the peer sees ``code`` and ``reason``.

        Idempotent, and never waits for buffer space: closing from a cancelled scope completes
        the close (it yields to the event loop once but does not raise the cancellation).
        Only the first close of either end sets the code and reason.

        Args:
            code: Any close code from 1000 to 4999, including 1006 to simulate a lost
                connection.
            reason: The close reason (at most 123 UTF-8 bytes).

        Raises:
            UserError: If ``code`` or ``reason`` is out of range.
        """
        check_close_args(code, reason, wire=False)
        if self._link.code is None:
            self._link.code = code
            self._link.reason = reason
            self._initiated_close = True
        self._release()
        await anyio.lowlevel.cancel_shielded_checkpoint()

    async def __aenter__(self) -> Self:
        """Return this transport; leaving the block closes it with code 1000."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the transport (code 1000)."""
        await self.close()

    async def _receive_or_end(self) -> str | None:
        try:
            return await self._receive_stream.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            pass
        # The peer's stream ended (it closed) or this end closed: the connection is over.
        self._release()
        if self._initiated_close:
            return None
        code = self._link.code if self._link.code is not None else 1006
        error = error_for_close(code, self._link.reason)
        if error is not None:
            raise error
        return None

    def _release(self) -> None:
        # Closing our send stream lets the peer drain what we sent, then see EndOfStream.
        # Closing our receive stream wakes peer senders blocked on a full buffer.
        # Cancelling our own blocked sends withdraws their frames (see send()).
        # Closing the peer's send stream fails its later sends and wakes our own receivers.
        self._send_stream.close()
        self._receive_stream.close()
        for scope in self._blocked_sends:
            scope.cancel()
        if self._peer is not None:
            self._peer._send_stream.close()

    def _closed_error(
        self, summary: str = "cannot send: the transport is closed"
    ) -> TransportClosedError:
        code, reason = self._link.code, self._link.reason
        return TransportClosedError(
            f"{summary} (close code {code}, reason {reason!r})", code=code, reason=reason
        )


def memory_transport_pair(
    max_buffer: int = DEFAULT_MAX_BUFFER,
) -> tuple[MemoryTransport, MemoryTransport]:
    """Create two connected in-memory transports.

    What one end sends, the other receives, in order. Each direction buffers at most
    ``max_buffer`` frames; when it is full, :meth:`MemoryTransport.send` waits until the
    receiver catches up (backpressure, never an unbounded queue). The pair needs no event
    loop to be created and works under any anyio backend.

    Args:
        max_buffer: Frames buffered per direction. 0 makes every send wait for a receiver.

    Returns:
        ``(client, server)``: the end a RealtimeModel would use, and the end a simulated
        server would use. The ends are interchangeable; the names only appear in ``repr``.

    Raises:
        UserError: If ``max_buffer`` is negative.
    """
    if max_buffer < 0:
        raise UserError(f"max_buffer must be >= 0, got {max_buffer}")
    link = _Link()
    to_server_send, to_server_receive = anyio.create_memory_object_stream[str](max_buffer)
    to_client_send, to_client_receive = anyio.create_memory_object_stream[str](max_buffer)
    client = MemoryTransport(
        role="client", link=link, send_stream=to_server_send, receive_stream=to_client_receive
    )
    server = MemoryTransport(
        role="server", link=link, send_stream=to_client_send, receive_stream=to_server_receive
    )
    client._peer = server
    server._peer = client
    return client, server
