"""Item news in, history events out: the conversation's items as the session shows them.

:class:`ConversationItems` turns what the server says about items (added, done, output item
events, retrieved, deleted, transcribed) into :mod:`~rtvoice.session.history` items kept in
an :class:`~._item_order.ItemOrder`, merging each new state into the known one
(:mod:`._item_merge`) and returning the ``history_added`` / ``history_updated`` events to
emit. Pure: no IO, no clock. Nothing here runs per audio delta.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ...model.commands import CreateItem
from ...model.items import FunctionCallOutputItem, Item, OutputAudio, OutputText
from ..history import AssistantMessageItem, HistoryItem, ToolCallItem, UserMessageItem
from ._item_merge import is_final, merge_states, to_history_item, with_transcript
from ._item_order import HistoryEvent, ItemOrder

__all__ = ["ConversationItems"]

_REMEMBERED_STATES = 16
"""Items whose last server state is kept: a state repeats within its own turn."""


class ConversationItems:
    """The history a session keeps, fed with the server's item news (and the tool outputs
    the session sends)."""

    __slots__ = (
        "_completed_calls",
        "_last_states",
        "_order",
        "_reported_calls",
        "_seeding",
        "_unplaced",
    )

    def __init__(self) -> None:
        self._order = ItemOrder()
        self._unplaced: dict[str, Item] = {}
        self._reported_calls: set[str] = set()
        self._completed_calls: list[ToolCallItem] = []
        self._seeding: dict[str, int] = {}
        """Items a new connection was seeded with: their echoes (added, done) confirm what
        the history holds and change nothing."""
        self._last_states: dict[str, Item] = {}
        """The server's last state of each recently observed item, as the history holds it
        merged; the server repeats a state up to three times a turn (item done, output item
        done, ``response.done``), and a repeat changes nothing (merging is idempotent)."""

    @property
    def items(self) -> tuple[HistoryItem, ...]:
        """The items in conversation order (a cached tuple, rebuilt only after a change)."""
        return self._order.items

    def get(self, item_id: str) -> HistoryItem | None:
        """The visible item with this id, if any."""
        return self._order.get(item_id)

    def take_completed_calls(self) -> list[ToolCallItem]:
        """Tool calls that completed since the last call, each reported once."""
        calls, self._completed_calls = self._completed_calls, []
        return calls

    def set_call_output(self, call_id: str, output: str) -> list[HistoryEvent]:
        """The session sent ``output`` for the call ``call_id``: show it on the call now (the
        server's echo of the output item then changes nothing)."""
        call = self._order.find_call(call_id)
        if call is None or call.output == output:
            return []
        self._last_states.pop(call.item_id, None)
        return self._order.replace(call.item_id, dataclasses.replace(call, output=output))

    def replace(self, item_id: str, item: HistoryItem) -> list[HistoryEvent]:
        """Show ``item`` in place of the item with its id (a drop cut it short)."""
        self._last_states.pop(item_id, None)
        return self._order.replace(item_id, item)

    def restore(self, items: Sequence[HistoryItem]) -> None:
        """Start from ``items`` (a resumed session's history), in order, without events; its
        tool calls count as reported (they are not run again when the server restates them)."""
        previous: str | None = None
        for item in items:
            self._order.observe(item.item_id, item, previous_item_id=previous, positioned=True)
            previous = item.item_id
            if isinstance(item, ToolCallItem):
                self._reported_calls.add(item.call_id)

    def forget_announced(self) -> None:
        """The connection ended: items a response announced but never placed (no content
        either) are not kept."""
        self._unplaced.clear()

    def expect_seed(self, seed: Sequence[CreateItem]) -> int:
        """A new connection is seeded with ``seed``: the echoes of its items (``added`` and
        ``done`` each) are confirmations. Returns how many history items it re-creates."""
        self._seeding = {}
        for command in seed:
            if command.item.id is not None:
                self._seeding[command.item.id] = 2
        return len(self._seeding)

    def observe(
        self,
        item: Item,
        previous_item_id: str | None,
        *,
        positioned: bool,
        agent_name: str | None,
    ) -> list[HistoryEvent]:
        """A state of an item, from ``conversation.item.added`` / ``done`` (``positioned``), or
        from output item events, ``response.done`` or a retrieve (not positioned).

        Args:
            item: The item as the server reported it.
            previous_item_id: The item it follows (read only when ``positioned``).
            positioned: Whether the event states the item's position.
            agent_name: The agent active now (recorded on new assistant items and calls).
        """
        item_id = item.id
        if item_id is None:
            return []  # every server item has an id; nothing to key a nameless one by
        if self._seeding and item_id in self._seeding:
            if positioned:
                self._seeding[item_id] -= 1
                if not self._seeding[item_id]:
                    del self._seeding[item_id]
            return []
        if self._unplaced:
            self._unplaced.pop(item_id, None)
        last = self._last_states.get(item_id)
        if (last is item or last == item) and (  # the codec reuses an item stated again
            not positioned or self._order.is_positioned(item_id)
        ):
            return []  # a repeat of the state the history already holds, and no move due
        events = self._observe(item, item_id, previous_item_id, positioned, agent_name)
        if isinstance(item, FunctionCallOutputItem):  # its effect depends on its call too
            self._last_states.pop(item_id, None)
        else:
            self._remember(item_id, item)
        return events

    def _observe(
        self,
        item: Item,
        item_id: str,
        previous_item_id: str | None,
        positioned: bool,
        agent_name: str | None,
    ) -> list[HistoryEvent]:
        if isinstance(item, FunctionCallOutputItem):
            call = self._order.find_call(item.call_id)
            if call is not None and call.item_id != item_id:
                # "A tool call and its output are one ToolCallItem": the output item only
                # takes its place in the order, and its text shows on the call.
                events = self._order.observe(
                    item_id, None, previous_item_id=previous_item_id, positioned=positioned
                )
                if call.output != item.output:
                    updated = dataclasses.replace(call, output=item.output)
                    self._last_states.pop(call.item_id, None)
                    events += self._order.replace(call.item_id, updated)
                return events
        new = to_history_item(item, item_id, agent_name)
        old = self._order.get(item_id)
        if old is not None:
            new = merge_states(old, new)
        events = self._order.observe(
            item_id, new, previous_item_id=previous_item_id, positioned=positioned
        )
        if (
            isinstance(new, ToolCallItem)
            and new.status == "completed"
            and new.call_id not in self._reported_calls
        ):
            self._reported_calls.add(new.call_id)
            self._completed_calls.append(new)
        return events

    def _remember(self, item_id: str, item: Item) -> None:
        states = self._last_states
        states.pop(item_id, None)
        states[item_id] = item
        if len(states) > _REMEMBERED_STATES:
            del states[next(iter(states))]

    def announce(self, item: Item) -> None:
        """``response.output_item.added``: ``conversation.item.added`` follows with the item's
        position, so keep the item aside until then, or until its response
        ends without it (:meth:`response_ended`)."""
        if item.id is not None and item.id not in self._order:
            self._unplaced[item.id] = item

    def response_ended(
        self, output: tuple[Item, ...], agent_name: str | None
    ) -> list[HistoryEvent]:
        """``response.done``: make sure every item of the response is in the history."""
        events: list[HistoryEvent] = []
        for item in (*output, *self._unplaced.values()):
            events += self.observe(item, None, positioned=False, agent_name=agent_name)
        self._unplaced.clear()
        return events

    def remove(self, item_id: str) -> list[HistoryEvent]:
        """``conversation.item.deleted``."""
        self._last_states.pop(item_id, None)
        return self._order.remove(item_id)

    def fill_transcript(
        self, item_id: str, content_index: int, transcript: str
    ) -> list[HistoryEvent]:
        """The final transcription of a user audio item."""
        self._last_states.pop(item_id, None)
        item = self._order.get(item_id)
        if item is None and item_id not in self._order:
            # The transcription beat its item (it is asynchronous): keep it on a
            # provisional item, which the item's own events then place and complete.
            provisional = with_transcript(
                UserMessageItem(item_id=item_id), content_index, transcript
            )
            return self._order.observe(item_id, provisional, positioned=False)
        if isinstance(item, UserMessageItem):
            return self._order.replace(item_id, with_transcript(item, content_index, transcript))
        return []

    def finalise_part(
        self, item_id: str, content_index: int, part: OutputAudio | OutputText
    ) -> list[HistoryEvent]:
        """The final text of an assistant content part. ``conversation.item.done`` normally
        brings it; this only matters when the item's done came first (out of order)."""
        item = self._order.get(item_id)
        if (
            isinstance(item, AssistantMessageItem)
            and is_final(item.status)
            and content_index < len(item.content)
            and type(item.content[content_index]) is type(part)
            and item.content[content_index] != part
        ):
            content = list(item.content)
            content[content_index] = part
            self._last_states.pop(item_id, None)
            return self._order.replace(item_id, dataclasses.replace(item, content=tuple(content)))
        return []
