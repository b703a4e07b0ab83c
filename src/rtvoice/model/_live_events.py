"""The events of the model vocabulary that only a session-oriented protocol reports (GPT-Live
today): billed time and context use as the server counts them, and the server's own end of the
session. :mod:`rtvoice.model.events` exports them with the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SessionClosed", "SessionUsageUpdated"]

SessionCloseReason = Literal[
    "close_requested", "expired", "content", "remote_hangup", "connection_lost"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionUsageUpdated:
    """The session's cumulative billable time so far (do not add reports up: each one is the
    total), and how full the model's context is when the server knows.

    Attributes:
        seconds: Billable seconds since the session started.
        active_seconds: Of those, the ones billed as active audio (``None`` if not reported).
        paused_seconds: Of those, the ones billed as paused (``None`` if not reported).
        context_usage_ratio: Context tokens in use over the model's limit, 0-1 (``None``
            when unknown).
    """

    seconds: float
    active_seconds: int | None = None
    paused_seconds: int | None = None
    context_usage_ratio: float | None = None
    type: Literal["session_usage_updated"] = "session_usage_updated"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionClosed:
    """The server finished the session, and says why; the connection ends after it.

    Attributes:
        reason: ``close_requested`` (the client asked), ``expired`` (the duration limit),
            ``content`` (a safety filter), ``remote_hangup`` (the far end hung up) or
            ``connection_lost``.
        seconds: The final billable seconds.
    """

    reason: SessionCloseReason
    seconds: float = 0.0
    type: Literal["session_closed"] = "session_closed"
