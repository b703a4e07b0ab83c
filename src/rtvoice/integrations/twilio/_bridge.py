"""One Twilio call, bridged to one session: :func:`run_twilio_call`.

The caller's audio goes to the session as it arrives; the agent's audio goes to Twilio as
``media`` frames, each followed by a ``mark``. The marks Twilio echoes tell a
:class:`~rtvoice.PlaybackTracker` how much the caller has heard, so a barge-in truncates
the assistant's item exactly there; on ``audio_interrupted`` the bridge sends ``clear`` so
Twilio drops what it has queued. Audio stays G.711 mu-law at 8 kHz end to end: no
resampling, no transcoding.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import anyio

from ...audio import PlaybackTracker
from ...errors import RealtimeError, TransportClosedError, UserError
from ._frames import FrameWriter, MalformedFrameError, StartFrame, read_twilio_frame
from ._marks import MarkLedger

if TYPE_CHECKING:
    from ...runner import RealtimeModelConfig, RealtimeRunner
    from ...session import RealtimeSession, RealtimeSessionEvent

__all__ = [
    "DEFAULT_DRAIN_TIMEOUT",
    "DEFAULT_START_TIMEOUT",
    "MediaStreamSocket",
    "TwilioCall",
    "run_twilio_call",
]

logger = logging.getLogger("rtvoice.integrations.twilio")

DEFAULT_START_TIMEOUT = 10.0
"""Seconds :func:`run_twilio_call` waits for Twilio's ``start`` frame."""

DEFAULT_DRAIN_TIMEOUT = 30.0
"""Seconds :func:`run_twilio_call` waits, once the session has ended, for Twilio to finish
playing the agent's last words before hanging up."""

EndReason = Literal["stop", "hangup", "session", "error"]


@runtime_checkable
class MediaStreamSocket(Protocol):
    """The two things the bridge needs from a WebSocket: read a text frame, send one.

    Wrap your framework's socket in an object with these two methods (see
    :class:`~rtvoice.integrations.twilio.WebsocketsMediaSocket`,
    :class:`~rtvoice.integrations.twilio.StarletteMediaSocket` and
    :class:`~rtvoice.integrations.twilio.AiohttpMediaSocket`). The bridge calls
    :meth:`receive_text` from one task and :meth:`send_text` from another, never either
    from two tasks at once.
    """

    async def receive_text(self) -> str | None:
        """The next text frame, or ``None`` once the socket is closed."""
        ...

    async def send_text(self, text: str) -> None:
        """Send one text frame; raise :class:`~rtvoice.errors.TransportClosedError` if the
        socket is closed."""
        ...


DtmfHandler = Callable[["TwilioCall", str], "Awaitable[None] | None"]
"""``on_dtmf(call, digit)``: a key the caller pressed (sync or async)."""
EventHandler = Callable[["TwilioCall", "RealtimeSessionEvent"], "Awaitable[None] | None"]
"""``on_event(call, event)``: every session event, after the bridge has acted on it."""
StartHandler = Callable[["TwilioCall"], "Awaitable[None] | None"]
"""``on_start(call)``: the session is connected and configured; the call begins."""


@dataclass(eq=False, slots=True, kw_only=True)
class TwilioCall:
    """A call in progress (handed to the callbacks) and, once over, what happened.

    Attributes:
        start: Twilio's ``start`` frame: ``stream_sid``, ``call_sid``, ``custom_parameters``.
        session: The call's session (closed once :func:`run_twilio_call` returns; its
            ``history`` is kept).
        ended_by: ``"stop"`` (Twilio's ``stop``: the caller hung up), ``"hangup"`` (the
            socket closed without one), ``"session"`` (the session ended, e.g. a tool
            returned ``StopConversation``) or ``"error"`` (the session failed: ``error``);
            ``None`` while the call runs.
        error: The session's fatal error, when ``ended_by == "error"``.
        malformed_frames: Frames from Twilio that could not be read (each logged, skipped).
        clears_sent: ``clear`` frames sent (one per barge-in while audio was playing).
        played_ms: Milliseconds of agent audio the echoed marks say the caller heard.
    """

    start: StartFrame
    session: RealtimeSession
    ended_by: EndReason | None = None
    error: BaseException | None = None
    malformed_frames: int = 0
    clears_sent: int = 0
    played_ms: float = 0.0

    @property
    def stream_sid(self) -> str:
        """The stream's SID."""
        return self.start.stream_sid

    @property
    def call_sid(self) -> str:
        """The call's SID."""
        return self.start.call_sid

    def _end(self, reason: EndReason) -> None:
        if self.ended_by is None:
            self.ended_by = reason


async def run_twilio_call(
    socket: MediaStreamSocket,
    runner: RealtimeRunner[Any],
    *,
    context: Any = None,
    model_config: RealtimeModelConfig | None = None,
    on_start: StartHandler | None = None,
    on_dtmf: DtmfHandler | None = None,
    on_event: EventHandler | None = None,
    start_timeout: float = DEFAULT_START_TIMEOUT,
    drain_timeout: float = DEFAULT_DRAIN_TIMEOUT,
) -> TwilioCall | None:
    """Run one Twilio Media Streams call with a session of ``runner``, until it ends.

    Call it from your WebSocket handler once the socket is accepted. It reads Twilio's
    ``connected`` and ``start`` frames, starts and enters a session (with a
    :class:`~rtvoice.PlaybackTracker` fed by the echoed marks), then moves audio both ways
    until one side ends: Twilio's ``stop``, the socket closing, or the session ending (a tool
    returning ``StopConversation``, a fatal error; then it first lets Twilio finish playing
    what it was sent, up to ``drain_timeout``). It returns once the session is closed and
    every task it started has ended; close the socket then (returning from a websockets
    handler does) and Twilio moves on to the TwiML after ``<Connect>``, or hangs up.

    A frame from Twilio that cannot be read is logged (warning) and skipped, and counted in
    :attr:`TwilioCall.malformed_frames`: one bad frame never ends a call. A fatal session
    error is logged and kept in :attr:`TwilioCall.error`; it is not raised. An exception
    raised by a callback ends the call and propagates.

    The callbacks run in the bridge's tasks and hold the audio up while they run: keep them
    short (start background work with your own task group). ``on_dtmf`` runs in the task
    that reads the socket, ``on_event`` in the task that reads the session.

    Args:
        socket: The accepted WebSocket, through a :class:`MediaStreamSocket` adapter.
        runner: Makes the call's session. Its configuration must use ``g711_ulaw`` for the
            input and the output audio (Twilio's format): ``{"model_settings": {"audio":
            {"input": {"format": "g711_ulaw"}, "output": {"format": "g711_ulaw"}}}}``.
        context: The run context for the session (``runner.run(context)``).
        model_config: Per-session connection overrides (``runner.run(model_config=...)``);
            the bridge adds its own ``playback_tracker``.
        on_start: Called once the session is ready, before any audio flows (a greeting:
            ``await call.session.send_message(...)``).
        on_dtmf: Called with each key the caller presses (``"0"``-``"9"``, ``"*"``, ``"#"``).
        on_event: Called with every session event (transcripts, tool calls, ...).
        start_timeout: Seconds to wait for Twilio's ``start`` frame.
        drain_timeout: When the session ends (not the caller), seconds to wait for the
            marks of the audio already sent to come back, so the caller hears the agent's
            last words (a goodbye) before the stream is hung up.

    Returns:
        The call, ended; ``None`` if the socket closed before Twilio's ``start`` frame.

    Raises:
        UserError: The runner's audio formats are not ``g711_ulaw``, ``model_config`` already
            has a ``playback_tracker``, or no ``start`` frame came within ``start_timeout``.
    """
    _check_runner(runner)
    overrides: dict[str, Any] = dict(model_config or {})
    if "playback_tracker" in overrides:
        raise UserError(
            "run_twilio_call feeds its own playback_tracker: remove it from model_config"
        )
    start = await _wait_for_start(socket, start_timeout)
    if start is None:
        return None
    tracker = PlaybackTracker("g711_ulaw")
    overrides["playback_tracker"] = tracker
    session = await runner.run(context, model_config=overrides)  # type: ignore[arg-type]
    call = TwilioCall(start=start, session=session)
    bridge = _Bridge(call, socket, tracker, on_dtmf=on_dtmf, on_event=on_event)
    bridge.drain_timeout = drain_timeout
    try:
        async with session:
            if on_start is not None:
                await _maybe_await(on_start(call))
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(bridge.caller_to_session, tasks.cancel_scope)
                await bridge.session_to_caller()
                tasks.cancel_scope.cancel()
    except RealtimeError as exc:  # entering failed: the model could not be reached
        if isinstance(exc, UserError):
            raise
        _failed(call, exc)
    return call


def _failed(call: TwilioCall, error: RealtimeError) -> None:
    call.error = error
    call._end("error")
    logger.error("Twilio call %s: the session failed: %s", call.call_sid, error)


class _Bridge:
    """The two directions of one call, each run by one task."""

    def __init__(
        self,
        call: TwilioCall,
        socket: MediaStreamSocket,
        tracker: PlaybackTracker,
        *,
        on_dtmf: DtmfHandler | None,
        on_event: EventHandler | None,
    ) -> None:
        self.call = call
        self.socket = socket
        self.tracker = tracker
        self.marks = MarkLedger()
        self.writer = FrameWriter(call.start.stream_sid)
        self.on_dtmf = on_dtmf
        self.on_event = on_event
        self.drain_timeout = DEFAULT_DRAIN_TIMEOUT
        self.drained = anyio.Event()  # set once no mark waits for its echo after the end
        self.draining = False
        self.session_gone = False

    async def caller_to_session(self, scope: anyio.CancelScope) -> None:
        """Twilio -> session: audio, mark echoes, keys, until ``stop`` or the socket closes."""
        call, session, tracker, marks = self.call, self.call.session, self.tracker, self.marks
        receive = self.socket.receive_text
        while True:
            text = await receive()
            if text is None:
                call._end("hangup")
                break
            try:
                frame = read_twilio_frame(text)
            except MalformedFrameError as exc:
                call.malformed_frames += 1
                logger.warning("Twilio call %s: skipped a frame: %s", call.call_sid, exc)
                continue
            if frame.type == "media":  # the hot path: every 20 ms of the caller's voice
                if frame.track == "inbound" and not self.session_gone:
                    try:
                        await session.send_audio(frame.payload)
                    except RealtimeError:
                        # The session ended or failed (session_to_caller says how); keep
                        # reading for the echoes of the last words and for a hang-up.
                        self.session_gone = True
            elif frame.type == "mark":
                for item_id, content_index, num_bytes in marks.echoed(frame.name):
                    tracker.on_play_bytes(item_id, content_index, num_bytes)
                    call.played_ms += num_bytes / 8
                if self.draining and not marks.pending:
                    self.drained.set()
            elif frame.type == "dtmf":
                if self.on_dtmf is not None:
                    await _maybe_await(self.on_dtmf(call, frame.digit))
            elif frame.type == "stop":
                call._end("stop")
                break
            else:  # connected, start (again) or an event we do not know: nothing to do
                logger.debug("Twilio call %s: ignored a %r frame", call.call_sid, frame.type)
        scope.cancel()

    async def session_to_caller(self) -> None:
        """Session -> Twilio: audio with a mark per chunk, ``clear`` on a barge-in."""
        call = self.call
        try:
            await self._relay()
        except RealtimeError as exc:
            if isinstance(exc, UserError):
                raise
            _failed(call, exc)
            return
        if call.ended_by is None and self.marks.pending:
            # The agent's last words are still queued at Twilio: let them play out (the
            # socket is still read, so the echoes and a hang-up arrive), then hang up.
            self.draining = True
            with anyio.move_on_after(self.drain_timeout):
                await self.drained.wait()
        call._end("session")

    async def _relay(self) -> None:
        call, send, writer, marks = self.call, self.socket.send_text, self.writer, self.marks
        on_event = self.on_event
        async for event in call.session:
            if event.type == "audio":  # the hot path: one per 20-200 ms of the agent's voice
                chunk = event.audio
                mark = writer.mark(marks.sent(chunk.item_id, chunk.content_index, len(chunk.data)))
                try:
                    await send(writer.media(chunk.data))
                    await send(mark)
                except TransportClosedError:
                    call._end("hangup")
                    return
            elif event.type == "audio_interrupted":
                self.tracker.on_interrupted()
                marks.clear()
                try:
                    await send(writer.clear())
                except TransportClosedError:
                    call._end("hangup")
                    return
                call.clears_sent += 1
            if on_event is not None:
                await _maybe_await(on_event(call, event))


async def _wait_for_start(socket: MediaStreamSocket, seconds: float) -> StartFrame | None:
    """Read frames until Twilio's ``start`` (``connected`` comes first); ``None`` if the
    socket closes before it."""
    with anyio.move_on_after(seconds):
        while True:
            text = await socket.receive_text()
            if text is None:
                return None
            try:
                frame = read_twilio_frame(text)
            except MalformedFrameError as exc:
                logger.warning("Twilio stream: skipped a frame before 'start': %s", exc)
                continue
            if frame.type == "start":
                return frame
    raise UserError(f"no 'start' frame from Twilio within {seconds} s")


def _check_runner(runner: RealtimeRunner[Any]) -> None:
    model = runner.settings.model
    wrong = [
        f"{side}.format is {fmt!r}"
        for side, fmt in (("input", model.input_format), ("output", model.output_format))
        if fmt != "g711_ulaw"
    ]
    if wrong:
        raise UserError(
            "a Twilio call needs G.711 mu-law audio both ways, but the runner's audio "
            + " and ".join(wrong)
            + ': set config={"model_settings": {"audio": {"input": {"format": "g711_ulaw"}, '
            '"output": {"format": "g711_ulaw"}}}}'
        )


async def _maybe_await(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result
