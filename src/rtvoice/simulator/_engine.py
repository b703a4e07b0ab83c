"""The simulated realtime session: a sans-IO state machine behind one connection.

:class:`SimulatedSession` speaks the neutral vocabulary: commands in (what the codec decoded
from the client's frames), events out (what the codec encodes as the server's frames). It never
awaits, never reads a clock and never touches a socket; the driver passes ``now`` in.

The driver's loop, in outline::

    session = SimulatedSession(model=..., options=..., now=time.time(), ids=shared_ids)
    send(session.start())                       # [SessionCreated], before anything else
    loop:
        on a decoded command:   send(session.handle(command, now))
        while (step := session.next_step(now)) is not None:
            send(step.events); sleep(step.audio_ms / 1000 / speedup)   # pacing is yours
        on a timer:             send(session.tick(now))   # idle timeout, expiry
        stop when session.closed (after sending what came back), closing the socket with
        session.close_code and session.close_reason

Between a response's steps the driver must keep handling commands: that is how a
``response.cancel``, a truncate or the user's speech (barge-in) lands mid-response.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Literal

from ..audio import bytes_per_ms
from ..errors import UserError
from ..model.commands import (
    AppendInputAudio,
    CancelResponse,
    ClearInputAudio,
    ClearOutputAudio,
    CommitInputAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    ModelCommand,
    ResponseParams,
    RetrieveItem,
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from ..model.events import (
    AudioDelta,
    InputAudioCleared,
    InputAudioCommitted,
    InputAudioTimeoutTriggered,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    ModelEvent,
    OutputAudioBufferCleared,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
)
from ..model.items import InputAudio, MessageItem
from ..model.session_config import SessionConfig, Unset
from ._conversation import (
    Conversation,
    Entry,
    create_client_item,
    hear,
    truncate_audio,
    without_audio,
)
from ._defaults import SimulatorOptions, default_session
from ._error_catalog import (
    SUPPORTED_CLIENT_EVENTS,
    SimulatorError,
    active_response,
    cancel_not_active,
    expiry_message,
    invalid_value,
    session_expired,
    unknown_item,
)
from ._ids import IdSource
from ._planner import ResponsePlanner
from ._responder import Responder, default_responder
from ._response import ResponseRun
from ._session_update import apply_session_update
from ._step import Step
from ._streams import StreamRotation
from ._transcription import StepQueue, transcription_steps
from ._turns import InputTurns, TurnStarted

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover
    from typing_extensions import assert_never

__all__ = ["SessionState", "SimulatedSession"]


class SessionState(Enum):
    """Where a :class:`SimulatedSession` stands; it only ever moves forward."""

    NEW = "new"
    """Created; :meth:`SimulatedSession.start` not yet called."""
    OPEN = "open"
    """Started; commands are handled."""
    CLOSED = "closed"
    """Expired or closed; every call returns nothing."""


class SimulatedSession:
    """One simulated realtime session (one connection).

    Call order: :meth:`start` exactly once, first; then, in any interleaving, :meth:`handle`
    for each client command in arrival order, :meth:`next_step` until it returns ``None``
    whenever it may have work (after each command, and after each step), and :meth:`tick`
    when :meth:`next_deadline` is due. Send every returned event, in order, before the
    events of the next call. Once :attr:`closed` (the maximum duration was reached, or
    :meth:`close` was called), every call returns nothing and the driver should close the
    connection with :attr:`close_code` and :attr:`close_reason`.

    ``now`` is in seconds on the clock ``expires_at`` is reported in (normally
    ``time.time()``); it must not go backwards.
    """

    def __init__(
        self,
        *,
        model: str,
        now: float,
        ids: IdSource,
        options: SimulatorOptions | None = None,
        responder: Responder | None = None,
        session_type: Literal["realtime", "transcription"] = "realtime",
        webrtc: bool = False,
    ) -> None:
        """Create a session in state ``NEW``; call :meth:`start` next.

        Args:
            model: The model from the connection URL (echoed in the session).
            now: The current time; the session expires ``options.max_session_seconds`` later.
            ids: Where ids come from. Share one source between the sessions of a server so
                that ids stay unique across them.
            options: Simulator knobs (defaults: :class:`SimulatorOptions`).
            responder: The simulated model; :func:`default_responder` when ``None``.
            session_type: ``transcription`` for ``?intent=transcription`` (no responses).
            webrtc: The session belongs to a WebRTC or SIP call (a ``?call_id=`` sideband),
                where the server plays the audio itself and ``output_audio_buffer.clear``
                is accepted.
        """
        self._options = options or SimulatorOptions()
        self._ids = ids
        self._state = SessionState.NEW
        self._session = default_session(model, self._options, session_type=session_type)
        self.session_id = ids.new_id("sess")
        """``sess_...``."""
        self.expires_at = now + self._options.max_session_seconds
        """When the session ends, in the clock of ``now``."""
        self._conversation = Conversation()
        self._planner = ResponsePlanner(
            responder=responder or default_responder,
            options=self._options,
            ids=ids,
            conversation=self._conversation,
            conversation_id=ids.new_id("conv"),
        )
        self._turns = InputTurns(self._session.input_format or "pcm16", ids)
        self._turns.configure(self._session.turn_detection)
        self._streams = StreamRotation()
        self._webrtc = webrtc
        self._active: ResponseRun | None = None  # the response writing to the conversation
        self._last_response_id: str | None = None
        self._first_audio_at: dict[str, float] = {}  # response id -> time of its first audio
        self._voice_locked = False
        self._idle_deadline: float | None = None
        self._idle_from_ms = 0.0
        self.close_code = 1000
        """The close code the driver sends once :attr:`closed`: 1001 ("going away") when the
        maximum duration was reached, as the GA server does; 1000 otherwise."""
        self.close_reason = ""
        """The close reason that goes with :attr:`close_code` (the expiry message)."""

    # -----------------------------------------------------------------------------------------
    # Lifecycle

    @property
    def state(self) -> SessionState:
        """The lifecycle state."""
        return self._state

    @property
    def closed(self) -> bool:
        """Whether the session is over (the driver should close the connection)."""
        return self._state is SessionState.CLOSED

    @property
    def session(self) -> SessionConfig:
        """The full effective session configuration."""
        return self._session

    @property
    def conversation(self) -> Conversation:
        """The default conversation (read it; do not change it)."""
        return self._conversation

    def start(self) -> list[ModelEvent]:
        """Open the session.

        Returns:
            ``[SessionCreated]`` with the full default session, ``sess_`` id and
            ``expires_at``.

        Raises:
            UserError: ``start`` was already called.
        """
        if self._state is not SessionState.NEW:
            raise UserError("SimulatedSession.start() may only be called once")
        self._state = SessionState.OPEN
        return [
            SessionCreated(
                session=self._session, session_id=self.session_id, expires_at=int(self.expires_at)
            )
        ]

    def close(self) -> None:
        """End the session now (the client went away). Idempotent."""
        self._state = SessionState.CLOSED

    def next_deadline(self) -> float | None:
        """When :meth:`tick` next has something to do (``None`` once closed)."""
        if self.closed:
            return None
        if self._idle_deadline is None:
            return self.expires_at
        return min(self.expires_at, self._idle_deadline)

    def tick(self, now: float) -> list[ModelEvent]:
        """Fire what is due at ``now``: the session expiry, or the VAD idle timeout.

        The idle timeout (``idle_timeout_ms`` of server VAD) counts from the end of the last
        response's playback, estimated as the later of its ``response.done`` and its first
        audio delta plus its audio duration. It is off until a response has played, while a
        response is active, and while the user speaks. When it fires:
        ``InputAudioTimeoutTriggered`` (the stretch of input audio since playback ended, at
        most ``idle_timeout_ms``), that audio is committed as a user item (however short, even
        empty), and a response follows.
        """
        if self._state is not SessionState.OPEN:
            return []
        if now >= self.expires_at:
            return self._expire()
        deadline = self._idle_deadline
        if deadline is None or now < deadline or self._active or self._turns.in_speech:
            return []
        self._idle_deadline = None
        timeout_ms = (self._turns.settings.idle_timeout_ms if self._turns.settings else 0) or 0
        start_ms = max(self._idle_from_ms, self._turns.now_ms - timeout_ms)
        start, end, audio = self._turns.take_since(start_ms)
        item_id = self._ids.new_id("item")
        events: list[ModelEvent] = [
            InputAudioTimeoutTriggered(audio_start_ms=start, audio_end_ms=end, item_id=item_id)
        ]
        events += self._commit(item_id, audio)
        return events + self._respond_or_error()

    # -----------------------------------------------------------------------------------------
    # Commands

    def handle(self, command: ModelCommand, now: float) -> list[ModelEvent]:
        """Apply one client command and return the immediate reply, in the server's order.

        A refused command gives ``[ErrorEvent]`` with its ``event_id`` echoed, and changes
        nothing. Work that streams (responses, transcription) is left for :meth:`next_step`;
        a ``response.create`` replies with ``ResponseCreated`` at once.

        Raises:
            UserError: :meth:`start` was not called first.
        """
        if self._state is SessionState.NEW:
            raise UserError("call SimulatedSession.start() before handle()")
        if self._state is SessionState.CLOSED:
            return []
        if now >= self.expires_at:
            return self._expire()
        try:
            return self._dispatch(command, now)
        except SimulatorError as error:
            event_id = (
                command.event.get("event_id") if isinstance(command, SendRaw) else command.event_id
            )
            return [error.event(event_id if isinstance(event_id, str) else None)]

    def _dispatch(self, command: ModelCommand, now: float) -> list[ModelEvent]:
        match command:
            case UpdateSession():
                return self._update_session(command)
            case AppendInputAudio():
                return self._append(command.audio, now)
            case CommitInputAudio():
                return self._commit(*self._turns.commit())
            case ClearInputAudio():
                self._turns.clear()
                return [InputAudioCleared()]
            case CreateItem():
                return create_client_item(
                    self._conversation, command, ids=self._ids, input_format=self._turns.fmt
                )
            case RetrieveItem():
                entry = self._conversation.get(command.item_id)
                if entry is None:
                    raise unknown_item("retrieve", command.item_id)
                return [ItemRetrieved(item=entry.item)]
            case TruncateItem():
                self._truncate(command)
                return [
                    ItemTruncated(
                        item_id=command.item_id,
                        content_index=command.content_index,
                        audio_end_ms=command.audio_end_ms,
                    )
                ]
            case DeleteItem():
                if not self._conversation.delete(command.item_id):
                    raise unknown_item("delete", command.item_id)
                return [ItemDeleted(item_id=command.item_id)]
            case CreateResponse():
                return self._respond(command.response)
            case CancelResponse():
                return self._cancel(command.response_id, now)
            case ClearOutputAudio():
                if not self._webrtc or self._last_response_id is None:
                    raise _unsupported_type("output_audio_buffer.clear")
                # The server dropped what it had left to play of the last response.
                return [OutputAudioBufferCleared(response_id=self._last_response_id)]
            case SendRaw():
                raise _unsupported_type(str(command.event.get("type")))
            case _:
                assert_never(command)

    def _update_session(self, command: UpdateSession) -> list[ModelEvent]:
        old = self._session
        new = apply_session_update(old, command.session, voice_is_locked=self._voice_locked)
        self._session = new
        if new.input_format != old.input_format:
            self._turns.restart(new.input_format or "pcm16")
        if new.turn_detection != old.turn_detection:
            self._turns.configure(new.turn_detection)
        return [
            SessionUpdated(session=new, session_id=self.session_id, expires_at=int(self.expires_at))
        ]

    def _truncate(self, command: TruncateItem) -> None:
        """Cut an assistant audio item at ``audio_end_ms``, finished or still streaming.

        An item the active response is still writing is measured against the audio streamed
        so far, as the real server does (openai-agents-python sends the truncate before the
        cancel on every interrupt; its #4122 shows the server refusing only a point past the
        audio sent); the response goes on until the client cancels it.
        """
        item_id = command.item_id
        active = self._active
        live = active.open_message(item_id) if active and item_id in self._conversation else None
        if live is not None:
            live.truncate(command.content_index, command.audio_end_ms)
        else:
            truncate_audio(self._conversation, item_id, command.content_index, command.audio_end_ms)

    def _cancel(self, response_id: str | None, now: float) -> list[ModelEvent]:
        run = self._active if response_id is None else self._streams.response(response_id)
        if run is None or run.finished:
            raise cancel_not_active(response_id)
        events = run.cancel("client_cancelled")
        self._response_ended(run, now)
        return events

    # -----------------------------------------------------------------------------------------
    # Responses

    def _respond(self, params: ResponseParams | None) -> list[ModelEvent]:
        """Create a response; its ``ResponseCreated`` is the reply, the rest streams."""
        if self._session.type == "transcription":
            raise invalid_value(
                "Invalid value: 'response.create'. Transcription sessions do not create responses.",
                param="type",
            )
        in_band = params is None or params.conversation != "none"
        if in_band and self._active is not None:
            raise active_response(self._active.response_id)
        run = self._planner.plan(
            self._session,
            params,
            input_format=self._turns.fmt,
            voice_is_locked=self._voice_locked,
        )
        if in_band:
            self._active = run
            self._last_response_id = run.response_id
            self._idle_deadline = None
        self._streams.add(run)
        return [run.created()]

    def _respond_or_error(self) -> list[ModelEvent]:
        """A response the server starts itself (VAD, idle timeout); a refusal becomes an
        ``error`` with no ``event_id`` (e.g. a response still active)."""
        try:
            return self._respond(None)
        except SimulatorError as error:
            return [error.event(None)]

    def next_step(self, now: float) -> Step | None:
        """The next streamed step: response events or input transcription.

        Responses and transcriptions that run at the same time take turns, one step each, so
        their events interleave as on the real server. ``None`` means there is nothing to
        stream until the next command or tick.
        """
        if self._state is not SessionState.OPEN:
            return None
        if now >= self.expires_at:
            return Step(events=tuple(self._expire()))
        served = self._streams.next_step()
        if served is None:
            return None
        stream, step = served
        if isinstance(stream, ResponseRun):
            self._after_response_step(stream, step, now)
        return step

    def drain(self, now: float) -> list[ModelEvent]:
        """Every streamed event available now, with no pacing (what a driver that floods
        would send); handy in tests. Equivalent to calling :meth:`next_step` until ``None``."""
        events: list[ModelEvent] = []
        while (step := self.next_step(now)) is not None:
            events += step.events
        return events

    def _after_response_step(self, run: ResponseRun, step: Step, now: float) -> None:
        if any(isinstance(event, AudioDelta) for event in step.events):
            self._first_audio_at.setdefault(run.response_id, now)
            # The voice locks with the first assistant audio in the conversation.
            self._voice_locked = self._voice_locked or run.in_conversation
        if run.finished:
            self._response_ended(run, now)

    def _response_ended(self, run: ResponseRun, now: float) -> None:
        """Forget a finished run; arm the idle timeout after an in-band one."""
        self._streams.remove(run)
        first_audio = self._first_audio_at.pop(run.response_id, now)
        if run is not self._active:
            return
        self._active = None
        settings = self._turns.settings
        if settings is None or settings.idle_timeout_ms is None or self._turns.in_speech:
            return
        playback_end = max(now, first_audio + run.audio_sent_ms / 1000)
        self._idle_deadline = playback_end + settings.idle_timeout_ms / 1000
        self._idle_from_ms = self._turns.now_ms

    # -----------------------------------------------------------------------------------------
    # Input audio and turns

    def _append(self, audio: bytes, now: float) -> list[ModelEvent]:
        events: list[ModelEvent] = []
        for edge in self._turns.append(audio):
            if isinstance(edge, TurnStarted):
                events.append(
                    SpeechStarted(audio_start_ms=edge.audio_start_ms, item_id=edge.item_id)
                )
                active, settings = self._active, self._turns.settings
                if active is not None and settings is not None and settings.interrupt_response:
                    events += active.cancel("turn_detected")
                    self._response_ended(active, now)
                self._idle_deadline = None  # the user is talking
                continue
            events.append(SpeechStopped(audio_end_ms=edge.audio_end_ms, item_id=edge.item_id))
            events += self._commit(edge.item_id, edge.audio)
            settings = self._turns.settings
            if settings and settings.create_response and self._session.type == "realtime":
                events += self._respond_or_error()
        return events

    def _commit(self, item_id: str, audio: bytes) -> list[ModelEvent]:
        """Turn ``audio`` into a user item: committed, added, done; queue its transcription."""
        fmt = self._turns.fmt
        transcription = self._session.transcription
        transcribe = transcription is not None and not isinstance(transcription, Unset)
        heard = hear(audio, fmt) if transcribe or self._session.type == "realtime" else None
        item = MessageItem(
            id=item_id, role="user", status="completed", content=(InputAudio(audio=audio),)
        )
        previous = self._conversation.insert(Entry(item=item, audio_format=fmt, heard=heard))
        if transcription is not None and not isinstance(transcription, Unset):
            steps = transcription_steps(
                item_id,
                heard or "",
                model=transcription.model,
                audio_ms=len(audio) / bytes_per_ms(fmt),
            )
            self._streams.add(StepQueue(steps))
        public = without_audio(item)
        return [
            InputAudioCommitted(item_id=item_id, previous_item_id=previous),
            ItemAdded(item=public, previous_item_id=previous),
            ItemDone(item=public, previous_item_id=previous),
        ]

    def _expire(self) -> list[ModelEvent]:
        """The maximum duration is reached: the GA server closes the socket with 1001 and
        its message as the reason, with no event first (reachy_mini_conversation_app#134
        shows the close; early beta reports have the wording). The 2024 beta's ``error`` comes
        first only if the options ask for it."""
        self._state = SessionState.CLOSED
        self.close_code = 1001
        self.close_reason = expiry_message(self._options.max_session_seconds)
        if self._options.expiry_error_event:
            return [session_expired(self._options.max_session_seconds)]
        return []


def _unsupported_type(event_type: str) -> SimulatorError:
    """The real server's reply to a client event type it does not take on a WebSocket."""
    return invalid_value(
        f"Invalid value: '{event_type}'. Supported values are: {SUPPORTED_CLIENT_EVENTS}.",
        param="type",
    )
