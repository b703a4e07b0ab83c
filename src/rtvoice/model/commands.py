"""Model commands: what the client asks of a realtime backend, provider-neutral.

One command per client event of the GA protocol, plus :class:`SendRaw` for
anything else. Every command may carry an ``event_id``; the server echoes it in
``error.event_id`` when the command fails, which is how a failure is tied to its cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from .items import Item, ItemReference
from .session_config import AudioFormatName, SessionConfig, Tool, ToolChoice

__all__ = [
    "AppendInputAudio",
    "CancelResponse",
    "ClearInputAudio",
    "ClearOutputAudio",
    "CommitInputAudio",
    "CreateItem",
    "CreateResponse",
    "DeleteItem",
    "ModelCommand",
    "ResponseParams",
    "RetrieveItem",
    "SendRaw",
    "TruncateItem",
    "UpdateSession",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateSession:
    """Configure the session. The server answers with ``session.updated`` or an error; a
    rejected update changes nothing."""

    session: SessionConfig
    event_id: str | None = None
    type: Literal["update_session"] = "update_session"


@dataclass(frozen=True, slots=True, kw_only=True)
class AppendInputAudio:
    """Add audio (raw bytes in the session's input format) to the input buffer. No reply.

    This is the hot path on the way up: one per 20-100 ms of captured audio.
    """

    audio: bytes
    event_id: str | None = None
    type: Literal["append_input_audio"] = "append_input_audio"


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitInputAudio:
    """Turn the input buffer into a user item (needs at least 100 ms of audio)."""

    event_id: str | None = None
    type: Literal["commit_input_audio"] = "commit_input_audio"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearInputAudio:
    """Drop the audio in the input buffer."""

    event_id: str | None = None
    type: Literal["clear_input_audio"] = "clear_input_audio"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateItem:
    """Add an item to the conversation: at the end, after ``previous_item_id``, or first
    (``previous_item_id="root"``)."""

    item: Item
    previous_item_id: str | None = None
    event_id: str | None = None
    type: Literal["create_item"] = "create_item"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrieveItem:
    """Ask for an item in full, audio bytes included."""

    item_id: str
    event_id: str | None = None
    type: Literal["retrieve_item"] = "retrieve_item"


@dataclass(frozen=True, slots=True, kw_only=True)
class TruncateItem:
    """Cut an assistant audio item at ``audio_end_ms`` (the audio actually played).

    The server also drops the transcript past that point. It rejects a value longer than
    the item's audio, so never send more than was received.
    """

    item_id: str
    audio_end_ms: int
    content_index: int = 0
    event_id: str | None = None
    type: Literal["truncate_item"] = "truncate_item"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteItem:
    """Remove an item from the conversation."""

    item_id: str
    event_id: str | None = None
    type: Literal["delete_item"] = "delete_item"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseParams:
    """Per-response overrides; nothing here persists in the session.

    ``None`` leaves a field to the session. ``input=()`` gives an empty context;
    ``conversation="none"`` makes an out-of-band response.
    """

    conversation: Literal["auto", "none"] | None = None
    input: tuple[Item | ItemReference, ...] | None = None
    instructions: str | None = None
    output_modalities: tuple[Literal["audio", "text"], ...] | None = None
    voice: str | None = None
    output_format: AudioFormatName | None = None
    tools: tuple[Tool, ...] | None = None
    tool_choice: ToolChoice | None = None
    max_output_tokens: int | Literal["inf"] | None = None
    metadata: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateResponse:
    """Ask the model to respond. Only one response may write to the default conversation at
    a time; the session layer sequences them."""

    response: ResponseParams | None = None
    event_id: str | None = None
    type: Literal["create_response"] = "create_response"


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelResponse:
    """Stop a response (by default the active one)."""

    response_id: str | None = None
    event_id: str | None = None
    type: Literal["cancel_response"] = "cancel_response"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearOutputAudio:
    """WebRTC/SIP only: drop the server-side playback buffer."""

    event_id: str | None = None
    type: Literal["clear_output_audio"] = "clear_output_audio"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendRaw:
    """Send a client event exactly as given (it must be a JSON object with a ``type``)."""

    event: Mapping[str, Any]
    type: Literal["send_raw"] = "send_raw"


ModelCommand: TypeAlias = (
    UpdateSession
    | AppendInputAudio
    | CommitInputAudio
    | ClearInputAudio
    | CreateItem
    | RetrieveItem
    | TruncateItem
    | DeleteItem
    | CreateResponse
    | CancelResponse
    | ClearOutputAudio
    | SendRaw
)
"""Everything a client can ask of a model connection."""
