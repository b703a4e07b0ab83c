"""What each state step tells the telemetry (``Effects.notes``), decided by the state in
the order it happened; and, from the streamed deltas' fast path, only when a part's audio or
a response's text begins (never per delta)."""

from __future__ import annotations

from state_kit import (
    added,
    assistant,
    audio,
    confirmed_state,
    created,
    done,
    feed,
    finished,
    speech,
    user_text,
)

from rtvoice.agent import RealtimeAgent
from rtvoice.config import normalize_model_settings
from rtvoice.model.commands import CreateResponse
from rtvoice.model.events import (
    AudioTranscriptDelta,
    ErrorEvent,
    ErrorInfo,
    InputTranscriptionCompleted,
    OutputItemDone,
    SessionCreated,
    SpeechStopped,
    TextDelta,
)
from rtvoice.model.items import FunctionCallItem, InputText, MessageItem
from rtvoice.session import AudioInterruptedEvent, TranscriptDeltaEvent
from rtvoice.session.state._machine import ConversationState
from rtvoice.session.state._notes import (
    RESPONSE_REQUESTED,
    USER_STOPPED_SPEAKING,
    AgentChanged,
    InputTranscribed,
    Interrupted,
    SessionIdentified,
    TurnEnded,
    TurnStarted,
)

BILLING = RealtimeAgent(name="Billing", instructions="You handle billing.")


class Starts:
    """Records what the state tells of the streams' beginnings."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []

    def first_audio(self, response_id: str) -> None:
        self.told.append(("audio", response_id))

    def first_transcript(self, response_id: str) -> None:
        self.told.append(("text", response_id))


def message(text: str = "hi") -> MessageItem:
    return MessageItem(role="user", content=(InputText(text=text),))


def transcript(delta: str, response_id: str = "r1", item_id: str = "a1") -> AudioTranscriptDelta:
    return AudioTranscriptDelta(
        response_id=response_id, item_id=item_id, output_index=0, content_index=0, delta=delta
    )


def call_item(call_id: str = "call_1") -> FunctionCallItem:
    return FunctionCallItem(id=f"f_{call_id}", call_id=call_id, name="lookup", status="completed")


def test_a_response_to_our_request_is_noted_as_answering_it() -> None:
    state = confirmed_state()
    fx = state.send_message(message())
    assert fx.notes == (RESPONSE_REQUESTED,)
    assert [type(command) for command in fx.commands][-1] is CreateResponse
    fx = feed(state, created("r1"))
    assert fx.notes == (
        TurnStarted(response_id="r1", agent_name="Assistant", answers_request=True),
    )


def test_a_response_of_the_servers_turn_detection_is_noted_as_answering_speech() -> None:
    state = confirmed_state()
    fx = feed(state, SpeechStopped(audio_end_ms=1800, item_id="u1"))
    assert fx.notes == (USER_STOPPED_SPEAKING,)
    fx = feed(state, created("r1"))  # no response.create of ours on its way
    assert fx.notes == (
        TurnStarted(response_id="r1", agent_name="Assistant", answers_request=False),
    )


def test_a_request_that_waits_is_noted_when_its_create_is_sent() -> None:
    state = confirmed_state()
    feed(state, created("r1"))  # the server's response runs
    fx = state.send_message(message())
    assert fx.notes == ()  # nothing sent yet: it waits for r1
    fx = feed(state, finished("r1"))
    assert fx.notes == (TurnEnded(response=finished("r1").response), RESPONSE_REQUESTED)
    fx = feed(state, created("r2"))
    assert fx.notes == (
        TurnStarted(response_id="r2", agent_name="Assistant", answers_request=True),
    )


def test_a_refused_create_retried_at_once_is_noted_again() -> None:
    state = confirmed_state()
    (_, create) = state.send_message(message()).commands
    assert isinstance(create, CreateResponse)
    # A VAD response won the race and ended before our create arrived: retried at once.
    refusal = ErrorInfo(
        type="invalid_request_error",
        code="conversation_already_has_active_response",
        message="busy",
        event_id=create.event_id,
    )
    fx = feed(state, ErrorEvent(error=refusal))
    assert [type(command) for command in fx.commands] == [CreateResponse]
    assert fx.notes == (RESPONSE_REQUESTED,)


def test_the_first_text_of_each_response_is_told_and_every_delta_stays_one_event() -> None:
    starts = Starts()
    state = confirmed_state(streams=starts)
    feed(state, created("r1"))
    for piece in ("Hel", "lo"):
        assert isinstance(state.on_text_delta(transcript(piece), 0.0), TranscriptDeltaEvent)
    text = TextDelta(response_id="r1", item_id="a2", output_index=1, content_index=0, delta="!")
    assert isinstance(state.on_text_delta(text, 0.0), TranscriptDeltaEvent)  # same response
    assert starts.told == [("text", "r1")]
    feed(state, finished("r1"), created("r2"))
    fx = feed(state, transcript("Next", response_id="r2", item_id="a3"))  # also via handle()
    assert fx.notes == ()
    assert starts.told == [("text", "r1"), ("text", "r2")]


def test_audio_starts_are_told_once_per_part_and_deltas_stay_events() -> None:
    starts = Starts()
    state = confirmed_state(streams=starts)
    feed(state, created("r1"))
    for _ in range(3):
        assert state.on_audio_delta(audio("a1", 480, "r1"), 0.0) is not None
    assert starts.told == [("audio", "r1")]
    state.on_audio_delta(audio("a2", 480, "r1"), 0.0)
    assert starts.told == [("audio", "r1"), ("audio", "r1")]
    state.interrupt(0.0)
    assert state.on_audio_delta(audio("a2", 480, "r1"), 0.0) is None  # interrupted: dropped
    state.on_audio_delta(audio("a3", 480, "r1"), 0.0)
    assert starts.told == [("audio", "r1"), ("audio", "r1"), ("audio", "r1")]


def test_an_interruption_is_noted_with_what_was_heard() -> None:
    state = confirmed_state()
    feed(state, created("r1"))
    state.on_audio_delta(audio("a1", 48_000, "r1"), 10.0)  # one second of PCM16
    fx = feed(state, speech(), now=10.25)
    (event,) = [e for e in fx.events if isinstance(e, AudioInterruptedEvent)]
    assert event.played_ms == 250
    assert fx.notes == (Interrupted(response_id="r1", played_ms=250),)
    assert state.interrupt(10.5).notes == ()  # nothing plays any more: nothing to note


def test_an_explicit_interrupt_is_noted_too() -> None:
    state = confirmed_state()
    feed(state, created("r1"))
    state.on_audio_delta(audio("a1", 48_000, "r1"), 10.0)
    assert state.interrupt(10.5).notes == (Interrupted(response_id="r1", played_ms=500),)


def test_calls_name_the_response_that_made_them() -> None:
    state = confirmed_state()
    feed(state, added(user_text("u1")), created("r1"))
    fx = feed(state, done(call_item("call_1"), "u1"))  # item events name no response
    assert [call.call_id for call in fx.function_calls] == ["call_1"]
    assert fx.calls_response == "r1"  # the one running
    fx = feed(state, OutputItemDone(response_id="r1", output_index=1, item=call_item("call_2")))
    assert (len(fx.function_calls), fx.calls_response) == (1, "r1")
    # A call first seen in response.done belongs to that response, though it has ended.
    late = finished("r1", output=(call_item("call_3"),))
    fx = feed(state, late)
    assert [call.call_id for call in fx.function_calls] == ["call_3"]
    assert fx.calls_response == "r1"
    assert fx.notes[0] == TurnEnded(response=late.response)


def test_steps_without_calls_name_no_response() -> None:
    state = confirmed_state()
    feed(state, created("r1"))
    assert feed(state, added(assistant("a1"))).calls_response is None


def test_agent_changes_and_the_server_session_are_noted() -> None:
    state = ConversationState(
        agent=RealtimeAgent(name="Assistant"), settings=normalize_model_settings(None)
    )
    update = state.configure(None)
    fx = state.handle(SessionCreated(session=update.session, session_id="sess_1"), 0.0)
    assert fx.notes == (SessionIdentified(session_id="sess_1"),)
    assert state.update_agent(BILLING, None).notes == (AgentChanged(agent_name="Billing"),)


def test_a_handoff_notes_the_new_agent_then_the_request_for_its_answer() -> None:
    state = confirmed_state()
    feed(state, added(user_text("u1")), created("r1"))
    feed(state, done(call_item("call_1"), "u1"), finished("r1"))
    fx = state.handoff("call_1", BILLING, None, '{"assistant": "Billing"}')
    assert fx.notes == (AgentChanged(agent_name="Billing"), RESPONSE_REQUESTED)


def test_a_final_transcription_is_noted() -> None:
    state = confirmed_state()
    fx = feed(state, InputTranscriptionCompleted(item_id="u1", transcript="Hello there"))
    assert fx.notes == (InputTranscribed(item_id="u1", transcript="Hello there"),)


def test_most_steps_note_nothing() -> None:
    state = confirmed_state()
    quiet = feed(state, added(user_text("u1")), added(assistant("a1"), "u1"), done(user_text("u1")))
    assert quiet.notes == ()
