"""How a session's own calls and its background work act on the conversation.

:class:`SessionLink` is the one door from outside the reader into the live session: a
:class:`~.state._machine.ConversationState` step's effects go through :meth:`SessionLink.apply`
in the same synchronous step that decided them (so the wire and the event stream keep the
state's order, whichever task decided), then :meth:`SessionLink.flush` sends them. The
session's methods, the tool calls, handoffs and guardrail checks all use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import anyio

from ..errors import TransportClosedError
from ..tracing import SessionTelemetry
from ._reader import Connection
from ._telemetry import TelemetryObserver
from ._timers import SessionTimers
from .events import RealtimeSessionEvent
from .state._effects import Effects
from .state._machine import ConversationState

__all__ = ["SessionLink"]


def _no_work(fx: Effects) -> None:
    return None


class SessionLink:
    """Applies state steps to the live connection.

    Args:
        state: The conversation state.
        clock: Monotonic seconds.
        close_timeout: Seconds a graceful end waits for the model to close.
        observer: Reports each step's notes to the session's telemetry.
    """

    __slots__ = ("clock", "close_timeout", "dispatch", "live", "observer", "state", "timers")

    def __init__(
        self,
        state: ConversationState,
        clock: Callable[[], float],
        close_timeout: float,
        observer: TelemetryObserver,
    ) -> None:
        self.state = state
        self.clock = clock
        self.close_timeout = close_timeout
        self.observer = observer
        self.live: Connection | None = None
        """The connection, once the session is entered."""
        self.dispatch: Callable[[Effects], None] = _no_work
        """Launches the tool calls and guardrail checks of a step (set by the session)."""
        self.timers = SessionTimers(clock)
        """Arms the waits the steps bound (``Effects.timers``)."""

    def apply(self, fx: Effects) -> None:
        """Queue a step's commands and events (in the caller's synchronous step), hand over
        the events that fit without waiting, and launch its tool calls and checks.

        Never waits for the application to read events, so the iterating task (or a tool it
        awaits) may call it; the events that do not fit are delivered by the reader or by
        the application's next read. Then the telemetry hears of the step's notes. Before
        entry and after the connection ended, the commands and events go nowhere, and the
        telemetry hears nothing.
        """
        live = self.live
        if live is None:
            return
        live.commands.put(fx.commands)
        if fx.timers:
            self.timers.arm(fx.timers)
        if fx.events:
            live.events.put_all(fx.events)
            live.events.deliver_nowait()
        if fx.work:
            self.dispatch(fx)
        if fx.notes:
            self.observer.observe(fx)

    @property
    def telemetry(self) -> SessionTelemetry:
        """The session's telemetry, for the spans of tools, handoffs and guardrails."""
        return self.observer.telemetry

    def emit(self, event: RealtimeSessionEvent) -> None:
        """Queue one event (see :meth:`apply`)."""
        self.apply(Effects(events=[event]))

    async def flush(self) -> None:
        """Send the queued commands. A closed connection is not an error here: the reader
        learns how it ended, and the application hears it from the iteration."""
        live = self.live
        if live is not None:
            with contextlib.suppress(TransportClosedError):
                await live.commands.flush()

    async def stop_if_due(self) -> None:
        """End the conversation gracefully if :attr:`ConversationState.stop_due`: close the
        model, so that reading ends after the events already received and iteration ends
        normally. (When a response still runs, the reader does it once that one is done.)"""
        live = self.live
        if live is None or live.stopping or not self.state.stop_due:
            return
        live.stopping = True
        with anyio.move_on_after(self.close_timeout, shield=True):
            await live.model.close()
