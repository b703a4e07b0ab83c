"""The seed: what re-creates a history on a new, empty server session.

:func:`seed_items` turns a history into ``conversation.item.create`` commands within the
run's ``history_seed`` budget; reconnects, rollovers and resumed sessions all go through it.
Pure: no IO, no clock.

What a seed carries: user, assistant and system text; the transcripts of audio turns (user
audio without a transcript, e.g. with input transcription off, has nothing to carry and is
left out); function calls with their outputs. Audio bytes and items of kinds rtvoice does not
model (``other``) are not carried; a tool call the model was still writing is not either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..._config._continuity import SeedSettings
from ...model.commands import CreateItem
from ...model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputImage,
    InputText,
    Item,
    MessageItem,
    OutputText,
)
from ..history import (
    AssistantMessageItem,
    HistoryItem,
    OtherHistoryItem,
    SystemMessageItem,
    ToolCallItem,
    UserMessageItem,
)

__all__ = ["seed_items", "start_history"]


def _seed_of(item: HistoryItem, audio: bytes | None) -> list[Item]:
    """The items that re-create one history item (none when nothing can be carried);
    ``audio``: the item's own audio, for user audio without a transcript."""
    match item:
        case UserMessageItem(content=content):
            parts: list[InputText | InputImage | InputAudio] = []
            for part in content:
                match part:
                    case InputText():
                        parts.append(part)
                    case InputAudio(transcript=str(text)) if text:
                        parts.append(InputText(text=text))
                    case InputAudio() if audio:
                        parts.append(InputAudio(audio=audio))
                        audio = None  # one utterance per item
                    case InputImage():
                        parts.append(part)
            if not parts:
                return []
            return [MessageItem(role="user", content=tuple(parts), id=item.item_id)]
        case AssistantMessageItem() | SystemMessageItem():
            text = item.text
            if not text:
                return []
            if isinstance(item, SystemMessageItem):
                return [
                    MessageItem(role="system", content=(InputText(text=text),), id=item.item_id)
                ]
            return [
                MessageItem(role="assistant", content=(OutputText(text=text),), id=item.item_id)
            ]
        case ToolCallItem(status="in_progress"):
            return []  # the model was still writing it: it never ran, and will not
        case ToolCallItem():
            call: list[Item] = [
                FunctionCallItem(
                    call_id=item.call_id, name=item.name, arguments=item.arguments, id=item.item_id
                )
            ]
            if item.output is not None:
                call.append(FunctionCallOutputItem(call_id=item.call_id, output=item.output))
            return call
    return []  # other: not modelled, not carried


def _size(item: HistoryItem) -> int:
    """Characters of ``item`` that a seed carries (its text, a call's arguments and output)."""
    if isinstance(item, ToolCallItem):
        return len(item.name) + len(item.arguments) + len(item.output or "")
    if isinstance(item, OtherHistoryItem):
        return 0
    return len(item.text)


def seed_items(
    history: Sequence[HistoryItem],
    budget: SeedSettings,
    utterances: Mapping[str, bytes] | None = None,
) -> tuple[list[CreateItem], int]:
    """The commands that re-create ``history`` on an empty server session, oldest first, each
    after the one before (the first at the start); and how many history items were left out
    for the budget (the oldest ones) or had nothing to carry.

    A kept call keeps its output; the newest items are kept first, whole.
    """
    kept: list[list[Item]] = []
    chars = 0
    for item in reversed(history):
        seed = _seed_of(item, utterances.get(item.item_id) if utterances else None)
        if not seed:
            continue
        size = _size(item)
        if len(kept) >= budget.max_items or (kept and chars + size > budget.max_chars):
            break
        kept.append(seed)
        chars += size
    commands: list[CreateItem] = []
    previous: str | None = "root"
    for seed in reversed(kept):
        for created in seed:
            commands.append(CreateItem(item=created, previous_item_id=previous))
            previous = created.id if created.id is not None else None
    return commands, len(history) - len(kept)


def start_history(seed: Sequence[CreateItem]) -> tuple[MessageItem, ...]:
    """A seed as the text history a session-oriented protocol (GPT-Live) takes when a session
    starts: the messages as they are, and each tool result as a system message saying what
    the tool returned (a call alone, with no output yet, is left out)."""
    names = {
        command.item.call_id: command.item.name
        for command in seed
        if isinstance(command.item, FunctionCallItem)
    }
    history: list[MessageItem] = []
    for command in seed:
        item = command.item
        if isinstance(item, MessageItem):
            history.append(item)
        elif isinstance(item, FunctionCallOutputItem):
            name = names.get(item.call_id, "a tool")
            note = f"Earlier in this conversation, {name} returned: {item.output}"
            history.append(MessageItem(role="system", content=(InputText(text=note),)))
    return tuple(history)
