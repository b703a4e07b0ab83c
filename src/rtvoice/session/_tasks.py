"""The session's background work: tool calls, approvals, handoffs and guardrail checks.

Everything runs in the session's one task group (structured concurrency: no bare
``create_task``). :class:`BackgroundTasks` gives each task its own cancel scope, so that
:meth:`BackgroundTasks.cancel_all` ends them all when the session closes, without touching the
group's own scope (which also covers the application's ``async with session`` block).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final

import anyio
from anyio.abc import TaskGroup

__all__ = ["MAX_QUEUED_CALLS", "BackgroundTasks", "Work"]

logger = logging.getLogger("rtvoice.session")

Work = Callable[[], Awaitable[None]]
"""A piece of background work."""

MAX_QUEUED_CALLS: Final = 64
"""Tool calls that may wait for the serial worker (``async_tool_calls=False``); beyond that
:meth:`BackgroundTasks.enqueue` refuses, and the call fails at once with an error output."""


class BackgroundTasks:
    """Runs work beside the reader, in the session's task group.

    Work runs concurrently with :meth:`spawn`, or one piece at a time, in arrival order, with
    :meth:`enqueue` (one worker task, started on first use). Work is expected to handle its
    own failures; an exception that escapes anyway is logged and passed to ``on_error``, and
    never cancels other work or the session. Cancellation (:meth:`cancel_all`) ends work
    quietly.

    Args:
        on_error: Told about an exception that escaped a piece of work, with its name.
    """

    __slots__ = ("_closed", "_group", "_on_error", "_queue", "_scopes", "_wakeup", "_worker")

    def __init__(self, on_error: Callable[[BaseException, str], None]) -> None:
        self._on_error = on_error
        self._group: TaskGroup | None = None
        self._scopes: set[anyio.CancelScope] = set()
        self._queue: list[tuple[Work, str]] = []  # at most MAX_QUEUED_CALLS; a list is lighter
        self._wakeup: anyio.Event | None = None
        self._worker = False
        self._closed = False

    @property
    def running(self) -> int:
        """Pieces of work started and not finished (the serial worker counts as one)."""
        return len(self._scopes)

    def attach(self, group: TaskGroup) -> None:
        """Use ``group`` (the session's task group) from now on."""
        self._group = group

    def spawn(self, work: Work, name: str) -> bool:
        """Start ``work`` now, as its own task.

        Returns:
            ``False`` if it could not start (not attached yet, or cancelled).
        """
        group = self._group
        if group is None or self._closed:
            return False
        scope = anyio.CancelScope()
        self._scopes.add(scope)
        group.start_soon(self._run, work, name, scope, name=name)
        return True

    def enqueue(self, work: Work, name: str) -> bool:
        """Run ``work`` after the work enqueued before it, in the serial worker.

        Returns:
            ``False`` if it could not be queued: not attached, cancelled, or
            :data:`MAX_QUEUED_CALLS` pieces already waiting.
        """
        if self._group is None or self._closed or len(self._queue) >= MAX_QUEUED_CALLS:
            return False
        self._queue.append((work, name))
        if not self._worker:
            self._worker = self.spawn(self._drain, "rtvoice serial tool calls")
        elif self._wakeup is not None:
            self._wakeup.set()
        return True

    def cancel_all(self) -> None:
        """Cancel all work, running or queued; later work is refused. Idempotent."""
        self._closed = True
        self._queue.clear()
        for scope in self._scopes:
            scope.cancel()

    async def _run(self, work: Work, name: str, scope: anyio.CancelScope) -> None:
        try:
            with scope:
                await self._guarded(work, name)
        finally:
            self._scopes.discard(scope)

    async def _guarded(self, work: Work, name: str) -> None:
        try:
            await work()
        except Exception as exc:  # work reports its own failures; this is a bug's last stop
            logger.error("session background work %r failed", name, exc_info=exc)
            self._on_error(exc, name)

    async def _drain(self) -> None:
        while True:
            while self._queue:
                work, name = self._queue.pop(0)
                await self._guarded(work, name)
            self._wakeup = anyio.Event()
            await self._wakeup.wait()
            self._wakeup = None
