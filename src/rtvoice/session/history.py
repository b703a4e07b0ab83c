"""The conversation history a session keeps: typed, ordered, without audio bytes.

Items keep the server's order (``previous_item_id``). User audio appears as its transcript
(``InputAudio(transcript=...)``, filled in when transcription completes), assistant audio as
what was said (``OutputAudio(transcript=...)``; after an interruption, only what was heard).
A tool call and its output are one :class:`ToolCallItem`.

What the server may add later is kept, never dropped: a content part rtvoice does not model
stays in its message as an :class:`~rtvoice.model.items.OtherPart` (its ``raw`` object
included; it adds nothing to ``text``), an item it does not model is an
:class:`OtherHistoryItem` holding the raw object, and a status it does not know is kept as
its string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal, TypeAlias

from ..model.items import (
    InputAudio,
    InputImage,
    InputText,
    ItemStatus,
    OtherPart,
    OutputAudio,
    OutputText,
)

__all__ = [
    "AssistantMessageItem",
    "HistoryItem",
    "OtherHistoryItem",
    "SystemMessageItem",
    "ToolCallItem",
    "UserMessageItem",
]


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses to dicts, tuples to lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {spec.name: _plain(getattr(value, spec.name)) for spec in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(entry) for entry in value]
    if isinstance(value, Mapping):
        return {key: _plain(entry) for key, entry in value.items()}
    return value


class _Dumpable:
    __slots__ = ()

    def model_dump(self) -> dict[str, Any]:
        """The item as a plain dict (parts as dicts, tuples as lists), ready for
        ``json.dumps``; the name pydantic models use, so code written for openai-agents'
        history items works unchanged."""
        dumped: dict[str, Any] = _plain(self)
        return dumped


def _join(parts: tuple[object, ...]) -> str:
    texts: list[str] = []
    for part in parts:
        match part:
            case InputText(text=text) | OutputText(text=text):
                texts.append(text)
            case InputAudio(transcript=str(transcript)) | OutputAudio(transcript=str(transcript)):
                texts.append(transcript)
    return " ".join(text for text in texts if text)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserMessageItem(_Dumpable):
    """Something the user said or sent.

    Attributes:
        content: Text, audio (with its transcript once known; never the bytes), images, and
            any part rtvoice does not model (:class:`~rtvoice.model.items.OtherPart`).
    """

    item_id: str
    content: tuple[InputText | InputAudio | InputImage | OtherPart, ...] = ()
    status: ItemStatus | str | None = None
    type: Literal["user_message"] = "user_message"

    @property
    def text(self) -> str:
        """The message as text: typed text and transcripts, joined by spaces."""
        return _join(self.content)


@dataclass(frozen=True, slots=True, kw_only=True)
class AssistantMessageItem(_Dumpable):
    """Something an agent said or wrote.

    Attributes:
        agent_name: The agent that was active when the item was created.
        content: Text, or audio with its transcript (never the bytes), and any part rtvoice
            does not model (:class:`~rtvoice.model.items.OtherPart`).
        status: ``incomplete`` when the response was cut short.
    """

    item_id: str
    content: tuple[OutputText | OutputAudio | OtherPart, ...] = ()
    status: ItemStatus | str | None = None
    agent_name: str | None = None
    type: Literal["assistant_message"] = "assistant_message"

    @property
    def text(self) -> str:
        """The message as text (the transcript, for audio)."""
        return _join(self.content)


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemMessageItem(_Dumpable):
    """A system message added to the conversation."""

    item_id: str
    content: tuple[InputText | OtherPart, ...] = ()
    status: ItemStatus | str | None = None
    type: Literal["system_message"] = "system_message"

    @property
    def text(self) -> str:
        """The message text."""
        return _join(self.content)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallItem(_Dumpable):
    """A function call the model made, with its output once the tool has run.

    Attributes:
        arguments: The JSON arguments as the model wrote them.
        output: What the model was sent back; ``None`` while the call is pending.
        status: ``in_progress`` while the model writes the call, then ``completed`` (or
            ``incomplete`` if the response was cut short).
        agent_name: The agent that was active when the call was made.
    """

    item_id: str
    call_id: str
    name: str
    arguments: str = ""
    output: str | None = None
    status: ItemStatus | str | None = None
    agent_name: str | None = None
    type: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherHistoryItem(_Dumpable):
    """An item rtvoice does not model, kept as received: one of a kind it does not know (MCP,
    or a kind added later), or one of a known kind it could not read (see
    :class:`~rtvoice.model.items.OtherItem`).

    A state the client could not read never replaces one it could: once an item is in the
    history as a message or a tool call, an unreadable later state of it leaves it as it was.

    Attributes:
        item_type: The wire ``type`` (e.g. ``mcp_call``).
        raw: The item object exactly as the server last sent it.
        reason: Why an item of a known kind was kept raw; ``None`` for an unknown kind.
    """

    item_id: str
    item_type: str
    raw: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    type: Literal["other"] = "other"


HistoryItem: TypeAlias = (
    UserMessageItem | AssistantMessageItem | SystemMessageItem | ToolCallItem | OtherHistoryItem
)
"""One entry of a session's history."""
