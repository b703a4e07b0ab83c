"""Every exception rtvoice raises derives from :class:`RealtimeError`.

The tree::

    RealtimeError
    ├── UserError                 bad use of the library: config, credentials, arguments
    ├── TransportError            the connection failed; carries the close code and reason
    │   ├── ConnectTimeoutError   the opening handshake did not finish in time
    │   ├── AuthenticationError   the server closed with 3000 (bad or missing credentials)
    │   ├── InvalidRequestError   the server closed with 4000 (bad model, beta shape, ...)
    │   ├── ConnectionLostError   any other abnormal close (network, 1006, 1011, ...)
    │   │   └── MessageTooBigError    a frame exceeded ``max_size`` (close 1009)
    │   └── TransportClosedError  a send (or receive) on a transport that is already closed
    ├── ProviderError             the server reported a fatal error event
    ├── ToolError                 a tool failed (carried in ToolResult.error, never raised
    │   ├── ToolArgumentsError        to the session: the model gets an error output)
    │   └── ToolTimeoutError
    └── GuardrailError            a guardrail returned something other than its output type

``ToolError`` and its subclasses live in :mod:`rtvoice.tools`, ``GuardrailError`` in
:mod:`rtvoice.guardrails`, ``HandoffInputError`` (a ``UserError``) in :mod:`rtvoice.handoffs`.

A clean close (code 1000, or 1001 "going away") is not an exception: iteration over a
transport (and over a session) simply ends.

Recoverable server errors never raise: they reach the application as ``error`` events.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "InvalidRequestError",
    "MessageTooBigError",
    "ProviderError",
    "RealtimeError",
    "TransportClosedError",
    "TransportError",
    "UserError",
]


class RealtimeError(Exception):
    """Root of every exception raised by rtvoice."""


class UserError(RealtimeError):
    """The library was used wrongly: an unknown config key, a missing credential, ...

    The message names the offending argument, key or environment variable, and never
    contains a secret.
    """


class TransportError(RealtimeError):
    """The connection to the realtime server failed or was closed abnormally.

    Attributes:
        code: The WebSocket close code, when a close frame was received or sent.
        reason: The close reason sent by the server (may be empty).
    """

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class ConnectTimeoutError(TransportError):
    """The opening handshake did not complete within the configured ``open_timeout``."""


class AuthenticationError(TransportError):
    """The server rejected the credentials (close code 3000)."""


class InvalidRequestError(TransportError):
    """The server rejected the request shape (close code 4000)."""


class ConnectionLostError(TransportError):
    """The connection ended without a clean close (network failure, 1006, 1011, ...)."""


class MessageTooBigError(ConnectionLostError):
    """A received frame exceeded the transport's ``max_size`` (close code 1009)."""


class TransportClosedError(TransportError):
    """The transport is closed: raised by a send after either side closed, and by a receive
    after a clean close or after this end closed. Iterating a transport never raises it; the
    iteration just ends."""


class ProviderError(RealtimeError):
    """The server reported an error that ends the session (e.g. ``session_expired``).

    Attributes:
        code: The server's ``error.code`` (may be ``None``).
        error_type: The server's ``error.type``, e.g. ``invalid_request_error``.
    """

    def __init__(self, message: str, *, code: str | None = None, error_type: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.error_type = error_type
