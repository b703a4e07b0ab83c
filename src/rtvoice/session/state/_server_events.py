"""The server's half of the conversation state machine: one model event in, effects out.

:func:`handle_model_event` maps each model event onto the :class:`~._core.StateCore`:
history merging, audio bookkeeping, turns, usage, the tool calls and guardrail checks that
become due, and the routing of errors (our own races swallowed, fatal ones flagged, closing
ones held for the close). Pure: ``now`` is passed in.
"""

from __future__ import annotations

from typing import Final

from typing_extensions import assert_never

from ...model.commands import RetrieveItem
from ...model.events import (
    AudioDelta,
    AudioDone,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    ConversationCreated,
    DecodeError,
    DtmfReceived,
    ErrorEvent,
    ErrorInfo,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    InputAudioCleared,
    InputAudioCommitted,
    InputAudioTimeoutTriggered,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    InputTranscriptionFailed,
    InputTranscriptionSegment,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    McpCallArgumentsDelta,
    McpCallArgumentsDone,
    McpCallStatus,
    McpListToolsStatus,
    ModelEvent,
    OutputAudioBufferCleared,
    OutputAudioBufferStarted,
    OutputAudioBufferStopped,
    OutputItemAdded,
    OutputItemDone,
    RateLimitsUpdated,
    ResponseCreated,
    ResponseDone,
    SessionClosed,
    SessionCreated,
    SessionUpdated,
    SessionUsageUpdated,
    SpeechStarted,
    SpeechStopped,
    TextDelta,
    TextDone,
    UnknownEvent,
    Usage,
)
from ...model.items import OutputAudio, OutputText
from ..events import (
    AgentStartEvent,
    ErrorSessionEvent,
    InputAudioTimeoutTriggeredEvent,
    InputTranscriptEvent,
    SessionClosedEvent,
    SpeechStartedEvent,
    SpeechStoppedEvent,
    TranscriptDeltaEvent,
    UsageEvent,
)
from ..history import AssistantMessageItem
from ._core import StateCore
from ._effects import Effects
from ._guardrail_watch import InputCheck, OutputCheck
from ._notes import (
    USER_STOPPED_SPEAKING,
    InputTranscribed,
    SessionIdentified,
    SessionTimeBilled,
    TurnEnded,
    TurnStarted,
)

__all__ = [
    "CANCEL_NOT_ACTIVE",
    "CLOSING_CODES",
    "FATAL_CODES",
    "IGNORED_EVENTS",
    "handle_model_event",
]

IGNORED_EVENTS: Final = frozenset(
    {
        ContentPartAdded,
        ContentPartDone,
        RateLimitsUpdated,
        FunctionCallArgumentsDelta,
        FunctionCallArgumentsDone,
    }
)
"""Model events that frequently come and decide nothing: a model may leave them out (the
items and their final content come in item events)."""

FATAL_CODES: Final = frozenset({"session_expired"})
"""Error codes that end the session: iteration raises ``ProviderError``."""

CLOSING_CODES: Final = frozenset(
    {"invalid_api_key", "invalid_model", "missing_model", "beta_api_shape_disabled"}
)
"""Error codes the server sends right before closing the socket. They are held
back: the close that follows raises the typed transport error, so the application hears of
the failure once, not as an ``error`` event and an exception."""

CANCEL_NOT_ACTIVE: Final = "response_cancel_not_active"

RESPONSE_EVENTS: Final = frozenset(
    {
        OutputItemAdded,
        OutputItemDone,
        ItemAdded,
        ItemDone,
        ContentPartAdded,
        ContentPartDone,
        AudioDone,
        AudioTranscriptDone,
        TextDone,
        FunctionCallArgumentsDelta,
        FunctionCallArgumentsDone,
        McpCallArgumentsDelta,
        McpCallArgumentsDone,
        McpCallStatus,
    }
)
"""The events (beside the streamed deltas) that show a running response is alive: each
restarts its idle window (``timeouts.response_idle``)."""


def handle_model_event(core: StateCore, event: ModelEvent, now: float) -> Effects:
    """Apply one model event to ``core``; the effects, in order.

    Tool calls that completed are registered as waiting for their output (they hold
    ``agent_end`` back until ``ConversationState.tool_output``), and ``calls_response`` names
    the response that made them: the event's, else the one response running, if exactly one
    runs.
    """
    fx = Effects()
    if type(event) in RESPONSE_EVENTS:
        core.sequencer.last_event_at = now  # the running response is alive
    if core.held_error is not None:
        # The close a closing error announced did not come: report it after all.
        fx.events.append(ErrorSessionEvent(error=core.held_error))
        core.held_error = None
    # Arms in order of frequency in a turn: each class pattern is an isinstance check.
    match event:
        case ItemAdded() | ItemDone():
            fx.events += core.history.observe(
                event.item, event.previous_item_id, positioned=True, agent_name=core.agent.name
            )
            fx.function_calls += core.history.take_completed_calls()
        case OutputItemAdded():
            core.history.announce(event.item)
        case OutputItemDone() | ItemRetrieved():
            fx.events += core.history.observe(
                event.item, None, positioned=False, agent_name=core.agent.name
            )
            fx.function_calls += core.history.take_completed_calls()
            if fx.function_calls and isinstance(event, OutputItemDone):
                fx.calls_response = event.response_id
        case ContentPartAdded() | ContentPartDone() | RateLimitsUpdated():
            pass  # every turn has them; nothing to decide (items carry the content)
        case AudioDone():
            end = core.audio.on_done(event.item_id, event.content_index, event.response_id)
            if end is not None:
                fx.events.append(end)
        case AudioTranscriptDone():
            fx.events += core.history.finalise_part(
                event.item_id, event.content_index, OutputAudio(transcript=event.transcript)
            )
            _text_done(core, fx, event, event.transcript)
        case ResponseCreated():
            if core.sequencer.ended(event.response.id):
                return fx  # a repeated (or late) response.created: that response is over
            # The server answers commands in order: a response created while a
            # response.create of ours is on its way answers it; else its turn detection made
            # the response.
            turn = TurnStarted(
                response_id=event.response.id,
                agent_name=core.agent.name,
                answers_request=core.sequencer.create_in_flight,
            )
            fx.notes += (turn,)
            timer = core.sequencer.response_created(event.response.id, now)
            if timer is not None:
                fx.timers += (timer,)
            if not core.agent_busy:
                core.agent_busy = True
                fx.events.append(AgentStartEvent(agent=core.agent))
        case ResponseDone():
            _response_done(core, fx, event)
        case TextDone():
            fx.events += core.history.finalise_part(
                event.item_id, event.content_index, OutputText(text=event.text)
            )
            _text_done(core, fx, event, event.text)
        case SpeechStarted():
            core.user_speaking = True
            fx.events.append(
                SpeechStartedEvent(item_id=event.item_id, audio_start_ms=event.audio_start_ms)
            )
            fx.add(core.interrupt(now, cancel=not core.updates.server_interrupts()))
        case SpeechStopped():
            core.user_speaking = False
            fx.events.append(
                SpeechStoppedEvent(item_id=event.item_id, audio_end_ms=event.audio_end_ms)
            )
            fx.notes += (USER_STOPPED_SPEAKING,)
        case InputAudioCommitted():
            core.replacements = 0  # a new user input
        case InputTranscriptionDelta():
            text = core.partial_input.get(event.item_id, "") + event.delta
            core.partial_input[event.item_id] = text
            fx.events.append(
                InputTranscriptEvent(item_id=event.item_id, text=text, delta=event.delta)
            )
        case InputTranscriptionCompleted():
            _transcription_completed(core, fx, event)
        case AudioDelta():
            audio = core.audio.on_delta(event, now)
            if audio is not None:
                fx.events.append(audio)
        case AudioTranscriptDelta() | TextDelta():
            shown, check = text_delta(core, event)
            if shown is not None:
                fx.events.append(shown)
            if check is not None:
                fx.output_checks.append(check)
        case InputTranscriptionFailed():
            core.partial_input.pop(event.item_id, None)
            fx.events.append(ErrorSessionEvent(error=event.error))
        case InputAudioTimeoutTriggered():
            fx.events.append(
                InputAudioTimeoutTriggeredEvent(
                    item_id=event.item_id,
                    audio_start_ms=event.audio_start_ms,
                    audio_end_ms=event.audio_end_ms,
                )
            )
        case ItemTruncated():
            # The server cut the item's transcript to what was heard; fetch the
            # item to learn it. Its audio comes along once and is dropped on arrival.
            if isinstance(core.history.get(event.item_id), AssistantMessageItem):
                fx.commands.append(
                    RetrieveItem(item_id=event.item_id, event_id=core.next_id("retrieve"))
                )
        case ItemDeleted():
            fx.events += core.history.remove(event.item_id)
        case SessionCreated():
            core.updates.created(event.session)
            fx.notes += (SessionIdentified(session_id=event.session_id),)
        case SessionUpdated():
            core.updates.updated(event.session)
        case SessionUsageUpdated():
            _session_usage(core, fx, event)
        case SessionClosed():
            core.server_closed = core.close_reason = event.reason
            if event.seconds > core.usage.total.session_seconds:  # the final billed time
                _session_usage(core, fx, SessionUsageUpdated(seconds=event.seconds))
            fx.events.append(SessionClosedEvent(reason=event.reason, seconds=event.seconds))
        case ErrorEvent():
            _error(core, fx, event.error)
        case DecodeError():
            fx.events.append(
                ErrorSessionEvent(error=ErrorInfo(type="decode_error", message=event.reason))
            )
        case (
            FunctionCallArgumentsDelta()
            | FunctionCallArgumentsDone()
            | InputAudioCleared()
            | InputTranscriptionSegment()
            | ConversationCreated()
            | DtmfReceived()
            | OutputAudioBufferStarted()
            | OutputAudioBufferStopped()
            | OutputAudioBufferCleared()
            | McpListToolsStatus()
            | McpCallArgumentsDelta()
            | McpCallArgumentsDone()
            | McpCallStatus()
            | UnknownEvent()
        ):
            pass  # nothing to decide: items and their final content come in item events
        case _:
            assert_never(event)
    if fx.output_checks:
        core.verdicts.launched(fx.output_checks)
    if fx.input_checks:
        core.verdicts.launched(fx.input_checks)
    if fx.function_calls:
        for call in fx.function_calls:
            core.call_pending(call.call_id)
        if fx.calls_response is None:
            active = core.sequencer.active
            if len(active) == 1:
                (fx.calls_response,) = active
    return fx


def text_delta(
    core: StateCore, event: AudioTranscriptDelta | TextDelta
) -> tuple[TranscriptDeltaEvent | None, OutputCheck | None]:
    """A streamed piece of assistant text: the ``transcript_delta`` to show (``None`` once a
    guardrail withheld the item) and the output check it makes due, if any. The first of a
    response is told to ``core.streams``."""
    if event.response_id != core.text_response:
        core.text_response = event.response_id
        if core.streams is not None:
            core.streams.first_transcript(event.response_id)
    if event.item_id != core.partial_item:
        core.partial_item = event.item_id
        core.partial_text = [event.delta]
    else:
        core.partial_text.append(event.delta)
    if core.watch.tripped(event.item_id):
        return None, None  # withheld by a guardrail: nothing more of it is shown
    shown = TranscriptDeltaEvent(
        item_id=event.item_id,
        response_id=event.response_id,
        delta=event.delta,
        content_index=event.content_index,
    )
    if not core.checks_output():
        return shown, None
    due = core.watch.on_delta(event.item_id, event.delta)
    if due is None:
        return shown, None
    check = OutputCheck(
        item_id=event.item_id, response_id=event.response_id, text=due, agent=core.agent
    )
    return shown, check


def _text_done(
    core: StateCore, fx: Effects, event: AudioTranscriptDone | TextDone, text: str
) -> None:
    if not core.checks_output():
        return
    due = core.watch.on_done(event.item_id, text)
    if due is not None:
        fx.output_checks.append(
            OutputCheck(
                item_id=event.item_id,
                response_id=event.response_id,
                text=due,
                agent=core.agent,
                final=True,
            )
        )


def _transcription_completed(
    core: StateCore, fx: Effects, event: InputTranscriptionCompleted
) -> None:
    core.partial_input.pop(event.item_id, None)
    fx.events.append(
        InputTranscriptEvent(item_id=event.item_id, text=event.transcript, is_final=True)
    )
    fx.notes += (InputTranscribed(item_id=event.item_id, transcript=event.transcript),)
    fx.events += core.history.fill_transcript(event.item_id, event.content_index, event.transcript)
    if event.transcript.strip() and core.checks_input() and core.checked_inputs.add(event.item_id):
        fx.input_checks.append(
            InputCheck(text=event.transcript, agent=core.agent, item_id=event.item_id)
        )


def _response_done(core: StateCore, fx: Effects, event: ResponseDone) -> None:
    response = event.response
    if not core.sequencer.ended(response.id):  # else repeated, or given up: turn ended
        fx.notes += (TurnEnded(response=response),)
    fx.events += core.history.response_ended(response.output, core.agent.name)
    calls = core.history.take_completed_calls()
    for call in calls:  # before the turn may end: these hold it open
        core.call_pending(call.call_id, response.id)
    if calls:
        fx.function_calls += calls
        fx.calls_response = response.id
    create = core.sequencer.response_done(response.id)
    if core.response_ended(response.id) and not core.stop_requested:
        create = create or core.sequencer.request()
    core.send_create(fx, create)
    if response.status == "failed" and response.status_details is not None:
        error = response.status_details.error
        if error is not None:
            fx.events.append(ErrorSessionEvent(error=error))
    if response.usage is not None and core.usage_counted.add(response.id):  # once per id
        total = core.usage.add(response.usage)
        fx.events.append(UsageEvent(response_id=response.id, usage=response.usage, total=total))
    core.maybe_end_turn(fx)


def _session_usage(core: StateCore, fx: Effects, event: SessionUsageUpdated) -> None:
    """GPT-Live reports the session's billed time so far: the usage is what grew since the
    last report (each report is a total; one that does not grow still gives the event, for
    its context use)."""
    so_far = core.usage.total
    paused = float(event.paused_seconds or 0)
    billed = Usage(
        session_seconds=max(0.0, event.seconds - so_far.session_seconds),
        session_paused_seconds=max(0.0, paused - so_far.session_paused_seconds),
    )
    total = core.usage.add(billed)
    fx.notes += (SessionTimeBilled(usage=billed),)
    fx.events.append(
        UsageEvent(
            response_id="",
            usage=billed,
            total=total,
            context_usage_ratio=event.context_usage_ratio,
        )
    )


def _error(core: StateCore, fx: Effects, error: ErrorInfo) -> None:
    event_id = error.event_id
    if core.sequencer.owns(event_id):
        assert event_id is not None
        swallow, retry = core.sequencer.create_failed(event_id, error.code)
        core.send_create(fx, retry)
        if not swallow:
            fx.events.append(ErrorSessionEvent(error=error))
            core.maybe_end_turn(fx)
        return
    if event_id is not None and event_id.startswith("rtv_"):
        if event_id.startswith("rtv_cancel_") and error.code == CANCEL_NOT_ACTIVE:
            # The response ended on its own meanwhile: nothing was lost. A cancel of
            # whatever runs that finds nothing running also says that the responses still
            # believed running ended long ago: their response.done was lost (events come in
            # order, so every response.created seen before this error came before the cancel).
            if event_id in core.open_cancels:
                core.responses_given_up(fx, core.sequencer.server_idle())
            return
        if event_id.startswith("rtv_retrieve_"):
            return  # our own refresh after a truncation; the item was deleted meanwhile
        if event_id.startswith("rtv_update_") and _retry_without_voice(core, fx, error):
            return
        if core.updates.refused(error):
            return
    if error.code in FATAL_CODES:
        fx.fatal = error
        return
    if error.code in CLOSING_CODES:
        core.held_error = error
        return
    fx.events.append(ErrorSessionEvent(error=error))


def _retry_without_voice(core: StateCore, fx: Effects, error: ErrorInfo) -> bool:
    """Assistant audio raced an update that changed the voice: the server refused the
    whole update, so send it again without the voice, and warn instead of reporting the
    server's error."""
    if not core.updates.refused_for_voice(error):
        return False
    retry = core.updates.retry_without_voice(error, core.next_id("update"))
    if retry is None:
        return False
    fx.commands.append(retry)
    fx.events.append(core.voice_warning(core.agent, core.updates.refused_voice or "?"))
    return True
