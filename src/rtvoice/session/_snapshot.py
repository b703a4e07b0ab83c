"""What a new connection needs to carry a conversation on: the snapshot, and the seed.

A :class:`SessionSnapshot` is a plain JSON-serialisable record of a session (the current
agent's name, the history, the calls still pending, the usage so far), written by
``RealtimeSession.snapshot()`` and read back by ``RealtimeRunner.run(resume=...)``; the seed
a new connection gets from a history is built in :mod:`.state._seed`. Pure: no IO, no clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from typing_extensions import TypedDict

from ..errors import UserError
from ..model.events import Usage
from ..model.items import (
    InputAudio,
    InputImage,
    InputText,
    OtherPart,
    OutputAudio,
    OutputText,
)
from .history import (
    AssistantMessageItem,
    HistoryItem,
    OtherHistoryItem,
    SystemMessageItem,
    ToolCallItem,
    UserMessageItem,
)

__all__ = [
    "INTERRUPTED_CALL_OUTPUT",
    "SNAPSHOT_VERSION",
    "PendingCallRecord",
    "Resumed",
    "SessionSnapshot",
    "history_from_records",
    "history_records",
    "read_resume",
    "read_snapshot",
    "take_snapshot",
]

SNAPSHOT_VERSION: Literal[1] = 1


class PendingCallRecord(TypedDict):
    """A tool call the model made whose output was not sent yet."""

    call_id: str
    name: str
    arguments: str
    item_id: str
    awaiting_approval: bool


class SessionSnapshot(TypedDict):
    """A session as a new connection (or another process) needs it; JSON-serialisable.

    Attributes:
        version: The record's format (1).
        agent: The name of the agent speaking now.
        history: The history, oldest first, each item as :func:`history_records` writes it.
        pending_tool_calls: Calls without an output yet (running or awaiting approval).
        usage: Tokens used so far (the fields of :class:`~rtvoice.model.events.Usage`).
    """

    version: int
    agent: str
    history: list[dict[str, Any]]
    pending_tool_calls: list[PendingCallRecord]
    usage: dict[str, float]


# ---------------------------------------------------------------------------------------------
# History <-> JSON records


def history_records(items: Iterable[HistoryItem]) -> list[dict[str, Any]]:
    """The history as JSON-serialisable dicts: each item's ``model_dump()`` (no audio bytes:
    the history holds none)."""
    return [item.model_dump() for item in items]


_PARTS: dict[str, Any] = {
    "input_text": lambda r: InputText(text=str(r["text"])),
    "output_text": lambda r: OutputText(text=str(r["text"])),
    "input_audio": lambda r: InputAudio(transcript=r.get("transcript")),
    "output_audio": lambda r: OutputAudio(transcript=r.get("transcript")),
    "input_image": lambda r: InputImage(image_url=str(r["image_url"]), detail=r.get("detail")),
    "other": lambda r: OtherPart(
        part_type=str(r.get("part_type") or ""),
        raw=dict(r.get("raw") or {}),
        reason=r.get("reason"),
    ),
}

_ALLOWED_PARTS: dict[str, tuple[str, ...]] = {
    "user_message": ("input_text", "input_audio", "input_image", "other"),
    "assistant_message": ("output_text", "output_audio", "other"),
    "system_message": ("input_text", "other"),
}


def _item_from_record(index: int, record: Mapping[str, Any]) -> HistoryItem:
    where = f"history[{index}]"
    kind = record.get("type")
    item_id = record.get("item_id")
    if not isinstance(item_id, str) or not item_id:
        raise UserError(f"snapshot {where}: 'item_id' must be a non-empty string")
    status = record.get("status")
    if kind in _ALLOWED_PARTS:
        parts = []
        for number, part in enumerate(record.get("content") or ()):
            part_type = part.get("type") if isinstance(part, Mapping) else None
            if part_type not in _ALLOWED_PARTS[kind]:
                raise UserError(
                    f"snapshot {where}.content[{number}]: a {kind} cannot hold a part of "
                    f"type {part_type!r}"
                )
            try:
                parts.append(_PARTS[part_type](part))
            except KeyError as exc:
                raise UserError(f"snapshot {where}.content[{number}]: missing {exc}") from None
        content = tuple(parts)
        if kind == "user_message":
            return UserMessageItem(item_id=item_id, content=content, status=status)
        if kind == "system_message":
            return SystemMessageItem(item_id=item_id, content=content, status=status)
        return AssistantMessageItem(
            item_id=item_id, content=content, status=status, agent_name=record.get("agent_name")
        )
    if kind == "tool_call":
        for key in ("call_id", "name"):
            if not isinstance(record.get(key), str):
                raise UserError(f"snapshot {where}: a tool_call needs a string {key!r}")
        output = record.get("output")
        return ToolCallItem(
            item_id=item_id,
            call_id=record["call_id"],
            name=record["name"],
            arguments=str(record.get("arguments") or ""),
            output=None if output is None else str(output),
            status=status,
            agent_name=record.get("agent_name"),
        )
    if kind == "other":
        raw = record.get("raw")
        reason = record.get("reason")
        return OtherHistoryItem(
            item_id=item_id,
            item_type=str(record.get("item_type") or "unknown"),
            raw=dict(raw) if isinstance(raw, Mapping) else {},
            reason=reason if isinstance(reason, str) else None,
        )
    raise UserError(
        f"snapshot {where}: unknown item type {kind!r} (expected user_message, "
        "assistant_message, system_message, tool_call or other)"
    )


def history_from_records(records: Sequence[Mapping[str, Any]]) -> tuple[HistoryItem, ...]:
    """The history a snapshot holds, checked.

    Raises:
        UserError: A record is not one :func:`history_records` writes; names its index.
    """
    items: list[HistoryItem] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise UserError(f"snapshot history[{index}] must be an object")
        item = _item_from_record(index, record)
        if item.item_id in seen:
            raise UserError(f"snapshot history[{index}]: item_id {item.item_id!r} repeats")
        seen.add(item.item_id)
        items.append(item)
    return tuple(items)


def read_snapshot(snapshot: Mapping[str, Any]) -> tuple[str, tuple[HistoryItem, ...], Usage]:
    """The agent name, history and usage of a snapshot, checked.

    Raises:
        UserError: The snapshot is not one :meth:`RealtimeSession.snapshot` wrote (names the
            field), or of another version.
    """
    if not isinstance(snapshot, Mapping):
        raise UserError("resume needs a snapshot dict from session.snapshot()")
    version = snapshot.get("version")
    if version != SNAPSHOT_VERSION:
        raise UserError(
            f"snapshot version {version!r} is not supported (this rtvoice reads version "
            f"{SNAPSHOT_VERSION})"
        )
    agent = snapshot.get("agent")
    if not isinstance(agent, str) or not agent:
        raise UserError("snapshot 'agent' must be the name of an agent")
    history = snapshot.get("history", [])
    if not isinstance(history, Sequence) or isinstance(history, (str, bytes)):
        raise UserError("snapshot 'history' must be a list")
    usage_record = snapshot.get("usage") or {}
    fields = {f.name for f in dataclasses.fields(Usage)}
    if not isinstance(usage_record, Mapping) or not all(
        key in fields and isinstance(value, int | float) and not isinstance(value, bool)
        for key, value in usage_record.items()
    ):
        raise UserError("snapshot 'usage' must map Usage's field names to numbers")
    return agent, history_from_records(history), Usage(**usage_record)


# ---------------------------------------------------------------------------------------------
# Taking one, and starting from one

INTERRUPTED_CALL_OUTPUT: Final = (
    "This call was interrupted before it finished (the conversation moved to a new "
    "connection); its result is unknown. Call it again if it is still needed."
)
"""The output a resumed session gives the model for a call that was running when the
snapshot was taken: it cannot be known whether the call's work was done, and running it
again could do it twice."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resumed:
    """A snapshot, read and checked: what a session starts from."""

    agent_name: str
    history: tuple[HistoryItem, ...]
    usage: Usage
    pending: tuple[PendingCallRecord, ...]


def take_snapshot(
    agent_name: str,
    history: Sequence[HistoryItem],
    pending_calls: Iterable[str],
    awaiting_approval: Iterable[str],
    usage: Usage,
) -> SessionSnapshot:
    """The snapshot of a session in this state."""
    waiting = set(awaiting_approval)
    calls = {item.call_id: item for item in history if isinstance(item, ToolCallItem)}
    pending: list[PendingCallRecord] = []
    for call_id in sorted(pending_calls):
        call = calls.get(call_id)
        if call is None:
            continue
        pending.append(
            {
                "call_id": call_id,
                "name": call.name,
                "arguments": call.arguments,
                "item_id": call.item_id,
                "awaiting_approval": call_id in waiting,
            }
        )
    return {
        "version": SNAPSHOT_VERSION,
        "agent": agent_name,
        "history": history_records(history),
        "pending_tool_calls": pending,
        "usage": dataclasses.asdict(usage),
    }


def read_resume(snapshot: Mapping[str, Any]) -> Resumed:
    """Check a snapshot and read what a session starts from.

    Raises:
        UserError: See :func:`read_snapshot`; also a pending call that names no tool call of
            the history.
    """
    agent, history, usage = read_snapshot(snapshot)
    calls = {item.call_id for item in history if isinstance(item, ToolCallItem)}
    pending: list[PendingCallRecord] = []
    for index, record in enumerate(snapshot.get("pending_tool_calls") or ()):
        call_id = record.get("call_id") if isinstance(record, Mapping) else None
        if call_id not in calls:
            raise UserError(
                f"snapshot pending_tool_calls[{index}]: {call_id!r} is no tool call of the history"
            )
        pending.append(
            {
                "call_id": str(call_id),
                "name": str(record.get("name", "")),
                "arguments": str(record.get("arguments", "")),
                "item_id": str(record.get("item_id", "")),
                "awaiting_approval": bool(record.get("awaiting_approval")),
            }
        )
    return Resumed(agent_name=agent, history=history, usage=usage, pending=tuple(pending))
