"""The session's timers: the waits its state bounds, armed and fired.

A step of the pure :class:`~.state._machine.ConversationState` that starts a wait carries a
:class:`~.state._waits.Timer` in ``Effects.timers``. :class:`SessionTimers` keeps the latest
timer of each wait (a newer one replaces the older) with its deadline on the session's clock,
and one task per session sleeps until the earliest deadline, then steps
:meth:`ConversationState.wait_expired
<rtvoice.session.state._machine.ConversationState.wait_expired>` through the
:class:`~._link.SessionLink` (so its effects are applied like any other step's). At most three
timers exist at once; arming one costs a dict store, and wakes the task only when its
deadline comes before the one the task sleeps until (re-arming a wait for later, the usual
case, does not): a few times per turn, never per audio delta.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

import anyio

from .state._waits import Timer, Wait

__all__ = ["SessionTimers"]


class SessionTimers:
    """The armed timers of one session, and the task that fires them.

    Args:
        clock: The session's monotonic clock, in seconds.
    """

    __slots__ = ("_armed", "_clock", "_sleeping_until", "_wakeup")

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._armed: dict[Wait, tuple[float, Timer]] = {}
        self._wakeup: anyio.Event | None = None
        self._sleeping_until = math.inf
        """The deadline the task sleeps until: only an earlier one needs to wake it (it looks
        at the armed timers again when it wakes anyway)."""

    @property
    def armed(self) -> int:
        """How many timers wait to fire."""
        return len(self._armed)

    def arm(self, timers: tuple[Timer, ...]) -> None:
        """Arm ``timers`` (each replacing the armed timer of its wait), from any task."""
        now = self._clock()
        earliest = math.inf
        for timer in timers:
            deadline = now + timer.seconds
            self._armed[timer.wait] = (deadline, timer)
            earliest = min(earliest, deadline)
        wakeup = self._wakeup
        if wakeup is not None and earliest < self._sleeping_until:
            self._sleeping_until = -math.inf  # woken: it looks again
            wakeup.set()

    async def run(self, expire: Callable[[Timer, float], Awaitable[None]]) -> None:
        """Fire each timer at its deadline, with ``await expire(timer, now)``, until
        cancelled.

        Args:
            expire: Steps the state for a fired timer, applies its effects (their timers are
                armed through :meth:`arm`) and sends its commands.
        """
        while True:
            self._wakeup = anyio.Event()
            if not self._armed:
                self._sleeping_until = math.inf
                await self._wakeup.wait()
                continue
            wait, (deadline, timer) = min(self._armed.items(), key=lambda entry: entry[1][0])
            delay = deadline - self._clock()
            if delay > 0:
                self._sleeping_until = deadline
                with anyio.move_on_after(delay):
                    await self._wakeup.wait()
                continue  # armed earlier, or the deadline came: look again
            del self._armed[wait]
            await expire(timer, self._clock())
