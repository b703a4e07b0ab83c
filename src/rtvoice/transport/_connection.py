"""One WebSocket client connection: websockets' Sans-I/O protocol driven over asyncio.

websockets documents two ways to use it: its asyncio client, and its Sans-I/O layer
(``websockets.client.ClientProtocol``), which does the whole protocol (framing, masking,
permessage-deflate, the opening and closing handshakes, answering PINGs and CLOSEs, size
limits) and leaves the I/O to its caller. :class:`WireConnection` is that caller, written the
way websockets' guide to integrating the Sans-I/O layer describes: an ``asyncio.Protocol``
that feeds received bytes to ``receive_data`` / ``receive_eof``, takes
``events_received()``, writes ``data_to_send()``, and closes the TCP connection when
``close_expected()`` says the server should have. It uses only those documented methods and
properties (``state``, ``handshake_exc``, ``close_exc``), so it works the same on every
websockets release from 13 on.

What it adds on top, for a realtime client:

* Received data messages are queued whole (fragments joined, text decoded as UTF-8; invalid
  UTF-8 fails the connection with 1007, as websockets' own clients do). The queue holds at most
  ``max_queue`` messages: when it is full the connection stops reading the socket, so TCP
  flow control slows the server down, and reading resumes once it is down to a quarter.
* Keepalive: a PING every ``ping_interval`` seconds; no PONG within ``ping_timeout`` fails the
  connection with 1011 ("keepalive ping timeout"). Timers, not tasks: nothing outlives the
  connection.
* Writes: whatever the protocol has to send after a step goes out in one write, so several
  messages queued together (:meth:`WireConnection.send_texts`) take one system call. Senders
  wait while the socket's write buffer is over its high-water mark.
* A failure inside websockets that is not a protocol outcome (an interface changed under a
  new release, say) is kept as :attr:`WireConnection.internal_error` and aborts the
  connection, so the receiver reports it instead of hanging.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Sequence

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

__all__ = ["WireConnection"]

_DATA = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)


class WireConnection(asyncio.Protocol):
    """An ``asyncio.Protocol`` that drives one ``ClientProtocol`` (see the module docstring).

    One task receives (:meth:`take`, :meth:`wait_message`); any number may send. Made by
    :func:`~._handshake.open_connection`, which waits for :meth:`handshake` before handing
    the connection on.

    Args:
        protocol: A ``ClientProtocol`` whose handshake request was already sent (it is in
            its ``data_to_send``, written as soon as the TCP connection is made).
        max_queue: How many received messages may wait to be taken.
        ping_interval: Seconds between keepalive PINGs once open; ``None`` sends none.
        ping_timeout: Seconds to wait for each PONG; ``None`` waits forever.
        close_timeout: Seconds to wait for the server to close TCP once the protocol expects
            it to; ``None`` waits forever.
    """

    def __init__(
        self,
        protocol: ClientProtocol,
        *,
        max_queue: int,
        ping_interval: float | None,
        ping_timeout: float | None,
        close_timeout: float | None,
    ) -> None:
        self.protocol = protocol
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.internal_error: Exception | None = None
        """What went wrong inside websockets, if something did (see the module docstring)."""
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._close_timeout = close_timeout
        self._messages: deque[str | bytes] = deque()
        self._high = max_queue
        self._low = max_queue // 4
        self._reading_paused = False
        self._receiver: asyncio.Future[None] | None = None
        self._opened: asyncio.Future[None] = self.loop.create_future()
        self._lost: asyncio.Future[None] = self.loop.create_future()
        self._fragments: list[bytes] | None = None
        self._fragments_text = False
        self._discarding = False
        """Data messages are dropped: this end closed, or failed the connection itself."""
        self._eof = False
        self._writing_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._ping_timer: asyncio.TimerHandle | None = None
        self._pong_timer: asyncio.TimerHandle | None = None
        self._ping_payload: bytes | None = None
        self._ping_sent_at = 0.0

    # ---- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._write_pending()  # the handshake request

    def data_received(self, data: bytes) -> None:
        try:
            self.protocol.receive_data(data)
            self._process()
        except Exception as exc:  # not a protocol outcome: see the module docstring
            self._break(exc)

    def eof_received(self) -> None:
        self._receive_eof()
        # Returning None lets asyncio close the transport: connection_lost follows.

    def connection_lost(self, exc: Exception | None) -> None:
        self._receive_eof()
        for timer in (self._close_timer, self._ping_timer, self._pong_timer):
            if timer is not None:
                timer.cancel()
        if not self._opened.done():
            self._opened.set_exception(
                ConnectionResetError("the connection closed during the opening handshake")
            )
            self._opened.exception()  # retrieved here: nobody may be waiting any more
        self._lost.set_result(None)
        self._wake_receiver()
        self._wake_senders()

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._wake_senders()

    # ---- opening and closing ----------------------------------------------------------------

    async def handshake(self) -> None:
        """Wait for the server's answer to the upgrade.

        Raises:
            InvalidHandshake: The protocol's ``handshake_exc`` (``InvalidStatus`` for a refusal).
            ConnectionResetError: The connection closed before the answer was complete.
        """
        await asyncio.shield(self._opened)

    @property
    def lost(self) -> bool:
        """Whether the TCP connection is gone."""
        return self._lost.done()

    async def wait_lost(self) -> None:
        """Wait until the TCP connection is gone."""
        await asyncio.shield(self._lost)

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake; messages not taken yet, and any that arrive now, are
        dropped (so the server's close frame is read however full the queue was)."""
        self._discarding = True
        self._messages.clear()
        self._resume_reading()
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self._write_pending()

    def abort(self) -> None:
        """Drop the TCP connection now (``connection_lost`` follows)."""
        if self.transport is not None:
            self.transport.abort()

    # ---- receiving ----------------------------------------------------------------------------

    def take(self) -> str | bytes | None:
        """The next received message, or ``None`` if none is queued."""
        messages = self._messages
        if not messages:
            return None
        message = messages.popleft()
        if self._reading_paused and len(messages) <= self._low:
            self._resume_reading()
        return message

    async def wait_message(self) -> bool:
        """Wait until a message is queued (``True``) or the connection is gone (``False``).

        Cancelling it loses nothing: messages stay queued.
        """
        while not self._messages:
            if self._lost.done():
                return False
            receiver = self._receiver = self.loop.create_future()
            try:
                await receiver
            finally:
                self._receiver = None
        return True

    # ---- sending ------------------------------------------------------------------------------

    def is_open(self) -> bool:
        """Whether messages may be sent (the protocol is open and no close has begun)."""
        return self.protocol.state is State.OPEN

    async def send_texts(self, messages: Sequence[str]) -> None:
        """Send text messages in order, written to the socket together, then wait while the
        write buffer is full. The caller checks :meth:`is_open` first."""
        protocol = self.protocol
        for message in messages:
            protocol.send_text(message.encode())
        self._write_pending()
        while self._writing_paused and not self._lost.done():
            if self._drained is None:
                self._drained = self.loop.create_future()
            await asyncio.shield(self._drained)

    # ---- the protocol's steps -----------------------------------------------------------------

    def _process(self) -> None:
        """Act on what the protocol parsed, then write what it has to send."""
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode in _DATA:
                    self._data_frame(event)
                elif event.opcode is Opcode.PONG:
                    self._pong(event.data)
            elif not self._opened.done():  # the handshake response
                self._opened_by(self.protocol.handshake_exc)
        self._write_pending()
        messages = self._messages
        if messages:
            if not self._reading_paused and len(messages) >= self._high:
                self._reading_paused = True
                if self.transport is not None:
                    self.transport.pause_reading()
            self._wake_receiver()

    def _data_frame(self, frame: Frame) -> None:
        if self._discarding:
            return
        fragments = self._fragments
        if frame.opcode is Opcode.CONT:
            assert fragments is not None  # the protocol fails a stray continuation
            fragments.append(bytes(frame.data))
            if not frame.fin:
                return
            data: bytes = b"".join(fragments)
            text = self._fragments_text
            self._fragments = None
        elif not frame.fin:
            self._fragments = [bytes(frame.data)]
            self._fragments_text = frame.opcode is Opcode.TEXT
            return
        else:
            data = frame.data  # type: ignore[assignment]  # bytes-like: str() accepts any
            text = frame.opcode is Opcode.TEXT
        if not text:
            self._messages.append(bytes(data))
            return
        try:
            self._messages.append(str(data, "utf-8"))
        except UnicodeDecodeError as exc:
            self._discarding = True
            self.protocol.fail(1007, f"{exc.reason} at position {exc.start}")

    def _opened_by(self, error: Exception | None) -> None:
        if error is not None:
            self._opened.set_exception(error)
            return
        self._opened.set_result(None)
        if self._ping_interval is not None:
            self._ping_timer = self.loop.call_later(self._ping_interval, self._ping)

    def _receive_eof(self) -> None:
        if self._eof:
            return
        self._eof = True
        try:
            self.protocol.receive_eof()
            self._process()
        except Exception as exc:
            self._break(exc)

    def _write_pending(self) -> None:
        """Write what the protocol has to send, in one write; its end-of-stream marker (the
        empty chunk) half-closes the TCP connection, as the Sans-I/O guide says."""
        transport = self.transport
        if transport is None:
            return  # not connected yet: connection_made writes it
        chunks = self.protocol.data_to_send()
        if chunks and not transport.is_closing():
            ready: list[bytes] = []
            for chunk in chunks:
                if chunk:
                    ready.append(chunk)
                    continue
                self._write(ready)
                ready = []
                if transport.can_write_eof():
                    transport.write_eof()
                else:
                    transport.close()
                break
            self._write(ready)
        if self._close_timer is None and self.protocol.close_expected():
            self._expect_close()

    def _write(self, chunks: list[bytes]) -> None:
        assert self.transport is not None
        if len(chunks) == 1:
            self.transport.write(chunks[0])
        elif chunks:
            self.transport.write(b"".join(chunks))

    def _expect_close(self) -> None:
        """The server should close TCP now; if it has not within ``close_timeout``, drop it."""
        self._discarding = True
        self._cancel_keepalive()
        if self._close_timeout is not None and not self._lost.done():
            self._close_timer = self.loop.call_later(self._close_timeout, self.abort)

    def _break(self, error: Exception) -> None:
        if self.internal_error is None:
            self.internal_error = error
        self._discarding = True
        if not self._opened.done():
            self._opened.set_exception(error)
        self.abort()

    # ---- keepalive ------------------------------------------------------------------------------

    def _ping(self) -> None:
        self._ping_timer = None
        if self.protocol.state is not State.OPEN:
            return
        payload = os.urandom(4)
        self._ping_payload = payload
        self._ping_sent_at = self.loop.time()
        try:
            self.protocol.send_ping(payload)
            self._write_pending()
        except Exception as exc:
            self._break(exc)
            return
        if self._ping_timeout is None:
            self._schedule_ping()
        else:
            self._pong_timer = self.loop.call_later(self._ping_timeout, self._pong_missing)

    def _pong(self, payload: bytes | bytearray | memoryview) -> None:
        if self._ping_payload is None or bytes(payload) != self._ping_payload:
            return  # unsolicited, or an answer to an earlier PING
        self._ping_payload = None
        if self._pong_timer is not None:
            self._pong_timer.cancel()
            self._pong_timer = None
        self._schedule_ping()

    def _schedule_ping(self) -> None:
        if self._ping_interval is not None and self.protocol.state is State.OPEN:
            due = self._ping_sent_at + self._ping_interval
            self._ping_timer = self.loop.call_at(due, self._ping)

    def _pong_missing(self) -> None:
        self._pong_timer = None
        if self.protocol.state is State.OPEN:
            self.protocol.fail(1011, "keepalive ping timeout")
            self._write_pending()

    def _cancel_keepalive(self) -> None:
        for timer in (self._ping_timer, self._pong_timer):
            if timer is not None:
                timer.cancel()
        self._ping_timer = self._pong_timer = None

    # ---- wake-ups -------------------------------------------------------------------------------

    def _resume_reading(self) -> None:
        if self._reading_paused:
            self._reading_paused = False
            if self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()

    def _wake_receiver(self) -> None:
        receiver = self._receiver
        if receiver is not None and not receiver.done():
            receiver.set_result(None)

    def _wake_senders(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)
