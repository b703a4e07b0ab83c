"""Opening a WebSocket: TCP, TLS, the HTTP upgrade and its redirects, errors mapped to ours.

:func:`open_connection` follows websockets' guide to its Sans-I/O layer: parse the URI with
``websockets.uri.parse_uri``, open TCP (and TLS for ``wss://``) to its host and port, build the
upgrade request with ``ClientProtocol.connect()``, add the caller's headers, send it, and wait
for the response event. Environment proxy settings are never read: a realtime socket (and
above all a loopback test socket) must not be rerouted silently.

Redirects (300, 301, 302, 303, 307, 308 with a ``Location``) are followed up to
:data:`MAX_REDIRECTS` times; a redirect from ``wss://`` to ``ws://`` is refused, and one to
another origin (scheme, host or port) drops every header not on the allow-list of
:data:`~._redaction.SHOWN_HEADERS` (any other may carry a credential).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

import anyio
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidStatus, InvalidURI, WebSocketException
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.uri import WebSocketURI, parse_uri

from ..errors import (
    AuthenticationError,
    ConnectionLostError,
    ConnectTimeoutError,
    InvalidRequestError,
    TransportError,
    UserError,
)
from ._base import TransportOptions
from ._connection import WireConnection
from ._redaction import RedactingLogger, is_credential_header, redact, redact_url
from ._versions import incompatibility

__all__ = ["MAX_REDIRECTS", "check_headers", "check_url", "open_connection"]

MAX_REDIRECTS = 10
"""How many redirects one opening follows before giving up."""

_REDIRECTS = frozenset({300, 301, 302, 303, 307, 308})
_BODY_SNIPPET_CHARS = 300
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP field name (RFC 9110 §5.6.2)


async def open_connection(
    url: str,
    headers: Mapping[str, str],
    options: TransportOptions,
    *,
    secrets: tuple[str, ...],
    logger: RedactingLogger,
) -> tuple[WireConnection, str]:
    """Open a WebSocket and return the open connection with the URL it ended up at.

    Args:
        url: The ``ws://`` or ``wss://`` URL.
        headers: Extra upgrade headers. A ``User-Agent`` among them replaces
            ``options.user_agent``.
        options: Timeouts and limits.
        secrets: Credential values to mask in messages.
        logger: The logger websockets writes the upgrade to (it masks ``secrets``).

    Raises:
        UserError: ``url`` is not a WebSocket URL (see :func:`check_url`).
        ConnectTimeoutError: Not open within ``options.open_timeout``.
        AuthenticationError: HTTP 401 or 403.
        InvalidRequestError: Another 4xx (but 408 and 429).
        ConnectionLostError: Anything else: refused, unresolvable, TLS, 408, 429, 5xx, no
            valid upgrade, a refused or endless redirect.
    """
    request_headers = dict(headers)
    shown = redact_url(url)
    try:
        with anyio.fail_after(options.open_timeout):
            for _ in range(MAX_REDIRECTS + 1):
                wsuri = check_url(url)
                shown = redact_url(url)
                connection = await _attempt(wsuri, request_headers, options, logger)
                try:
                    await connection.handshake()
                except BaseException as exc:
                    connection.abort()
                    if exc is connection.internal_error:
                        raise incompatibility(exc) from exc
                    location = _redirect(exc)
                    if location is None:
                        raise
                    url, request_headers = _follow(url, wsuri, location, request_headers)
                    continue
                return connection, url
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            f"opening {shown} did not complete within {options.open_timeout} s"
        ) from exc
    except InvalidStatus as exc:
        raise _rejection_error(exc, shown, secrets) from exc
    except (OSError, WebSocketException) as exc:
        detail = redact(str(exc) or type(exc).__name__, secrets)
        raise ConnectionLostError(f"could not open {shown}: {detail}") from exc
    raise ConnectionLostError(f"could not open {shown}: more than {MAX_REDIRECTS} redirects")


def check_url(url: object, argument: str = "url") -> WebSocketURI:
    """Parse a WebSocket URL, or say precisely what is wrong with it.

    Args:
        url: The URL to check.
        argument: How the message names it.

    Returns:
        websockets' parsed form of the URL.

    Raises:
        UserError: ``url`` is not a string, does not parse, is not ``ws://`` or ``wss://``,
            has no host, or a port outside 1-65535. The message names ``argument`` and
            shows the URL with its credentials masked.
    """
    if not isinstance(url, str):
        raise UserError(
            f"{argument} must be a ws:// or wss:// URL (a str), not {type(url).__name__}"
        )
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # No detail from urllib: its message may quote the raw URL, credentials included.
        raise UserError(f"{argument} is not a valid URL (bad host or port): {shown}") from None
    if parts.scheme.lower() not in ("ws", "wss"):
        scheme = repr(parts.scheme) if parts.scheme else "none"
        raise UserError(f"{argument} must start with ws:// or wss:// (scheme {scheme}): {shown}")
    if not parts.hostname:
        raise UserError(f"{argument} has no host: {shown}")
    if port is not None and not 1 <= port <= 65535:
        raise UserError(f"{argument} has port {port}; a port is 1-65535: {shown}")
    try:
        return parse_uri(url)
    except (InvalidURI, ValueError):
        # from None: websockets' own message quotes the raw URL, credentials included.
        raise UserError(f"{argument} is not a valid WebSocket URL: {shown}") from None


def check_headers(headers: object) -> dict[str, str]:
    """The upgrade headers as a dict, or a :class:`UserError` naming the bad header (never
    its value, which may be a credential)."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise UserError(f"headers must be a mapping of str to str, not {type(headers).__name__}")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise UserError(f"headers: {name!r} is not a valid HTTP header name")
        if not isinstance(value, str):
            raise UserError(f"headers[{name!r}] must be a str, not {type(value).__name__}")
        if "\r" in value or "\n" in value or "\0" in value:
            raise UserError(f"headers[{name!r}] must not contain line breaks or NUL")
        checked[name] = value
    return checked


async def _attempt(
    wsuri: WebSocketURI,
    headers: Mapping[str, str],
    options: TransportOptions,
    logger: RedactingLogger,
) -> WireConnection:
    """One TCP (and TLS) connection carrying the upgrade request."""
    try:
        extensions = (
            [ClientPerMessageDeflateFactory(compress_settings={"memLevel": 5})]
            if options.compression == "deflate"
            else None
        )
        protocol = ClientProtocol(
            wsuri, extensions=extensions, max_size=options.max_size, logger=logger
        )
        request = protocol.connect()
        if options.user_agent is not None and not any(
            name.lower() == "user-agent" for name in headers
        ):
            request.headers["User-Agent"] = options.user_agent
        for name, value in headers.items():
            request.headers[name] = value
        protocol.send_request(request)
    except (TypeError, AttributeError) as exc:
        raise incompatibility(exc) from exc
    connection = WireConnection(
        protocol,
        max_queue=options.max_queue,
        ping_interval=options.ping_interval,
        ping_timeout=options.ping_timeout,
        close_timeout=options.close_timeout,
    )
    loop = asyncio.get_running_loop()
    await loop.create_connection(
        lambda: connection,
        wsuri.host,
        wsuri.port,
        ssl=ssl.create_default_context() if wsuri.secure else None,
        server_hostname=wsuri.host if wsuri.secure else None,
    )
    return connection


def _redirect(exc: BaseException) -> str | None:
    """The ``Location`` of a redirect refusal, or ``None`` if ``exc`` is anything else."""
    if not isinstance(exc, InvalidStatus):
        return None
    response = exc.response
    if response.status_code not in _REDIRECTS:
        return None
    return response.headers.get("Location")


def _follow(
    url: str, wsuri: WebSocketURI, location: str, headers: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """The next URL and headers of a redirect (see the module docstring)."""
    target = urljoin(url, location)
    try:
        new = check_url(target)
    except UserError:
        raise ConnectionLostError(
            f"{redact_url(url)} redirected to {redact_url(target)}, not a WebSocket URL"
        ) from None
    if wsuri.secure and not new.secure:
        raise ConnectionLostError(
            f"{redact_url(url)} redirected to {redact_url(target)}: a redirect from wss:// "
            "to ws:// is not followed"
        )
    if (wsuri.secure, wsuri.host, wsuri.port) != (new.secure, new.host, new.port):
        headers = {k: v for k, v in headers.items() if not is_credential_header(k)}
    return target, headers


def _rejection_error(
    exc: InvalidStatus, shown_url: str, secrets: tuple[str, ...]
) -> TransportError:
    """Map an HTTP refusal of the upgrade (Azure answers a bad model name with 400)."""
    response = exc.response
    status = response.status_code
    body = (response.body or b"")[:_BODY_SNIPPET_CHARS].decode("utf-8", "replace").strip()
    reason = redact(f"HTTP {status}: {body}" if body else f"HTTP {status}", secrets)
    error_type: type[TransportError]
    if status in (401, 403):
        error_type = AuthenticationError
    elif 400 <= status < 500 and status not in (408, 429):
        error_type = InvalidRequestError
    else:
        error_type = ConnectionLostError
    message = f"{shown_url} refused the WebSocket upgrade: {reason}"
    return error_type(message, reason=reason)
