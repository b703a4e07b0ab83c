"""Receiving on a websockets connection without a parser step and a future per frame.

websockets parses every received frame with its Sans-I/O parser (a generator that reads the
header and the payload in steps) and hands each message to the receiving task through an
assembler and a future. For a realtime session, where a server sends about 75 small text
frames a second per call, that machinery cost about a third of the CPU a bare client spends per
audio delta (``docs/performance.md``).

:class:`SplittingConnection` is a websockets ``ClientConnection`` (websockets' ``connect``
takes it as ``create_connection``, its documented way to customise connection handling).
Once the opening handshake is done, it splits the received bytes into frames itself and queues
each complete data message: ``str`` for text, ``bytes`` for binary. websockets still does
everything else, because it is handed those frames whole:

* PING, PONG and CLOSE frames (so keepalive and the closing handshake stay websockets'), one
  whole frame at a time, which leaves websockets' own parser at a frame boundary;
* from the first frame that breaks the protocol (a masked frame, reserved bits without an
  extension, a reserved opcode, a continuation out of place, an oversized control frame), the
  rest of the stream: websockets fails the connection with its own close code and reason;
* once a close frame was received or the connection failed, the rest of the stream.

The checks websockets makes on data messages are kept: the size limit applies to the whole
message (1009), text must be UTF-8 (1007), a new message may not start inside a fragmented one
(1002), and negotiated extensions (permessage-deflate) decode each frame through the
extensions' own ``decode``, in websockets' order.

On the sending side it adds :meth:`SplittingConnection.send_texts`, several text messages in
one write to the socket, and writes whatever frames websockets has ready in one write too
(websockets writes each frame with its own system call).

"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.frames import Frame, Opcode
from websockets.protocol import State

__all__ = ["SplittingConnection"]

_TEXT_FINAL = 0x81
"""First header byte of a final, uncompressed text frame: the frame a realtime server sends."""
_HEAD_END = b"\r\n\r\n"
_CONTROL_MAX = 125


class SplittingConnection(ClientConnection):
    """A websockets client connection that queues received messages itself (module docstring).

    The one receiving task reads with :meth:`next_message` and :meth:`wait_message`; websockets'
    own ``recv`` gets nothing once the connection is open.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        max_queue = kwargs.get("max_queue", 16)
        high, low = max_queue if isinstance(max_queue, tuple) else (max_queue, None)
        if high is not None and low is None:
            low = high // 4
        self._rt_high: int | None = high
        self._rt_low: int = low or 0
        self._rt_queue: deque[str | bytes] = deque()
        self._rt_waiter: asyncio.Future[None] | None = None
        self._rt_splitting = False
        self._rt_paused = False
        self._rt_head_tail = b""
        self._rt_rest = b""  # an incomplete frame header
        self._rt_pending: bytearray | None = None  # an incomplete frame whose length is known
        self._rt_need = 0
        self._rt_fragments: list[bytes] | None = None  # a fragmented message being received
        self._rt_fragment_opcode = 0
        self._rt_fragment_size = 0

    # ---- the receiving side -----------------------------------------------------------------

    def next_message(self) -> str | bytes | None:
        """Take the next received message, or return ``None`` if none is queued."""
        queue = self._rt_queue
        if not queue:
            return None
        message = queue.popleft()
        if self._rt_paused and len(queue) <= self._rt_low:
            self._rt_paused = False
            self.transport.resume_reading()
        return message

    async def wait_message(self) -> bool:
        """Wait until a message is queued (``True``) or the connection is closed (``False``).

        Cancelling it loses nothing: messages stay queued.
        """
        while not self._rt_queue:
            if self.protocol.state is State.CLOSED:
                return False
            waiter = self._rt_waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._rt_waiter = None
        return True

    def _wake(self) -> None:
        waiter = self._rt_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ---- the sending side -------------------------------------------------------------------

    async def send_texts(self, messages: Sequence[str]) -> None:
        """Send text messages in order, written to the socket together.

        Raises:
            ConnectionClosed: As websockets' ``send`` raises it.
        """
        if self.fragmented_send_waiter is not None:  # another task sends a fragmented message
            for message in messages:
                await self.send(message)
            return
        async with self.send_context():
            for message in messages:
                self.protocol.send_text(message.encode())

    def send_data(self) -> None:
        """Write what the protocol has to send, consecutive frames in one write; an empty
        chunk ends the stream (half-close, or close without TLS support), as in websockets."""
        ready: list[bytes] = []
        for data in self.protocol.data_to_send():
            if data:
                ready.append(data)
                continue
            self._write(ready)
            ready = []
            if self.transport.can_write_eof():
                with contextlib.suppress(OSError, RuntimeError):
                    self.transport.write_eof()
            else:
                self.transport.close()
        self._write(ready)

    def _write(self, chunks: list[bytes]) -> None:
        if len(chunks) == 1:
            self.transport.write(chunks[0])
        elif chunks:
            self.transport.write(b"".join(chunks))

    # ---- asyncio.Protocol -------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._rt_splitting:
            self._split(data)
        elif self.protocol.state is State.CONNECTING:
            self._handshake_data(data)
        else:
            super().data_received(data)

    def eof_received(self) -> None:
        super().eof_received()
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._wake()

    # ---- splitting ----------------------------------------------------------------------------

    def _handshake_data(self, data: bytes) -> None:
        """Hand websockets the HTTP response and not a byte more: frames that came in the same
        read are split here, so websockets' parser never holds part of one."""
        window = self._rt_head_tail + data
        end = window.find(_HEAD_END)
        if end < 0:
            self._rt_head_tail = window[-(len(_HEAD_END) - 1) :]
            super().data_received(data)
            return
        cut = end + len(_HEAD_END) - len(self._rt_head_tail)
        self._rt_head_tail = b""
        super().data_received(data[:cut])
        rest = data[cut:]
        if self.protocol.state is State.OPEN:
            self._rt_splitting = True
            if rest:
                self._split(rest)
        elif rest:
            super().data_received(rest)

    def _hand_over(self, rest: bytes) -> None:
        """From here on websockets reads the stream itself (it fails, closes or discards)."""
        self._rt_splitting = False
        self._rt_rest = b""
        self._rt_pending = None
        super().data_received(rest)

    def _fail(self, code: int, reason: str, rest: bytes) -> None:
        self.protocol.fail(code, reason)
        self._hand_over(rest)  # writes the close frame; websockets discards the rest

    def _split(self, data: bytes) -> None:
        pending = self._rt_pending
        if pending is not None:
            pending += data
            if len(pending) < self._rt_need:
                return
            buf = bytes(pending)
            self._rt_pending = None
        elif self._rt_rest:
            buf = self._rt_rest + data
            self._rt_rest = b""
        else:
            buf = data
        queue = self._rt_queue
        max_size = self.protocol.max_size
        plain = not self.protocol.extensions and self._rt_fragments is None
        size = len(buf)
        pos = 0
        need = 0  # the length of an incomplete frame at pos, once its header is complete
        while size - pos >= 2:
            first = buf[pos]
            second = buf[pos + 1]
            length = second & 0x7F
            start = pos + 2
            if length >= 126:
                start += 2 if length == 126 else 8
                if size < start:
                    break
                length = int.from_bytes(buf[pos + 2 : start], "big")
            end = start + length
            if first == _TEXT_FINAL and second < 0x80 and plain:  # the hot path
                if max_size is not None and length > max_size:
                    self._fail(1009, _too_big(length, 0, max_size), buf[pos:])
                    break
                if end > size:
                    need = end - pos
                    break
                try:
                    queue.append(buf[start:end].decode())
                except UnicodeDecodeError as exc:
                    self._fail(1007, f"{exc.reason} at position {exc.start}", buf[end:])
                    break
                pos = end
                continue
            after = self._other_frame(buf, pos, start, end, first, second)
            if after < 0:  # websockets has the rest of the stream
                break
            if after == pos:
                need = end - pos
                break
            pos = after
            plain = not self.protocol.extensions and self._rt_fragments is None
        if self._rt_splitting and pos < size:
            if need:
                self._rt_pending = bytearray(buf[pos:])
                self._rt_need = need
            else:
                self._rt_rest = buf[pos:]
        if queue:
            high = self._rt_high
            if high is not None and len(queue) >= high and not self._rt_paused:
                self._rt_paused = True
                self.transport.pause_reading()
            self._wake()

    def _other_frame(
        self, buf: bytes, pos: int, start: int, end: int, first: int, second: int
    ) -> int:
        """Handle any frame but a final uncompressed text frame (rare from a realtime server).

        Returns:
            The position after the frame; ``pos`` if the frame is incomplete; -1 if the rest
            of the stream went to websockets.
        """
        protocol = self.protocol
        opcode = first & 0x0F
        if second & 0x80 or opcode not in _KNOWN_OPCODES:
            self._hand_over(buf[pos:])  # masked, or a reserved opcode: websockets fails it
            return -1
        if opcode >= Opcode.CLOSE:  # a control frame: websockets answers it
            if first & 0x70 or not first & 0x80 or end - start > _CONTROL_MAX:
                self._hand_over(buf[pos:])  # websockets fails it
                return -1
            if end > len(buf):
                return pos
            state = protocol.state
            super().data_received(buf[pos:end])
            if (
                protocol.state is not state
                or protocol.close_rcvd is not None
                or protocol.parser_exc is not None
            ):
                self._hand_over(buf[end:])
                return -1
            return end
        in_message = self._rt_fragments is not None
        if opcode != Opcode.CONT and in_message:
            self._fail(1002, "expected a continuation frame", buf[pos:])
            return -1
        if (opcode == Opcode.CONT and not in_message) or (first & 0x70 and not protocol.extensions):
            self._hand_over(buf[pos:])  # websockets fails it
            return -1
        max_size = protocol.max_size
        so_far = self._rt_fragment_size
        if max_size is not None and so_far + end - start > max_size:
            self._fail(1009, _too_big(end - start, so_far, max_size), buf[pos:])
            return -1
        if end > len(buf):
            return pos
        frame = Frame(
            Opcode(opcode),
            buf[start:end],
            fin=bool(first & 0x80),
            rsv1=bool(first & 0x40),
            rsv2=bool(first & 0x20),
            rsv3=bool(first & 0x10),
        )
        try:
            for extension in reversed(protocol.extensions):
                frame = extension.decode(
                    frame, max_size=None if max_size is None else max_size - so_far
                )
            frame.check()
        except ProtocolError as exc:
            self._fail(1002, str(exc), buf[end:])
            return -1
        except PayloadTooBig as exc:
            self._fail(1009, str(exc), buf[end:])
            return -1
        payload = bytes(frame.data)
        if not frame.fin:
            if self._rt_fragments is None:
                self._rt_fragments = []
                self._rt_fragment_opcode = opcode
            self._rt_fragments.append(payload)
            self._rt_fragment_size = so_far + len(payload)
            return end
        if self._rt_fragments is not None:
            self._rt_fragments.append(payload)
            payload = b"".join(self._rt_fragments)
            opcode = self._rt_fragment_opcode
            self._rt_fragments = None
            self._rt_fragment_size = 0
        if opcode == Opcode.TEXT:
            try:
                self._rt_queue.append(payload.decode())
            except UnicodeDecodeError as exc:
                self._fail(1007, f"{exc.reason} at position {exc.start}", buf[end:])
                return -1
        else:
            self._rt_queue.append(payload)
        return end


_KNOWN_OPCODES = frozenset(int(op) for op in Opcode)


def _too_big(length: int, so_far: int, max_size: int) -> str:
    """websockets' own wording for a message over ``max_size``."""
    after = f"after reading {so_far} bytes " if so_far else ""
    return f"frame with {length} bytes {after}exceeds limit of {max_size} bytes"
