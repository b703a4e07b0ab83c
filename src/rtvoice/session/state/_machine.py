"""The conversation state machine: model events and user actions in, effects out.

:class:`ConversationState` holds every decision a session makes, as plain methods over plain
state: no awaits, no IO, no clock (``now`` is passed in, in monotonic seconds). Each method
returns :class:`Effects`: the public events to emit and the model commands to send, both in
order, plus the tool calls and guardrail checks to launch. The async
:class:`~rtvoice.session.RealtimeSession` only moves those between streams and runs user code.

Its state lives in a :class:`~._core.StateCore`, composed of five parts, each in its own
module: the :class:`~._conversation_items.ConversationItems` (order and merging of items),
the :class:`~._sequencer.ResponseSequencer` (one response at a time), the
:class:`~._audio_ledger.AudioLedger` (audio received, played, interrupted), the
:class:`~._session_updates.SessionUpdates` (configuration updates and the server's answers)
and the :class:`~._guardrail_watch.OutputTextWatch` (when a text is due for the guardrails).
The server's events are mapped in :mod:`._server_events`; this module holds the actions: the
user's, and what a tool output, a handoff and a guardrail trip send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from ..._config._continuity import SeedSettings
from ...agent import RealtimeAgent
from ...audio import PlaybackTracker
from ...config import DEFAULT_DEBOUNCE_TEXT_LENGTH, ModelSettings, SessionTimeouts
from ...model._base import ModelCapabilities
from ...model.commands import CancelResponse, CreateItem, ModelCommand, UpdateSession
from ...model.events import (
    AudioDelta,
    AudioTranscriptDelta,
    ErrorInfo,
    ModelEvent,
    TextDelta,
    Usage,
)
from ...model.items import FunctionCallOutputItem, InputText, MessageItem
from ...model.session_config import SessionConfig
from ..events import (
    AudioEvent,
    ErrorSessionEvent,
    GuardrailTrippedEvent,
    HandoffEvent,
    TranscriptDeltaEvent,
)
from ..history import HistoryItem
from ._audio_ledger import AudioLedger
from ._continuity import connection_lost, reseed, resume, seed, seed_in_start
from ._core import VOICE_WARNING, StateCore
from ._effects import Effects
from ._guardrail_watch import InputCheck, OutputCheck
from ._notes import AgentChanged, StreamStarts
from ._sequencer import ResponseSequencer
from ._server_events import handle_model_event, text_delta
from ._session_updates import ConfigurationStatus
from ._waits import (
    GUARDRAIL_VERDICT_TIMEOUT,
    RESPONSE_CREATED_TIMEOUT,
    RESPONSE_DONE_TIMEOUT,
    TIMEOUT_ERROR,
    Timer,
)

__all__ = [
    "MAX_GUARDRAIL_REPLACEMENTS",
    "VOICE_WARNING",
    "ConfigurationStatus",
    "ConversationState",
    "Effects",
]

MAX_GUARDRAIL_REPLACEMENTS: Final = 2
"""Replacement answers asked for after output guardrail trips, per user input. A replacement
that trips too gets another one up to this limit; then the agent stays silent until the user
speaks again (so a guardrail that trips on everything cannot loop)."""


class ConversationState:
    """Every decision of a realtime session, without IO.

    Feed it each model event with :meth:`handle` (audio deltas, the hot path, with
    :meth:`on_audio_delta`) and each action with the matching method; apply the returned
    :class:`Effects` in order. Calls must not interleave (it is not thread-safe), which the
    session guarantees by never awaiting inside a step. What the telemetry needs to know of a
    step travels in its ``Effects.notes`` (but for the streamed deltas: see ``streams``); the
    state is never read for it.

    Every completed tool call (``Effects.function_calls``) must eventually be answered with
    :meth:`tool_output` or :meth:`handoff`: until then it holds ``agent_end`` back.

    Args:
        agent: The agent active at the start.
        settings: The run's model settings (formats, turn detection, fallbacks).
        playback_tracker: The application's tracker, read on interruptions.
        debounce_text_length: Characters of assistant text between two output checks.
        run_output_guardrails: Whether the run has output guardrails: texts are due for
            checks when it has, or the agent speaking has some (else nothing is kept for them).
        run_input_guardrails: The same for input guardrails.
        streams: Told when a response's audio (per part) or text begins, from within the
            delta's step (once per part or response, never per delta): the telemetry's
            first audio and first transcript, kept out of the fast path's outcome.
        timeouts: The session's waits; the state bounds three of them with timers
            (``Effects.timers``): ``response_created``, ``response_idle`` and
            ``guardrail_verdicts``.
    """

    def __init__(
        self,
        *,
        agent: RealtimeAgent[Any],
        settings: ModelSettings,
        playback_tracker: PlaybackTracker | None = None,
        debounce_text_length: int = DEFAULT_DEBOUNCE_TEXT_LENGTH,
        run_output_guardrails: bool = False,
        run_input_guardrails: bool = False,
        streams: StreamStarts | None = None,
        timeouts: SessionTimeouts | None = None,
    ) -> None:
        self._timeouts = timeouts or SessionTimeouts()
        self._core = StateCore(
            agent=agent,
            settings=settings,
            playback_tracker=playback_tracker,
            debounce_text_length=debounce_text_length,
            run_output_guardrails=run_output_guardrails,
            run_input_guardrails=run_input_guardrails,
            streams=streams,
            timeouts=self._timeouts,
        )

    # -----------------------------------------------------------------------------------------
    # Reading

    @property
    def agent(self) -> RealtimeAgent[Any]:
        """The agent speaking now."""
        return self._core.agent

    @property
    def history(self) -> tuple[HistoryItem, ...]:
        """The conversation history, in order."""
        return self._core.history.items

    @property
    def sequencer(self) -> ResponseSequencer:
        """The response sequencer (read-only use)."""
        return self._core.sequencer

    @property
    def audio(self) -> AudioLedger:
        """The assistant audio ledger (read-only use)."""
        return self._core.audio

    @property
    def effective_config(self) -> SessionConfig | None:
        """The session as the server last reported it (``session.created`` / ``updated``)."""
        return self._core.updates.effective

    @property
    def configuration(self) -> ConfigurationStatus:
        """Where the first ``session.update`` stands."""
        return self._core.updates.status

    @property
    def configuration_refusal(self) -> ErrorInfo | None:
        """The server's error when it refused the first ``session.update``."""
        return self._core.updates.refusal

    @property
    def refused_voice(self) -> str | None:
        """The last voice an update had to leave out: the server locks the voice once
        assistant audio exists."""
        return self._core.updates.refused_voice

    @property
    def held_error(self) -> ErrorInfo | None:
        """A closing error waiting for the close it announces."""
        return self._core.held_error

    def adopt(self, capabilities: ModelCapabilities) -> None:
        """The connection's protocol can do (only) this: a fixed voice is left out of every
        update after the first, with the ``voice_locked`` warning when an agent wants
        another; a model that takes turns on its own is never waited for."""
        self._core.capabilities = capabilities

    @property
    def close_reason(self) -> str | None:
        """Why the server ended the session, as it said (GPT-Live's ``session.closed``)."""
        return self._core.close_reason

    def take_server_closed(self) -> str | None:
        """Why the server ended the connection's session, when it said (GPT-Live's
        ``session.closed``); asking forgets it, so a reconnected session starts afresh."""
        reason, self._core.server_closed = self._core.server_closed, None
        return reason

    @property
    def usage_total(self) -> Usage:
        """Tokens used by every response so far."""
        return self._core.usage.total

    @property
    def pending_calls(self) -> frozenset[str]:
        """Call ids of the tool calls (and handoffs) whose output was not sent yet."""
        return frozenset(self._core.pending_calls)

    def output_tripped(self, item_id: str) -> bool:
        """Whether an output guardrail tripped on this assistant item."""
        return self._core.watch.tripped(item_id)

    @property
    def last_instructions(self) -> str | None:
        """The instructions the latest ``session.update`` carried."""
        return self._core.updates.last_instructions

    @property
    def at_turn_boundary(self) -> bool:
        """Nothing is happening that a switch of connection would cut: no turn open, no
        response running or asked for, no call waiting for its output, the user not
        speaking (a rollover waits for this)."""
        core = self._core
        return (
            not core.agent_busy
            and core.sequencer.settled
            and not core.pending_calls
            and not core.user_speaking
        )

    @property
    def stop_due(self) -> bool:
        """A tool asked to end the conversation, and no response is running or on its way:
        the session ends now."""
        core = self._core
        return (
            core.stop_requested
            and not core.sequencer.response_active
            and not core.sequencer.create_in_flight
        )

    # -----------------------------------------------------------------------------------------
    # User actions

    def configure(
        self, instructions: str | None, seed_budget: SeedSettings | None = None
    ) -> UpdateSession:
        """The first ``session.update``: the full configuration for the starting agent.

        The session must send it and wait for :attr:`configuration` to leave ``pending``. A
        resumed session's history (``seed_budget`` given) goes in it when the protocol takes
        a history only at start (GPT-Live); else :meth:`seed` sends it afterwards.

        Raises:
            UserError: The agent has two tools (or handoffs) with the same name.
        """
        command, _ = self._core.update_command(self._core.agent, instructions)
        if seed_budget is not None and self._core.seed_at_start:
            command = seed_in_start(self._core, command, seed_budget)
        return command

    def assume_configured(self, instructions: str | None) -> None:
        """Instead of :meth:`configure`: the server session already has the starting agent's
        configuration (a SIP accept carried it), so :attr:`configuration` is ``confirmed``
        with nothing sent."""
        self._core.updates.assume_configured(instructions)

    def update_agent(self, agent: RealtimeAgent[Any], instructions: str | None) -> Effects:
        """Switch to ``agent``: its instructions, tools (function tools and handoffs) and voice
        in one ``session.update``.

        The formats, transcription and turn detection are restated as configured. Once
        assistant audio exists the voice is left out (the server locks the voice then and
        would refuse the whole update): :attr:`refused_voice` records it and a warning
        ``error`` event (``type="warning"``, ``code="voice_locked"``) says so.

        Raises:
            UserError: The agent has two tools (or handoffs) with the same name (nothing
                changes).
        """
        command, warnings = self._core.update_command(agent, instructions)
        self._core.agent = agent
        return Effects(
            events=warnings, commands=[command], notes=(AgentChanged(agent_name=agent.name),)
        )

    def send_message(self, item: MessageItem) -> Effects:
        """Add a message to the conversation and ask for a response.

        The item is created at once; the response is created now, or, if one is running or
        on its way, once it ends (one response for all inputs that waited). A user message
        with text is due for the input guardrails (``Effects.input_checks``).
        """
        core = self._core
        fx = Effects(commands=[CreateItem(item=item, event_id=core.next_id("item"))])
        core.request_response(fx)
        if item.role == "user":
            core.replacements = 0
            text = " ".join(part.text for part in item.content if isinstance(part, InputText))
            if text.strip() and core.checks_input():
                fx.input_checks.append(InputCheck(text=text, agent=core.agent))
                core.verdicts.launched(fx.input_checks)
        return fx

    def create_response(self) -> Effects:
        """Ask for a response (now, or when the running one ends)."""
        fx = Effects()
        self._core.request_response(fx)
        return fx

    def interrupt(self, now: float) -> Effects:
        """Stop the assistant: cancel the running response (even if the server's turn
        detection would), and truncate the item being played at the heard point, so that the
        server keeps only what the user heard.

        It also resets the sequencing: a request waiting is forgotten, and so is a create on
        its way (a ``response.cancel`` follows it, so its response, should it start, ends at
        once). A response still believed running ends with its ``response.done``, or, if the
        server answers the cancel with ``response_cancel_not_active`` (its ``response.done``
        was lost), at that answer.
        """
        core = self._core
        fx = core.interrupt(now, cancel=True)
        in_flight = core.sequencer.create_in_flight
        core.sequencer.reset()
        if in_flight and not any(isinstance(c, CancelResponse) for c in fx.commands):
            fx.commands.insert(0, core.cancel())
        core.maybe_end_turn(fx)
        return fx

    # -----------------------------------------------------------------------------------------
    # Connections

    def connection_lost(self, now: float) -> Effects:
        """The connection ended abnormally and a new one will carry the conversation: stop
        the audio at what was heard, keep the item in flight as far as it was heard
        (``incomplete``), end the running responses and ask for one again (it goes out on the
        new connection, after :meth:`reseed`)."""
        return connection_lost(self._core, now)

    def reseed(
        self,
        instructions: str | None,
        budget: SeedSettings | None,
        utterances: Mapping[str, bytes] | None = None,
    ) -> tuple[list[ModelCommand], int, int]:
        """The first commands for a new connection (after :meth:`connection_lost`, or for a
        rollover at a turn boundary): the current agent's ``session.update`` and the
        history's seed (user items without a transcript carry their audio from
        ``utterances``, by item id, when it is there); how many history items it
        re-creates; how many it leaves out. ``budget`` ``None``: the update alone (a call's
        server keeps its conversation)."""
        return reseed(self._core, instructions, budget, utterances)

    def seed(self, budget: SeedSettings) -> tuple[list[ModelCommand], int, int]:
        """The history's seed alone, for a resumed session's first connection (after its
        configuration): the commands, how many items they re-create, how many are left out
        (nothing when the protocol took the history at start: :meth:`configure`)."""
        if self._core.seed_at_start:
            return [], 0, 0
        return seed(self._core, budget)

    def resume(
        self, history: tuple[HistoryItem, ...], usage: Usage, pending_calls: Iterable[str]
    ) -> None:
        """Start from a snapshot (before the session is entered): its history (no events),
        its usage, and the calls still waiting for an output."""
        resume(self._core, history, usage, pending_calls)

    # -----------------------------------------------------------------------------------------
    # Tools, handoffs, guardrails

    def tool_output(
        self, call_id: str, output: str, *, respond: bool = True, stop: bool = False
    ) -> Effects:
        """A tool call finished: send its output and ask for the response that reads it.

        The output item is created, the history's call shows the output at once
        (``history_updated``), and a response is requested through the sequencer (the server
        does not answer a tool output on its own), unless other calls of the same response
        still wait for their outputs: the model then reads them all in one
        response, requested with the last one. The call stops holding ``agent_end`` back.

        Args:
            call_id: The function call's id.
            output: The text the model gets.
            respond: Ask for a response.
            stop: The tool asked to end the conversation: from now on no response is
                requested for tool outputs, and :attr:`stop_due` turns true once no response
                runs.
        """
        core = self._core
        all_answered = core.call_answered(call_id)
        if stop:
            core.stop_requested = True
        item = FunctionCallOutputItem(call_id=call_id, output=output)
        fx = Effects(commands=[CreateItem(item=item, event_id=core.next_id("item"))])
        fx.events += core.history.set_call_output(call_id, output)
        if respond and all_answered and not core.stop_requested:
            core.request_response(fx)
        core.maybe_end_turn(fx)
        return fx

    def handoff(
        self, call_id: str, target: RealtimeAgent[Any], instructions: str | None, output: str
    ) -> Effects:
        """Hand the conversation to ``target``, who speaks next.

        In order: the ``handoff`` event, the ``session.update`` for ``target`` (as
        :meth:`update_agent`: formats, transcription and turn detection as configured; the
        voice only while the server allows it, else a warning event), the handoff call's
        output, and a response request, so that the new agent answers.

        Raises:
            UserError: ``target`` has two tools (or handoffs) with the same name (nothing
                changes).
        """
        core = self._core
        command, warnings = core.update_command(target, instructions)
        previous, core.agent = core.agent, target
        fx = Effects(
            events=[HandoffEvent(from_agent=previous, to_agent=target), *warnings],
            commands=[command],
            notes=(AgentChanged(agent_name=target.name),),
        )
        return fx.add(self.tool_output(call_id, output))

    def trip_output(self, check: OutputCheck, results: tuple[Any, ...], now: float) -> Effects:
        """Output guardrails tripped on ``check``: stop that item and ask for another answer.

        On the item's first trip: ``response.cancel`` if its response still runs; if it may
        still be playing, ``audio_interrupted`` and a truncate at the heard point (its later
        audio and transcript deltas are dropped); ``guardrail_tripped``; then a system message
        telling the model its reply was withheld, and a response request for the replacement
        (at most :data:`MAX_GUARDRAIL_REPLACEMENTS` per user input). A later trip of the same
        item does nothing.

        Args:
            check: The check that tripped.
            results: The guardrail results that tripped.
            now: The current monotonic time, in seconds.
        """
        core = self._core
        core.verdicts.decided(check)
        if not core.watch.trip(check.item_id):
            fx = Effects()
            core.maybe_end_turn(fx)
            return fx
        fx = Effects()
        if check.response_id in core.sequencer.active:
            # The cancel goes first: a truncate of an item still being written is refused.
            fx.commands.append(core.cancel(check.response_id))
        stop = core.audio.interrupt(now, response_active=False, cancel=False, item_id=check.item_id)
        fx.add(core.interruption_effects(stop))
        fx.events.append(GuardrailTrippedEvent(results=results, text=check.text))
        if core.replacements >= MAX_GUARDRAIL_REPLACEMENTS:
            core.maybe_end_turn(fx)
            return fx
        core.replacements += 1
        names = ", ".join(repr(getattr(result.guardrail, "name", "?")) for result in results)
        notice = (
            f"Your previous reply was withheld by the {names} guardrail. "
            "Answer the user again without that content."
        )
        item = MessageItem(role="system", content=(InputText(text=notice),))
        fx.commands.append(CreateItem(item=item, event_id=core.next_id("item")))
        core.request_response(fx)
        core.maybe_end_turn(fx)
        return fx

    def trip_input(self, check: InputCheck, results: tuple[Any, ...], now: float) -> Effects:
        """Input guardrails tripped on ``check``: the input gets no answer.

        A response waiting to be created is dropped; one running or on its way is cancelled;
        assistant audio that may still be playing is stopped (``audio_interrupted``) and
        truncated; then ``guardrail_tripped``.
        """
        core = self._core
        core.verdicts.decided(check)
        fx = Effects()
        core.sequencer.drop_pending()
        if core.sequencer.response_active or core.sequencer.create_in_flight:
            fx.commands.append(core.cancel())
        stop = core.audio.interrupt(now, response_active=False, cancel=False)
        fx.add(core.interruption_effects(stop))
        fx.events.append(GuardrailTrippedEvent(results=results, text=check.text))
        core.maybe_end_turn(fx)
        return fx

    def check_passed(self, check: OutputCheck | InputCheck) -> Effects:
        """A guardrail check decided without tripping (or was moot): it no longer holds
        ``agent_end`` back."""
        core = self._core
        core.verdicts.decided(check)
        fx = Effects()
        core.maybe_end_turn(fx)
        return fx

    # -----------------------------------------------------------------------------------------
    # Bounded waits

    def wait_expired(self, timer: Timer, now: float) -> Effects:
        """A timer of ``Effects.timers`` fired at ``now``: give up its wait, if still current.

        * ``response_created``: the create is forgotten; an ``error`` event (``type``
          ``"timeout"``, ``code`` ``"response_created_timeout"``, ``event_id`` the create's)
          says so, and a request that waited behind it goes out.
        * ``response_idle``: if a running response had an event within the window, the
          timer is re-armed for the rest of it; else each running response is given up: a
          ``response.cancel`` of it, an ``error`` event (``code``
          ``"response_done_timeout"``), its turn ends, and a waiting request goes out
          (``agent_end`` follows once nothing else holds it).
        * ``guardrail_verdicts``: the checks still deciding stop holding ``agent_end``
          (``code`` ``"guardrail_verdict_timeout"``); their verdicts still act later.

        A late ``response.created`` or ``response.done`` of what was given up changes no
        sequencing (its items still merge into the history, its usage counts once).
        """
        core = self._core
        fx = Effects()
        match timer.wait:
            case "response_created":
                event_id = core.sequencer.create_expired(timer)
                if event_id is None:
                    return fx
                message = (
                    f"the server did not answer response.create {event_id} with "
                    f"response.created within {timer.seconds:g} s "
                    "(timeouts.response_created); the request was given up"
                )
                fx.events.append(_timeout(RESPONSE_CREATED_TIMEOUT, message, event_id))
                core.send_create(fx, core.sequencer.take_pending())
                core.maybe_end_turn(fx)
            case "response_idle":
                rearm, given_up = core.sequencer.idle_expired(timer, now)
                if rearm is not None:
                    fx.timers += (rearm,)
                for response_id in given_up:
                    fx.commands.append(core.cancel(response_id))
                    message = (
                        f"response {response_id} sent no event and no response.done for "
                        f"{self._timeouts.response_idle:g} s (timeouts.response_idle); it was "
                        "given up"
                    )
                    fx.events.append(_timeout(RESPONSE_DONE_TIMEOUT, message))
                core.responses_given_up(fx, given_up)
            case "guardrail_verdicts":
                count = core.verdicts.expired(timer)
                if count:
                    message = (
                        f"{count} guardrail check(s) gave no verdict within {timer.seconds:g} s "
                        "(timeouts.guardrail_verdicts); the turn ends without waiting for them"
                    )
                    fx.events.append(_timeout(GUARDRAIL_VERDICT_TIMEOUT, message))
                    core.maybe_end_turn(fx)
        return fx

    # -----------------------------------------------------------------------------------------
    # Model events

    def on_audio_delta(self, event: AudioDelta, now: float) -> AudioEvent | None:
        """The hot path: count the audio and return its ``audio`` event (``None`` if dropped
        because its item was interrupted). Constant work; the history is not touched."""
        core = self._core
        core.sequencer.last_event_at = now  # the running response is alive
        return core.audio.on_delta(event, now)

    def on_text_delta(
        self, event: AudioTranscriptDelta | TextDelta, now: float
    ) -> TranscriptDeltaEvent | Effects | None:
        """The other streamed delta, also constant work: the ``transcript_delta`` to emit
        (``None`` if a guardrail withheld the item), or full effects when the step does more
        (an output check is due, or a held error must be reported first)."""
        core = self._core
        core.sequencer.last_event_at = now  # the running response is alive
        if core.held_error is not None:
            return handle_model_event(core, event, now)
        shown, check = text_delta(core, event)
        if check is None:
            return shown
        checks = [check]
        core.verdicts.launched(checks)
        return Effects(events=[] if shown is None else [shown], output_checks=checks)

    def handle(self, event: ModelEvent, now: float) -> Effects:
        """Apply one model event (any but :class:`AudioDelta`, which also works here)."""
        return handle_model_event(self._core, event, now)


def _timeout(code: str, message: str, event_id: str | None = None) -> ErrorSessionEvent:
    return ErrorSessionEvent(
        error=ErrorInfo(type=TIMEOUT_ERROR, code=code, message=message, event_id=event_id)
    )
