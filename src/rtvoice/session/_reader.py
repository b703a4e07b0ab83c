"""The reader task of a session: model events -> state steps -> outboxes, in order.

One task per session reads the model. For each event it takes one synchronous step of the
:class:`~._state.ConversationState` and puts the step's effects into the outboxes in that same
step, then sends the commands and hands the events over (waiting for room: backpressure). It
never calls application code and never raises: how the connection ended is stored on the
:class:`Connection` for the application's iteration to raise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from anyio.abc import TaskGroup

from ..errors import ProviderError, TransportClosedError, TransportError
from ..model._base import RealtimeModel
from ..model.events import AudioDelta, ErrorInfo
from ._outbox import CommandOutbox, EventOutbox
from ._state import ConversationState
from .events import RawModelEvent
from .history import ToolCallItem

__all__ = ["Connection", "fatal_error", "read_model"]


@dataclass(eq=False, slots=True)
class Connection:
    """What exists only while a session is connected."""

    model: RealtimeModel
    commands: CommandOutbox
    events: EventOutbox
    configured: anyio.Event
    """Set once the first ``session.update`` was answered, or the reader ended."""
    reader_done: anyio.Event
    task_group: TaskGroup | None = None
    failure: BaseException | None = None
    """Why the reader ended, when iteration must raise: a transport error or a fatal error."""


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
    on_function_call: Callable[[ToolCallItem], None],
    reader_scope: anyio.CancelScope,
) -> None:
    """Read until the connection ends or ``reader_scope`` is cancelled; then end iteration.

    Never raises (an exception in a child task would cancel the application's code inside
    ``async with session``): the outcome goes to ``connection.failure``.
    """
    try:
        with reader_scope:
            try:
                await _pump(connection, state, clock, include_raw_events, on_function_call)
            except TransportError as exc:
                connection.failure = exc
            except Exception as exc:  # a bug must still end iteration, loudly
                connection.failure = exc
            if connection.events:
                await connection.events.deliver()  # what came before the end is delivered
    finally:
        connection.events.end()
        connection.configured.set()
        connection.reader_done.set()


async def _pump(
    connection: Connection,
    state: ConversationState,
    clock: Callable[[], float],
    include_raw_events: bool,
    on_function_call: Callable[[ToolCallItem], None],
) -> None:
    events = connection.events
    commands = connection.commands
    configured = connection.configured
    async for event in connection.model.events():
        if include_raw_events:
            events.put(RawModelEvent(event=event))
        if type(event) is AudioDelta:  # the hot path: O(1), no history work
            audio = state.on_audio_delta(event, clock())
            if audio is not None:
                events.put(audio)
        else:
            fx = state.handle(event, clock())
            events.put_all(fx.events)
            for call in fx.function_calls:
                on_function_call(call)
            if fx.fatal is not None:
                connection.failure = fatal_error(fx.fatal, "the server ended the session")
                return
            if fx.commands:
                commands.put(fx.commands)
                with contextlib.suppress(TransportClosedError):
                    await commands.flush()  # if closed, the next read says how it ended
            if not configured.is_set() and state.configuration != "pending":
                configured.set()
        if events:
            await events.deliver()
    held = state.held_error
    if held is not None:
        connection.failure = fatal_error(held, "the server closed the session")
