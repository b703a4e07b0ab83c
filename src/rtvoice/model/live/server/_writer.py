"""GPT-Live's server events, written as the JSON text frames a server sends.

:class:`LiveEventWriter` has one method per server event the simulator sends; each returns
one frame with a fresh ``event_id`` (from the injected source) and, where the event answers
a command, the command's ``event_id`` as ``client_event_id``. Every frame validates against
the ``openai`` SDK's ``openai.types.live.ConnectServerEvent``. The audio delta is written
with plain string formatting: it is the hot path.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal

__all__ = ["CloseReason", "LiveEventWriter"]

CloseReason = Literal["close_requested", "expired", "content", "remote_hangup", "connection_lost"]
"""Why ``session.closed`` says the session ended."""


class LiveEventWriter:
    """Writes server frames; sans-IO (no clock, no socket).

    Args:
        event_ids: Gives a fresh ``event_id`` per call (e.g. ``lambda: ids.new_id("event")``).
    """

    __slots__ = ("_ids",)

    def __init__(self, event_ids: Callable[[], str]) -> None:
        self._ids = event_ids

    def _frame(self, kind: str, client_event_id: str | None, **fields: Any) -> str:
        body: dict[str, Any] = {"type": kind, "event_id": self._ids()}
        if client_event_id is not None:
            body["client_event_id"] = client_event_id
        body.update(fields)
        return json.dumps(body)

    def session_started(self, session: Mapping[str, Any], client_event_id: str | None) -> str:
        """``session.started`` with the resolved session resource."""
        return self._frame("session.started", client_event_id, session=dict(session))

    def session_updated(self, session: Mapping[str, Any], client_event_id: str | None) -> str:
        """``session.updated`` with the resolved session resource."""
        return self._frame("session.updated", client_event_id, session=dict(session))

    def error(
        self,
        *,
        code: str,
        message: str,
        param: str | None = None,
        client_event_id: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> str:
        """``error``; ``client_event_id`` goes both on the event and inside ``error``."""
        error: dict[str, Any] = {"type": error_type, "code": code, "message": message}
        if param is not None:
            error["param"] = param
        if client_event_id is not None:
            error["client_event_id"] = client_event_id
        return self._frame("error", client_event_id, error=error)

    def acknowledged(
        self,
        kind: Literal[
            "session.input_audio.muted",
            "session.input_audio.unmuted",
        ],
        client_event_id: str | None,
    ) -> str:
        """An acknowledgement with no fields of its own (mute, unmute)."""
        return self._frame(kind, client_event_id)

    def appended(
        self,
        kind: Literal["instructions", "thinking", "commentary"],
        *,
        start_ms: int,
        end_ms: int,
        client_event_id: str | None,
    ) -> str:
        """``session.<kind>.appended`` at a place on the session timeline."""
        return self._frame(
            f"session.{kind}.appended", client_event_id, start_ms=start_ms, end_ms=end_ms
        )

    def transcript_delta(
        self, direction: Literal["input", "output"], delta: str, *, start_ms: int, end_ms: int
    ) -> str:
        """``session.input_transcript.delta`` or ``session.output_transcript.delta``."""
        return self._frame(
            f"session.{direction}_transcript.delta",
            None,
            delta=delta,
            start_ms=start_ms,
            end_ms=end_ms,
        )

    def output_audio_delta(self, audio: bytes) -> str:
        """``session.output_audio.delta``; on a primary WebSocket it has no timestamps and,
        as the SDK's type declares, no ``event_id``."""
        data = base64.b64encode(audio).decode("ascii")
        return f'{{"type":"session.output_audio.delta","delta":"{data}"}}'

    def delegation_created(
        self,
        *,
        delegation_id: str,
        target: Literal["client", "responses"],
        offset_ms: int,
        response_id: str | None = None,
    ) -> str:
        """``session.delegation.created``: metadata only, never the task text."""
        delegation: dict[str, Any] = {"id": delegation_id, "target": target, "type": "delegation"}
        if response_id is not None:
            delegation["response_id"] = response_id
        return self._frame(
            "session.delegation.created", None, delegation=delegation, offset_ms=offset_ms
        )

    def response_event(
        self,
        event: Mapping[str, Any],
        *,
        delegation_id: str | None,
        client_event_id: str | None = None,
    ) -> str:
        """``response.event``: one nested Responses streaming event in its envelope."""
        return self._frame(
            "response.event", client_event_id, event=dict(event), delegation_id=delegation_id
        )

    def usage_updated(self, *, seconds: float, usage_ratio: float | None) -> str:
        """``session.usage.updated``: cumulative seconds and (when known) context use."""
        fields: dict[str, Any] = {"usage": {"seconds": seconds}}
        if usage_ratio is not None:
            fields["context_window"] = {"usage_ratio": usage_ratio}
        return self._frame("session.usage.updated", None, **fields)

    def session_closed(
        self,
        *,
        reason: CloseReason,
        session: Mapping[str, Any],
        seconds: float,
        client_event_id: str | None,
    ) -> str:
        """``session.closed``: the reason, the final session snapshot and the usage."""
        return self._frame(
            "session.closed",
            client_event_id,
            reason=reason,
            session=dict(session),
            usage={"seconds": seconds},
        )
