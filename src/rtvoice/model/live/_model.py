"""The GPT-Live model: one transport, one :class:`~._codec.LiveClientCodec`, and the
delegation backend's tasks.

Reading happens in the task that iterates :meth:`LiveModel.events`: each frame is read and
mapped where it is read, as in the Realtime model. Two things come from elsewhere and wake
that reader: the quiet that ends a turn (a deadline on the wait, on anyio's clock) and what a
command or a delegation backend produced (events a Realtime server would have sent, such as
the confirmation of an update, or a planned tool call). The waits are cancellable without
losing a frame (the transport's receive is).

The backend runs in tasks the model owns, so that events keep flowing while it plans; they
are cancelled by :meth:`LiveModel.close`. (A task group cannot own them: the model has no
scope that outlives one call, and the events iterator must not yield inside one.)
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any, Final

import anyio
from typing_extensions import Self

from ...errors import TransportClosedError, TransportError, UserError
from ...transport import Transport, WebSocketTransport
from .._base import ConnectRequest, ModelCapabilities
from .._live_events import SessionClosed
from .._live_settings import LiveSettings
from ..commands import ModelCommand
from ..events import ModelEvent
from ._codec import Encoded, LiveClientCodec
from ._delegation import DelegatedTask, DelegationBackend, ToolCall
from ._read_frames import read_frame
from ._turns import TurnTracker
from ._write_frames import close_frame

__all__ = ["CLOSE_TIMEOUT", "LATE_GRACE", "LIVE_CAPABILITIES", "LiveModel"]

logger = logging.getLogger("rtvoice.model.live")

CLOSE_TIMEOUT: Final = 2.0
"""How long :meth:`LiveModel.close` waits for ``session.closed`` after ``session.close``."""

LATE_GRACE: Final = 0.05
"""Seconds a reader that comes after a turn's quiet deadline still waits for a frame before
the turn ends: a frame already received continues the turn."""

LIVE_CAPABILITIES: Final = ModelCapabilities(
    protocol="live",
    manual_turns=False,
    truncate=False,
    text_input=True,  # through appended instructions (LiveClientCodec's TYPED_USER_PREFIX)
    voice_change=False,
    instructions_change="append",
    conversation_edits=False,
)
"""What a GPT-Live connection can do."""


class LiveModel:
    """A :class:`~rtvoice.model.RealtimeModel` speaking GPT-Live (``/v1/live/sessions``).

    Open one per session with :meth:`connect` (a :class:`~rtvoice.model.ModelConnector`)
    or wrap a connected transport. The contract is that of
    :class:`~rtvoice.model.RealtimeModel`, with GPT-Live's differences:

    * The first ``UpdateSession`` sent is ``session.start``; :meth:`events` begins with
      ``SessionCreated`` and ``SessionUpdated`` once the server answers ``session.started``.
      A later ``UpdateSession`` is confirmed by a ``SessionUpdated`` (from the server for a
      ``responses`` tools update, else at once); one that changes the voice, the audio format
      or the model raises :class:`~rtvoice.errors.UserError` from :meth:`send`.
    * Turns, responses and items are synthesized (see :mod:`rtvoice.model.live._turns`): an
      assistant turn ends after ``LiveSettings.turn_end_ms`` without output.
    * A client delegation is planned by the delegation backend (``LiveSettings.backend``;
      by default :class:`~rtvoice.model.live.ResponsesBackend` when the agent has tools and
      the ``openai`` SDK is installed). A backend that fails, or a missing one, gives an
      ``ErrorEvent`` and a silent note to the model; the session goes on.
    * ``session.closed`` gives ``SessionClosed``, and :meth:`events` ends after it.
    * :meth:`close` sends ``session.close`` and waits up to ``close_timeout`` seconds for
      ``session.closed`` before closing the socket. It is idempotent and safe under
      cancellation.

    Args:
        transport: A connected transport; the model owns it from now on.
        model_name: The Live model (``gpt-live-1.1``); ``session.start`` carries it.
        settings: GPT-Live's settings (``None``: the defaults).
        request: The connect request, from which the default backend derives its URL and
            key (``None``: no default backend).
        close_timeout: See :meth:`close`.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        model_name: str,
        settings: LiveSettings | None = None,
        request: ConnectRequest | None = None,
        close_timeout: float = CLOSE_TIMEOUT,
    ) -> None:
        self._transport = transport
        self._settings = settings if settings is not None else LiveSettings()
        self._request = request
        self.close_timeout = close_timeout
        """Seconds :meth:`close` waits for ``session.closed`` (settable)."""
        self._codec = LiveClientCodec(
            model_name, self._settings, TurnTracker(self._settings.turn_end_ms)
        )
        self._iterated = False
        self._close_requested = False
        self._closing = False
        self._closed_seen = anyio.Event()
        self._inbox: deque[Encoded] = deque()
        self._wait: anyio.CancelScope | None = None
        self._plans: set[asyncio.Task[None]] = set()
        self._backend: DelegationBackend | None = self._settings.backend
        self._own_backend = False

    @classmethod
    async def connect(cls, request: ConnectRequest) -> Self:
        """Open a WebSocket for ``request`` and return the model around it.

        Reads ``request.live`` (``None``: ``LiveSettings()``), ``request.model_name``,
        ``request.url``, ``request.headers`` and ``request.transport_options``. Nothing is
        sent: the session's first ``UpdateSession`` becomes ``session.start``.

        Raises:
            TransportError: The subclass the WebSocket transport raises on connect.
            UserError: ``request.url`` is not a WebSocket URL.
        """
        transport = await WebSocketTransport.connect(
            request.url, headers=request.headers, options=request.transport_options
        )
        return cls(
            transport,
            model_name=request.model_name,
            settings=request.live,
            request=request,
        )

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<LiveModel model={self._codec.model!r} {state} {self._transport!r}>"

    @property
    def capabilities(self) -> ModelCapabilities:
        """What GPT-Live lets a client do (:data:`LIVE_CAPABILITIES`)."""
        return LIVE_CAPABILITIES

    @property
    def settings(self) -> LiveSettings:
        """The session's GPT-Live settings."""
        return self._settings

    @property
    def closed(self) -> bool:
        """Whether either side closed the connection (or :meth:`close` was called)."""
        return self._close_requested or self._transport.close_code is not None

    @property
    def close_code(self) -> int | None:
        """The close code that ended the connection, or ``None`` while it is open."""
        return self._transport.close_code

    @property
    def close_reason(self) -> str:
        """The close reason that went with :attr:`close_code`."""
        return self._transport.close_reason

    # -----------------------------------------------------------------------------------------
    # Reading

    def events(self) -> AsyncIterator[ModelEvent]:
        """The session's events, in order, until ``session.closed`` or the connection ends.

        Raises:
            UserError: Called a second time.
        """
        if self._iterated:
            raise UserError("LiveModel.events() may be called only once")
        self._iterated = True
        return self._read()

    def _wake(self) -> None:
        if self._wait is not None:
            self._wait.cancel()

    async def _read(self) -> AsyncIterator[ModelEvent]:
        codec = self._codec
        turns = codec.turns
        frames = self._transport.__aiter__()
        inbox = self._inbox
        try:
            while True:
                while inbox:
                    out = inbox.popleft()
                    for frame in out.frames:
                        await self._send_frame(frame)
                    for event in out.events:
                        yield event
                if self._close_requested:
                    return
                deadline = turns.deadline
                wait_until = math.inf
                if deadline is not None:
                    # A reader that comes late still reads what already waits before the
                    # quiet counts: the reader was late, not the server.
                    wait_until = max(deadline, anyio.current_time() + LATE_GRACE)
                frame_text: str | None = None
                ended = False
                with anyio.CancelScope(deadline=wait_until) as wait:
                    self._wait = wait
                    try:
                        frame_text = await frames.__anext__()
                    except StopAsyncIteration:
                        ended = True
                    finally:
                        self._wait = None
                if ended:
                    # The server closed without session.closed: what was open ends here, so
                    # that no turn is left running and no item half-told.
                    if not self._close_requested:
                        for event in turns.end_all():
                            yield event
                    return
                now = anyio.current_time()
                if frame_text is None:
                    # The wait ended with no frame: the quiet, or a wake-up.
                    if deadline is not None and now >= deadline:
                        for event in codec.quiet(now):
                            yield event
                    continue
                if self._close_requested:
                    continue
                record = read_frame(frame_text)
                if type(record) is bytes:  # the hot path: one AudioDelta, no list
                    delta = turns.audio_delta(record, now)
                    if delta is not None:
                        yield delta
                        continue
                for event in codec.handle(record, now):
                    yield event
                if codec.tasks:
                    for task in codec.tasks:
                        self._plan(task)
                    codec.tasks.clear()
                if type(record) is SessionClosed:
                    self._closed_seen.set()
                    return
        finally:
            self._closed_seen.set()  # nothing more will come: a close need not wait

    async def _send_frame(self, frame: str) -> None:
        try:
            await self._transport.send(frame)
        except TransportClosedError:
            logger.debug("GPT-Live connection closed; a delegation answer was not sent")

    # -----------------------------------------------------------------------------------------
    # Delegation

    def _default_backend(self) -> DelegationBackend | None:
        if self._backend is None and self._request is not None and self._codec.tools:
            from ._responses_backend import ResponsesBackend

            self._backend = ResponsesBackend.for_request(
                self._request, model=self._settings.responses_model
            )
            self._own_backend = True
        return self._backend

    def _plan(self, task: DelegatedTask) -> None:
        try:
            backend = self._default_backend()
        except UserError as exc:
            self._deliver(self._codec.plan_failed(task, "live_no_backend", str(exc)))
            return
        if backend is None:
            message = (
                f"no delegation backend for GPT-Live delegation {task.delegation_id!r}: set "
                "model_settings['live']['backend'], or give the agent tools and install "
                "'rtvoice[live]' for the built-in Responses backend"
            )
            self._deliver(self._codec.plan_failed(task, "live_no_backend", message))
            return
        work = asyncio.get_running_loop().create_task(self._run_plan(backend, task))
        self._plans.add(work)
        work.add_done_callback(self._plans.discard)

    async def _run_plan(self, backend: DelegationBackend, task: DelegatedTask) -> None:
        try:
            plan = await backend.plan(task)
            if not isinstance(plan, str) and not all(isinstance(c, ToolCall) for c in plan):
                raise TypeError("plan() must return a str or a sequence of ToolCall")
        except Exception as exc:  # any failure of user code is reported, never a wedge
            name = type(backend).__name__
            message = (
                f"the delegation backend {name} failed on GPT-Live delegation "
                f"{task.delegation_id!r}: {type(exc).__name__}: {exc}"
            )
            self._deliver(self._codec.plan_failed(task, "live_backend_failed", message))
            return
        self._deliver(self._codec.planned(task, plan))

    def _deliver(self, out: Encoded) -> None:
        if out.frames or out.events:
            self._inbox.append(out)
            self._wake()

    # -----------------------------------------------------------------------------------------
    # Sending

    async def send(self, command: ModelCommand) -> None:
        """Map ``command`` to Live frames (maybe none) and send them.

        Raises:
            TransportClosedError: The connection is closed.
            UserError: A later ``UpdateSession`` changes what GPT-Live fixes at the start
                (voice, audio format, model).
            TypeError: A ``SendRaw`` event is not JSON-serialisable.
        """
        await self.send_batch((command,))

    async def send_batch(self, commands: Sequence[ModelCommand]) -> None:
        """Send commands in order, as :meth:`send` would one by one; if one cannot be
        mapped (``UserError``, ``TypeError``), none is sent."""
        if self._close_requested:
            code = self._transport.close_code
            raise TransportClosedError(
                f"cannot send {commands[0].type if commands else 'commands'}: the model is "
                f"closed (close code {code})",
                code=code,
                reason=self._transport.close_reason,
            )
        mapped = [self._codec.encode(command) for command in commands]
        for out in mapped:
            for frame in out.frames:
                await self._transport.send(frame)
        local = Encoded(events=[event for out in mapped for event in out.events])
        self._deliver(local)

    async def close(self) -> None:
        """Send ``session.close``, wait (``close_timeout``) for ``session.closed``, close the
        socket. Idempotent, and safe to call from a cancelled scope or concurrently with the
        reader: a task waiting in :meth:`events` gets ``SessionClosed`` and the iteration ends;
        when no task is waiting for frames, this reads them itself (and drops them) until
        ``session.closed``."""
        if self._closing:
            self._close_requested = True
            await self._transport.close()
            return
        self._closing = True
        try:
            if self._codec.start_sent and self._transport.close_code is None:
                with anyio.move_on_after(self.close_timeout):
                    await self._transport.send(close_frame())
                    if self._wait is not None:
                        # A reader waits for frames: it yields SessionClosed and ends.
                        await self._closed_seen.wait()
                    else:
                        # Nobody reads now (a session cancels its reader before closing):
                        # read the rest here, and keep a reader that resumes from reading.
                        self._close_requested = True
                        await self._drain_until_closed()
        except TransportError:
            pass  # the connection ended meanwhile: nothing left to drain
        finally:
            self._close_requested = True
            self._wake()
            plans = list(self._plans)
            for work in plans:
                work.cancel()
            if plans:  # closing leaves no task behind (bounded: a plan may ignore cancellation)
                with anyio.CancelScope(shield=True):
                    await asyncio.wait(plans, timeout=1.0)
            await self._transport.close()
            if self._own_backend:
                closer: Any = getattr(self._backend, "aclose", None)
                if closer is not None:
                    with anyio.move_on_after(1, shield=True):
                        await closer()

    async def _drain_until_closed(self) -> None:
        async for frame in self._transport:
            if type(read_frame(frame)) is SessionClosed:
                return

    async def __aenter__(self) -> Self:
        """Return the model; leaving the block closes it."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the model."""
        await self.close()
