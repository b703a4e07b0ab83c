"""Faults the simulator can inject, for resilience tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import UserError
from ..model.events import ErrorInfo

__all__ = ["SIMULATED_SERVER_ERROR", "Faults"]

SIMULATED_SERVER_ERROR = ErrorInfo(
    type="server_error",
    message="The server had an error while processing your request. (simulated)",
)
"""The error :attr:`Faults.error_after_events` sends unless told otherwise."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Misbehaviour applied to every connection of a simulator.

    Counting starts at ``session.created`` (event 1). A dropped connection is aborted at the
    TCP level, with no close frame, as a network failure would: clients see close code 1006.

    Attributes:
        drop_after_events: Abort the connection right after sending this many server events.
        drop_at_event: Abort instead of sending the first server event of this wire type (e.g.
            ``"response.output_audio.delta"``).
        error_after_events: Send ``error`` right after this many server events (once).
        error: The error sent by ``error_after_events`` (default: a ``server_error``).
        response_delay: Seconds to wait before a response's first event, after the command
            (or the end of speech) that started it.
        connections: Apply the faults to this many connections, the first ones the
            simulator serves, and serve the later ones faithfully (``None``: every connection).
            A reconnect test drops the first connection and watches the second carry on.
        live_end: End each GPT-Live session with ``session.closed`` and this reason (a
            remote hangup, a safety filter, a lost upstream), then a normal close, once the
            model has finished ``live_end_after_utterances`` utterances.
        live_end_after_utterances: See ``live_end``.
    """

    drop_after_events: int | None = None
    drop_at_event: str | None = None
    error_after_events: int | None = None
    error: ErrorInfo = SIMULATED_SERVER_ERROR
    response_delay: float = 0.0
    connections: int | None = None
    live_end: Literal["remote_hangup", "content", "connection_lost"] | None = None
    live_end_after_utterances: int = 1

    def __post_init__(self) -> None:
        for name in (
            "drop_after_events",
            "error_after_events",
            "connections",
            "live_end_after_utterances",
        ):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UserError(f"Faults.{name} must be >= 1, got {value}")
        if self.response_delay < 0:
            raise UserError(f"Faults.response_delay must be >= 0, got {self.response_delay}")
