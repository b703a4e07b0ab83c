"""What the simulator checks on the WebSocket upgrade, before any session exists.

The real server always answers the upgrade with 101 and reports a bad key, a missing model or
the retired beta header as an ``error`` event followed by a close: 3000 for
authentication, 4000 for the request shape, with the reason ``<error.type>[.<error.code>]``.
:func:`check_handshake` makes that decision as a pure function of the request.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from ..model.events import ErrorInfo
from ..model.openai import Dialect

__all__ = [
    "Accepted",
    "DEFAULT_MODEL_PREFIXES",
    "Rejected",
    "call_not_attachable",
    "check_handshake",
    "check_live_handshake",
    "is_live_path",
    "is_realtime_path",
    "model_supported",
]

DEFAULT_MODEL_PREFIXES: tuple[str, ...] = (
    "gpt-realtime",
    "gpt-4o-realtime-preview",
    "gpt-4o-mini-realtime-preview",
)
"""Models the simulator accepts when it is not given an explicit list: every name that starts
with one of these (``gpt-realtime``, ``gpt-realtime-mini``, ``gpt-realtime-2``, ...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Accepted:
    """The upgrade is good: open a session.

    Attributes:
        model: The model from ``?model=`` (empty for a ``call_id`` sideband).
        session_type: ``transcription`` for ``?intent=transcription``.
        call_id: Set when attaching to a call (``?call_id=``).
        dialect: ``beta`` when the beta header was sent to a server in beta mode.
    """

    model: str
    session_type: Literal["realtime", "transcription"]
    call_id: str | None
    dialect: Dialect


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejected:
    """The upgrade is refused: send ``error`` and close with ``close_code``."""

    error: ErrorInfo
    close_code: int

    @property
    def close_reason(self) -> str:
        """``<error.type>[.<error.code>]``, as the real server sends it."""
        if self.error.code:
            return f"{self.error.type}.{self.error.code}"
        return self.error.type


def is_realtime_path(path: str) -> bool:
    """Whether a request path (query included) addresses the realtime endpoint.

    Accepts ``/v1/realtime`` (OpenAI), ``/openai/v1/realtime`` (Azure GA) and a bare
    ``/realtime``.
    """
    return urlsplit(path).path.rstrip("/").endswith("/realtime")


def is_live_path(path: str) -> bool:
    """Whether a request path (query included) addresses GPT-Live's session endpoint:
    ``/v1/live/sessions`` (OpenAI), ``/openai/v1/live/sessions`` (Azure) or a bare
    ``/live/sessions``."""
    return urlsplit(path).path.rstrip("/").endswith("/live/sessions")


def check_live_handshake(
    headers: Mapping[str, str],
    *,
    api_key: str | None,
    client_secret: Callable[[str], bool] | None = None,
) -> Rejected | None:
    """Decide on a GPT-Live upgrade: the same credentials check as the Realtime route (close
    3000 on a missing or wrong key). The model comes later, in ``session.start``."""
    return _check_credentials(headers, api_key, client_secret)


def check_handshake(
    path: str,
    headers: Mapping[str, str],
    *,
    api_key: str | None,
    models: Collection[str] | None,
    beta_mode: bool,
    client_secret: Callable[[str], bool] | None = None,
) -> Accepted | Rejected:
    """Decide what to do with an upgrade request.

    Checks, in order: credentials (close 3000), the beta header (close 4000 unless the server
    runs in beta mode), then the model (close 4000).

    Args:
        path: The request path with its query string.
        headers: The request headers; lookups must be case-insensitive.
        api_key: The only key accepted, or ``None`` to accept any non-empty one.
        models: The accepted model names, or ``None`` for :data:`DEFAULT_MODEL_PREFIXES`.
        beta_mode: Whether ``OpenAI-Beta: realtime=v1`` selects the beta dialect instead of
            being refused.
        client_secret: Whether a presented ``ek_`` token is a live client secret of this
            server (accepted besides ``api_key``).
    """
    rejected = _check_credentials(headers, api_key, client_secret)
    if rejected is not None:
        return rejected
    dialect: Dialect = "ga"
    if "realtime=v1" in headers.get("OpenAI-Beta", "").replace(" ", ""):
        if not beta_mode:
            return Rejected(
                error=ErrorInfo(
                    type="invalid_request_error",
                    code="beta_api_shape_disabled",
                    message=(
                        "The Realtime Beta API is no longer supported. "
                        "Please use /v1/realtime for the GA API."
                    ),
                ),
                close_code=4000,
            )
        dialect = "beta"

    query = parse_qs(urlsplit(path).query)
    model = query.get("model", [""])[0] or query.get("deployment", [""])[0]
    call_id = query.get("call_id", [""])[0] or None
    intent = query.get("intent", [""])[0]
    if call_id is not None:
        return Accepted(model=model, session_type="realtime", call_id=call_id, dialect=dialect)
    if intent == "transcription":
        return Accepted(model=model, session_type="transcription", call_id=None, dialect=dialect)
    if not model:
        return Rejected(
            error=ErrorInfo(
                type="invalid_request_error",
                code="missing_model",
                message=(
                    "You must provide a model parameter, for example "
                    "wss://api.openai.com/v1/realtime?model=gpt-realtime"
                ),
            ),
            close_code=4000,
        )
    if not model_supported(model, models):
        return Rejected(
            error=ErrorInfo(
                type="invalid_request_error",
                code="invalid_model",
                message=f'Model "{model}" is not supported in realtime mode.',
            ),
            close_code=4000,
        )
    return Accepted(model=model, session_type="realtime", call_id=None, dialect=dialect)


def call_not_attachable(call_id: str) -> Rejected:
    """A ``?call_id=`` upgrade for a SIP call that is not (or no longer) accepted: there is
    no session to attach to. The real server's exact error for this case is not documented; the
    simulator answers ``call_not_found`` and closes with 4000, like
    the other request-shape refusals."""
    return Rejected(
        error=ErrorInfo(
            type="invalid_request_error",
            code="call_not_found",
            message=f"Call {call_id!r} is not accepted (or has ended).",
        ),
        close_code=4000,
    )


def _check_credentials(
    headers: Mapping[str, str],
    api_key: str | None,
    client_secret: Callable[[str], bool] | None = None,
) -> Rejected | None:
    authorization = headers.get("Authorization", "")
    scheme, _, token = authorization.partition(" ")
    presented = token.strip() if scheme.lower() == "bearer" else ""
    presented = presented or headers.get("api-key", "").strip()
    if not presented:
        return Rejected(
            error=ErrorInfo(
                type="invalid_request_error",
                code=None,
                message="Missing bearer or basic authentication in header",
            ),
            close_code=3000,
        )
    minted = client_secret is not None and client_secret(presented)
    if api_key is not None and presented != api_key and not minted:
        return Rejected(
            error=ErrorInfo(
                type="invalid_request_error",
                code="invalid_api_key",
                message=f"Incorrect API key provided: {_mask(presented)}.",
            ),
            close_code=3000,
        )
    return None


def _mask(key: str) -> str:
    """The real server shows only the ends of a bad key."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:3]}{'*' * (len(key) - 7)}{key[-4:]}"


def model_supported(model: str, models: Collection[str] | None) -> bool:
    """Whether ``model`` is served: in ``models``, or one of :data:`DEFAULT_MODEL_PREFIXES`."""
    if models is not None:
        return model in models
    return model.startswith(DEFAULT_MODEL_PREFIXES)
