"""The transport contract, its options, and the one close-code-to-exception mapping.

A transport moves JSON text frames between rtvoice and a realtime server, nothing else: it
never parses a frame. Both shipped transports (:class:`~rtvoice.transport.WebSocketTransport`
and the in-memory pair from :func:`~rtvoice.transport.memory_transport_pair`) map the way a
connection ends to exceptions through :func:`error_for_close`, so a close code means the same
thing whichever transport carried it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from .._version import __version__
from ..errors import (
    AuthenticationError,
    ConnectionLostError,
    InvalidRequestError,
    MessageTooBigError,
    TransportError,
    UserError,
)

__all__ = [
    "CLEAN_CLOSE_CODES",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_USER_AGENT",
    "Transport",
    "TransportOptions",
    "check_close_args",
    "error_for_close",
]

CLEAN_CLOSE_CODES: frozenset[int] = frozenset({1000, 1001, 1005})
"""Close codes that end a connection cleanly: iteration ends, nothing is raised.

1000 is a normal closure and 1001 "going away". 1005 is what a close frame *without* a status
code reads as (RFC 6455 §7.1.5): the peer closed on purpose, so websockets also treats it as OK.
"""

DEFAULT_MAX_SIZE = 16 * 2**20
"""Default limit, in bytes, on one received message (16 MiB).

The protocol lets a client append up to 15 MiB of base64 audio in one event,
and the server can echo such an item back (``conversation.item.retrieved``), so anything the
client may legitimately send also fits when it comes back, while a misbehaving server still
cannot make one message use unbounded memory.
"""


DEFAULT_USER_AGENT = f"rtvoice/{__version__} Python/{sys.version_info[0]}.{sys.version_info[1]}"
"""The ``User-Agent`` sent on the upgrade unless the options or the headers say otherwise."""


@runtime_checkable
class Transport(Protocol):
    """A connected, bidirectional channel of JSON text frames (the contract of ``transport/``).

    Ordering and concurrency guarantees every implementation gives:

    * Frames arrive in the order the peer sent them. Frames the peer sent before closing are
      all delivered before the close is reported (so an ``error`` event that precedes a 3000
      close is always seen first).
    * Any number of tasks may call :meth:`send` concurrently; each frame is sent whole, and the
      frames of one task go out in call order. At most one task may receive at a time.
    * How the connection ended is reported once per receive call, on the receiving side:
      iteration ends normally after a clean close (:data:`CLEAN_CLOSE_CODES`) or after this
      end called :meth:`close`; otherwise it raises the exception chosen by
      :func:`error_for_close`. :meth:`send` on a closed transport always raises
      :class:`~rtvoice.errors.TransportClosedError` (carrying the close code and reason), never
      the mapped exception: the reader is the one channel for "why did it close".
    """

    @property
    def close_code(self) -> int | None:
        """The close code that ended the connection, or ``None`` while it is open."""
        ...

    @property
    def close_reason(self) -> str:
        """The close reason that went with :attr:`close_code` (``""`` while open or if none)."""
        ...

    async def send(self, frame: str) -> None:
        """Send one text frame.

        Args:
            frame: The frame, normally one JSON-encoded client event.

        Raises:
            TransportClosedError: The transport was closed, by either side, before or while
                sending. Its ``code`` and ``reason`` are those of the close.
        """
        ...

    async def receive(self) -> str:
        """Wait for and return the next received text frame.

        Returns:
            The next frame, in the order the peer sent it.

        Raises:
            TransportClosedError: The connection closed cleanly, or this end closed it.
            TransportError: The subclass :func:`error_for_close` picks for any other close.
        """
        ...

    def __aiter__(self) -> AsyncIterator[str]:
        """Iterate over received frames until the connection closes.

        Iteration ends normally on a clean close or after this end's :meth:`close`, and raises
        like :meth:`receive` otherwise.
        """
        ...

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection and release its resources.

        Idempotent: a second call (or a call after the peer closed) does nothing more. Safe to
        call from a cancelled scope: the connection is closed (or dropped) before the
        cancellation propagates.

        Args:
            code: The close code to send.
            reason: The close reason to send (at most 123 UTF-8 bytes).
        """
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportOptions:
    """How a :class:`~rtvoice.transport.WebSocketTransport` opens and runs its connection.

    Every timeout is in seconds; ``None`` disables it.

    Attributes:
        open_timeout: Limit on DNS, TCP, TLS and the HTTP upgrade together; when it passes,
            opening raises :class:`~rtvoice.errors.ConnectTimeoutError`.
        close_timeout: How long :meth:`Transport.close` waits for the server's close frame
            before dropping the TCP connection.
        ping_interval: Interval between keepalive PINGs this client sends (the server also PINGs
            about every 20 s and the client answers automatically).
        ping_timeout: How long to wait for a PONG before declaring the connection lost
            (:class:`~rtvoice.errors.ConnectionLostError`, code 1011).
        max_size: Largest received message in bytes; a larger one fails the connection with
            :class:`~rtvoice.errors.MessageTooBigError` (code 1009). ``None`` removes the limit.
            The default, :data:`DEFAULT_MAX_SIZE`, is 16 MiB.
        max_queue: How many received frames may wait to be read. When the queue is full the
            client stops reading the socket, so TCP flow control slows the server down: memory
            stays bounded by about ``max_queue * max_size``.
        user_agent: The ``User-Agent`` header; ``None`` sends none. A ``User-Agent`` given in
            the connect headers wins over this.
        compression: ``None`` (the default) sends frames as they are; ``"deflate"`` offers
            permessage-deflate, which cuts the bytes of a call by a quarter to three quarters
            (depending on the audio) at about 23 % more CPU per received audio delta, ten times
            the work per sent audio chunk and some 44 KB more memory per session (measured in
            ``docs/performance.md``): worth it where bandwidth costs more than CPU.

    Raises:
        UserError: On construction, if a value has the wrong type or is out of range (a
            timeout that is not a finite number > 0, a ``max_size`` that is not an integer
            >= 1, ...); the message names the option.
    """

    open_timeout: float | None = 10.0
    close_timeout: float | None = 5.0
    ping_interval: float | None = 20.0
    ping_timeout: float | None = 20.0
    max_size: int | None = DEFAULT_MAX_SIZE
    max_queue: int = 16
    user_agent: str | None = DEFAULT_USER_AGENT
    compression: Literal["deflate"] | None = None

    def __post_init__(self) -> None:
        for name in ("open_timeout", "close_timeout", "ping_interval", "ping_timeout"):
            value = getattr(self, name)
            if value is not None and not _is_positive_number(value):
                raise UserError(
                    f"TransportOptions.{name} must be a finite number of seconds > 0, or None; "
                    f"got {value!r}"
                )
        if self.max_size is not None and not _is_int_at_least(self.max_size, 1):
            raise UserError(
                f"TransportOptions.max_size must be an integer number of bytes >= 1, or None; "
                f"got {self.max_size!r}"
            )
        if not _is_int_at_least(self.max_queue, 1):
            raise UserError(
                f"TransportOptions.max_queue must be an integer >= 1, got {self.max_queue!r}"
            )
        user_agent = self.user_agent
        if user_agent is not None and (
            not isinstance(user_agent, str) or "\r" in user_agent or "\n" in user_agent
        ):
            raise UserError(
                "TransportOptions.user_agent must be a string without line breaks, or None; "
                f"got {type(user_agent).__name__}"
            )
        if self.compression not in ("deflate", None):
            raise UserError(
                f"TransportOptions.compression must be 'deflate' or None, got {self.compression!r}"
            )


def _is_positive_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _is_int_at_least(value: object, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


_SUMMARIES: dict[int, str] = {
    1006: "the connection was lost without a close frame",
    1009: "a message exceeded the size limit",
    1011: "the connection failed (internal error or keepalive timeout)",
    3000: "the server rejected the credentials",
    4000: "the server rejected the request",
}


def error_for_close(code: int, reason: str) -> TransportError | None:
    """Map how a connection ended to the exception a receiver raises (the only such mapping).

    Pure: it builds the exception and returns it; raising (with ``from``) is the caller's job.

    ===================================  ===========================================
    code                                 result
    ===================================  ===========================================
    1000, 1001, 1005 (clean)             ``None``: iteration simply ends
    3000                                 :class:`~rtvoice.errors.AuthenticationError`
    4000                                 :class:`~rtvoice.errors.InvalidRequestError`
    1009                                 :class:`~rtvoice.errors.MessageTooBigError`
    anything else (1006, 1011, ...)      :class:`~rtvoice.errors.ConnectionLostError`
    ===================================  ===========================================

    Args:
        code: The close code (1006 when no close frame was exchanged).
        reason: The close reason (may be empty).

    Returns:
        The exception, whose ``code`` and ``reason`` are the arguments and whose message
        includes both; or ``None`` for a clean close.
    """
    if code in CLEAN_CLOSE_CODES:
        return None
    error_type: type[TransportError]
    if code == 3000:
        error_type = AuthenticationError
    elif code == 4000:
        error_type = InvalidRequestError
    elif code == 1009:
        error_type = MessageTooBigError
    else:
        error_type = ConnectionLostError
    summary = _SUMMARIES.get(code, "the connection closed abnormally")
    message = f"{summary} (close code {code}, reason {reason!r})"
    return error_type(message, code=code, reason=reason)


def check_close_args(code: int, reason: str, *, wire: bool) -> None:
    """Check the arguments of a ``close()`` call before acting on them.

    Args:
        code: The close code. On the wire (``wire=True``) it must be one a close frame may
            carry (RFC 6455 §7.4: 1000-1003, 1007-1014, 3000-4999); in memory any code from
            1000 to 4999 is allowed, so tests can simulate 1006 and friends.
        reason: The close reason; at most 123 bytes once UTF-8 encoded (RFC 6455 §5.5).
        wire: Whether the close frame really goes on a WebSocket.

    Raises:
        UserError: If the code or the reason cannot be sent.
    """
    if wire:
        valid = code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999
    else:
        valid = 1000 <= code <= 4999
    if not valid:
        raise UserError(f"close code {code} cannot be sent in a close frame")
    if len(reason.encode("utf-8")) > 123:
        raise UserError("close reason must be at most 123 bytes in UTF-8")
