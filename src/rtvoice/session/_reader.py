"""The reader task of a session: model events -> state steps -> outboxes, in order.

One task per session reads the model. For each event it takes one synchronous step of the
:class:`~.state._machine.ConversationState` and puts the step's effects into the outboxes in
that same step, launches the step's tool calls and guardrail checks (as tasks: it never awaits
them), then sends the commands and hands the events over (waiting for room: backpressure). It
never calls application code and never raises: how the connection ended is stored on the
:class:`Connection` for the application's iteration to raise.

A graceful end (a tool returned ``StopConversation``) ends reading once no response runs:
the model is closed, the events read so far are delivered, and iteration ends normally.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import anyio
from anyio.abc import TaskGroup

from ..errors import (
    ConnectionLostError,
    ProviderError,
    RealtimeError,
    TransportClosedError,
    TransportError,
)
from ..model._base import CloseReport, RealtimeModel
from ..model.events import (
    AudioDelta,
    AudioTranscriptDelta,
    ErrorInfo,
    InputAudioCleared,
    InputAudioCommitted,
    TextDelta,
)
from ._outbox import CommandOutbox, EventOutbox, Flag
from ._telemetry import TelemetryObserver
from ._timers import SessionTimers
from .events import RawModelEvent
from .state._effects import Effects
from .state._machine import ConversationState

if TYPE_CHECKING:
    from ._reconnect import Continuity

__all__ = ["EXPIRED_REASON", "Connection", "early_end", "fatal_error", "read_model"]

EXPIRED_REASON: Final = "maximum duration"
"""Words of the close reason (and error message) the server sends at its session time limit:
``Your session hit the maximum duration of 60 minutes.``"""


@dataclass(eq=False, slots=True)
class Connection:
    """What exists only while a session is connected."""

    model: RealtimeModel
    commands: CommandOutbox
    events: EventOutbox
    configured: Flag
    """Set once the first ``session.update`` was answered, or the reader ended."""
    reader_done: Flag
    task_group: TaskGroup | None = None
    failure: BaseException | None = None
    """Why the reader ended, when iteration must raise: a transport error or a fatal error."""
    stopping: bool = False
    """The conversation ends gracefully (``StopConversation``): the model is being closed."""


def early_end(
    model: RealtimeModel, continuity: Continuity | None, server_closed: str | None = None
) -> RealtimeError | None:
    """For a model whose events ended normally: whether the server still ended the session
    early. A close at the server's time limit (1001 with "maximum duration" in its reason:
    websockets counts 1001 as clean) is ``session_expired``; with reconnects on, any other
    1001 ("going away", a server restart) is a drop too.

    A server that says why it ended the session (GPT-Live's ``session.closed``, whose reason
    is ``server_closed``) is believed: ``expired`` is ``session_expired``, ``content`` (a
    safety filter) a fatal ``content`` error, ``connection_lost`` a drop; a requested close
    or the far end hanging up is a normal end."""
    if server_closed is not None:
        return _closed_by_server(server_closed)
    if not isinstance(model, CloseReport) or model.close_code != 1001:
        return None
    reason = model.close_reason
    if EXPIRED_REASON in reason:
        return ProviderError(
            f"the server ended the session: {reason} (close code 1001)", code="session_expired"
        )
    if continuity is not None and continuity.reconnects:
        return TransportError(
            f"the server closed the session (close code 1001, reason {reason!r})",
            code=1001,
            reason=reason,
        )
    return None


def _closed_by_server(reason: str) -> RealtimeError | None:
    if reason == "expired":
        return ProviderError(
            "the server ended the session at its maximum duration (session.closed: expired)",
            code="session_expired",
        )
    if reason == "content":
        return ProviderError(
            "the server ended the session: its safety filter stopped the conversation "
            "(session.closed: content)",
            code="content",
        )
    if reason == "connection_lost":  # a drop, as the network's would be: worth a reconnect
        return ConnectionLostError(
            "the server lost the session's connection (session.closed: connection_lost)",
            reason=reason,
        )
    return None  # close_requested, remote_hangup: the conversation is over


def fatal_error(error: ErrorInfo, what: str) -> ProviderError:
    """A :class:`~rtvoice.errors.ProviderError` for a server error that ends the session."""
    param = f", param {error.param}" if error.param else ""
    return ProviderError(
        f"{what}: {error.message} (code {error.code}{param})",
        code=error.code,
        error_type=error.type,
    )


async def read_model(
    connection: Connection,
    state: ConversationState,
    *,
    clock: Callable[[], float],
    include_raw_events: bool,
    dispatch: Callable[[Effects], None],
    reader_scope: anyio.CancelScope,
    on_end: Callable[[], None],
    close_timeout: float,
    observer: TelemetryObserver,
    timers: SessionTimers,
    continuity: Continuity | None = None,
) -> None:
    """Read until the connection ends or ``reader_scope`` is cancelled; then end iteration.

    Args:
        connection: The live connection.
        state: The conversation state, stepped once per event.
        clock: Monotonic seconds.
        include_raw_events: Also emit each model event as a ``raw_model_event``.
        dispatch: Launches a step's tool calls and guardrail checks; must not block.
        reader_scope: Cancelled by ``close()``.
        on_end: Called once reading ended, however it ended (it cancels the session's
            background work: nothing it would send can arrive any more).
        close_timeout: Seconds a graceful end waits for the model to close.
        observer: Reports each step's notes to the session's telemetry (which ends with the
            reading, failed if ``connection.failure`` is set).
        timers: Arms the waits the steps bound.
        continuity: Replaces the connection when it drops or gets old (``None``: a drop
            ends iteration with the transport's error).

    Never raises (an exception in a child task would cancel the application's code inside
    ``async with session``): the outcome goes to ``connection.failure``.
    """
    try:
        with reader_scope:
            while True:
                ended: BaseException | None = None
                rolling = False
                try:
                    rolling = await _pump(
                        connection,
                        state,
                        clock,
                        include_raw_events,
                        dispatch,
                        close_timeout,
                        observer,
                        timers,
                        continuity,
                    )
                    ended = connection.failure
                    said = state.take_server_closed()  # this connection's, whatever follows
                    if ended is None and not connection.stopping:
                        ended = early_end(connection.model, continuity, said)
                except TransportError as exc:
                    state.take_server_closed()  # the drop says why; a reason said before is stale
                    ended = exc
                except Exception as exc:  # a bug must still end iteration, loudly
                    connection.failure = exc
                    break
                if continuity is None or connection.stopping:
                    connection.failure = ended
                    break
                if rolling:
                    await continuity.roll_over(connection)
                    continue
                if ended is None or not await continuity.recover(connection, ended):
                    break
            if connection.events:
                await connection.events.deliver()  # what came before the end is delivered
    finally:
        if not reader_scope.cancel_called:  # else close() ends the telemetry, or entering
            observer.telemetry.session_ended(connection.failure)
        on_end()
        connection.events.end()
        connection.configured.set()
        connection.reader_done.set()


async def _pump(
    connection: Connection,
    state: ConversationState,
    clock: Callable[[], float],
    include_raw_events: bool,
    dispatch: Callable[[Effects], None],
    close_timeout: float,
    observer: TelemetryObserver,
    timers: SessionTimers,
    continuity: Continuity | None,
) -> bool:
    """Step the state with each event of the connection's model until its events end (or a
    fatal error: ``connection.failure``). Returns ``True`` when it stopped early for a
    rollover, at a turn boundary."""
    events = connection.events
    commands = connection.commands
    configured = connection.configured
    source = connection.model.events()
    async for event in source:
        if include_raw_events:
            events.put(RawModelEvent(event=event))
        if type(event) is AudioDelta:  # the hot path: O(1), no history work
            audio = state.on_audio_delta(event, clock())
            if audio is not None and events.push(audio):
                await events.wait_for_room()
        elif type(event) is AudioTranscriptDelta or type(event) is TextDelta:
            # The other streamed delta, O(1) too: no command, at most an output check.
            shown = state.on_text_delta(event, clock())
            if isinstance(shown, Effects):  # an output check is due, or a held error
                events.put_all(shown.events)
                if shown.work:
                    dispatch(shown)
                if shown.notes:
                    observer.observe(shown)
            elif shown is not None and events.push(shown):
                await events.wait_for_room()
        else:
            if continuity is not None:
                if type(event) is InputAudioCommitted:
                    continuity.audio_committed(event.item_id)
                elif type(event) is InputAudioCleared:
                    continuity.audio_cleared()
            now = clock()
            fx = state.handle(event, now)
            events.put_all(fx.events)
            if fx.fatal is not None:
                if fx.notes:
                    observer.observe(fx)
                connection.failure = fatal_error(fx.fatal, "the server ended the session")
                return False
            commands.put(fx.commands)
            if fx.timers:
                timers.arm(fx.timers)
            if fx.work:  # starts tasks; what they decide comes after this step's effects
                dispatch(fx)
            if fx.notes:  # after the work: a turn that ends here was open when it started
                observer.observe(fx)
            if commands:
                with contextlib.suppress(TransportClosedError):
                    await commands.flush()  # if closed, the next read says how it ended
            if not configured.is_set() and state.configuration != "pending":
                configured.set()
            if state.stop_due and not connection.stopping:
                # The conversation ends: closing makes the model's events end normally,
                # after the ones already received (the history stays complete).
                connection.stopping = True
                with anyio.move_on_after(close_timeout, shield=True):
                    await connection.model.close()
            elif (
                continuity is not None
                and continuity.rollover_due(now)
                and state.at_turn_boundary
                and not connection.stopping
            ):
                await events.deliver()
                closer = getattr(source, "aclose", None)  # an async generator, normally
                if closer is not None:
                    await closer()
                return True
        if events:  # deliver without a coroutine per event; wait only when backlogged
            events.deliver_nowait()
            if events.backlogged():
                await events.wait_for_room()
    held = state.held_error
    if held is not None:
        connection.failure = fatal_error(held, "the server closed the session")
    return False
