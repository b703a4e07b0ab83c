"""The async session: one model connection, one task group, one ordered stream of events.

:class:`RealtimeSession` moves things between the model and the application and decides nothing
itself: every decision is a step of the pure
:class:`~rtvoice.session.state._machine.ConversationState`, whose effects (events to emit,
commands to send) are queued *in the same synchronous step* and then delivered. That is what
keeps the wire and the event stream in the order of the state's decisions, whichever task (the
reader, an application task calling a method, or a tool call) made them.

User code (tools, approvals, handoff callbacks, guardrails, middleware) runs in its
collaborators, as background work in the session's one task group: :mod:`._tool_runner`,
:mod:`._handoff_runner`, :mod:`._guardrail_runner`. The decisions themselves live in the pure
:mod:`rtvoice.session.state`.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Final, Literal

import anyio
from typing_extensions import Self

from ..agent import RealtimeAgent
from ..audio import PlaybackTracker
from ..config import RunSettings, SessionTimeouts
from ..errors import TransportClosedError, UserError
from ..model._base import ConnectRequest, EventFilter, ModelConnector
from ..model.events import ErrorInfo, Usage
from ..tracing import session_telemetry
from ._actions import SessionActions
from ._capabilities import FULL, adopt
from ._entry import carry_on, configure, ended
from ._guardrail_runner import GuardrailRunner
from ._handoff_runner import HandoffRunner
from ._link import SessionLink
from ._migration import MigrationAliases
from ._outbox import CommandOutbox, EventOutbox, Flag
from ._reader import Connection, read_model
from ._reconnect import Continuity
from ._snapshot import (
    SessionSnapshot,
    read_resume,
    take_snapshot,
)
from ._tasks import BackgroundTasks
from ._telemetry import TelemetryObserver
from ._tool_runner import ToolCallRunner
from .events import ErrorSessionEvent, RealtimeSessionEvent
from .history import HistoryItem
from .state._agent_tools import agent_tools
from .state._effects import Effects
from .state._machine import ConversationState
from .state._server_events import IGNORED_EVENTS
from .state._waits import Timer

__all__ = [
    "DEFAULT_CLOSE_TIMEOUT",
    "DEFAULT_CONFIGURE_TIMEOUT",
    "DEFAULT_EVENT_BUFFER_SIZE",
    "RealtimeSession",
]

DEFAULT_EVENT_BUFFER_SIZE: Final = 256
"""Events that may wait for the application before the session stops reading the socket."""

DEFAULT_CONFIGURE_TIMEOUT: Final = SessionTimeouts().configure
"""Seconds ``async with session`` waits for the server to confirm the configuration
(``timeouts.configure``)."""

DEFAULT_CLOSE_TIMEOUT: Final = SessionTimeouts().close
"""Seconds :meth:`RealtimeSession.close` waits for the connection and the reader to end
(``timeouts.close``)."""

_Phase = Literal["new", "opening", "open", "closed"]


class RealtimeSession(SessionActions, MigrationAliases):
    """A live conversation with a realtime model: iterate it for events, call it to act.

    Built by :meth:`RealtimeRunner.run <rtvoice.RealtimeRunner.run>` (or directly, in tests),
    used once::

        async with session:                       # connects and configures
            await session.send_message("Hello!")
            async for event in session:           # until the server closes, or close()
                ...

    Ordering and concurrency guarantees:

    * ``async with session`` returns once the server confirmed the configuration
      (``session.updated``), so anything sent afterwards uses it.
    * Events arrive in the order of the model's events (see :mod:`rtvoice.session.events`
      for what is guaranteed within that order). One task should iterate.
    * The methods may be called from any task, also while another task iterates. Each state
      change happens whole, in call order, and the commands it causes reach the server in that
      same order, whatever task sends them.
    * Responses are sequenced: inputs sent while a response runs are added to the conversation
      at once, and one response follows when the running one ends; the session never provokes
      ``conversation_already_has_active_response``.

    Policies:

    * **Events buffer**: ``event_buffer_size`` events (default 256) may wait for the
      application. When it is full the reader waits (backpressure), so the transport stops
      reading and TCP slows the server down; no event is dropped. The reader never calls
      application code, so a slow consumer slows only itself.
    * **Errors**: a recoverable server error (or an unreadable frame, as ``decode_error``) is an
      ``error`` event and the session goes on. A clean close ends iteration. An abnormal close
      ends iteration by raising the transport's exception (``ConnectionLostError``,
      ``AuthenticationError``, ...). A fatal server error (``session_expired``) raises
      :class:`~rtvoice.errors.ProviderError` once the events before it were delivered.
    * **Timeouts**: every wait is bounded by a ``timeouts`` key of the run config:
      ``configure`` (the server's confirmation at entry), ``response_created`` (a
      ``response.create`` of ours unanswered: given up, an ``error`` event), ``response_idle``
      (a running response silent without its ``response.done``: cancelled and given up, an
      ``error`` event, its turn ends), ``guardrail_verdicts`` (``agent_end`` waits that long
      for checks still deciding) and ``close``. A given-up wait's ``error`` has
      ``type="timeout"`` and a ``code`` naming it; the sequencing then moves on.
    * **Interruptions**: when the user starts speaking (or on
      :meth:`interrupt`) while assistant audio may still be playing, ``audio_interrupted``
      says how much was heard (from the ``playback_tracker``, else the wall clock since the
      item's first chunk, never more than was received); the item is truncated there, the
      running response is cancelled unless the server's turn detection cancels it itself, and
      later chunks of that item are dropped. Audio arrives faster than real time, so
      ``audio_interrupted`` may come after that item's ``audio_end``: it means "stop playing".
      After a truncation the history's transcript becomes what the server kept (the session
      retrieves the item once; its audio is dropped on arrival).
    * **Voice**: once the assistant has spoken, the server refuses a voice change;
      :meth:`update_agent` and handoffs then keep the current voice and report it as an
      ``error`` event with ``type="warning"``, ``code="voice_locked"`` (and a logged
      warning), never a server error (if assistant audio races an update with a voice, the
      server's refusal is replaced by that warning and the update is sent again without it).
    * **Tools**: each call runs as background work, never in the reader: concurrently with
      ``async_tool_calls`` (default; a slow tool blocks no audio, event or other call), else
      one at a time in arrival order. Its output goes back with a response request. A
      tool that raises, times out, gets bad arguments or does not exist gives the model an
      error output (written by ``tool_error_formatter`` if set) and ``tool_end`` carries the
      error. ``agent_end`` waits while a call, an approval or a handoff is pending.
    * **Approvals**: a call of a tool with ``needs_approval`` emits ``tool_approval_required``
      and waits (the conversation keeps flowing, the user can keep talking) for
      :meth:`approve_tool_call` or :meth:`reject_tool_call`, unless a middleware decides.
    * **Handoffs**: a call to ``transfer_to_<agent>`` switches the agent (``handoff`` event,
      one ``session.update`` keeping the audio formats, transcription and turn detection),
      sends the call's output and a response request, so the new agent speaks next.
    * **Guardrails**: output guardrails check the assistant's text every
      ``debounce_text_length`` characters and once on each item's final text; a trip stops
      the audio (``audio_interrupted``), cancels the response, truncates what was not played,
      emits ``guardrail_tripped`` and asks the agent for a replacement answer. Input
      guardrails check each user message and final transcription; a trip cancels the answer
      to it. Checks run beside the conversation, never twice on the same text.
    * **Middleware** (``RunSettings.middleware``, outermost first) wraps every tool call,
      approval, handoff and guardrail check; the chains are built once, here.
    * **Ending**: a tool that returns ``StopConversation`` (e.g. ``stop_conversation``) ends
      the session gracefully once the current response is done: the connection closes, the
      events received so far are delivered, and iteration ends normally.

    Args:
        agent: The agent that speaks first.
        settings: The normalised run settings.
        connector: Opens the model connection (e.g. ``OpenAIRealtimeModel.connect``).
        request: Where and how to connect.
        context: Your run context, given to instructions functions, tools, approval rules,
            handoff callbacks and guardrails.
        playback_tracker: Reports what the application actually played, for exact truncation
            on interruptions; without one, audio is assumed to play in real time.
        include_raw_events: Also yield every model event as a ``raw_model_event``, before
            the events it causes.
        event_buffer_size: How many events may wait for the application (see Policies).
        configure_timeout: Seconds to wait for ``session.updated`` on entry (default:
            ``settings.timeouts.configure``).
        close_timeout: Seconds :meth:`close` waits for the connection and the reader to end
            (default: ``settings.timeouts.close``).
        clock: Monotonic clock in seconds (for tests; default :func:`time.monotonic`).
        preconfigured: The server session already has the configuration (a SIP accept
            carried it): entering sends no ``session.update`` and waits for nothing.
        resume: A :meth:`snapshot` to carry on from (``RealtimeRunner.run(resume=...)`` picks
            the agent it names): the history and usage are there from the start, and once
            entered the new server session is seeded with the history.

    Raises:
        UserError: A buffer size or timeout is out of range, a middleware is not one, a
            run-level guardrail has the wrong kind, or ``resume`` is not a snapshot.
    """

    def __init__(
        self,
        *,
        agent: RealtimeAgent[Any],
        settings: RunSettings,
        connector: ModelConnector,
        request: ConnectRequest,
        context: Any = None,
        playback_tracker: PlaybackTracker | None = None,
        include_raw_events: bool = False,
        event_buffer_size: int = DEFAULT_EVENT_BUFFER_SIZE,
        configure_timeout: float | None = None,
        close_timeout: float | None = None,
        clock: Callable[[], float] | None = None,
        resume: SessionSnapshot | Mapping[str, Any] | None = None,
        preconfigured: bool = False,
    ) -> None:
        if not isinstance(agent, RealtimeAgent):
            raise UserError("RealtimeSession needs a RealtimeAgent")
        self._resumed = None if resume is None else read_resume(resume)
        if not isinstance(event_buffer_size, int) or event_buffer_size < 1:
            raise UserError(f"event_buffer_size must be an integer >= 1, got {event_buffer_size}")
        if configure_timeout is None:
            configure_timeout = settings.timeouts.configure
        if close_timeout is None:
            close_timeout = settings.timeouts.close
        for name, value in (
            ("configure_timeout", configure_timeout),
            ("close_timeout", close_timeout),
        ):
            if not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
                raise UserError(f"{name} must be a positive number of seconds, got {value!r}")
        if playback_tracker is not None:
            playback_tracker.set_audio_format(settings.model.output_format)
        self._connector = connector
        self._request = request
        self._context = context
        self._include_raw_events = include_raw_events
        self._event_buffer_size = event_buffer_size
        self._configure_timeout = float(configure_timeout)
        self._close_timeout = float(close_timeout)
        self._clock = clock or time.monotonic
        self._telemetry = session_telemetry(settings, clock=self._clock)
        self._state = ConversationState(
            agent=agent,
            settings=settings.model,
            playback_tracker=playback_tracker,
            debounce_text_length=settings.debounce_text_length,
            run_output_guardrails=bool(settings.output_guardrails),
            run_input_guardrails=bool(settings.input_guardrails),
            streams=self._telemetry,
            timeouts=settings.timeouts,
        )
        self._settings = settings
        self._observer = TelemetryObserver(self._telemetry, self._clock)
        # The collaborators build their middleware chains here: once per session.
        self._link = SessionLink(self._state, self._clock, self._close_timeout, self._observer)
        self._tasks = BackgroundTasks(on_error=self._on_work_error)
        handoffs = HandoffRunner(link=self._link, settings=settings, context=context)
        self._tools = ToolCallRunner(
            link=self._link,
            settings=settings,
            context=context,
            session=self,
            tasks=self._tasks,
            handoffs=handoffs,
        )
        self._guardrails = GuardrailRunner(
            link=self._link, settings=settings, context=context, tasks=self._tasks
        )
        self._link.dispatch = self._dispatch
        self._phase: _Phase = "new"
        self._live: Connection | None = None
        self._reader_scope = anyio.CancelScope()
        self._timers_scope = anyio.CancelScope()
        self._closing: anyio.Event | None = None
        self._continuity: Continuity | None = None
        self._capabilities = FULL
        self._preconfigured = preconfigured
        if self._resumed is not None:
            resumed = self._resumed
            pending = [record["call_id"] for record in resumed.pending]
            self._state.resume(resumed.history, resumed.usage, pending)

    # -----------------------------------------------------------------------------------------
    # Reading

    @property
    def history(self) -> tuple[HistoryItem, ...]:
        """The conversation so far, in the server's order (read-only; no audio bytes)."""
        return self._state.history

    @property
    def current_agent(self) -> RealtimeAgent[Any]:
        """The agent speaking now."""
        return self._state.agent

    @property
    def usage(self) -> Usage:
        """Tokens used by every response so far (the ``total`` of the latest ``usage``
        event; all zeros before the first)."""
        return self._state.usage_total

    @property
    def dropped_audio_deltas(self) -> int:
        """Audio chunks dropped because they arrived after their item was interrupted."""
        return self._state.audio.dropped_deltas

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or entering failed)."""
        return self._phase == "closed"

    @property
    def close_reason(self) -> str | None:
        """Why the server ended the session, when it says (GPT-Live's ``session.closed``:
        ``close_requested`` after :meth:`close`, ``remote_hangup``, ``expired``, ``content``,
        ``connection_lost``); ``None`` on the Realtime protocol, or while the session runs."""
        return self._state.close_reason

    def snapshot(self) -> SessionSnapshot:
        """What a new connection (or another process) needs to carry the conversation on, as
        a JSON-serialisable dict: the current agent's name, the history, the tool calls
        without an output yet (running, or waiting for approval) and the usage so far. Start
        a session from it with ``RealtimeRunner.run(resume=snapshot)``."""
        state = self._state
        return take_snapshot(
            state.agent.name,
            state.history,
            state.pending_calls,
            self._tools.waiting_for_approval,
            state.usage_total,
        )

    # -----------------------------------------------------------------------------------------
    # Lifecycle

    async def __aenter__(self) -> Self:
        """Connect, send the configuration, and return once the server confirmed it.

        The starting agent's tools are checked and its instructions resolved first, so a
        name clash or an instructions function that fails does so before any connection is
        made.

        Raises:
            UserError: The session was entered before, two of the agent's tools and handoffs
                share a name, or the instructions function failed with a ``UserError``.
            TransportError: Connecting failed, or the connection ended before the server
                confirmed (e.g. ``AuthenticationError`` for a bad key).
            ConnectTimeoutError: No confirmation within ``configure_timeout``.
            ProviderError: The server refused the configuration (``param`` in its message
                names the offending field; ``code`` and ``error_type`` are the server's). A
                configuration the settings accept but this server does not support ends here.
        """
        if self._phase != "new":
            raise UserError("a RealtimeSession can be entered only once")
        self._phase = "opening"
        try:
            agent_tools(self._state.agent)
            instructions = await self._state.agent.resolve_instructions(self._context)
        except BaseException:
            self._phase = "closed"
            raise
        request = self._request
        self._telemetry.session_started(
            model=self._settings.model.model_name,
            provider_name=request.provider_name,
            agent_name=self._state.agent.name,
            server_tracing=self._settings.model.tracing,
            url=request.url or None,
        )
        try:
            with self._telemetry.connect():
                await self._open(instructions)
        except BaseException as exc:
            self._telemetry.session_ended(exc)
            raise
        self._phase = "open"
        if self._resumed is not None:
            live = self._require_open()
            await carry_on(
                self._state,
                self._link,
                self._tools,
                live,
                self._resumed,
                self._settings.history_seed,
            )
        return self

    async def _open(self, instructions: str | None) -> None:
        """Connect, start the reader and configure (the ``realtime.connect`` span)."""
        try:
            model = await self._connector(self._request)
        except BaseException:
            self._phase = "closed"
            raise
        if self.closed:  # close() was called meanwhile, from another task
            with anyio.CancelScope(shield=True):
                await model.close()
            raise TransportClosedError("the session was closed while connecting")
        try:
            self._capabilities = adopt(model, self._state, self._settings.model.voice)
        except UserError:
            self._phase = "closed"
            with anyio.CancelScope(shield=True):
                await model.close()
            raise
        ignored = None if self._include_raw_events else IGNORED_EVENTS
        if ignored is not None and isinstance(model, EventFilter):
            model.ignore_events(ignored)  # nothing would read them: not decoded
        live = Connection(
            model=model,
            commands=CommandOutbox(model),
            events=EventOutbox(self._event_buffer_size),
            configured=Flag(),
            reader_done=Flag(),
        )
        self._live = live
        self._link.live = live
        settings = self._settings
        if settings.reconnect is not None or settings.rollover is not None:
            self._continuity = Continuity(
                state=self._state,
                link=self._link,
                settings=settings,
                connector=self._connector,
                request=self._request,
                context=self._context,
                clock=self._clock,
                ignored=ignored,
                close_timeout=self._close_timeout,
            )
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        live.task_group = task_group
        self._tasks.attach(task_group)
        try:
            task_group.start_soon(
                functools.partial(
                    read_model,
                    live,
                    self._state,
                    clock=self._clock,
                    include_raw_events=self._include_raw_events,
                    dispatch=self._dispatch,
                    reader_scope=self._reader_scope,
                    on_end=self._reading_ended,
                    close_timeout=self._close_timeout,
                    observer=self._observer,
                    timers=self._link.timers,
                    continuity=self._continuity,
                ),
                name="rtvoice session reader",
            )
            task_group.start_soon(self._run_timers, name="rtvoice session timers")
            if self._preconfigured:
                self._state.assume_configured(instructions)
            else:
                budget = None if self._resumed is None else self._settings.history_seed
                await configure(live, self._state, instructions, self._configure_timeout, budget)
        except BaseException:
            await self.close()
            await self._exit_task_group(live)
            raise
        if self.closed:
            await self._exit_task_group(live)
            raise TransportClosedError("the session was closed while connecting")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the session (see :meth:`close`); an exception from the block propagates."""
        await self.close()
        if self._live is not None:
            await self._exit_task_group(self._live)

    async def close(self) -> None:
        """End the session: stop reading, close the connection, end iteration.

        Idempotent and safe under cancellation (the closing itself is shielded, bounded by
        ``close_timeout``); a call while another is closing waits for it. Running tool calls,
        pending approvals and guardrail checks are cancelled (a sync tool's thread is
        abandoned). Once it returns, the socket is closed and no task of the session is left
        once ``async with`` exits; iteration ends (without raising) and further sends raise
        :class:`~rtvoice.errors.TransportClosedError`. A tool may call it.
        """
        live = self._live
        if self._closing is not None:
            with anyio.move_on_after(self._close_timeout, shield=True):
                await self._closing.wait()
            return
        opened = self._phase != "opening"  # else entering failed, and says why
        self._phase = "closed"
        self._tasks.cancel_all()
        self._timers_scope.cancel()
        if live is None:
            if opened:
                self._telemetry.session_ended()
            return
        self._closing = anyio.Event()
        try:
            if opened and self._capabilities.protocol == "live":
                await self._drain(live)
            if opened:
                self._telemetry.session_ended()
            self._reader_scope.cancel()
            with anyio.move_on_after(self._close_timeout, shield=True):
                await live.model.close()
                await live.reader_done.wait()
            live.events.close()
        finally:
            self._closing.set()

    async def _drain(self, live: Connection) -> None:
        """GPT-Live drains on close and answers with ``session.closed`` (its reason and the
        final billed time): read on until it came, so :attr:`usage`, :attr:`close_reason` and
        the session span have it."""
        if live.reader_done.is_set():
            return
        live.stopping = True
        with anyio.move_on_after(self._close_timeout, shield=True):
            await live.model.close()
            await live.reader_done.wait()

    @staticmethod
    async def _exit_task_group(live: Connection) -> None:
        # close() has ended the reader and cancelled the background work (each in its own
        # scope), so the group only waits for them to unwind; its own scope is not cancelled.
        # The block's exception is deliberately not handed to the group: anyio would wrap it
        # in an ExceptionGroup, and the application must see ConnectionLostError itself.
        task_group, live.task_group = live.task_group, None
        if task_group is not None:
            await task_group.__aexit__(None, None, None)

    # -----------------------------------------------------------------------------------------
    # Iterating

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> RealtimeSessionEvent:
        """The next event.

        Raises:
            StopAsyncIteration: The server closed cleanly, or :meth:`close` was called.
            TransportError: The connection ended abnormally (the transport's subclass).
            ProviderError: The server reported a fatal error (e.g. ``session_expired``).
            UserError: The session was not entered yet.
        """
        live = self._live
        if self.closed:
            raise StopAsyncIteration
        if live is None:
            raise UserError("enter the session first: 'async with session: ...'")
        events = live.events
        event = events.take()  # no trip through the event loop when one is ready
        if event is None:
            try:
                event = await events.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                failure = live.failure
                if failure is not None and not self.closed:
                    raise failure from failure.__cause__
                raise StopAsyncIteration from None
        return event

    # -----------------------------------------------------------------------------------------
    # Internals

    def _require_open(self) -> Connection:
        if self.closed:
            raise TransportClosedError("the session is closed")
        live = self._live
        if live is None:
            raise UserError("enter the session first: 'async with session: ...'")
        if live.reader_done.is_set():  # the connection ended: every send says so
            raise ended(live)
        return live

    def _dispatch(self, fx: Effects) -> None:
        """Launch a step's tool calls and guardrail checks (never waits: the reader calls
        it). A call belongs to the agent active when it completed, and its span to the turn
        of the response that made it."""
        for call in fx.function_calls:
            self._tools.dispatch(call, self._state.agent, fx.calls_response)
        if fx.output_checks or fx.input_checks:
            self._guardrails.launch(fx)

    def _reading_ended(self) -> None:
        # Nothing the background work or a timer would send can arrive any more.
        self._tasks.cancel_all()
        self._timers_scope.cancel()

    async def _run_timers(self) -> None:
        with self._timers_scope:
            await self._link.timers.run(self._wait_expired)

    async def _wait_expired(self, timer: Timer, now: float) -> None:
        self._link.apply(self._state.wait_expired(timer, now))
        await self._link.flush()

    def _on_work_error(self, error: BaseException, name: str) -> None:
        message = f"{name} failed: {type(error).__name__}: {error}"
        self._link.emit(ErrorSessionEvent(error=ErrorInfo(type="internal_error", message=message)))
