"""The order of the conversation's items: the server's, whatever order its news arrives in.

The server orders items by ``previous_item_id``: each item is inserted right after the one it
names (an item added without one goes at the end). :class:`ItemOrder` mirrors that as a tree,
which is
the same order as the server's linked list: an item hangs under the item it follows, the most
recently inserted child first, and the history is a depth-first walk. That makes late news
harmless:

* an item whose ``previous_item_id`` is unknown yet is appended at the end, and moves into
  place as soon as that item shows up (so a chain delivered in any order ends up in order);
* an item first seen without a position (``response.output_item.added``, a transcription that
  beat its item) is appended provisionally and placed by the first event that has a position;
* deleting an item hands its followers to the item before it, as the server does.

No item is ever lost or listed twice. The walk (``O(n)``) runs only when the history changed
and someone reads it; finding an item is ``O(1)``.
"""

from __future__ import annotations

from ..events import HistoryAddedEvent, HistoryUpdatedEvent
from ..history import HistoryItem, ToolCallItem

__all__ = ["HistoryEvent", "ItemOrder"]

HistoryEvent = HistoryAddedEvent | HistoryUpdatedEvent


class _Node:
    __slots__ = ("children", "item", "parent", "positioned", "seq")

    def __init__(self, item: HistoryItem | None, seq: int, *, positioned: bool) -> None:
        self.item = item
        """The public item; ``None`` for a hidden item (a tool output shown on its call)."""
        self.seq = seq
        self.positioned = positioned
        """Whether a positioned event (item added/done) has placed it yet."""
        self.parent: str | None = None
        """The node it hangs under; ``None``: a root (first, or its predecessor is unknown)."""
        self.children: list[str] = []
        """Nodes that follow it, most recently inserted first."""


class ItemOrder:
    """History items in the server's order, each once; every change returns the events to
    emit.

    Each mutating method returns the ``history_added`` / ``history_updated`` events it caused,
    in order: ``history_added`` once per item id, before any ``history_updated`` about it.
    """

    __slots__ = (
        "_calls",
        "_last",
        "_nodes",
        "_roots",
        "_seq",
        "_snapshot",
        "_visible",
        "_visible_at",
        "_waiting",
    )

    def __init__(self) -> None:
        self._nodes: dict[str, _Node] = {}
        self._roots: list[str] = []
        self._waiting: dict[str, list[str]] = {}
        self._calls: dict[str, str] = {}
        self._seq = 0
        self._snapshot: tuple[HistoryItem, ...] | None = ()
        # The walk, kept up to date by appends and in-place changes; ``None``: walk again.
        self._visible: list[HistoryItem] | None = []
        self._visible_at: dict[str, int] = {}
        """Index in ``_visible`` of each visible item (valid while ``_visible`` is)."""
        self._last: str | None = None
        """The last node of the walk, hidden or not (valid while ``_visible`` is)."""

    # -----------------------------------------------------------------------------------------
    # Reading

    @property
    def items(self) -> tuple[HistoryItem, ...]:
        """The visible items in conversation order (cached until the next change)."""
        if self._snapshot is None:
            visible = self._visible
            if visible is None:
                visible = self._visible = self._walk()
            self._snapshot = tuple(visible)
        return self._snapshot

    def get(self, item_id: str) -> HistoryItem | None:
        """The visible item with this id, if any."""
        node = self._nodes.get(item_id)
        return None if node is None else node.item

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._nodes

    def is_positioned(self, item_id: str) -> bool:
        """Whether a positioned event placed this (known) item already."""
        node = self._nodes.get(item_id)
        return node is not None and node.positioned

    def find_call(self, call_id: str) -> ToolCallItem | None:
        """The tool call item with this ``call_id``, if it is in the history."""
        item_id = self._calls.get(call_id)
        item = None if item_id is None else self.get(item_id)
        return item if isinstance(item, ToolCallItem) else None

    # -----------------------------------------------------------------------------------------
    # Changing

    def observe(
        self,
        item_id: str,
        item: HistoryItem | None,
        *,
        previous_item_id: str | None = None,
        positioned: bool,
    ) -> list[HistoryEvent]:
        """Record a state of an item: add it if new, else place it and/or replace its state.

        Args:
            item_id: The item's id.
            item: Its state to store (already merged with the known one by the caller), or
                ``None`` for a hidden item that only takes a place in the order.
            previous_item_id: The item it follows (only read when ``positioned``); ``None``
                or an unknown id appends it at the end.
            positioned: Whether the event that carried it states a position (item added /
                done, input committed). Others (output item events, transcription, retrieve)
                only add an unknown item at the end, provisionally.
        """
        node = self._nodes.get(item_id)
        if node is None:
            return self._add(item_id, item, previous_item_id if positioned else None, positioned)
        changed = False
        if positioned and not node.positioned:
            node.positioned = True
            changed = self._move(item_id, previous_item_id)
        if item is not None and item != node.item:
            was_visible = node.item is not None
            node.item = item
            self._index(item)
            if not was_visible:  # a hidden item the caller now shows
                self._snapshot = self._visible = None
                return [HistoryAddedEvent(item=item)]
            self._set_visible(item_id, item)
            changed = True
        if not changed:
            return []
        self._snapshot = None
        if node.item is None:
            return []
        return [HistoryUpdatedEvent(history=self.items, item=node.item)]

    def replace(self, item_id: str, item: HistoryItem) -> list[HistoryEvent]:
        """Store a new state of a known item; a ``history_updated`` if it differs.

        Raises:
            KeyError: The item is not in the history.
        """
        node = self._nodes[item_id]
        if node.item == item:
            return []
        was_visible = node.item is not None
        node.item = item
        self._index(item)
        self._snapshot = None
        if not was_visible:
            self._visible = None
            return [HistoryAddedEvent(item=item)]
        self._set_visible(item_id, item)
        return [HistoryUpdatedEvent(history=self.items, item=item)]

    def remove(self, item_id: str) -> list[HistoryEvent]:
        """Delete an item; its followers now follow the item before it (as on the server)."""
        node = self._nodes.pop(item_id, None)
        if node is None:
            return []
        siblings = self._roots if node.parent is None else self._nodes[node.parent].children
        index = siblings.index(item_id)
        siblings[index : index + 1] = node.children
        for child in node.children:
            self._nodes[child].parent = node.parent
        if isinstance(node.item, ToolCallItem) and self._calls.get(node.item.call_id) == item_id:
            del self._calls[node.item.call_id]
        self._snapshot = self._visible = None
        if node.item is None:
            return []
        return [HistoryUpdatedEvent(history=self.items, item=None)]

    # -----------------------------------------------------------------------------------------
    # Internals

    def _add(
        self, item_id: str, item: HistoryItem | None, previous: str | None, positioned: bool
    ) -> list[HistoryEvent]:
        self._seq += 1
        node = _Node(item, self._seq, positioned=positioned)
        self._nodes[item_id] = node
        self._attach(item_id, previous)
        if item is not None:
            self._index(item)
        self._snapshot = None
        visible = self._visible
        if visible is not None:
            if node.parent is None or node.parent == self._last:  # at the end of the walk
                self._last = item_id
                if item is not None:
                    self._visible_at[item_id] = len(visible)
                    visible.append(item)
            else:
                self._visible = None
        events: list[HistoryEvent] = [] if item is None else [HistoryAddedEvent(item=item)]
        return events + self._adopt(item_id)

    def _attach(self, item_id: str, previous: str | None) -> None:
        """Hang a detached node under ``previous``, or append it as a root (and, for an
        unknown ``previous``, remember to move it there once it arrives)."""
        node = self._nodes[item_id]
        # A node being attached has no children, so only naming itself could make a loop.
        if previous is not None and previous != item_id and previous in self._nodes:
            node.parent = previous
            self._nodes[previous].children.insert(0, item_id)
            return
        node.parent = None
        self._roots.append(item_id)
        if previous is not None and previous not in self._nodes:
            self._waiting.setdefault(previous, []).append(item_id)

    def _detach(self, item_id: str) -> None:
        node = self._nodes[item_id]
        siblings = self._roots if node.parent is None else self._nodes[node.parent].children
        siblings.remove(item_id)
        node.parent = None

    def _move(self, item_id: str, previous: str | None) -> bool:
        """Place a provisionally appended node where a positioned event says it belongs."""
        node = self._nodes[item_id]
        if previous is None or previous not in self._nodes:
            if previous is not None:
                self._waiting.setdefault(previous, []).append(item_id)
            return False  # it stays where it is: at the end, as an unknown position means
        if node.parent == previous or self._is_under(previous, item_id):
            return False
        self._detach(item_id)
        node.parent = previous
        self._nodes[previous].children.insert(0, item_id)
        self._visible = None
        return True

    def _adopt(self, item_id: str) -> list[HistoryEvent]:
        """Move the roots that were waiting for ``item_id`` under it (newest first)."""
        waiting = self._waiting.pop(item_id, None)
        if not waiting:
            return []
        # dict.fromkeys: an id can wait twice (deleted and added again before its
        # predecessor arrived); it is adopted once.
        orphans = [
            orphan
            for orphan in dict.fromkeys(waiting)
            if orphan in self._nodes
            and self._nodes[orphan].parent is None
            and not self._is_under(item_id, orphan)
        ]
        orphans.sort(key=lambda orphan: self._nodes[orphan].seq, reverse=True)
        parent = self._nodes[item_id]
        for orphan in orphans:
            self._roots.remove(orphan)
            self._nodes[orphan].parent = item_id
        parent.children[:0] = orphans
        self._snapshot = self._visible = None
        return [
            HistoryUpdatedEvent(history=self.items, item=moved)
            for orphan in orphans
            if (moved := self._nodes[orphan].item) is not None
        ]

    def _is_under(self, item_id: str, ancestor: str) -> bool:
        """Whether ``item_id`` is ``ancestor`` or hangs below it (attaching would loop)."""
        current: str | None = item_id
        while current is not None:
            if current == ancestor:
                return True
            current = self._nodes[current].parent
        return False

    def _index(self, item: HistoryItem) -> None:
        if isinstance(item, ToolCallItem):
            self._calls[item.call_id] = item.item_id

    def _set_visible(self, item_id: str, item: HistoryItem) -> None:
        """Store a visible item's new state in the kept walk (the order did not change)."""
        visible = self._visible
        if visible is not None:
            index = self._visible_at.get(item_id)
            if index is None:
                self._visible = None
            else:
                visible[index] = item

    def _walk(self) -> list[HistoryItem]:
        """Walk the tree; also sets ``_visible_at`` and ``_last`` for the kept walk."""
        out: list[HistoryItem] = []
        at: dict[str, int] = {}
        last: str | None = None
        nodes = self._nodes
        stack = self._roots[::-1]
        while stack:
            last = stack.pop()
            node = nodes[last]
            if node.item is not None:
                at[last] = len(out)
                out.append(node.item)
            if node.children:
                stack.extend(reversed(node.children))
        self._visible_at = at
        self._last = last
        return out
