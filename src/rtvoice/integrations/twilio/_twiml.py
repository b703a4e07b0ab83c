"""Answering Twilio's webhook: the ``<Connect><Stream>`` TwiML and the signature check."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from xml.sax.saxutils import escape

from ...errors import UserError

__all__ = ["check_twilio_signature", "connect_stream_twiml"]


def connect_stream_twiml(stream_url: str, parameters: Mapping[str, str] | None = None) -> str:
    """The TwiML that connects a call to a bidirectional Media Stream at ``stream_url``.

    ``<Response><Connect><Stream url="..."><Parameter name=... value=.../></Stream>
    </Connect></Response>``, XML-escaped. The parameters arrive in the ``start`` frame's
    ``customParameters`` (Twilio passes no query string to the stream URL).

    Args:
        stream_url: Where Twilio opens the stream: ``wss://`` (Twilio needs TLS; ``ws://``
            is accepted for local tests).
        parameters: Names and values for ``<Parameter>`` elements, in order.

    Raises:
        UserError: ``stream_url`` is not a ``ws://`` or ``wss://`` URL, or a parameter name
            or value is not a string.
    """
    if not isinstance(stream_url, str) or not stream_url.startswith(("wss://", "ws://")):
        raise UserError(f"stream_url must be a wss:// (or ws://) URL, got {stream_url!r}")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<Response><Connect>"]
    params = dict(parameters or {})
    if params:
        lines.append(f"<Stream url={_attr(stream_url)}>")
        for name, value in params.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise UserError(f"TwiML parameters must be strings, got {name!r}: {value!r}")
            lines.append(f"<Parameter name={_attr(name)} value={_attr(value)} />")
        lines.append("</Stream>")
    else:
        lines.append(f"<Stream url={_attr(stream_url)} />")
    lines.append("</Connect></Response>")
    return "".join(lines)


def _attr(value: str) -> str:
    """An XML attribute value, double-quoted, with ``& < > "`` (and line breaks) escaped."""
    return '"' + escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}) + '"'


def check_twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether a webhook request really comes from Twilio (its ``X-Twilio-Signature``).

    Uses the official ``twilio`` package's ``RequestValidator`` (HMAC-SHA1 of the full URL
    Twilio requested followed by the sorted POST parameters, base64): install it with
    ``pip install 'rtvoice[twilio]'``.

    Args:
        auth_token: Your account's auth token (``TWILIO_AUTH_TOKEN``).
        url: The URL exactly as Twilio requested it (scheme, host, path, query), i.e. the
            public one when a proxy or tunnel sits in front of the application.
        params: The POST form parameters.
        signature: The ``X-Twilio-Signature`` header (``None`` when missing: not valid).

    Raises:
        UserError: The ``twilio`` package is not installed, or ``auth_token`` is empty.
    """
    if not auth_token:
        raise UserError("check_twilio_signature needs the account's auth token")
    try:
        validator = import_module("twilio.request_validator").RequestValidator(auth_token)
    except ImportError as exc:
        raise UserError(
            "checking Twilio's request signature needs the twilio package: "
            "pip install 'rtvoice[twilio]'"
        ) from exc
    if not signature:
        return False
    return bool(validator.validate(url, dict(params), signature))
