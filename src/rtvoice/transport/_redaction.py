"""Keeping credentials out of everything a connection shows: URLs, messages and logs.

The rule is an allow-list, not a guess at what a secret looks like: a credential can travel
under any header name a gateway invents (``X-Gateway-Credential``) and in any query
parameter (``?sig=...``), so every value is treated as secret unless its name is known to
carry none.

* Headers: only the values of :data:`SHOWN_HEADERS` (``User-Agent``, ``OpenAI-Beta``,
  ``OpenAI-Organization``, ``OpenAI-Project``, ``Content-Type``, the WebSocket handshake
  headers, ...) are shown; every other value is masked, and is not sent on to another
  origin when a redirect leads there.
* URLs: only the values of the query parameters in :data:`SHOWN_QUERY_KEYS` (``model``,
  ``deployment``, ``api-version``, ``call_id``, ``intent``) are shown; every other value,
  and the whole user-info part (``user:password@``), becomes ``***``.

:func:`redact_url` hides them in a URL for display, :func:`collect_secrets` lists the
values to mask, :func:`redact` masks them in any text that came from elsewhere (a server's
error body or close reason), and :class:`RedactingLogger` masks them in websockets' log,
which at DEBUG level prints the request line and every request header.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

__all__ = [
    "SHOWN_HEADERS",
    "SHOWN_QUERY_KEYS",
    "RedactingLogger",
    "collect_secrets",
    "is_credential_header",
    "redact",
    "redact_url",
]

SHOWN_HEADERS: frozenset[str] = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "content-type",
        "date",
        "host",
        "openai-beta",
        "openai-organization",
        "openai-project",
        "origin",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "sec-websocket-key",
        "sec-websocket-protocol",
        "sec-websocket-version",
        "server",
        "upgrade",
        "user-agent",
        "x-request-id",
    }
)
"""Header names (lower case) whose values carry no credential: shown in logs, kept across
origins on a redirect. Every other header's value is masked."""

SHOWN_QUERY_KEYS: frozenset[str] = frozenset(
    {"model", "deployment", "api-version", "api_version", "call_id", "intent"}
)
"""Query parameter names (lower case) whose values are shown; every other value is masked."""

_MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words out of messages

if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:
    _LoggerAdapter = logging.LoggerAdapter


def redact_url(url: str) -> str:
    """Return ``url`` with credentials hidden, for display.

    The values of query parameters not in :data:`SHOWN_QUERY_KEYS` and the user-info part
    become ``***``. Anything that does not parse as a URL (or is not a string) is replaced
    as a whole by ``<unparsable url>``.

    Args:
        url: A WebSocket URL, possibly with credentials in it.

    Returns:
        The URL, safe to log.
    """
    if not isinstance(url, str):
        return "<unparsable url>"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{_MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, v if k.lower() in SHOWN_QUERY_KEYS else _MASK) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_target(target: str) -> str:
    """A request target (``/v1/realtime?model=m&key=k``) with its query values masked."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    pairs = parse_qsl(query, keep_blank_values=True)
    shown = urlencode(
        [(k, v if k.lower() in SHOWN_QUERY_KEYS else _MASK) for k, v in pairs], safe="*"
    )
    return f"{path}?{shown}"


def is_credential_header(name: str) -> bool:
    """Whether a header of this name may carry a credential: any name not in
    :data:`SHOWN_HEADERS`. Its value is masked, and it is not sent on to another origin
    when a redirect leads there."""
    return name.lower() not in SHOWN_HEADERS


def collect_secrets(url: str, headers: Mapping[str, str]) -> tuple[str, ...]:
    """Every credential value in the URL and headers, longest first (so redaction is greedy)."""
    found: set[str] = set()
    for name, value in headers.items():
        if is_credential_header(name) and isinstance(value, str):
            found.add(value)
            scheme_and_token = value.split()
            if len(scheme_and_token) > 1:  # "Bearer sk-...": also mask the bare token
                found.add(scheme_and_token[-1])
    try:
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
    except (ValueError, TypeError, AttributeError):
        return ()  # connect() refuses such a URL before anything is sent or logged
    if userinfo:
        found.add(userinfo)
        found.update(userinfo.split(":", 1))
    for pair in parts.query.split("&"):
        raw_name, _, raw_value = pair.partition("=")
        if raw_value and unquote_plus(raw_name).lower() not in SHOWN_QUERY_KEYS:
            found.update((raw_value, unquote_plus(raw_value)))  # as logged, and as decoded
    return tuple(sorted((s for s in found if len(s) >= _MIN_SECRET_LENGTH), key=len, reverse=True))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


class RedactingLogger(_LoggerAdapter):
    """Hands websockets a logger that masks this connection's credentials, at every level.

    At DEBUG level websockets logs the request line (``> GET /v1/realtime?... HTTP/1.1``)
    and each header (``> %s: %s``, name then value) of the upgrade, and each response
    header (``< %s: %s``). The adapter relies on no wording of those lines: every string
    argument whose preceding argument is a header name not in :data:`SHOWN_HEADERS` is
    masked whole, every string that looks like a request target has its query values
    masked, and every known secret is masked wherever it appears in the message or its
    arguments.
    """

    def __init__(self, logger: logging.Logger, secrets: tuple[str, ...]) -> None:
        super().__init__(logger, {})
        self._secrets = secrets

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        clean = self._clean_args(args)
        text = redact(msg, self._secrets) if isinstance(msg, str) else msg
        # One more frame to skip, so records point at websockets' code, not at this adapter.
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
        self.logger.log(level, text, *clean, **kwargs)

    def _clean_args(self, args: tuple[object, ...]) -> tuple[object, ...]:
        secrets = self._secrets
        clean: list[object] = []
        previous: object = None
        for arg in args:
            if isinstance(arg, str):
                if isinstance(previous, str) and _is_header_name(previous):
                    value = arg if previous.lower() in SHOWN_HEADERS else _MASK
                elif arg.startswith("/") and "?" in arg:
                    value = redact_target(arg)
                else:
                    value = arg
                clean.append(redact(value, secrets))
            else:
                clean.append(arg)
            previous = arg
        return tuple(clean)


def _is_header_name(text: str) -> bool:
    # An HTTP token (RFC 9110 §5.6.2) of reasonable length, as a header name is.
    return 0 < len(text) <= 64 and all(c.isalnum() or c in "-_!#$%&'*+.^`|~" for c in text)
