"""The WebSocket transport: a thin layer over the websockets asyncio client.

websockets does the protocol work (handshake, PING/PONG, closing handshake, flow control);
received data frames are split and queued by :class:`~._splitting.SplittingConnection`, the
websockets connection subclass this transport opens. This module adds exceptions mapped to
rtvoice's tree at the boundary, text-frames-only semantics, and keeping credentials out of
every repr, log line and exception message.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import websockets.exceptions as _ws_exceptions
from typing_extensions import Self
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as _ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.protocol import State

from ..errors import (
    AuthenticationError,
    ConnectionLostError,
    ConnectTimeoutError,
    InvalidRequestError,
    TransportClosedError,
    TransportError,
    UserError,
)
from ._base import CLEAN_CLOSE_CODES, TransportOptions, check_close_args, error_for_close
from ._splitting import SplittingConnection

__all__ = ["WebSocketTransport", "redact_url"]

_logger = logging.getLogger("rtvoice.transport")

# websockets >= 15 reads proxy settings from the environment unless told not to; a realtime
# socket (and above all a loopback test socket) must never be rerouted silently.
_HAS_PROXY_PARAMETER = "proxy" in inspect.signature(_ws_connect.__init__).parameters

# Raised for a malformed URL (and, from websockets 15, a malformed proxy setting).
_BAD_ADDRESS_ERRORS: tuple[type[Exception], ...] = tuple(
    getattr(_ws_exceptions, name)
    for name in ("InvalidURI", "InvalidProxy")
    if hasattr(_ws_exceptions, name)
)

_SECRET_QUERY_KEYS = frozenset(
    {"api-key", "api_key", "key", "authorization", "token", "access_token", "client_secret"}
)
_SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "password")
_MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words out of messages
_BODY_SNIPPET_CHARS = 300

if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:
    _LoggerAdapter = logging.LoggerAdapter


def redact_url(url: str) -> str:
    """Return ``url`` with credentials hidden, for display.

    The values of query parameters that carry credentials (``api-key``, ``key``,
    ``authorization``, ``token``, ...) and any password in the user-info part become ``***``.
    A string that does not parse as a URL is replaced as a whole by ``<unparsable url>``.

    Args:
        url: A WebSocket URL, possibly with credentials in it.

    Returns:
        The URL, safe to log.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _collect_secrets(url: str, headers: Mapping[str, str]) -> tuple[str, ...]:
    """Every credential value in the URL and headers, longest first (so redaction is greedy)."""
    found: set[str] = set()
    for name, value in headers.items():
        if any(word in name.lower() for word in _SECRET_HEADER_WORDS):
            found.add(value)
            scheme_and_token = value.split()
            if len(scheme_and_token) > 1:  # "Bearer sk-...": also mask the bare token
                found.add(scheme_and_token[-1])
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return ()  # connect() refuses such a URL before anything is sent or logged
    if password:
        found.add(password)
    for pair in parts.query.split("&"):
        raw_name, _, raw_value = pair.partition("=")
        if unquote_plus(raw_name).lower() in _SECRET_QUERY_KEYS:
            found.update((raw_value, unquote_plus(raw_value)))  # as logged, and as decoded
    return tuple(sorted((s for s in found if len(s) >= _MIN_SECRET_LENGTH), key=len, reverse=True))


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class _RedactingLogger(_LoggerAdapter):
    """Hands websockets a logger that masks this connection's credentials.

    At DEBUG level websockets logs every request header ("> Authorization: Bearer ..."), and
    the request line carries the query string.
    """

    def __init__(self, logger: logging.Logger, secrets: tuple[str, ...]) -> None:
        super().__init__(logger, {})
        self._secrets = secrets

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        clean = tuple(_redact(a, self._secrets) if isinstance(a, str) else a for a in args)
        text = _redact(msg, self._secrets) if isinstance(msg, str) else msg
        # One more frame to skip, so records point at websockets' code, not at this adapter.
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
        self.logger.log(level, text, *clean, **kwargs)


class WebSocketTransport:
    """A :class:`~rtvoice.transport.Transport` over one websockets client connection.

    Open one with :meth:`connect`. Requires the asyncio backend (websockets is asyncio-only).

    Guarantees, in addition to the :class:`~rtvoice.transport.Transport` contract:

    * Receiving: text frames are returned in order. A binary frame (the realtime server never
      sends one, PROTOCOL.md §1.2) is skipped, logged as a warning on ``rtvoice.transport``
      and counted in :attr:`skipped_binary_frames`; it does not end the connection.
    * The close that ends the connection is, in order of precedence: the close frame this end
      sent first to fail the connection (1009 for a message over ``max_size``, 1011 for a
      keepalive timeout, ...), else the close frame received from the server, else 1006.
      :attr:`close_code` / :attr:`close_reason` report it, and
      :func:`~rtvoice.transport._base.error_for_close` maps it to the exception that
      receiving raises. After this end calls :meth:`close` on an open connection, receiving
      just ends.
    * Sending after either side closed raises
      :class:`~rtvoice.errors.TransportClosedError` with that close's code and reason.
    * Credentials in headers or URL never appear in ``repr``, exception messages, close
      reasons, or the websockets debug log (which this transport routes through a redacting
      adapter on the ``websockets.client`` logger).
    """

    __slots__ = (
        "_close_requested",
        "_connection",
        "_secrets",
        "_shown_url",
        "_skipped_binary",
        "_split",
    )

    def __init__(
        self, connection: ClientConnection, *, url: str, secrets: tuple[str, ...] = ()
    ) -> None:
        """Wrap an open websockets connection; most code should call :meth:`connect` instead.

        Args:
            connection: An open ``websockets.asyncio.client.ClientConnection``.
            url: The URL it was opened with (only its redacted form is kept).
            secrets: Credential values to mask in messages derived from server text.
        """
        self._connection = connection
        # connect() opens a SplittingConnection: received messages are read from its queue.
        self._split = connection if isinstance(connection, SplittingConnection) else None
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
        ``url``); HTTP redirects are followed, with credentials dropped across origins.

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
                failed, the server answered 408, 429, 5xx or not with a valid upgrade.
            UserError: ``url`` is not a valid WebSocket URL.

            For upgrade failures ``code`` is ``None`` (no WebSocket was opened). For an HTTP
            refusal, ``reason`` is ``"HTTP <status>"`` followed by the start of the response
            body, with credentials masked.
        """
        options = options if options is not None else TransportOptions()
        request_headers = dict(headers or {})
        secrets = _collect_secrets(url, request_headers)
        shown = redact_url(url)
        kwargs: dict[str, Any] = {
            "additional_headers": request_headers,
            # Before websockets 14 a User-Agent in the headers was sent in addition to this one.
            "user_agent_header": None
            if any(name.lower() == "user-agent" for name in request_headers)
            else options.user_agent,
            "compression": options.compression,
            "open_timeout": options.open_timeout,
            "close_timeout": options.close_timeout,
            "ping_interval": options.ping_interval,
            "ping_timeout": options.ping_timeout,
            "max_size": options.max_size,
            "max_queue": options.max_queue,
            "logger": _RedactingLogger(logging.getLogger("websockets.client"), secrets),
            "create_connection": SplittingConnection,
        }
        if _HAS_PROXY_PARAMETER:
            kwargs["proxy"] = None
        try:
            connection = await _ws_connect(url, **kwargs)
        except (TimeoutError, asyncio.TimeoutError) as exc:  # before OSError: a subclass
            raise ConnectTimeoutError(
                f"opening {shown} did not complete within {options.open_timeout} s"
            ) from exc
        except InvalidStatus as exc:
            raise _rejection_error(exc, shown, secrets) from exc
        except _BAD_ADDRESS_ERRORS:
            # from None: websockets' own message quotes the raw URL, credentials included.
            raise UserError(f"not a valid WebSocket URL: {shown}") from None
        except (OSError, WebSocketException) as exc:
            detail = _redact(str(exc) or type(exc).__name__, secrets)
            raise ConnectionLostError(f"could not open {shown}: {detail}") from exc
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
        try:
            await self._connection.send(frame)
        except ConnectionClosed as exc:
            raise self._closed_error("cannot send: the transport is closed") from exc

    async def send_batch(self, frames: Sequence[str]) -> None:
        """Send text frames in order, written to the socket together when the connection is
        rtvoice's own (one system call where :meth:`send` makes one per frame).

        Raises:
            TransportClosedError: As :meth:`send`; none of the frames may have been sent.
        """
        connection = self._connection
        if not isinstance(connection, SplittingConnection):
            for frame in frames:
                await self.send(frame)
            return
        try:
            await connection.send_texts(frames)
        except ConnectionClosed as exc:
            raise self._closed_error("cannot send: the transport is closed") from exc

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
        split = self._split
        if split is not None:
            message = split.next_message()
            if isinstance(message, str):
                return message  # the hot path: no other coroutine while frames are queued
            if message is not None:
                self._skip(message)
        frame = await self._receive_or_end()
        if frame is None:
            raise StopAsyncIteration
        return frame

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Perform the closing handshake and release the socket.

        Waits at most ``close_timeout`` for the server's close frame, then drops the TCP
        connection. Idempotent; a call while another close is in progress waits for it. If
        the calling task is cancelled meanwhile, the TCP connection is aborted at once and the
        cancellation propagates, so no socket is left behind.

        Args:
            code: Close code for the close frame (1000-1003, 1007-1014 or 3000-4999).
            reason: Close reason (at most 123 UTF-8 bytes).

        Raises:
            UserError: If ``code`` or ``reason`` cannot go in a close frame.
        """
        check_close_args(code, reason, wire=True)
        if self._connection.protocol.state is State.OPEN:
            self._close_requested = True
        try:
            await self._connection.close(code, reason)
        finally:
            if self._connection.protocol.state is not State.CLOSED:
                self._connection.transport.abort()

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
        split = self._split
        while True:
            if split is not None:
                message = split.next_message()
                if message is None:
                    if not await split.wait_message():
                        self._raise_unless_clean(split.protocol.close_exc)
                        return None
                    continue
            else:
                try:
                    message = await self._connection.recv()
                except ConnectionClosed as exc:
                    self._raise_unless_clean(exc)
                    return None
            if isinstance(message, str):
                return message
            self._skip(message)

    def _raise_unless_clean(self, exc: ConnectionClosed) -> None:
        """The connection closed while receiving: return for a clean or local close, else
        raise the transport error its close code maps to."""
        if self._close_requested:
            return
        code, reason = self._outcome() or (1006, "")
        error = error_for_close(code, reason)
        if error is not None:
            raise error from exc

    def _skip(self, message: bytes) -> None:
        self._skipped_binary += 1
        _logger.warning(
            "skipped a %d-byte binary frame from %s (realtime servers send text frames only)",
            len(message),
            self._shown_url,
        )

    def _outcome(self) -> tuple[int, str] | None:
        protocol = self._connection.protocol
        if protocol.state is not State.CLOSED:
            return None
        received, sent = protocol.close_rcvd, protocol.close_sent
        if (
            sent is not None
            and sent.code not in CLEAN_CLOSE_CODES
            and (received is None or not protocol.close_rcvd_then_sent)
        ):
            return sent.code, sent.reason  # this end failed the connection first
        if received is not None:
            # A server has no business echoing a credential, but if it does, mask it.
            return received.code, _redact(received.reason, self._secrets)
        return 1006, ""

    def _closed_error(self, summary: str) -> TransportClosedError:
        code, reason = self._outcome() or (None, "")
        return TransportClosedError(
            f"{summary} (close code {code}, reason {reason!r})", code=code, reason=reason
        )


def _rejection_error(
    exc: InvalidStatus, shown_url: str, secrets: tuple[str, ...]
) -> TransportError:
    """Map an HTTP refusal of the upgrade (PROTOCOL.md §1.2: Azure answers a bad model 400)."""
    response = exc.response
    status = response.status_code
    body = (response.body or b"")[:_BODY_SNIPPET_CHARS].decode("utf-8", "replace").strip()
    reason = _redact(f"HTTP {status}: {body}" if body else f"HTTP {status}", secrets)
    error_type: type[TransportError]
    if status in (401, 403):
        error_type = AuthenticationError
    elif 400 <= status < 500 and status not in (408, 429):
        error_type = InvalidRequestError
    else:
        error_type = ConnectionLostError
    message = f"{shown_url} refused the WebSocket upgrade: {reason}"
    return error_type(message, reason=reason)
