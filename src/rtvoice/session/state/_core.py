"""The data of a conversation state and the small decisions both of its halves share.

:class:`StateCore` is what :class:`~._machine.ConversationState` (the user's actions, tool
outputs, handoffs, guardrail trips) and :func:`~._server_events.handle_model_event` (the
server's events) both work on: the parts (history, sequencer, audio ledger, configuration
updates, guardrail watch), the agent and its turn, the tool calls waiting for their output,
and helpers used on both sides: ids, ending a turn, interruption effects, agent updates. Pure:
no IO, no clock.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Final

from ...agent import RealtimeAgent
from ...audio import PlaybackTracker
from ...config import ModelSettings, SessionTimeouts
from ...model._base import ModelCapabilities
from ...model.commands import CancelResponse, CreateResponse, TruncateItem, UpdateSession
from ...model.events import ErrorInfo, ResponseInfo
from ...usage import UsageTotals
from ..events import AgentEndEvent, ErrorSessionEvent, RealtimeSessionEvent
from ._agent_tools import agent_tools
from ._audio_ledger import AudioLedger, Interruption
from ._conversation_items import ConversationItems
from ._effects import Effects
from ._guardrail_watch import OutputTextWatch, PendingVerdicts, RecentIds
from ._notes import RESPONSE_REQUESTED, Interrupted, StreamStarts, TurnEnded
from ._sequencer import ResponseSequencer
from ._session_updates import SessionUpdates

__all__ = ["VOICE_WARNING", "StateCore"]

logger = logging.getLogger("rtvoice.session")

VOICE_WARNING: Final = "voice_locked"
"""The ``code`` of the warning ``error`` event for a voice that could not be applied."""


class StateCore:
    """The state of one conversation, shared by the state machine's two halves.

    Its attributes are read and written by :mod:`._machine` and :mod:`._server_events` only.

    Args:
        agent: The agent active at the start.
        settings: The run's model settings.
        playback_tracker: The application's tracker, read on interruptions.
        debounce_text_length: Characters of assistant text between two output checks.
        run_output_guardrails: Whether the run has output guardrails (beyond the agents').
        run_input_guardrails: Whether the run has input guardrails (beyond the agents').
        streams: Told when a response's audio (per part) or text begins.
        timeouts: The session's waits (the sequencer's and the guardrail verdicts').
    """

    __slots__ = (
        "_ids",
        "agent",
        "agent_busy",
        "answered_early",
        "audio",
        "capabilities",
        "checked_inputs",
        "close_reason",
        "held_error",
        "history",
        "open_cancels",
        "partial_input",
        "partial_item",
        "partial_text",
        "pending_calls",
        "replacements",
        "run_input_guardrails",
        "run_output_guardrails",
        "sequencer",
        "server_closed",
        "settings",
        "stop_requested",
        "streams",
        "text_response",
        "updates",
        "usage",
        "usage_counted",
        "user_speaking",
        "verdicts",
        "watch",
    )

    def __init__(
        self,
        *,
        agent: RealtimeAgent[Any],
        settings: ModelSettings,
        playback_tracker: PlaybackTracker | None,
        debounce_text_length: int,
        run_output_guardrails: bool = False,
        run_input_guardrails: bool = False,
        streams: StreamStarts | None = None,
        timeouts: SessionTimeouts | None = None,
    ) -> None:
        timeouts = timeouts or SessionTimeouts()
        self.agent = agent
        self.run_output_guardrails = run_output_guardrails
        self.run_input_guardrails = run_input_guardrails
        self.settings = settings
        self.history = ConversationItems()
        self.sequencer = ResponseSequencer(timeouts.response_created, timeouts.response_idle)
        self.verdicts = PendingVerdicts(timeouts.guardrail_verdicts)
        """Guardrail checks launched whose verdict has not come: they hold ``agent_end``."""
        self.usage_counted = RecentIds()
        """Responses whose usage was counted (a repeated ``response.done`` counts once)."""
        self.open_cancels = RecentIds()
        """Our ``response.cancel`` ids that name no response: their
        ``response_cancel_not_active`` means that no response runs at all."""
        self.streams = streams
        self.audio = AudioLedger(
            settings.output_format,
            playback_tracker,
            None if streams is None else streams.first_audio,
        )
        self.updates = SessionUpdates(settings)
        self.watch = OutputTextWatch(debounce_text_length)
        self.agent_busy = False
        """Whether ``agent_start`` was emitted and its ``agent_end`` not yet."""
        self.usage = UsageTotals()
        """Tokens used by every response so far."""
        self.partial_input: dict[str, str] = {}
        self.held_error: ErrorInfo | None = None
        self.checked_inputs = RecentIds()
        """User items whose transcription went to the input guardrails."""
        self.pending_calls: dict[str, str | None] = {}
        """Tool calls (and handoffs) whose output was not sent yet: call id -> the response
        that made the call (``None`` if unknown)."""
        self.answered_early: set[str] = set()
        """Responses some of whose calls were answered while they still ran: the response
        that reads the outputs is requested when they end (if no call of theirs waits)."""
        self.stop_requested = False
        """A tool asked to end the conversation."""
        self.capabilities = ModelCapabilities()
        """What the connection's protocol can do. GPT-Live's: the model takes turns on its
        own (a wanted response is only signalled to it, and nothing waits for one), the voice
        is fixed at start, and a history goes only into a session's start."""
        self.close_reason: str | None = None
        """Why the server last ended a session, as it said (kept; see ``server_closed``)."""
        self.server_closed: str | None = None
        """Why the server ended the session, when it said (GPT-Live's ``session.closed``)."""
        self.replacements = 0
        """Replacement answers asked for since the last user input."""
        self.user_speaking = False
        """Between the server's ``speech_started`` and ``speech_stopped``."""
        self.partial_item: str | None = None
        """The assistant item of the latest streamed text: what a dropped connection cuts."""
        self.partial_text: list[str] = []
        """That item's text so far (one item at a time: O(1) per delta, bounded)."""
        self.text_response: str | None = None
        """The response of the latest streamed text delta (a delta of another one is the
        first text of its response, told to ``streams``)."""
        self._ids = 0

    def checks_output(self) -> bool:
        """Whether what the agent says now goes to output guardrails (the run's or its own).
        If not, its text is not kept for them: nothing would read it."""
        return self.run_output_guardrails or bool(self.agent.output_guardrails)

    def checks_input(self) -> bool:
        """Whether what the user says now goes to input guardrails (the run's or the
        agent's)."""
        return self.run_input_guardrails or bool(self.agent.input_guardrails)

    def next_id(self, kind: str) -> str:
        """A fresh ``event_id`` for a command of ours (``rtv_<kind>_<n>``)."""
        self._ids += 1
        return f"rtv_{kind}_{self._ids}"

    def call_pending(self, call_id: str, response_id: str | None = None) -> None:
        """A completed call waits for its output. Without ``response_id``, the response
        running now is taken as the one that made it (when exactly one runs)."""
        if call_id in self.pending_calls:
            return
        if response_id is None:
            active = self.sequencer.active
            response_id = next(iter(active)) if len(active) == 1 else None
        self.pending_calls[call_id] = response_id

    def call_answered(self, call_id: str) -> bool:
        """The call's output is being sent. Returns whether a response should read it now:
        ``False`` while the response that made the call still runs (it may make more calls;
        :meth:`response_ended` decides then) or while other calls of it wait for outputs (the
        last one decides), so that the model reads the outputs of one response together."""
        response_id = self.pending_calls.pop(call_id, None)
        if response_id is None:
            return True
        if response_id in self.sequencer.active:
            self.answered_early.add(response_id)
            return False
        return response_id not in self.pending_calls.values()

    def response_ended(self, response_id: str) -> bool:
        """A response ended (its calls registered): whether a response should now read the
        outputs of its calls that were answered while it ran."""
        if response_id not in self.answered_early:
            return False
        self.answered_early.discard(response_id)
        return response_id not in self.pending_calls.values()

    def request_response(self, fx: Effects) -> None:
        """Ask the sequencer for a response; the ``response.create`` it allows now, if any,
        goes into ``fx``. A model that takes turns on its own gets the command as a signal
        (GPT-Live's responses delegation continues with it), and no turn waits for it."""
        if not self.capabilities.manual_turns:
            fx.commands.append(CreateResponse(event_id=self.next_id("response")))
            return
        self.send_create(fx, self.sequencer.request())

    def send_create(self, fx: Effects, create: CreateResponse | None) -> None:
        """Send ``create`` (a ``response.create`` the sequencer made), if any, and note that
        a response was asked for. Every ``response.create`` of the session goes through
        here."""
        if create is not None:
            fx.commands.append(create)
            fx.notes += (RESPONSE_REQUESTED,)
            fx.timers += (self.sequencer.created_timer(),)

    def maybe_end_turn(self, fx: Effects) -> None:
        """Emit ``agent_end`` if the turn is over: no response running, on its way or
        waiting, no tool call waiting for its output, and no guardrail check deciding (that
        last wait is bounded: a timer goes into ``fx``)."""
        if not self.agent_busy or not self.sequencer.settled or self.pending_calls:
            return
        if self.verdicts:
            timer = self.verdicts.hold()
            if timer is not None:
                fx.timers += (timer,)
            return
        self.agent_busy = False
        fx.events.append(AgentEndEvent(agent=self.agent))

    def responses_given_up(self, fx: Effects, response_ids: tuple[str, ...]) -> None:
        """Running responses were forgotten (their ``response.done`` will not come): end
        their turns for the telemetry, ask for the response that reads their calls' outputs
        if those were all answered meanwhile, send a waiting request, and maybe end the
        turn."""
        if not response_ids:
            return
        wanted = False
        for response_id in response_ids:
            fx.notes += (TurnEnded(response=ResponseInfo(id=response_id, status="incomplete")),)
            wanted = self.response_ended(response_id) or wanted
        create = self.sequencer.take_pending()
        if create is None and wanted and not self.stop_requested:
            create = self.sequencer.request()
        self.send_create(fx, create)
        self.maybe_end_turn(fx)

    def interrupt(self, now: float, *, cancel: bool) -> Effects:
        """Interrupt the current audio (see :meth:`AudioLedger.interrupt`)."""
        plan = self.audio.interrupt(
            now, response_active=self.sequencer.response_active, cancel=cancel
        )
        return self.interruption_effects(plan)

    def interruption_effects(self, plan: Interruption) -> Effects:
        """An interruption plan as effects, its commands given our event ids."""
        fx = Effects()
        event = plan.event
        if event is not None:
            fx.events.append(event)
            fx.notes = (Interrupted(response_id=event.response_id, played_ms=event.played_ms),)
        for command in plan.commands:
            if isinstance(command, CancelResponse):
                fx.commands.append(self.cancel(command.response_id))
            elif isinstance(command, TruncateItem):
                fx.commands.append(dataclasses.replace(command, event_id=self.next_id("truncate")))
            else:
                fx.commands.append(command)
        return fx

    def cancel(self, response_id: str | None = None) -> CancelResponse:
        """A ``response.cancel`` of ours (of ``response_id``, else of whatever runs)."""
        event_id = self.next_id("cancel")
        if response_id is None:
            self.open_cancels.add(event_id)
        return CancelResponse(response_id=response_id, event_id=event_id)

    @property
    def voice_fixed(self) -> bool:
        """The protocol fixes the voice when the session starts (GPT-Live)."""
        return not self.capabilities.voice_change

    @property
    def seed_at_start(self) -> bool:
        """The protocol takes a history only when its session starts (GPT-Live's
        ``session.start`` ``input``), not as conversation items."""
        return not self.capabilities.conversation_edits

    def update_command(
        self, agent: RealtimeAgent[Any], instructions: str | None
    ) -> tuple[UpdateSession, list[RealtimeSessionEvent]]:
        """The full ``session.update`` for ``agent``, and a voice warning if its voice had to
        be left out.

        Raises:
            UserError: ``agent`` has two tools (or handoffs) with the same name.
        """
        tools = agent_tools(agent).definitions
        command, left_out = self.updates.command(
            agent,
            instructions,
            tools=tools,
            event_id=self.next_id("update"),
            voice_locked=self.audio.audio_received or (self.voice_fixed and self.updates.started),
        )
        warnings: list[RealtimeSessionEvent] = []
        if left_out is not None:
            warnings.append(self.voice_warning(agent, left_out))
        return command, warnings

    def voice_warning(self, agent: RealtimeAgent[Any], voice: str) -> ErrorSessionEvent:
        """The warning for ``agent``'s ``voice``, which the server no longer accepts: it locks
        the voice once the assistant has spoken.

        Also logged (``rtvoice.session``, level WARNING), as the websockets protocol core
        logs: a message, no IO of its own.
        """
        current = self.updates.current_voice
        kept = f"the voice stays {current!r}" if current else "the voice stays as it is"
        when = "when the session starts" if self.voice_fixed else "once the assistant has spoken"
        message = (
            f"Agent {agent.name!r} wants voice {voice!r}, but the server allows no voice "
            f"change {when}: {kept}."
        )
        logger.warning("%s", message)
        return ErrorSessionEvent(
            error=ErrorInfo(type="warning", code=VOICE_WARNING, message=message)
        )
