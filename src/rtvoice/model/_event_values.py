"""The values model events carry: errors, usage, responses, rate limits (provider-neutral).

Re-exported by :mod:`rtvoice.model.events`, the module to import them from; they live here so
that the event vocabulary stays one screen per kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from .items import Item

__all__ = [
    "ErrorInfo",
    "RateLimit",
    "ResponseInfo",
    "ResponseStatus",
    "StatusDetails",
    "TranscriptionUsage",
    "Usage",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorInfo:
    """An error as the server reports it.

    Attributes:
        type: e.g. ``invalid_request_error`` or ``server_error``.
        code: e.g. ``conversation_already_has_active_response``; may be ``None``.
        message: Human-readable text from the server.
        param: The offending parameter's dotted path, when the server names one.
        event_id: The client ``event_id`` of the command that failed, if it had one.
    """

    type: str
    message: str
    code: str | None = None
    param: str | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Token usage of one response, flattened; or, for a GPT-Live session (billed by time,
    not tokens), the billed seconds.

    ``cached_*`` count input tokens served from the cache; they are part of ``input_tokens``.
    ``session_seconds`` counts billed session time (GPT-Live), of which
    ``session_paused_seconds`` at the standby rate.
    """

    total_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_image_tokens: int = 0
    cached_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0
    cached_image_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0
    session_seconds: float = 0.0
    session_paused_seconds: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptionUsage:
    """What a transcription cost: tokens, or seconds of audio (``type`` says which)."""

    type: Literal["tokens", "duration"]
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_audio_tokens: int = 0
    input_text_tokens: int = 0
    seconds: float = 0.0


ResponseStatus: TypeAlias = Literal["in_progress", "completed", "cancelled", "failed", "incomplete"]
"""The statuses rtvoice knows; :attr:`ResponseInfo.status` keeps any other string as sent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusDetails:
    """Why a response ended the way it did.

    Attributes:
        type: The final status (``cancelled``, ``incomplete``, ``failed``, ``completed``).
        reason: ``turn_detected`` (cancelled by VAD), ``client_cancelled``,
            ``max_output_tokens`` or ``content_filter``.
        error: Set when the response failed.
    """

    type: str
    reason: str | None = None
    error: ErrorInfo | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseInfo:
    """A response object, as in ``response.created`` / ``response.done``.

    Only ``id`` is required of the server. Every other field is read leniently, so that a
    server that grows (a new status, a new output item or part type, another shape of
    ``usage`` or ``metadata``) never stops a turn from ending: a field that does not read is
    left at its default and its raw value kept in :attr:`unread`.

    Attributes:
        status: One of :data:`ResponseStatus`, or a status a newer server sent, as sent;
            ``""`` when the server sent no string (the raw value is in :attr:`unread`).
        conversation_id: ``None`` for an out-of-band response (``conversation: "none"``).
        output: The output items; an entry that is not an item with a string ``id`` and
            ``type`` is left out (and kept in :attr:`unread`).
        voice: The response's voice, when the server reports it.
        metadata: Echo of the metadata given to ``response.create``.
        unread: What the client could not read, by its dotted path in the frame (e.g.
            ``response.usage``, ``response.output[1]``), each value exactly as received;
            ``None`` when everything read.
    """

    id: str
    status: ResponseStatus | str
    status_details: StatusDetails | None = None
    output: tuple[Item, ...] = ()
    conversation_id: str | None = None
    output_modalities: tuple[str, ...] | None = None
    max_output_tokens: int | Literal["inf"] | None = None
    voice: str | None = None
    usage: Usage | None = None
    metadata: Mapping[str, str] | None = None
    unread: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """One rate limit bucket (``requests`` or ``tokens``)."""

    name: str
    limit: int
    remaining: int
    reset_seconds: float
