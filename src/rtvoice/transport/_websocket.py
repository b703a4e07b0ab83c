"""The WebSocket transport: rtvoice's :class:`~rtvoice.transport.Transport` over a real socket.

The protocol work is websockets' Sans-I/O layer, driven by :class:`~._connection.
WireConnection` (receiving, keepalive, closing) and opened by
:func:`~._handshake.open_connection` (TCP, TLS, upgrade, redirects). This module adds the
transport contract on top: text frames only, the way a connection ended mapped to rtvoice's
exceptions, and credentials kept out of every repr, log line and exception message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from types import TracebackType

from typing_extensions import Self
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from ..errors import TransportClosedError, UserError
from ._base import CLEAN_CLOSE_CODES, TransportOptions, check_close_args, error_for_close
from ._connection import WireConnection
from ._handshake import check_headers, check_url, open_connection
from ._redaction import RedactingLogger, collect_secrets, redact, redact_url
from ._versions import incompatibility

__all__ = ["WebSocketTransport", "redact_url"]

_logger = logging.getLogger("rtvoice.transport")


class WebSocketTransport:
    """A :class:`~rtvoice.transport.Transport` over one WebSocket client connection.

    Open one with :meth:`connect`. Requires the asyncio backend (its socket is an asyncio
    transport).

    Guarantees, in addition to the :class:`~rtvoice.transport.Transport` contract:

    * Receiving: text frames are returned in order. A binary frame (a realtime server never
      sends one) is skipped, logged as a warning on ``rtvoice.transport`` and counted in
      :attr:`skipped_binary_frames`; it does not end the connection.
    * The close that ends the connection is, in order of precedence: the close frame this end
      sent first to fail the connection (1009 for a message over ``max_size``, 1007 for
      invalid UTF-8, 1011 for a keepalive timeout, 1002 for a protocol violation), else the
      close frame received from the server, else 1006. :attr:`close_code` /
      :attr:`close_reason` report it, and :func:`~rtvoice.transport._base.error_for_close`
      maps it to the exception that receiving raises. After this end calls :meth:`close` on
      an open connection, receiving just ends, and frames not read yet are dropped.
    * Sending after either side closed raises
      :class:`~rtvoice.errors.TransportClosedError` with that close's code and reason.
    * Credentials in headers or URL never appear in ``repr``, exception messages, close
      reasons, or websockets' log at any level (written to the ``websockets.client`` logger
      through a redacting adapter). What counts as a credential is decided by allow-list
      (:mod:`~rtvoice.transport._redaction`): every header value and query value whose name
      is not known to carry none.
    * After either side closed or failed the connection, every send raises
      :class:`~rtvoice.errors.TransportClosedError` with that close's code and reason.
    """

    __slots__ = ("_close_requested", "_connection", "_secrets", "_shown_url", "_skipped_binary")

    def __init__(
        self, connection: WireConnection, *, url: str, secrets: tuple[str, ...] = ()
    ) -> None:
        """Wrap an open connection; call :meth:`connect` instead.

        Args:
            connection: An open connection from the transport's opening handshake.
            url: The URL it was opened with (only its redacted form is kept).
            secrets: Credential values to mask in messages derived from server text.
        """
        self._connection = connection
        self._shown_url = redact_url(url)
        self._secrets = secrets
        self._close_requested = False
        self._skipped_binary = 0

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        options: TransportOptions | None = None,
    ) -> WebSocketTransport:
        """Open a WebSocket connection and return it as a transport.

        Environment proxy settings are ignored (the connection always goes straight to
        ``url``); HTTP redirects are followed (at most 10; never from ``wss://`` to
        ``ws://``), and headers that may carry credentials are dropped across origins.

        When the upgrade fails, the error's ``code`` is ``None`` (no WebSocket was opened); for
        an HTTP refusal, its ``reason`` is ``"HTTP <status>"`` followed by the start of the
        response body, with credentials masked.

        Args:
            url: ``ws://`` or ``wss://`` URL, e.g. from a provider's ``build_url()``.
            headers: Extra headers for the HTTP upgrade (``Authorization``, ``api-key``,
                ``OpenAI-Project``, ...). A ``User-Agent`` here replaces
                ``options.user_agent``.
            options: Timeouts and limits; defaults to ``TransportOptions()``.

        Returns:
            The open transport. The caller owns it and must :meth:`close` it.

        Raises:
            ConnectTimeoutError: DNS, TCP, TLS and upgrade did not finish within
                ``options.open_timeout``.
            AuthenticationError: The server refused the upgrade with HTTP 401 or 403.
            InvalidRequestError: The server refused the upgrade with another 4xx status
                (except 408 and 429), e.g. Azure's 400 ``OperationNotSupported``.
            ConnectionLostError: The connection was refused, the name did not resolve, TLS
                failed, the server answered 408, 429, 5xx or not with a valid upgrade, or a
                redirect could not be followed.
            UserError: ``url`` is not a ``ws://`` or ``wss://`` URL with a host (and a port
                from 1 to 65535), a header name or value cannot be sent, or ``options`` is
                not a :class:`TransportOptions`; the message names the argument.
        """
        if options is None:
            options = TransportOptions()
        elif not isinstance(options, TransportOptions):
            raise UserError(
                f"options must be a TransportOptions or None, not {type(options).__name__}"
            )
        request_headers = check_headers(headers)
        check_url(url)  # before anything is resolved, sent or logged
        secrets = collect_secrets(url, request_headers)
        logger = RedactingLogger(logging.getLogger("websockets.client"), secrets)
        connection, _ = await open_connection(
            url, request_headers, options, secrets=secrets, logger=logger
        )
        return cls(connection, url=url, secrets=secrets)

    def __repr__(self) -> str:
        return f"<WebSocketTransport url={self._shown_url!r}>"

    @property
    def close_code(self) -> int | None:
        """The close code that ended the connection (see the class docstring), or ``None``."""
        outcome = self._outcome()
        return None if outcome is None else outcome[0]

    @property
    def close_reason(self) -> str:
        """The reason that went with :attr:`close_code` (``""`` while open or if none)."""
        outcome = self._outcome()
        return "" if outcome is None else outcome[1]

    @property
    def skipped_binary_frames(self) -> int:
        """How many binary frames receiving has skipped so far."""
        return self._skipped_binary

    async def send(self, frame: str) -> None:
        """Send one text frame.

        Concurrent calls are safe; each frame is sent whole. Waits while the socket's write
        buffer is full (TCP backpressure).

        Args:
            frame: The frame, normally one JSON-encoded client event.

        Raises:
            TypeError: If ``frame`` is not a ``str``.
            TransportClosedError: The connection was closed, by either side, before or
                while sending; ``code`` and ``reason`` are those of the close.
        """
        if not isinstance(frame, str):
            raise TypeError(f"a transport sends text frames (str), not {type(frame).__name__}")
        await self.send_batch((frame,))

    async def send_batch(self, frames: Sequence[str]) -> None:
        """Send text frames in order, written to the socket together (one system call where
        :meth:`send` makes one per frame).

        Raises:
            TransportClosedError: As :meth:`send`; then none of the frames was sent.
        """
        connection = self._connection
        if not connection.is_open():
            raise self._closed_error("cannot send: the transport is closed")
        try:
            await connection.send_texts(frames)
        except (TypeError, AttributeError) as exc:
            raise incompatibility(exc) from exc

    async def receive(self) -> str:
        """Wait for and return the next text frame.

        Cancelling it is safe: no frame is lost. Only one task may receive at a time.

        Returns:
            The next text frame.

        Raises:
            TransportClosedError: The connection closed cleanly, or this end closed it.
            TransportError: The mapped subclass for any other close (see the class
                docstring).
        """
        frame = await self._receive_or_end()
        if frame is None:
            raise self._closed_error("the transport is closed; no more frames")
        return frame

    def __aiter__(self) -> Self:
        """Iterate over received text frames until the connection closes.

        Ends normally on a clean close or after :meth:`close`; raises like :meth:`receive`
        otherwise.
        """
        return self

    async def __anext__(self) -> str:
        """Return the next frame, or end iteration on a clean or local close."""
        message = self._connection.take()
        if type(message) is str:
            return message  # the hot path: no await while frames are queued
        if isinstance(message, bytes):
            self._skip(message)
        frame = await self._receive_or_end()
        if frame is None:
            raise StopAsyncIteration
        return frame

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Perform the closing handshake and release the socket.

        Frames received but not read yet are dropped. Waits at most ``close_timeout`` for the
        server to close the TCP connection after the close frames, then drops it.
        Idempotent; a call while another close is in progress waits for it. If the calling
        task is cancelled meanwhile, the TCP connection is aborted at once and the
        cancellation propagates, so no socket is left behind.

        Args:
            code: Close code for the close frame (1000-1003, 1007-1014 or 3000-4999).
            reason: Close reason (at most 123 UTF-8 bytes).

        Raises:
            UserError: If ``code`` or ``reason`` cannot go in a close frame.
        """
        check_close_args(code, reason, wire=True)
        connection = self._connection
        if connection.is_open():
            self._close_requested = True
        connection.close(code, reason)
        try:
            await connection.wait_lost()  # bounded: the close timer aborts after close_timeout
        finally:
            if not connection.lost:
                connection.abort()

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
        connection = self._connection
        while True:
            message = connection.take()
            if message is None:
                if not await connection.wait_message():
                    self._raise_unless_clean()
                    return None
                continue
            if isinstance(message, str):
                return message
            self._skip(message)

    def _raise_unless_clean(self) -> None:
        """The connection is gone: return for a clean or local close, else raise the
        transport error its close code maps to."""
        internal = self._connection.internal_error
        if internal is not None:
            raise incompatibility(internal) from internal
        if self._close_requested:
            return
        code, reason = self._outcome() or (1006, "")
        error = error_for_close(code, reason)
        if error is not None:
            raise error from self._close_exception()

    def _skip(self, message: bytes) -> None:
        self._skipped_binary += 1
        _logger.warning(
            "skipped a %d-byte binary frame from %s (realtime servers send text frames only)",
            len(message),
            self._shown_url,
        )

    def _close_exception(self) -> ConnectionClosed | None:
        protocol = self._connection.protocol
        return protocol.close_exc if protocol.state is State.CLOSED else None

    def _outcome(self) -> tuple[int, str] | None:
        closed = self._close_exception()
        if closed is None:
            return None
        received, sent = closed.rcvd, closed.sent
        if (
            sent is not None
            and sent.code not in CLEAN_CLOSE_CODES
            and (received is None or not closed.rcvd_then_sent)
        ):
            return sent.code, sent.reason  # this end failed the connection first
        if received is not None:
            # A server has no business echoing a credential, but if it does, mask it.
            return received.code, redact(received.reason, self._secrets)
        return 1006, ""

    def _closed_error(self, summary: str) -> TransportClosedError:
        code, reason = self._outcome() or (None, "")
        return TransportClosedError(
            f"{summary} (close code {code}, reason {reason!r})", code=code, reason=reason
        )
