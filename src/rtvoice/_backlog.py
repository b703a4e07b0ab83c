"""Audio first across the calls of one process: the event loop's count of woken tasks.

A service holds many calls on one event loop, and the loop runs ready work in arrival order.
When a response ends, its session has bookkeeping to do that nobody hears: the history, the
usage, the spans, the closing events. If another call's audio arrived meanwhile, it would
wait behind that work; a hundred calls ending their turns together would delay the last
ones' audio by a hundred sessions' bookkeeping.

So the tasks that hand audio on count themselves here while they wait to run: a connection's
reader woken by frames that arrived (``SplittingConnection``), an application woken by an
event (``EventOutbox``). A session about to close a response that played audio first gives
way (:meth:`Backlog.give_way`) while any of them waits, a few passes of the loop at most.
Nothing is reordered within a session; only which session's step runs first changes.

Only asyncio counts: under another backend (or outside a loop) the backlog stays empty and
nothing ever waits.
"""

from __future__ import annotations

import asyncio
import weakref

__all__ = ["PASSES", "Backlog", "loop_backlog"]

PASSES = 4
"""How many passes of the event loop a response's end gives way at most, however busy the
loop is: work that never stops arriving still lets every session end its responses."""


class Backlog:
    """The number of tasks of one event loop woken with work to do that have not run yet."""

    __slots__ = ("__weakref__", "waiting")

    def __init__(self) -> None:
        self.waiting = 0

    async def give_way(self) -> None:
        """Let the waiting tasks run first: pass the loop until none waits (at most
        :data:`PASSES` times). Each pass runs the tasks already woken before this one
        resumes; those woken meanwhile are counted, and seen at the next look."""
        for _ in range(PASSES):
            if not self.waiting:
                return
            await asyncio.sleep(0)


_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Backlog] = (
    weakref.WeakKeyDictionary()
)


def loop_backlog() -> Backlog:
    """The running asyncio loop's backlog; a private, always empty one without such a loop
    (or for a loop that cannot be weakly referenced)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return Backlog()
    try:
        backlog = _BY_LOOP.get(loop)
        if backlog is None:
            backlog = _BY_LOOP[loop] = Backlog()
    except TypeError:
        return Backlog()
    return backlog
