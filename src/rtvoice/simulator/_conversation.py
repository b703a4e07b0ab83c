"""The default conversation: ordered items with ``previous_item_id`` links.

The conversation keeps each item in full, audio bytes included, because only
``conversation.item.retrieved`` gives them back; every other event carries the item through
:func:`without_audio`. Beside each item it keeps what the simulated model *heard* of user
audio (the transcriber's reading), which is what the responder sees.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..audio import AudioFormatName, bytes_for_ms, bytes_per_sample, duration_ms
from ..model.commands import CreateItem
from ..model.events import ItemAdded, ItemDone, ModelEvent
from ..model.items import (
    ContentPart,
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    Item,
    MessageItem,
    OutputAudio,
)
from ._error_catalog import (
    SimulatorError,
    invalid_value,
    truncate_not_audio,
    truncate_too_long,
    unknown_item,
    unknown_previous_item,
)
from ._ids import IdSource
from ._speech import decode_speech

__all__ = [
    "Conversation",
    "Entry",
    "audio_of",
    "check_client_item",
    "check_truncate_point",
    "create_client_item",
    "hear",
    "heard_view",
    "truncate_audio",
    "without_audio",
]


@dataclass(slots=True, kw_only=True)
class Entry:
    """One item of the conversation and what the simulator knows about it.

    Attributes:
        item: The item in full, audio bytes included.
        audio_format: The wire format of the audio bytes in ``item`` (the session's input
            format for user audio, the response's output format for assistant audio).
        heard: For user audio, the transcriber's reading of it (what the model "heard").
    """

    item: Item
    audio_format: AudioFormatName | None = None
    heard: str | None = None

    def audio_ms(self) -> float:
        """Milliseconds of audio in the item (bytes over bytes per millisecond), 0 without audio."""
        audio = audio_of(self.item)
        if not audio or self.audio_format is None:
            return 0.0
        return duration_ms(len(audio), self.audio_format)


class Conversation:
    """Items in conversation order.

    Insertion follows ``previous_item_id``: ``None`` appends, ``"root"`` puts the item first,
    an existing id puts it right after that item, and an unknown id is refused.
    """

    __slots__ = ("_entries", "_order")

    def __init__(self) -> None:
        self._order: list[str] = []
        self._entries: dict[str, Entry] = {}

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._entries

    def __len__(self) -> int:
        return len(self._order)

    def get(self, item_id: str) -> Entry | None:
        """The entry for ``item_id``, or ``None`` if there is none."""
        return self._entries.get(item_id)

    def last_id(self) -> str | None:
        """The id of the last item, ``None`` when the conversation is empty."""
        return self._order[-1] if self._order else None

    def previous_id(self, item_id: str) -> str | None:
        """The id of the item just before ``item_id`` (``None`` if it is first)."""
        index = self._order.index(item_id)
        return self._order[index - 1] if index else None

    def insert(self, entry: Entry, previous_item_id: str | None = None) -> str | None:
        """Add an item (its ``id`` must be set and new).

        Args:
            entry: The item and its side data.
            previous_item_id: Where to insert it (see the class docstring).

        Returns:
            The id of the item now just before it, ``None`` if it is first.

        Raises:
            SimulatorError: ``previous_item_id`` names no item; nothing is added.
        """
        item_id = entry.item.id
        assert item_id is not None
        assert item_id not in self._entries
        if previous_item_id is None:
            index = len(self._order)
        elif previous_item_id == "root":
            index = 0
        elif previous_item_id in self._entries:
            index = self._order.index(previous_item_id) + 1
        else:
            raise unknown_previous_item(previous_item_id)
        self._order.insert(index, item_id)
        self._entries[item_id] = entry
        return self._order[index - 1] if index else None

    def replace(self, item: Item) -> None:
        """Store a newer state of an item, keeping its place; ignored if it was deleted."""
        assert item.id is not None
        entry = self._entries.get(item.id)
        if entry is not None:
            entry.item = item

    def delete(self, item_id: str) -> bool:
        """Remove an item; ``False`` if there was none with that id."""
        if self._entries.pop(item_id, None) is None:
            return False
        self._order.remove(item_id)
        return True

    def entries(self) -> tuple[Entry, ...]:
        """All entries, in conversation order."""
        return tuple(self._entries[item_id] for item_id in self._order)

    def find_call(self, call_id: str) -> FunctionCallItem | None:
        """The function call item with ``call_id``, if the conversation holds one."""
        for entry in self._entries.values():
            if isinstance(entry.item, FunctionCallItem) and entry.item.call_id == call_id:
                return entry.item
        return None

    def model_view(self) -> tuple[Item, ...]:
        """The items as the simulated model sees them: no audio bytes, and user audio carries
        what was heard of it as its transcript."""
        return tuple(heard_view(entry) for entry in self.entries())


def heard_view(entry: Entry) -> Item:
    """``entry``'s item without audio bytes, user audio transcribed to what was heard."""
    item = without_audio(entry.item)
    if entry.heard is None or not isinstance(item, MessageItem):
        return item
    content = tuple(
        InputAudio(transcript=entry.heard) if isinstance(part, InputAudio) else part
        for part in item.content
    )
    return dataclasses.replace(item, content=content)


def without_audio(item: Item) -> Item:
    """``item`` with the audio bytes dropped from its content, as every event but
    ``conversation.item.retrieved`` shows it."""
    if not isinstance(item, MessageItem):
        return item
    if not any(_has_audio(part) for part in item.content):
        return item
    return dataclasses.replace(item, content=tuple(_strip(part) for part in item.content))


def audio_of(item: Item) -> bytes:
    """The audio bytes of a message's first audio part (``b""`` if it has none)."""
    if isinstance(item, MessageItem):
        for part in item.content:
            if isinstance(part, InputAudio | OutputAudio):
                return part.audio or b""
    return b""


def _has_audio(part: ContentPart) -> bool:
    return isinstance(part, InputAudio | OutputAudio) and part.audio is not None


def _strip(part: ContentPart) -> ContentPart:
    if isinstance(part, InputAudio | OutputAudio) and part.audio is not None:
        return dataclasses.replace(part, audio=None)
    return part


_ALLOWED_PARTS: dict[str, tuple[str, ...]] = {
    "system": ("input_text",),
    "user": ("input_text", "input_audio", "input_image"),
    "assistant": ("output_text",),
}


def create_client_item(
    conversation: Conversation, command: CreateItem, *, ids: IdSource, input_format: AudioFormatName
) -> list[ModelEvent]:
    """Add an item from ``conversation.item.create``; reply ``ItemAdded`` then ``ItemDone``.

    The item gets a server id (``item_...``) unless it brought its own, and status
    ``completed`` whatever it said. User audio in it is in the session's input format and
    is heard at once, so a response can answer it.

    Raises:
        SimulatorError: See :func:`check_client_item`, and an unknown ``previous_item_id``.
    """
    item = command.item
    check_client_item(item, conversation)
    item = dataclasses.replace(item, id=item.id or ids.new_id("item"), status="completed")
    entry = Entry(item=item)
    if audio := audio_of(item):
        entry.audio_format = input_format
        entry.heard = hear(audio, input_format)
    previous = conversation.insert(entry, command.previous_item_id)
    public = without_audio(item)
    return [
        ItemAdded(item=public, previous_item_id=previous),
        ItemDone(item=public, previous_item_id=previous),
    ]


def check_client_item(item: Item, conversation: Conversation) -> None:
    """Refuse an item the client may not create.

    * a message part of a type its role cannot hold; in particular assistant messages may
      only hold ``output_text`` (assistant audio cannot be created);
    * a ``function_call_output`` whose ``call_id`` matches no ``function_call`` in the
      conversation (``invalid_value`` on ``item.call_id``, in the Responses API's wording);
    * an ``id`` already in the conversation (``invalid_value`` on ``item.id``).

    Raises:
        SimulatorError: the item is refused; nothing is added.
    """
    if item.id is not None and item.id in conversation:
        raise invalid_value(f"Item with id '{item.id}' already exists.", param="item.id")
    if isinstance(item, MessageItem):
        allowed = _ALLOWED_PARTS[item.role]
        for index, part in enumerate(item.content):
            if part.type not in allowed:
                supported = ", ".join(f"'{name}'" for name in allowed)
                raise invalid_value(
                    f"Invalid value: '{part.type}'. Supported values for {item.role} messages "
                    f"are: {supported}.",
                    param=f"item.content[{index}].type",
                )
    elif isinstance(item, FunctionCallOutputItem) and conversation.find_call(item.call_id) is None:
        raise invalid_value(
            f"No tool call found for function call output with call_id {item.call_id}.",
            param="item.call_id",
        )


def hear(audio: bytes, fmt: AudioFormatName) -> str:
    """What the simulated model understands of ``audio``: the speech transcriber's reading
    (a dangling partial sample is ignored)."""
    whole = len(audio) - len(audio) % bytes_per_sample(fmt)
    return decode_speech(audio[:whole], fmt)


def truncate_audio(
    conversation: Conversation, item_id: str, content_index: int, end_ms: int
) -> None:
    """Cut a finished assistant audio item at ``end_ms`` (``conversation.item.truncate``).

    The item keeps the first ``end_ms`` of its audio, and its transcript becomes what the
    transcriber reads in that audio: what the user heard, so the context holds nothing the
    user did not hear (the simulator decodes rather than cutting the text proportionally).
    An item still being written is cut by its response instead (``Message.truncate``).

    Raises:
        SimulatorError: The item is unknown, holds no model audio, has no audio at
            ``content_index``, or its audio is shorter than ``end_ms``.
    """
    entry = conversation.get(item_id)
    if entry is None:
        raise unknown_item("truncate", item_id)
    item = entry.item
    fmt = entry.audio_format
    if not (isinstance(item, MessageItem) and item.role == "assistant" and audio_of(item)):
        raise truncate_not_audio()
    audio_index = next(i for i, p in enumerate(item.content) if isinstance(p, OutputAudio))
    if fmt is None:
        raise _no_audio_at(item_id, content_index)
    check_truncate_point(item_id, content_index, audio_index, end_ms, entry.audio_ms())
    cut = audio_of(item)[: bytes_for_ms(end_ms, fmt)]
    heard = hear(cut, fmt) if cut else ""
    content = tuple(
        OutputAudio(audio=cut, transcript=heard) if index == audio_index else part
        for index, part in enumerate(item.content)
    )
    conversation.replace(dataclasses.replace(item, content=content))


def check_truncate_point(
    item_id: str, content_index: int, audio_index: int, end_ms: int, length_ms: float
) -> None:
    """Refuse a truncate at a point the item's audio does not have.

    Args:
        item_id: The item (for the message).
        content_index: The part the client named.
        audio_index: The part that holds the item's audio.
        end_ms: The client's ``audio_end_ms``.
        length_ms: How much audio the item holds: all of it once finished, what was streamed
            so far (and not cut off since) while it is being written.

    Raises:
        SimulatorError: ``content_index`` is not the audio part, ``end_ms`` is negative, or
            it lies past ``length_ms`` ("Audio content of Xms is already shorter than Yms").
    """
    if content_index != audio_index:
        raise _no_audio_at(item_id, content_index)
    if end_ms < 0:
        raise invalid_value("Invalid 'audio_end_ms': expected a value >= 0.", param="audio_end_ms")
    if end_ms > length_ms:
        raise truncate_too_long(int(length_ms), end_ms)


def _no_audio_at(item_id: str, content_index: int) -> SimulatorError:
    return invalid_value(
        f"Invalid 'content_index': item '{item_id}' has no audio content at index {content_index}.",
        param="content_index",
    )
