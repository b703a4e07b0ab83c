"""Keeping credentials out of everything a connection shows: URLs, messages and logs.

A URL may carry a key in its query (``?api-key=...``) or its user-info, and the upgrade
headers carry ``Authorization`` or ``api-key``. :func:`redact_url` hides them in a URL for
display, :func:`collect_secrets` lists the values to mask, :func:`redact` masks them in any
text that came from elsewhere (a server's error body or close reason), and
:class:`RedactingLogger` masks them in websockets' debug log, which prints every request
header.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

__all__ = ["RedactingLogger", "collect_secrets", "is_credential_header", "redact", "redact_url"]

_SECRET_QUERY_KEYS = frozenset(
    {"api-key", "api_key", "key", "authorization", "token", "access_token", "client_secret"}
)
_SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "password")
_MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words out of messages

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


def is_credential_header(name: str) -> bool:
    """Whether a header of this name may carry a credential (``Authorization``, ``api-key``,
    ``Cookie``, ``X-Auth-Token``, ...): its value is masked, and it is not sent on to
    another origin when a redirect leads there."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_HEADER_WORDS)


def collect_secrets(url: str, headers: Mapping[str, str]) -> tuple[str, ...]:
    """Every credential value in the URL and headers, longest first (so redaction is greedy)."""
    found: set[str] = set()
    for name, value in headers.items():
        if is_credential_header(name):
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


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class RedactingLogger(_LoggerAdapter):
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
        clean = tuple(redact(a, self._secrets) if isinstance(a, str) else a for a in args)
        text = redact(msg, self._secrets) if isinstance(msg, str) else msg
        # One more frame to skip, so records point at websockets' code, not at this adapter.
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
        self.logger.log(level, text, *clean, **kwargs)
