"""Response sequencing, agent turns, errors and configuration, as pure state steps."""

from __future__ import annotations

from dataclasses import replace

from state_kit import (
    AGENT,
    added,
    audio,
    confirmed_state,
    created,
    feed,
    finished,
    new_state,
    types,
    user_text,
)

from rtvoice.agent import RealtimeAgent
from rtvoice.model.commands import CreateItem, CreateResponse, UpdateSession
from rtvoice.model.events import (
    AudioTranscriptDelta,
    DecodeError,
    ErrorEvent,
    ErrorInfo,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    SessionUpdated,
    TextDelta,
    Usage,
)
from rtvoice.model.items import InputText, MessageItem
from rtvoice.session import ErrorSessionEvent, InputTranscriptEvent, UsageEvent

ALREADY_ACTIVE = "conversation_already_has_active_response"


def message(text: str = "hi") -> MessageItem:
    return MessageItem(role="user", content=(InputText(text=text),))


def already_active(event_id: str) -> ErrorEvent:
    return ErrorEvent(
        error=ErrorInfo(
            type="invalid_request_error",
            code=ALREADY_ACTIVE,
            message="Conversation already has an active response in progress: resp_vad.",
            event_id=event_id,
        )
    )


def creates(fx_commands: list[object]) -> list[CreateResponse]:
    return [command for command in fx_commands if isinstance(command, CreateResponse)]


def test_idle_message_creates_item_then_response() -> None:
    state = confirmed_state()
    fx = state.send_message(message("hello"))
    assert [type(command) for command in fx.commands] == [CreateItem, CreateResponse]
    create = fx.commands[1]
    assert isinstance(create, CreateResponse)
    assert create.event_id is not None
    assert create.event_id.startswith("rtv_resp_")


def test_message_mid_response_creates_item_now_and_one_response_after_done() -> None:
    state = confirmed_state()
    feed(state, created("resp_vad"))  # a VAD-started response is running
    fx = state.send_message(message("wait"))
    assert [type(command) for command in fx.commands] == [CreateItem]
    after = feed(state, finished("resp_vad"))
    assert len(creates(after.commands)) == 1


def test_several_pending_inputs_give_one_response() -> None:
    state = confirmed_state()
    first = state.send_message(message("one"))
    assert len(creates(first.commands)) == 1  # in flight, not yet created
    second = state.send_message(message("two"))
    third = state.create_response()
    assert creates(second.commands) == []
    assert creates(third.commands) == []
    feed(state, created("resp_1"))
    fourth = state.send_message(message("three"))
    assert creates(fourth.commands) == []
    after = feed(state, finished("resp_1"))
    assert len(creates(after.commands)) == 1
    assert state.sequencer.create_in_flight


def test_race_with_vad_response_is_swallowed_and_requeued() -> None:
    state = confirmed_state()
    fx = state.send_message(message("hello"))
    ours = creates(fx.commands)[0]
    assert ours.event_id is not None
    # Server VAD started a response just before ours arrived: ours is refused.
    race = feed(state, created("resp_vad"), already_active(ours.event_id))
    assert not any(isinstance(event, ErrorSessionEvent) for event in race.events)
    assert creates(race.commands) == []
    after = feed(state, finished("resp_vad"))
    retry = creates(after.commands)
    assert len(retry) == 1
    assert retry[0].event_id != ours.event_id


def test_race_with_nothing_known_active_retries_at_once_then_gives_up() -> None:
    state = confirmed_state()
    event_id = creates(state.create_response().commands)[0].event_id
    assert event_id is not None
    for _ in range(3):
        fx = feed(state, already_active(event_id))
        retry = creates(fx.commands)
        assert len(retry) == 1
        assert fx.events == []
        event_id = retry[0].event_id
        assert event_id is not None
    fx = feed(state, already_active(event_id))
    assert creates(fx.commands) == []
    assert types(fx) == ["error"]


def test_other_errors_of_our_create_surface_and_end_the_turn() -> None:
    state = confirmed_state()
    feed(state, created("resp_1"))
    state.create_response()  # pending behind resp_1
    done = feed(state, finished("resp_1"))
    event_id = creates(done.commands)[0].event_id
    assert "agent_end" not in types(done)  # a response is still on its way
    error = ErrorEvent(
        error=ErrorInfo(type="invalid_request_error", message="bad", event_id=event_id)
    )
    fx = feed(state, error)
    assert types(fx) == ["error", "agent_end"]


def test_agent_start_and_end_span_a_turn_of_several_responses() -> None:
    state = confirmed_state()
    start = feed(state, created("resp_1"))
    assert types(start) == ["agent_start"]
    state.send_message(message("more"))
    first_done = feed(state, finished("resp_1"))
    assert "agent_end" not in types(first_done)
    assert types(feed(state, created("resp_2"))) == []
    assert types(feed(state, finished("resp_2"))) == ["agent_end"]
    assert types(feed(state, created("resp_3"))) == ["agent_start"]


def test_usage_per_response_and_session_total() -> None:
    state = confirmed_state()
    one = Usage(total_tokens=10, input_tokens=7, output_tokens=3, cached_tokens=2)
    two = Usage(total_tokens=5, input_tokens=1, output_tokens=4, output_audio_tokens=4)
    feed(state, created("resp_1"))
    fx1 = feed(state, finished("resp_1", usage=one))
    feed(state, created("resp_2"))
    fx2 = feed(state, finished("resp_2", usage=two))
    usage1 = [event for event in fx1.events if isinstance(event, UsageEvent)]
    usage2 = [event for event in fx2.events if isinstance(event, UsageEvent)]
    assert usage1[0].usage == one
    assert usage1[0].total == one
    assert usage2[0].total == Usage(
        total_tokens=15,
        input_tokens=8,
        output_tokens=7,
        cached_tokens=2,
        output_audio_tokens=4,
    )
    assert types(fx1) == ["usage", "agent_end"]


def test_failed_response_reports_its_error() -> None:
    from rtvoice.model.events import ResponseDone, ResponseInfo, StatusDetails

    state = confirmed_state()
    feed(state, created("resp_1"))
    failure = ErrorInfo(type="server_error", message="boom")
    fx = feed(
        state,
        ResponseDone(
            response=ResponseInfo(
                id="resp_1",
                status="failed",
                status_details=StatusDetails(type="failed", error=failure),
            )
        ),
    )
    assert fx.events[0] == ErrorSessionEvent(error=failure)


def test_session_expired_is_fatal() -> None:
    state = confirmed_state()
    info = ErrorInfo(
        type="invalid_request_error",
        code="session_expired",
        message="Your session hit the maximum duration of 60 minutes.",
    )
    fx = feed(state, ErrorEvent(error=info))
    assert fx.fatal == info
    assert fx.events == []


def test_closing_error_is_held_for_the_close_and_reported_if_none_comes() -> None:
    state = confirmed_state()
    info = ErrorInfo(type="invalid_request_error", code="invalid_api_key", message="bad key")
    fx = feed(state, ErrorEvent(error=info))
    assert fx.events == []
    assert fx.fatal is None
    assert state.held_error == info
    later = feed(state, created("resp_1"))
    assert types(later) == ["error", "agent_start"]
    assert state.held_error is None


def test_recoverable_errors_and_decode_errors_become_error_events() -> None:
    state = confirmed_state()
    server = ErrorInfo(type="invalid_request_error", code="invalid_value", message="nope")
    fx = feed(
        state,
        ErrorEvent(error=server),
        DecodeError(reason="not JSON", text="{oops"),
    )
    assert fx.events == [
        ErrorSessionEvent(error=server),
        ErrorSessionEvent(error=ErrorInfo(type="decode_error", message="not JSON")),
    ]


def test_cancel_not_active_after_our_cancel_is_swallowed_but_not_a_foreign_one() -> None:
    state = confirmed_state()
    feed(state, created("resp_1"))
    cancel = state.interrupt(0.0).commands[0]
    assert cancel.event_id is not None
    ours = ErrorInfo(
        type="invalid_request_error",
        code="response_cancel_not_active",
        message="Cancellation failed: no active response found",
        event_id=cancel.event_id,
    )
    # No error reaches the application; the server said nothing runs: resp_1's
    # response.done was lost, so its turn ends here.
    assert types(feed(state, ErrorEvent(error=ours))) == ["agent_end"]
    foreign = replace(ours, event_id=None)
    assert types(feed(state, ErrorEvent(error=foreign))) == ["error"]


def test_first_update_confirmed_or_refused() -> None:
    state = new_state()
    update = state.configure("Be brief.")
    assert state.configuration == "pending"
    assert update.event_id is not None
    refused = ErrorInfo(
        type="invalid_request_error",
        code="invalid_value",
        message="Invalid value",
        param="session.type",
        event_id=update.event_id,
    )
    fx = feed(state, ErrorEvent(error=refused))
    assert fx.events == []  # the session raises instead
    assert state.configuration == "refused"
    assert state.configuration_refusal == refused

    other = new_state()
    sent = other.configure(None)
    feed(other, SessionUpdated(session=sent.session))
    assert other.configuration == "confirmed"


def test_configuration_states_formats_turn_detection_and_agent_parts() -> None:
    agent = RealtimeAgent(name="Phone", instructions="Hi.", voice="ash")
    state = new_state(
        {"audio": {"input": {"format": "g711_ulaw"}, "output": {"format": "g711_ulaw"}}},
        agent=agent,
    )
    session = state.configure("Resolved instructions").session
    assert session.instructions == "Resolved instructions"
    assert session.voice == "ash"
    assert session.tools == ()
    assert (session.input_format, session.output_format) == ("g711_ulaw", "g711_ulaw")
    assert session.turn_detection is not None


def test_update_agent_sends_voice_before_audio_only() -> None:
    state = confirmed_state()
    first = RealtimeAgent(name="First", voice="coral")
    update = state.update_agent(first, "One.").commands[0]
    assert isinstance(update, UpdateSession)
    assert update.session.voice == "coral"
    assert state.agent is first
    feed(state, SessionUpdated(session=update.session))
    # Once assistant audio arrived the server locks the voice (§3.4): leave it out.
    state.on_audio_delta(audio("item_a", 480), 0.0)
    second = RealtimeAgent(name="Second", instructions="Two.", voice="echo")
    update = state.update_agent(second, "Two.").commands[0]
    assert isinstance(update, UpdateSession)
    assert update.session.voice is None
    assert update.session.instructions == "Two."
    assert update.session.output_format == "pcm16"
    assert state.refused_voice == "echo"
    assert state.agent is second


def test_transcript_deltas_and_input_transcription() -> None:
    state = confirmed_state()
    fx = feed(
        state,
        AudioTranscriptDelta(
            response_id="r", item_id="a", output_index=0, content_index=0, delta="Hel"
        ),
        TextDelta(response_id="r", item_id="b", output_index=0, content_index=0, delta="lo"),
        InputTranscriptionDelta(item_id="u", delta="what "),
        InputTranscriptionDelta(item_id="u", delta="is"),
        InputTranscriptionCompleted(item_id="u", transcript="what is it"),
    )
    transcripts = [event for event in fx.events if isinstance(event, InputTranscriptEvent)]
    assert [(event.text, event.delta, event.is_final) for event in transcripts] == [
        ("what ", "what ", False),
        ("what is", "is", False),
        ("what is it", "", True),
    ]
    assert types(fx)[:2] == ["transcript_delta", "transcript_delta"]


def test_message_items_are_sent_as_given() -> None:
    state = confirmed_state()
    item = MessageItem(role="system", content=(InputText(text="Be terse."),))
    fx = state.send_message(item)
    first = fx.commands[0]
    assert isinstance(first, CreateItem)
    assert first.item is item


def test_server_items_drive_history_not_our_sends() -> None:
    state = confirmed_state()
    state.send_message(message("hello"))
    assert state.history == ()
    feed(state, added(user_text("item_1", "hello")))
    assert [item.item_id for item in state.history] == ["item_1"]
    assert AGENT.name == state.agent.name
