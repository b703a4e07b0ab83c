"""Reading GPT-Live server frames: one JSON text frame in, one small record out (sans-IO).

The records say what the frame means and nothing more; :mod:`._turns` turns them into the
neutral model events. Output audio, the hot path, comes back as the decoded ``bytes`` alone.
Reading is strict on what the client relies on (a delta's text, a delegation's id) and
lenient on the rest: a field the client does not need is never checked. A frame of a type
the client does not know is an :class:`~rtvoice.model.events.UnknownEvent`; a malformed one
is a :class:`~rtvoice.model.events.DecodeError` naming the field.
"""

from __future__ import annotations

import binascii
import json
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias, cast

from .._event_values import ErrorInfo
from .._live_events import SessionClosed, SessionCloseReason, SessionUsageUpdated
from ..events import DecodeError, ErrorEvent, UnknownEvent

__all__ = [
    "ACK_TYPES",
    "DelegationCreated",
    "LiveFrame",
    "ResponseEnvelope",
    "SessionState",
    "TranscriptDelta",
    "read_frame",
]

ACK_TYPES: Final = frozenset(
    {
        "session.instructions.appended",
        "session.thinking.appended",
        "session.commentary.appended",
        "session.input_audio.muted",
        "session.input_audio.unmuted",
    }
)
"""Acknowledgements of client commands: they decide nothing, and read as nothing."""

_CLOSE_REASONS: Final = frozenset(
    {"close_requested", "expired", "content", "remote_hangup", "connection_lost"}
)
_TEXT_LIMIT: Final = 300


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionState:
    """``session.started`` / ``session.updated``: the session as the server resolved it."""

    started: bool
    session_id: str | None
    expires_at: int | None
    model: str | None
    instructions: str | None
    voice: str | None
    format_type: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptDelta:
    """A piece of the user's (``input``) or the assistant's (``output``) transcript."""

    side: Literal["input", "output"]
    delta: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegationCreated:
    """The model delegated a task to ``target``."""

    delegation_id: str
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseEnvelope:
    """A streaming event of the hosted Responses model (``responses`` delegation)."""

    delegation_id: str | None
    event: Mapping[str, Any]


LiveFrame: TypeAlias = (
    bytes
    | SessionState
    | TranscriptDelta
    | DelegationCreated
    | ResponseEnvelope
    | SessionUsageUpdated
    | SessionClosed
    | ErrorEvent
    | UnknownEvent
    | DecodeError
    | None
)
"""What one frame reads as: output audio bytes, a record, an event that needs no turn
bookkeeping, or ``None`` for an acknowledgement."""


class _Malformed(Exception):
    def __init__(self, field: str, what: str) -> None:
        super().__init__(f"{field} {what}")


def _str(frame: Mapping[str, Any], key: str, path: str) -> str:
    value = frame.get(key)
    if not isinstance(value, str):
        raise _Malformed(f"{path}{key}", "is not a string")
    return value


def _opt_str(frame: Mapping[str, Any], key: str) -> str | None:
    value = frame.get(key)
    return value if isinstance(value, str) else None


def _int(frame: Mapping[str, Any], key: str, path: str = "") -> int:
    value = frame.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Malformed(f"{path}{key}", "is not a number")
    return int(value)


def _opt_int(frame: Mapping[str, Any], key: str) -> int | None:
    value = frame.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _seconds(usage: object, path: str) -> SessionUsageUpdated:
    if not isinstance(usage, dict):
        raise _Malformed(path, "is not an object")
    seconds = usage.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise _Malformed(f"{path}.seconds", "is not a number")
    return SessionUsageUpdated(
        seconds=float(seconds),
        active_seconds=_opt_int(usage, "active_seconds"),
        paused_seconds=_opt_int(usage, "paused_seconds"),
    )


def _session(frame: Mapping[str, Any], started: bool) -> SessionState:
    session = frame.get("session")
    if not isinstance(session, dict):
        raise _Malformed("session", "is not an object")
    audio = session.get("audio")
    voice: str | None = None
    format_type: str | None = None
    if isinstance(audio, dict):
        output = audio.get("output")
        if isinstance(output, dict):
            raw_voice = output.get("voice")
            if isinstance(raw_voice, str):
                voice = raw_voice
            elif isinstance(raw_voice, dict) and isinstance(raw_voice.get("id"), str):
                voice = raw_voice["id"]
        fmt = audio.get("format")
        if isinstance(fmt, dict) and isinstance(fmt.get("type"), str):
            format_type = fmt["type"]
    return SessionState(
        started=started,
        session_id=_opt_str(session, "id"),
        expires_at=_opt_int(session, "expires_at"),
        model=_opt_str(session, "model"),
        instructions=_opt_str(session, "instructions"),
        voice=voice,
        format_type=format_type,
    )


def _error(frame: Mapping[str, Any]) -> ErrorEvent:
    error = frame.get("error")
    if not isinstance(error, dict):
        raise _Malformed("error", "is not an object")
    code = error.get("code")
    return ErrorEvent(
        error=ErrorInfo(
            type=_opt_str(error, "type") or "error",
            message=_str(error, "message", "error."),
            code=code if isinstance(code, str) else None,
            param=_opt_str(error, "param"),
            event_id=_opt_str(error, "client_event_id") or _opt_str(frame, "client_event_id"),
        )
    )


def _closed(frame: Mapping[str, Any]) -> SessionClosed:
    reason = frame.get("reason")
    if not isinstance(reason, str) or reason not in _CLOSE_REASONS:
        raise _Malformed("reason", "is not a known close reason")
    usage = frame.get("usage")
    seconds = _seconds(usage, "usage").seconds if usage is not None else 0.0
    # One of the literal's values: checked above.
    return SessionClosed(reason=cast(SessionCloseReason, reason), seconds=seconds)


def _read_known(kind: str, frame: Mapping[str, Any]) -> LiveFrame:
    if kind == "session.input_transcript.delta" or kind == "session.output_transcript.delta":
        return TranscriptDelta(
            side="input" if kind == "session.input_transcript.delta" else "output",
            delta=_str(frame, "delta", ""),
            start_ms=_opt_int(frame, "start_ms") or 0,
            end_ms=_opt_int(frame, "end_ms") or 0,
        )
    if kind == "session.delegation.created":
        delegation = frame.get("delegation")
        if not isinstance(delegation, dict):
            raise _Malformed("delegation", "is not an object")
        return DelegationCreated(
            delegation_id=_str(delegation, "id", "delegation."),
            target=_str(delegation, "target", "delegation."),
        )
    if kind == "response.event":
        event = frame.get("event")
        if not isinstance(event, dict):
            raise _Malformed("event", "is not an object")
        return ResponseEnvelope(delegation_id=_opt_str(frame, "delegation_id"), event=event)
    if kind == "session.started" or kind == "session.updated":
        return _session(frame, started=kind == "session.started")
    if kind == "session.usage.updated":
        usage = _seconds(frame.get("usage"), "usage")
        window = frame.get("context_window")
        ratio = window.get("usage_ratio") if isinstance(window, dict) else None
        if isinstance(ratio, (int, float)) and not isinstance(ratio, bool):
            return SessionUsageUpdated(
                seconds=usage.seconds,
                active_seconds=usage.active_seconds,
                paused_seconds=usage.paused_seconds,
                context_usage_ratio=float(ratio),
            )
        return usage
    if kind == "session.closed":
        return _closed(frame)
    if kind == "error":
        return _error(frame)
    if kind in ACK_TYPES:
        return None
    return UnknownEvent(event_type=kind, raw=frame)


def read_frame(text: str) -> LiveFrame:
    """Read one server frame.

    Args:
        text: The frame as received.

    Returns:
        The output audio's bytes for ``session.output_audio.delta``; otherwise the record
        or event the frame reads as (``None`` for an acknowledgement). Never raises: a
        frame that is not a JSON object with a string ``type``, or a known type whose
        fields are wrong, is a :class:`DecodeError`.
    """
    try:
        frame = json.loads(text)
    except ValueError as exc:
        return DecodeError(reason=f"not JSON: {exc}", text=text[:_TEXT_LIMIT])
    if not isinstance(frame, dict):
        return DecodeError(reason="not a JSON object", text=text[:_TEXT_LIMIT])
    kind = frame.get("type")
    if not isinstance(kind, str):
        return DecodeError(reason="no string 'type'", text=text[:_TEXT_LIMIT])
    try:
        if kind == "session.output_audio.delta":  # the hot path
            delta = frame.get("delta")
            if not isinstance(delta, str):
                raise _Malformed("delta", "is not a string")
            try:
                return b64decode(delta, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _Malformed("delta", "is not base64") from exc
        return _read_known(kind, frame)
    except _Malformed as exc:
        return DecodeError(
            reason=f"malformed {kind}: {exc}", text=text[:_TEXT_LIMIT], event_type=kind
        )
