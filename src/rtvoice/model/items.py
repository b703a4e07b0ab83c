"""Conversation items, provider-neutral.

Items appear in model events (an item was added, finished, retrieved) and in commands (create
an item, or give a response its own input). They are frozen values: a newer state of the same
item is a new object with the same ``id``.

Audio travels here as raw ``bytes`` in the wire format of the session; the codec does the
base64. Assistant content is ``output_text`` / ``output_audio`` whatever the dialect on the
wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "ContentPart",
    "FunctionCallItem",
    "FunctionCallOutputItem",
    "InputAudio",
    "InputImage",
    "InputText",
    "Item",
    "ItemReference",
    "ItemStatus",
    "MessageItem",
    "OtherItem",
    "OtherPart",
    "OutputAudio",
    "OutputText",
    "Role",
]

ItemStatus: TypeAlias = Literal["completed", "incomplete", "in_progress"]
"""Where an item stands: ``in_progress`` while the model writes it, ``incomplete`` when a
response was cut short (cancel, interruption, token limit).

Item ``status`` fields are typed ``ItemStatus | str``: these are the values rtvoice knows, and
a status a newer server introduces is kept as the string it sent (it counts as not final)."""

Role: TypeAlias = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InputText:
    """Text the user (or system) put into the conversation."""

    text: str
    type: Literal["input_text"] = "input_text"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudio:
    """User audio. From the server, ``audio`` is ``None`` (bytes only come back on retrieve)
    and ``transcript`` stays ``None``: transcription arrives in its own events."""

    audio: bytes | None = None
    transcript: str | None = None
    type: Literal["input_audio"] = "input_audio"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputImage:
    """An image given to the model, as a ``data:image/png;base64,...`` or JPEG data URL."""

    image_url: str
    detail: Literal["auto", "low", "high"] | None = None
    type: Literal["input_image"] = "input_image"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputText:
    """Assistant text (text-only responses, or assistant text items created by the client)."""

    text: str
    type: Literal["output_text"] = "output_text"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputAudio:
    """Assistant audio. ``transcript`` is what was said; ``audio`` is only filled by
    ``conversation.item.retrieved``."""

    audio: bytes | None = None
    transcript: str | None = None
    type: Literal["output_audio"] = "output_audio"


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherPart:
    """A content part rtvoice does not model, kept exactly as the server sent it.

    The decoder makes one for a part of a type it does not know (one a newer server added), and
    for a part of a known type whose fields it could not read (a ``null`` text, say): nothing
    of it is guessed, and the message it belongs to still flows. A part given to a command is
    written as its ``raw`` object, untouched.

    Attributes:
        part_type: The wire ``type`` (``""`` when the part had no string ``type``).
        raw: The part object exactly as received.
        reason: Why a part of a known type was kept raw (the first field that did not read);
            ``None`` for a type rtvoice does not model.
    """

    part_type: str
    raw: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    type: Literal["other"] = "other"


ContentPart: TypeAlias = InputText | InputAudio | InputImage | OutputText | OutputAudio | OtherPart
"""One part of a message's content."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageItem:
    """A system, user or assistant message."""

    role: Role
    content: tuple[ContentPart, ...] = ()
    id: str | None = None
    status: ItemStatus | str | None = None
    type: Literal["message"] = "message"


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCallItem:
    """The model asks for a function call. ``arguments`` is the JSON text as the model wrote
    it: it may be partial while the item is in progress, and it may not be valid JSON."""

    call_id: str
    name: str
    arguments: str = ""
    id: str | None = None
    status: ItemStatus | str | None = None
    type: Literal["function_call"] = "function_call"


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCallOutputItem:
    """The result of a function call, created by the client. ``call_id`` must match a
    :class:`FunctionCallItem` already in the conversation."""

    call_id: str
    output: str
    id: str | None = None
    status: ItemStatus | str | None = None
    type: Literal["function_call_output"] = "function_call_output"


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherItem:
    """An item rtvoice does not model, kept exactly as the server sent it.

    The decoder makes one for an item of a kind rtvoice does not know (the MCP items, or a
    type added later), and for an item of a known kind whose fields it could not read (a
    message with a role added later, a function call without its ``call_id``): nothing of it
    is guessed, the event that carried it still flows, and the history keeps it (as an
    :class:`~rtvoice.session.history.OtherHistoryItem`) with its raw object. Its ``id`` is
    always known: an item without one is a decode error.

    Attributes:
        item_type: The wire ``type`` (e.g. ``mcp_call``).
        raw: The item exactly as received, so nothing is lost.
        reason: Why an item of a known kind was kept raw (the first field that did not read);
            ``None`` for a kind rtvoice does not model.
    """

    item_type: str
    raw: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    status: ItemStatus | str | None = None
    reason: str | None = None
    type: Literal["other"] = "other"


Item: TypeAlias = MessageItem | FunctionCallItem | FunctionCallOutputItem | OtherItem
"""A conversation item."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemReference:
    """Points at an existing item; only valid inside a response's own ``input``."""

    id: str
    type: Literal["item_reference"] = "item_reference"
