"""The default model: one transport plus one :class:`~rtvoice.model.openai.OpenAICodec`.

Nothing else sits between the socket and the session: no task, no queue, no per-frame
logging. Each received frame is decoded where it is read and its events are handed straight
to the one iterating task, so the transport's own bounded receive queue is the only buffer
and its backpressure reaches the server unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from types import TracebackType

from typing_extensions import Self

from ..errors import TransportClosedError, UserError
from ..transport import Transport, WebSocketTransport
from ._base import ConnectRequest
from .commands import ModelCommand
from .events import ModelEvent
from .openai import Dialect, OpenAICodec
from .openai._decode_events import skippable_prefixes

__all__ = ["OpenAIRealtimeModel"]


class OpenAIRealtimeModel:
    """A :class:`~rtvoice.model.RealtimeModel` speaking the OpenAI Realtime protocol.

    Open one per session with :meth:`connect` (which is itself a
    :class:`~rtvoice.model.ModelConnector`), or wrap a transport that is already connected,
    e.g. one end of :func:`~rtvoice.transport.memory_transport_pair`::

        model = await OpenAIRealtimeModel.connect(
            ConnectRequest(url=provider.build_url("gpt-realtime"),
                           headers=provider.build_headers(), dialect=provider.dialect)
        )
        async with model:
            await model.send(UpdateSession(session=SessionConfig(instructions="Be brief.")))
            async for event in model.events():
                ...

    Contract (that of :class:`~rtvoice.model.RealtimeModel`):

    * :meth:`events` may be called once. It yields the events of each frame in arrival
      order, in the task that iterates. A malformed frame is a ``DecodeError`` event.
      Iteration ends normally on a clean close (1000, 1001, 1005) or once :meth:`close` was
      called (frames still buffered then are dropped),
      and raises the transport's typed error otherwise: a server that refuses the credentials
      after the upgrade (OpenAI answers 101, then ``error`` and close 3000)
      gives the :class:`~rtvoice.model.events.ErrorEvent` first, then
      :class:`~rtvoice.errors.AuthenticationError`.
    * :meth:`send` may be called from any task, concurrently with iteration and with other
      sends; frames go out in call order per task. It waits while the socket's write buffer is
      full (backpressure) and raises :class:`~rtvoice.errors.TransportClosedError` once
      either side has closed.
    * :meth:`close` is idempotent and safe under cancellation (the transport guarantees that
      the socket is closed or aborted before a cancellation propagates).

    The model counts what passes through it (:attr:`frames_received`, :attr:`chars_received`,
    :attr:`frames_sent`, :attr:`chars_sent`) as plain integers, for metrics.

    Args:
        transport: A connected transport; the model owns it from now on and closes it in
            :meth:`close`.
        dialect: The protocol shape the server speaks (what :meth:`send` writes).
    """

    __slots__ = (
        "_chars_received",
        "_chars_sent",
        "_close_requested",
        "_codec",
        "_frames_received",
        "_frames_sent",
        "_ignored",
        "_iterated",
        "_transport",
    )

    def __init__(self, transport: Transport, *, dialect: Dialect = "ga") -> None:
        self._transport = transport
        self._codec = OpenAICodec(dialect)
        self._ignored: tuple[str, ...] = ()
        """How the frames :meth:`events` skips begin (:meth:`ignore_events`)."""
        self._iterated = False
        self._close_requested = False
        self._frames_received = 0
        self._chars_received = 0
        self._frames_sent = 0
        self._chars_sent = 0

    @classmethod
    async def connect(cls, request: ConnectRequest) -> Self:
        """Open a WebSocket for ``request`` and return the model around it.

        Only the upgrade happens here; nothing is read. A server that accepts the upgrade and
        then rejects the session (OpenAI's bad key: ``error`` + close 3000) is reported by the
        first steps of :meth:`events`, not by this method.

        Args:
            request: URL, headers (never logged), dialect and transport options.

        Returns:
            The connected model; the caller owns it and must :meth:`close` it.

        Raises:
            TransportError: The subclass :meth:`WebSocketTransport.connect
                <rtvoice.transport.WebSocketTransport.connect>` raises: e.g.
                ``AuthenticationError`` for an HTTP 401/403 upgrade refusal,
                ``ConnectTimeoutError``, ``ConnectionLostError``.
            UserError: ``request.url`` is not a WebSocket URL.
        """
        transport = await WebSocketTransport.connect(
            request.url, headers=request.headers, options=request.transport_options
        )
        return cls(transport, dialect=request.dialect)

    def __repr__(self) -> str:
        # The transport's repr redacts credentials in the URL; headers are never kept here.
        state = "closed" if self.closed else "open"
        return f"<OpenAIRealtimeModel dialect={self.dialect!r} {state} {self._transport!r}>"

    @property
    def dialect(self) -> Dialect:
        """The protocol shape this model writes."""
        return self._codec.dialect

    @property
    def closed(self) -> bool:
        """Whether either side has closed the connection (or :meth:`close` was called)."""
        return self._close_requested or self._transport.close_code is not None

    @property
    def close_code(self) -> int | None:
        """The close code that ended the connection, or ``None`` while it is open."""
        return self._transport.close_code

    @property
    def close_reason(self) -> str:
        """The close reason that went with :attr:`close_code` (credentials masked)."""
        return self._transport.close_reason

    @property
    def frames_received(self) -> int:
        """Text frames read from the server so far."""
        return self._frames_received

    @property
    def chars_received(self) -> int:
        """Characters in those frames (equal to bytes for the ASCII JSON servers send)."""
        return self._chars_received

    @property
    def frames_sent(self) -> int:
        """Text frames written to the server so far."""
        return self._frames_sent

    @property
    def chars_sent(self) -> int:
        """Characters in those frames (bytes, since rtvoice writes ASCII JSON)."""
        return self._chars_sent

    def events(self) -> AsyncIterator[ModelEvent]:
        """The server's events, in arrival order, until the connection ends.

        Returns:
            An iterator for one task at a time; see the class docstring for how it ends.

        Raises:
            UserError: Called a second time (the events can be read once).
        """
        if self._iterated:
            raise UserError("OpenAIRealtimeModel.events() may be called only once")
        self._iterated = True
        return self._read()

    async def _read(self) -> AsyncIterator[ModelEvent]:
        # The audio hot path: one transport read, one decode, one yield per event.
        decode = self._codec.decode
        async for frame in self._transport:
            self._frames_received += 1
            self._chars_received += len(frame)
            if self._ignored and frame.startswith(self._ignored):
                continue
            for event in decode(frame):
                # A transport still hands out frames it buffered before our close; the
                # contract is that nothing comes after close().
                if self._close_requested:
                    return
                yield event

    def ignore_events(self, kinds: Collection[type[ModelEvent]]) -> None:
        """Leave events of ``kinds`` out of :meth:`events` from now on, where a frame can
        only give such an event: it is counted as received and not decoded (so a malformed
        one gives no ``DecodeError`` either). Events of ``kinds`` that other frames give
        still come. A session calls this with the kinds it ignores, unless the application
        asked for raw model events."""
        self._ignored = skippable_prefixes(kinds)

    async def send(self, command: ModelCommand) -> None:
        """Encode ``command`` in the model's dialect and send it as one frame.

        Args:
            command: Any model command; ``SendRaw`` goes out as given.

        Raises:
            TransportClosedError: Either side closed the connection, before or while
                sending (nothing is encoded after :meth:`close`).
            TypeError: A ``SendRaw`` event (or an ``extra`` / ``raw`` mapping) holds a value
                JSON cannot represent; nothing is sent.
            ValueError: The same for a circular structure or a NaN / infinite float.
        """
        if self._close_requested:
            code = self._transport.close_code
            raise TransportClosedError(
                f"cannot send {command.type}: the model is closed (close code {code})",
                code=code,
                reason=self._transport.close_reason,
            )
        frame = self._codec.encode(command)
        await self._transport.send(frame)
        self._frames_sent += 1
        self._chars_sent += len(frame)

    async def send_batch(self, commands: Sequence[ModelCommand]) -> None:
        """Send commands in order, as :meth:`send` would one after another, their frames
        written to the socket together (a WebSocket transport writes them with one system
        call).

        Raises:
            TransportClosedError: As :meth:`send`; some of the commands may not have been
                sent.
            TypeError: A command cannot be encoded (see :meth:`send`); nothing is sent.
            ValueError: The same.
        """
        if self._close_requested:
            for command in commands:
                await self.send(command)  # raises, encoding nothing
            return
        frames = [self._codec.encode(command) for command in commands]
        transport = self._transport
        if isinstance(transport, WebSocketTransport):
            await transport.send_batch(frames)
            self._frames_sent += len(frames)
            self._chars_sent += sum(map(len, frames))
            return
        for frame in frames:
            await transport.send(frame)
            self._frames_sent += 1
            self._chars_sent += len(frame)

    async def close(self) -> None:
        """Close the connection (code 1000); :meth:`events` then ends normally.

        Idempotent, and safe to call from a cancelled scope or concurrently with a reader or a
        sender (they end with the outcomes described in the class docstring).
        """
        self._close_requested = True
        await self._transport.close()

    async def __aenter__(self) -> Self:
        """Return the model; leaving the block closes it."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the model."""
        await self.close()
