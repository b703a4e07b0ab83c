"""The state machine's decisions for tool calls, handoffs, guardrail trips and the voice rule."""

from __future__ import annotations

from typing import Any

from state_kit import (
    AGENT,
    added,
    assistant,
    audio,
    confirmed_state,
    created,
    done,
    feed,
    finished,
    types,
    user_text,
)

from rtvoice.agent import RealtimeAgent
from rtvoice.guardrails import (
    GuardrailFunctionOutput,
    GuardrailResult,
    input_guardrail,
    output_guardrail,
)
from rtvoice.model.commands import (
    CancelResponse,
    CreateItem,
    CreateResponse,
    TruncateItem,
    UpdateSession,
)
from rtvoice.model.events import (
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ErrorEvent,
    ErrorInfo,
    InputTranscriptionCompleted,
    SessionUpdated,
)
from rtvoice.model.items import FunctionCallItem, FunctionCallOutputItem, InputText, MessageItem
from rtvoice.session import (
    AudioInterruptedEvent,
    ErrorSessionEvent,
    GuardrailTrippedEvent,
    HandoffEvent,
    ToolCallItem,
)
from rtvoice.session.state._guardrail_watch import InputCheck
from rtvoice.session.state._machine import MAX_GUARDRAIL_REPLACEMENTS, ConversationState


def call_item(call_id: str = "call_1", name: str = "get_weather") -> FunctionCallItem:
    return FunctionCallItem(id=f"f_{call_id}", call_id=call_id, name=name, status="completed")


def with_pending_call(state: ConversationState) -> None:
    feed(state, added(user_text("u1")), created("r1"))
    fx = feed(state, added(call_item(), "u1"), done(call_item(), "u1"))
    assert [call.call_id for call in fx.function_calls] == ["call_1"]


def test_a_pending_call_holds_agent_end_until_its_output() -> None:
    state = confirmed_state()
    with_pending_call(state)
    assert "agent_end" not in types(feed(state, finished("r1")))
    assert state.pending_calls == {"call_1"}

    fx = state.tool_output("call_1", "Sunny")
    output, create = fx.commands
    assert isinstance(output, CreateItem)
    assert output.item == FunctionCallOutputItem(call_id="call_1", output="Sunny")
    assert isinstance(create, CreateResponse)  # the server does not answer on its own (§7.c)
    assert types(fx) == ["history_updated"]  # the call shows its output at once
    call = state.history[1]
    assert isinstance(call, ToolCallItem)
    assert call.output == "Sunny"
    assert state.pending_calls == frozenset()
    feed(state, created("r2"))
    assert types(feed(state, finished("r2")))[-1] == "agent_end"


def test_an_output_while_the_response_runs_waits_for_it() -> None:
    state = confirmed_state()
    with_pending_call(state)
    fx = state.tool_output("call_1", "Sunny")
    assert [type(c) for c in fx.commands] == [CreateItem]  # the response request waits
    fx = feed(state, finished("r1"))
    assert [type(c) for c in fx.commands] == [CreateResponse]
    assert "agent_end" not in types(fx)


def test_the_outputs_of_one_responses_calls_are_read_together() -> None:
    state = confirmed_state()
    feed(state, added(user_text("u1")), created("r1"))
    first, second = call_item("call_1"), call_item("call_2")
    feed(state, done(first, "u1"))
    # The first answer comes while r1 runs (it may still make calls): no response yet.
    assert [type(c) for c in state.tool_output("call_1", "one").commands] == [CreateItem]
    feed(state, done(second, "f_call_1"))
    fx = feed(state, finished("r1"))
    assert fx.commands == []  # call_2 still runs
    assert "agent_end" not in types(fx)
    fx = state.tool_output("call_2", "two")
    assert [type(c) for c in fx.commands] == [CreateItem, CreateResponse]  # one for both

    # Both answered while the response ran: one response when it ends.
    state = confirmed_state()
    feed(state, added(user_text("u1")), created("r1"), done(first, "u1"), done(second, "f_call_1"))
    state.tool_output("call_1", "one")
    state.tool_output("call_2", "two")
    assert [type(c) for c in feed(state, finished("r1")).commands] == [CreateResponse]


def test_stop_requests_no_response_and_becomes_due_when_the_response_ends() -> None:
    state = confirmed_state()
    with_pending_call(state)
    fx = state.tool_output("call_1", "bye", respond=False, stop=True)
    assert [type(c) for c in fx.commands] == [CreateItem]
    assert not state.stop_due  # r1 still runs
    fx = feed(state, finished("r1"))
    assert fx.commands == []
    assert types(fx)[-1] == "agent_end"
    assert state.stop_due


def test_handoff_switches_and_sends_update_output_and_response_in_order() -> None:
    billing = RealtimeAgent(name="Billing", instructions="Bill.")
    state = confirmed_state()
    with_pending_call(state)
    feed(state, finished("r1"))
    fx = state.handoff("call_1", billing, "Bill.", '{"assistant": "Billing"}')
    assert isinstance(fx.events[0], HandoffEvent)
    assert (fx.events[0].from_agent, fx.events[0].to_agent) == (AGENT, billing)
    update, output, create = fx.commands
    assert isinstance(update, UpdateSession)
    assert update.session.instructions == "Bill."
    assert update.session.tools == ()
    assert update.session.input_format == "pcm16"
    assert update.session.turn_detection is not None
    assert isinstance(output, CreateItem)
    assert isinstance(create, CreateResponse)
    assert state.agent is billing


def test_handoff_tools_are_sent_with_the_agents_tools() -> None:
    billing = RealtimeAgent(name="Billing Desk")
    triage = RealtimeAgent(name="Triage", handoffs=[billing])
    update = confirmed_state().update_agent(triage, None).commands[0]
    assert isinstance(update, UpdateSession)
    assert [tool.name for tool in update.session.tools or ()] == ["transfer_to_billing_desk"]  # type: ignore[union-attr]


def test_a_voice_change_after_audio_is_left_out_with_a_warning() -> None:
    state = confirmed_state()
    state.on_audio_delta(audio("a1", 480), 0.0)
    fx = state.update_agent(RealtimeAgent(name="Echo", voice="echo"), None)
    [warning] = fx.events
    assert isinstance(warning, ErrorSessionEvent)
    assert (warning.error.type, warning.error.code) == ("warning", "voice_locked")
    update = fx.commands[0]
    assert isinstance(update, UpdateSession)
    assert update.session.voice is None
    # The same voice as now is no change: no warning.
    assert state.update_agent(RealtimeAgent(name="Plain"), None).events == []


def test_a_refused_voice_change_is_retried_without_the_voice() -> None:
    state = confirmed_state()
    update = state.update_agent(RealtimeAgent(name="Coral", voice="coral"), "New.").commands[0]
    assert isinstance(update, UpdateSession)
    assert update.session.voice == "coral"
    # Assistant audio raced the update: the server refused it whole (§3.4).
    refusal = ErrorInfo(
        type="invalid_request_error",
        code="cannot_update_voice",
        message="Cannot update a conversation's voice if assistant audio is present.",
        param="session.audio.output.voice",
        event_id=update.event_id,
    )
    fx = feed(state, ErrorEvent(error=refusal))
    [warning] = fx.events
    assert isinstance(warning, ErrorSessionEvent)
    assert warning.error.code == "voice_locked"
    [retry] = fx.commands
    assert isinstance(retry, UpdateSession)
    assert retry.session.voice is None
    assert retry.session.instructions == "New."
    assert retry.event_id != update.event_id
    assert state.refused_voice == "coral"
    feed(state, SessionUpdated(session=retry.session))


def result(name: str = "no_secrets") -> GuardrailResult:
    guardrail = output_guardrail(name=name)(lambda c, a, t: GuardrailFunctionOutput(True))
    return GuardrailResult(guardrail=guardrail, output=GuardrailFunctionOutput(True), text="x")


def watching(
    debounce_text_length: int, *, agent: RealtimeAgent[Any] = AGENT, run_guardrails: bool = True
) -> ConversationState:
    """A state with a confirmed configuration and this debounce; the run has output
    guardrails unless ``run_guardrails`` is false."""
    return ConversationState(
        agent=agent,
        settings=confirmed_state()._core.settings,
        debounce_text_length=debounce_text_length,
        run_output_guardrails=run_guardrails,
    )


def speaking(state: ConversationState, text: str) -> Any:
    feed(state, added(user_text("u1")), created("r1"), added(assistant("a1"), "u1"))
    state.on_audio_delta(audio("a1", 48_000, "r1"), 0.0)  # 1 s of audio received at t=0
    return feed(
        state,
        AudioTranscriptDelta(
            response_id="r1", item_id="a1", output_index=0, content_index=0, delta=text
        ),
    )


def test_output_checks_are_due_at_the_debounce_and_at_the_end() -> None:
    state = watching(10)
    fx = speaking(state, "Hello there, ")
    [check] = fx.output_checks
    assert (check.item_id, check.response_id, check.text, check.final) == (
        "a1",
        "r1",
        "Hello there, ",
        False,
    )
    fx = feed(
        state,
        AudioTranscriptDone(
            response_id="r1",
            item_id="a1",
            output_index=0,
            content_index=0,
            transcript="Hello there, friend",
        ),
    )
    assert [(c.text, c.final) for c in fx.output_checks] == [("Hello there, friend", True)]


def test_with_no_guardrails_anywhere_no_text_is_due_or_kept_for_them() -> None:
    state = watching(10, run_guardrails=False)
    fx = speaking(state, "Hello there, ")
    assert fx.output_checks == []
    assert [type(e).__name__ for e in fx.events] == ["TranscriptDeltaEvent"]  # still shown
    assert state._core.watch._items == {}  # nothing accumulated for checks that never run
    done = AudioTranscriptDone(
        response_id="r1", item_id="a1", output_index=0, content_index=0, transcript="Hi."
    )
    assert feed(state, done).output_checks == []
    message = MessageItem(role="user", content=(InputText(text="hello"),))
    assert state.send_message(message).input_checks == []
    final = InputTranscriptionCompleted(item_id="u9", transcript="spoken words")
    assert feed(state, final).input_checks == []


def test_the_speaking_agents_own_guardrails_make_its_texts_due() -> None:
    guarded = RealtimeAgent(
        name="Guarded",
        output_guardrails=[output_guardrail(lambda c, a, t: GuardrailFunctionOutput(False))],
        input_guardrails=[input_guardrail(lambda c, a, t: GuardrailFunctionOutput(False))],
    )
    state = watching(10, agent=guarded, run_guardrails=False)
    assert [c.text for c in speaking(state, "Hello there, ").output_checks] == ["Hello there, "]
    message = MessageItem(role="user", content=(InputText(text="hello"),))
    assert [c.text for c in state.send_message(message).input_checks] == ["hello"]


def test_an_output_trip_stops_the_item_and_asks_for_a_replacement() -> None:
    state = watching(10)
    check = speaking(state, "The secret is 42").output_checks[0]
    fx = state.trip_output(check, (result(),), now=0.4)
    cancel, truncate, notice = fx.commands
    assert isinstance(cancel, CancelResponse)
    assert cancel.response_id == "r1"
    assert isinstance(truncate, TruncateItem)
    assert (truncate.item_id, truncate.audio_end_ms) == ("a1", 400)
    assert isinstance(notice, CreateItem)
    assert isinstance(notice.item, MessageItem)
    assert notice.item.role == "system"
    assert "'no_secrets'" in notice.item.content[0].text  # type: ignore[union-attr]
    interrupted, tripped = fx.events
    assert isinstance(interrupted, AudioInterruptedEvent)
    assert interrupted.played_ms == 400
    assert isinstance(tripped, GuardrailTrippedEvent)
    assert tripped.text == "The secret is 42"
    # Acted on once; the item's later audio and transcript are dropped.
    assert state.trip_output(check, (result(),), now=0.5).commands == []
    assert state.on_audio_delta(audio("a1", 480, "r1"), 0.6) is None
    late = AudioTranscriptDelta(
        response_id="r1", item_id="a1", output_index=0, content_index=0, delta="!"
    )
    assert feed(state, late).events == []
    # The replacement is asked for once the cancelled response is done.
    assert [type(c) for c in feed(state, finished("r1", "cancelled")).commands] == [CreateResponse]


def test_replacements_are_limited_per_user_input() -> None:
    state = watching(5)
    feed(state, added(user_text("u1")))
    for index in range(MAX_GUARDRAIL_REPLACEMENTS + 1):
        item_id = f"a{index}"
        state.on_audio_delta(audio(item_id, 480, f"r{index}"), 0.0)
        fx = feed(
            state,
            AudioTranscriptDelta(
                response_id=f"r{index}",
                item_id=item_id,
                output_index=0,
                content_index=0,
                delta="secret",
            ),
        )
        trip = state.trip_output(fx.output_checks[0], (result(),), now=0.001)
        asks = any(isinstance(c, CreateItem) for c in trip.commands)
        assert asks == (index < MAX_GUARDRAIL_REPLACEMENTS)
    # A new user input resets the count.
    state.send_message(MessageItem(role="user", content=()))
    state.on_audio_delta(audio("b", 480, "rb"), 0.0)
    fx = feed(
        state,
        AudioTranscriptDelta(
            response_id="rb", item_id="b", output_index=0, content_index=0, delta="secret"
        ),
    )
    trip = state.trip_output(fx.output_checks[0], (result(),), now=0.001)
    assert any(isinstance(c, CreateItem) for c in trip.commands)


def test_an_input_trip_drops_or_cancels_the_answer() -> None:
    state = confirmed_state()
    fx = state.send_message(MessageItem(role="user", content=()))
    assert [type(c) for c in fx.commands] == [CreateItem, CreateResponse]  # in flight
    check = InputCheck(text="bad", agent=AGENT)
    trip = state.trip_input(check, (result(),), now=0.0)
    assert [type(c) for c in trip.commands] == [CancelResponse]  # after the create, on the wire
    assert isinstance(trip.events[-1], GuardrailTrippedEvent)

    waiting = confirmed_state()
    feed(waiting, created("r1"))
    waiting.create_response()  # waits for r1
    assert waiting.sequencer.pending
    waiting.trip_input(check, (result(),), now=0.0)
    assert not waiting.sequencer.pending


def test_text_messages_and_final_transcriptions_are_due_for_input_checks_once() -> None:
    state = confirmed_state(run_guardrails=True)
    fx = state.send_message(MessageItem(role="user", content=(InputText(text="hello"),)))
    assert [c.text for c in fx.input_checks] == ["hello"]
    system = MessageItem(role="system", content=(InputText(text="be nice"),))
    assert state.send_message(system).input_checks == []
    final = InputTranscriptionCompleted(item_id="u9", transcript="spoken words")
    assert [c.item_id for c in feed(state, final).input_checks] == ["u9"]
    assert feed(state, final).input_checks == []  # never twice
