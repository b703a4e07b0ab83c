"""What Twilio's echoed marks say the caller heard (pure bookkeeping, no IO).

The bridge sends a ``mark`` after every audio chunk. Twilio plays its buffer in order and
echoes each mark once the audio before it has been played, so an echo means: every chunk up
to this mark reached the caller's ear. After a ``clear`` Twilio also echoes the marks of the
audio it dropped; those say nothing about what was heard, so :meth:`MarkLedger.clear`
forgets them and their late echoes are ignored.
"""

from __future__ import annotations

from collections import deque

__all__ = ["MarkLedger", "PlayedChunk"]

PlayedChunk = tuple[str, int, int]
"""``(item_id, content_index, num_bytes)`` of a chunk the caller heard."""


class MarkLedger:
    """The marks sent and not yet echoed, oldest first, each with the chunk before it.

    Args:
        prefix: The start of every mark name (names are ``<prefix><n>``, ``n`` from 1).
    """

    __slots__ = ("_count", "_pending", "_prefix")

    def __init__(self, prefix: str = "rtvoice-") -> None:
        self._prefix = prefix
        self._count = 0
        self._pending: deque[tuple[str, str, int, int]] = deque()

    def sent(self, item_id: str, content_index: int, num_bytes: int) -> str:
        """Record a chunk just sent; returns the name of the mark to send right after it."""
        self._count += 1
        name = f"{self._prefix}{self._count}"
        self._pending.append((name, item_id, content_index, num_bytes))
        return name

    def echoed(self, name: str) -> list[PlayedChunk]:
        """The chunks Twilio has now played, given the echo of mark ``name``.

        Marks come back in the order they were sent; an echo also accounts for any earlier
        mark whose own echo did not arrive. A name that is not pending (a mark dropped by
        :meth:`clear`, or not ours) accounts for nothing.
        """
        pending = self._pending
        if not pending or all(entry[0] != name for entry in pending):
            return []
        played: list[PlayedChunk] = []
        while pending:
            mark, item_id, content_index, num_bytes = pending.popleft()
            played.append((item_id, content_index, num_bytes))
            if mark == name:
                break
        return played

    def clear(self) -> int:
        """Forget every pending mark (a ``clear`` was sent); returns how many there were."""
        dropped = len(self._pending)
        self._pending.clear()
        return dropped

    @property
    def pending(self) -> int:
        """How many marks are waiting for their echo."""
        return len(self._pending)
