"""Model items -> public history items, and how a newer server state merges into an older one.

Pure functions over frozen values. Two rules hold everywhere:

* History never holds audio bytes: ``InputAudio`` / ``OutputAudio`` keep their transcript only.
* A later, *less final* state never overwrites a more final one (an ``in_progress`` echo that
  arrives after the item's ``done`` is ignored), a state the codec could not read (an
  :class:`OtherHistoryItem` with a ``reason``) never overwrites one it could, a content part
  rtvoice does not model (:class:`OtherPart`) is kept in place, and what only the client knows
  survives a
  server state that lacks it: the user's transcript (the server never back-fills it), the agent that
  was speaking, a tool call's output.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from typing_extensions import assert_never

from ...model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputImage,
    InputText,
    Item,
    ItemStatus,
    MessageItem,
    OtherItem,
    OtherPart,
    OutputAudio,
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

__all__ = ["is_final", "merge_states", "to_history_item", "with_transcript"]

_FINAL: Final = frozenset({"completed", "incomplete"})


def is_final(status: ItemStatus | str | None) -> bool:
    """Whether an item in this status will not change any more on its own."""
    return status in _FINAL


def to_history_item(item: Item, item_id: str, agent_name: str | None) -> HistoryItem:
    """The history view of a model item (without audio bytes).

    Args:
        item: The item as the server reported it.
        item_id: Its id (items from the server always carry one).
        agent_name: The agent active now, recorded on assistant messages and tool calls.
    """
    match item:
        case MessageItem(role="user"):
            user_parts: list[InputText | InputAudio | InputImage | OtherPart] = []
            for part in item.content:
                match part:
                    case InputAudio():
                        user_parts.append(
                            part if part.audio is None else InputAudio(transcript=part.transcript)
                        )
                    case InputText() | InputImage() | OtherPart():
                        user_parts.append(part)
                    case OutputText() | OutputAudio():
                        pass  # not valid in a user message; the server would not send it
                    case _:
                        assert_never(part)
            return UserMessageItem(item_id=item_id, content=tuple(user_parts), status=item.status)
        case MessageItem(role="assistant"):
            assistant_parts: list[OutputText | OutputAudio | OtherPart] = []
            for part in item.content:
                match part:
                    case OutputAudio():
                        assistant_parts.append(
                            part if part.audio is None else OutputAudio(transcript=part.transcript)
                        )
                    case OutputText() | OtherPart():
                        assistant_parts.append(part)
                    case InputText() | InputAudio() | InputImage():
                        pass
                    case _:
                        assert_never(part)
            return AssistantMessageItem(
                item_id=item_id,
                content=tuple(assistant_parts),
                status=item.status,
                agent_name=agent_name,
            )
        case MessageItem(role="system"):
            texts = tuple(part for part in item.content if isinstance(part, InputText | OtherPart))
            return SystemMessageItem(item_id=item_id, content=texts, status=item.status)
        case MessageItem():
            raise AssertionError(f"unexpected role {item.role!r}")  # Role is a closed Literal
        case FunctionCallItem():
            return ToolCallItem(
                item_id=item_id,
                call_id=item.call_id,
                name=item.name,
                arguments=item.arguments,
                status=item.status,
                agent_name=agent_name,
            )
        case FunctionCallOutputItem():
            # Only when no call matches (the caller merges outputs into their ToolCallItem).
            return OtherHistoryItem(
                item_id=item_id,
                item_type="function_call_output",
                raw={"call_id": item.call_id, "output": item.output},
            )
        case OtherItem():
            return OtherHistoryItem(
                item_id=item_id, item_type=item.item_type, raw=item.raw, reason=item.reason
            )
        case _:
            assert_never(item)


def merge_states(old: HistoryItem, new: HistoryItem) -> HistoryItem:
    """The state to keep when ``new`` (from the server) arrives for an item known as ``old``.

    Returns ``old`` itself when nothing should change, so callers can test identity.
    """
    if type(new) is not type(old):
        if isinstance(new, OtherHistoryItem) and new.reason is not None:
            return old  # a state the codec could not read: keep the one it could
        return new  # the server changed its mind about the item's kind: trust the server
    if _rank(new) < _rank(old):
        return old
    match new:
        case UserMessageItem():
            assert isinstance(old, UserMessageItem)
            new = replace(new, content=_keep_transcripts(old.content, new.content))
        case AssistantMessageItem():
            assert isinstance(old, AssistantMessageItem)
            if new.agent_name != old.agent_name:  # a handoff came in between: keep the speaker
                new = replace(new, agent_name=old.agent_name)
        case ToolCallItem():
            assert isinstance(old, ToolCallItem)
            if new.agent_name != old.agent_name or new.output != old.output:
                new = replace(new, agent_name=old.agent_name, output=old.output)
        case SystemMessageItem() | OtherHistoryItem():
            pass
        case _:
            assert_never(new)
    return old if new == old else new


def with_transcript(item: UserMessageItem, content_index: int, transcript: str) -> UserMessageItem:
    """``item`` with the transcript of its audio part at ``content_index`` filled in.

    A part that is not audio is left alone; a missing index is padded with empty audio parts,
    so a transcript that arrives before the item's content is known is not lost.
    """
    content = list(item.content)
    while len(content) <= content_index:
        content.append(InputAudio())
    part = content[content_index]
    if not isinstance(part, InputAudio):
        return item
    content[content_index] = InputAudio(transcript=transcript)
    return replace(item, content=tuple(content))


def _rank(item: HistoryItem) -> int:
    status = getattr(item, "status", None)
    return 1 if is_final(status) else 0


def _keep_transcripts(
    old: tuple[InputText | InputAudio | InputImage | OtherPart, ...],
    new: tuple[InputText | InputAudio | InputImage | OtherPart, ...],
) -> tuple[InputText | InputAudio | InputImage | OtherPart, ...]:
    # The server never back-fills a user item's transcript, so a server state
    # always says ``transcript: null``; the one the session filled in from the transcription
    # events must survive it.
    if not any(isinstance(part, InputAudio) and part.transcript for part in old):
        return new
    merged = list(new)
    for index, part in enumerate(new):
        if isinstance(part, InputAudio) and part.transcript is None and index < len(old):
            previous = old[index]
            if isinstance(previous, InputAudio) and previous.transcript is not None:
                merged[index] = previous
    return tuple(merged)
