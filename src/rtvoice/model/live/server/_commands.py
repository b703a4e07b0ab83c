"""The client commands of GPT-Live as a server reads them: validated, frozen records.

Each record keeps the client's ``event_id`` (``None`` when it sent none), so that the
events answering it can carry it back as ``client_event_id``. Audio arrives decoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "AppendContext",
    "AppendInputAudio",
    "CloseSession",
    "CreateBackendItem",
    "CreateBackendResponse",
    "LiveAudioFormat",
    "LiveCommand",
    "LiveCommandError",
    "LiveStartConfig",
    "MuteInputAudio",
    "ResponsesBackend",
    "StartSession",
    "UpdateSession",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveAudioFormat:
    """The audio format of a Live WebSocket, both directions.

    Attributes:
        type: ``audio/pcm`` (16-bit little-endian mono), ``audio/pcmu`` or ``audio/pcma``.
        rate: Sample rate in Hz: 16000 or 24000 for PCM, 8000 for G.711.
    """

    type: Literal["audio/pcm", "audio/pcmu", "audio/pcma"] = "audio/pcm"
    rate: int = 24000


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponsesBackend:
    """The hosted Responses model of ``responses`` delegation.

    Attributes:
        model: The Responses model.
        instructions: Its backend prompt.
        tools: Its tools, as the wire objects (function tools have ``name``).
        raw: The whole ``delegation.responses`` object as sent (echoed in the session).
    """

    model: str
    instructions: str | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveStartConfig:
    """What ``session.start`` fixed for the whole session.

    Attributes:
        model: The Live model.
        instructions: The frontend instructions (``None``: the server's default).
        voice: A built-in voice name or a custom voice ``{"id": ...}`` (``None``: default).
        audio_format: The WebSocket audio format (``None``: 24 kHz PCM).
        delegation: ``client`` (also for an omitted or null delegation), ``responses`` or
            ``decisions``.
        acknowledgement_delay_ms: The delegation's acknowledgement delay, when given.
        responses: The hosted backend (``responses`` delegation only).
        input: The startup history as the wire objects.
        store: Whether to store the session.
        safety_identifier: The end user's stable id.
        raw: The ``session`` object exactly as sent.
    """

    model: str
    instructions: str | None = None
    voice: str | Mapping[str, Any] | None = None
    audio_format: LiveAudioFormat | None = None
    delegation: Literal["client", "responses", "decisions"] = "client"
    acknowledgement_delay_ms: int | None = None
    responses: ResponsesBackend | None = None
    input: tuple[Mapping[str, Any], ...] = ()
    store: bool | None = None
    safety_identifier: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class StartSession:
    """``session.start``: the first command of a primary WebSocket."""

    config: LiveStartConfig
    event_id: str | None = None
    type: Literal["session.start"] = "session.start"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateSession:
    """``session.update``: sparse delegation and trigger changes.

    Attributes:
        delegation: The ``delegation`` object as sent (``None`` when absent).
        triggers: The ``triggers`` list as sent (``None`` when absent).
    """

    delegation: Mapping[str, Any] | None = None
    triggers: tuple[Mapping[str, Any], ...] | None = None
    event_id: str | None = None
    type: Literal["session.update"] = "session.update"


@dataclass(frozen=True, slots=True, kw_only=True)
class AppendInputAudio:
    """``session.input_audio.append``: audio in the session's format (no acknowledgement)."""

    audio: bytes
    event_id: str | None = None
    type: Literal["session.input_audio.append"] = "session.input_audio.append"


@dataclass(frozen=True, slots=True, kw_only=True)
class MuteInputAudio:
    """``session.input_audio.mute`` (``muted=True``) or ``.unmute``."""

    muted: bool
    event_id: str | None = None
    type: Literal["session.input_audio.mute"] = "session.input_audio.mute"


@dataclass(frozen=True, slots=True, kw_only=True)
class AppendContext:
    """``session.instructions.append``, ``session.thinking.append`` or
    ``session.commentary.append``.

    Attributes:
        kind: Which of the three.
        content: The text (at most 500 tokens by :func:`~._limits.estimate_tokens`).
        delegation_id: The client delegation it answers, or ``None`` for general context.
    """

    kind: Literal["instructions", "thinking", "commentary"]
    content: str
    delegation_id: str | None = None
    event_id: str | None = None
    type: Literal["session.context.append"] = "session.context.append"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateBackendItem:
    """``response.item.create``: an input item for the Responses backend (a wire object,
    e.g. ``{"type": "function_call_output", "call_id": ..., "output": ...}``)."""

    item: Mapping[str, Any]
    event_id: str | None = None
    type: Literal["response.item.create"] = "response.item.create"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateBackendResponse:
    """``response.create``: run the Responses backend (continue a delegated response)."""

    event_id: str | None = None
    type: Literal["response.create"] = "response.create"


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseSession:
    """``session.close``: finish what is in flight, then ``session.closed``."""

    event_id: str | None = None
    type: Literal["session.close"] = "session.close"


LiveCommand: TypeAlias = (
    StartSession
    | UpdateSession
    | AppendInputAudio
    | MuteInputAudio
    | AppendContext
    | CreateBackendItem
    | CreateBackendResponse
    | CloseSession
)
"""A client command the server accepted (the decision commands are not modelled)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCommandError:
    """Why the server refused a client frame: the fields of the ``error`` event it sends.

    Attributes:
        code: e.g. ``invalid_json``, ``unknown_parameter``, ``invalid_value``,
            ``invalid_type``, ``missing_required_parameter``, ``session_not_started``,
            ``session_already_started``, ``immutable_parameter``, ``token_limit_exceeded``,
            ``delegation_mismatch``.
        message: Human-readable text naming the problem and the fix.
        param: Dotted path of the offending field, or ``None``.
        client_event_id: The client's ``event_id``, when the frame carried a string one.
        error_type: The ``error.type``: ``invalid_request_error``.
    """

    code: str
    message: str
    param: str | None = None
    client_event_id: str | None = None
    error_type: str = "invalid_request_error"
