"""Every error the simulated session reports, and that a refused command changes nothing
(PROTOCOL.md §8)."""

from __future__ import annotations

import pytest

from rtvoice.errors import UserError
from rtvoice.model.commands import (
    AppendInputAudio,
    CancelResponse,
    ClearOutputAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    ResponseParams,
    RetrieveItem,
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from rtvoice.model.events import (
    AudioTranscriptDone,
    ErrorEvent,
    ErrorInfo,
    ItemDeleted,
    ModelEvent,
    SessionUpdated,
)
from rtvoice.model.items import (
    FunctionCallOutputItem,
    InputText,
    MessageItem,
    OutputAudio,
    OutputText,
)
from rtvoice.model.session_config import SessionConfig
from rtvoice.simulator._defaults import SimulatorOptions
from rtvoice.simulator._engine import SessionState, SimulatedSession
from rtvoice.simulator._ids import CountingIds

NOW = 1_700_000_000.0


def open_session(**kwargs: object) -> SimulatedSession:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds(), **kwargs)  # type: ignore[arg-type]
    session.start()
    return session


def only_error(events: list[ModelEvent]) -> ErrorInfo:
    (event,) = events
    assert isinstance(event, ErrorEvent)
    assert event.error.type == "invalid_request_error"
    return event.error


def say(session: SimulatedSession, text: str) -> None:
    session.handle(CreateItem(item=MessageItem(role="user", content=(InputText(text=text),))), NOW)


def spoken_session() -> SimulatedSession:
    """A session with one finished spoken answer (item_2)."""
    session = open_session()
    say(session, "hi")
    session.handle(CreateResponse(), NOW)
    session.drain(NOW)
    return session


@pytest.mark.parametrize(
    ("command", "code", "message"),
    [
        (
            RetrieveItem(item_id="nope", event_id="e1"),
            "item_retrieve_invalid_item_id",
            "Error retrieving item: the item with id 'nope' does not exist.",
        ),
        (
            DeleteItem(item_id="nope", event_id="e1"),
            "item_delete_invalid_item_id",
            "Error deleting item: the item with id 'nope' does not exist.",
        ),
        (
            TruncateItem(item_id="nope", audio_end_ms=10, event_id="e1"),
            "item_truncate_invalid_item_id",
            "Error truncating item: the item with id 'nope' does not exist.",
        ),
    ],
)
def test_unknown_item_ids(command: RetrieveItem, code: str, message: str) -> None:
    error = only_error(open_session().handle(command, NOW))
    assert (error.code, error.message, error.param, error.event_id) == (
        code,
        message,
        "item_id",
        "e1",
    )


def test_delete_removes_the_item() -> None:
    session = open_session()
    say(session, "gone soon")
    assert session.handle(DeleteItem(item_id="item_1"), NOW) == [ItemDeleted(item_id="item_1")]
    assert "item_1" not in session.conversation


def test_unknown_previous_item_id_adds_nothing() -> None:
    session = open_session()
    error = only_error(
        session.handle(
            CreateItem(
                item=MessageItem(role="user", content=(InputText(text="x"),)),
                previous_item_id="item_404",
                event_id="e2",
            ),
            NOW,
        )
    )
    assert error.code == "item_create_invalid_previous_item_id"
    assert (
        error.message == "Error adding item: the previous item with id 'item_404' does not exist."
    )
    assert error.event_id == "e2"
    assert len(session.conversation) == 0


@pytest.mark.parametrize(
    ("item", "param"),
    [
        (
            MessageItem(role="assistant", content=(OutputAudio(audio=b"\0\0", transcript="x"),)),
            "item.content[0].type",
        ),
        (MessageItem(role="system", content=(OutputText(text="x"),)), "item.content[0].type"),
        (FunctionCallOutputItem(call_id="call_404", output="{}"), "item.call_id"),
    ],
    ids=["assistant-audio", "system-output-text", "orphan-tool-output"],
)
def test_items_the_client_may_not_create(item: MessageItem, param: str) -> None:
    session = open_session()
    error = only_error(session.handle(CreateItem(item=item, event_id="e3"), NOW))
    assert (error.code, error.param, error.event_id) == ("invalid_value", param, "e3")
    assert len(session.conversation) == 0


def test_assistant_text_items_may_be_created_but_ids_are_unique() -> None:
    session = open_session()
    item = MessageItem(id="a1", role="assistant", content=(OutputText(text="earlier answer"),))
    assert [e.type for e in session.handle(CreateItem(item=item), NOW)] == [
        "item_added",
        "item_done",
    ]
    error = only_error(session.handle(CreateItem(item=item), NOW))
    assert (error.code, error.param) == ("invalid_value", "item.id")


def test_only_model_audio_can_be_truncated() -> None:
    session = spoken_session()
    error = only_error(session.handle(TruncateItem(item_id="item_1", audio_end_ms=0), NOW))
    assert error.code == "unsupported_content_type"
    assert error.message == "Only model output audio messages can be truncated"


def test_truncating_a_response_cut_before_its_audio() -> None:
    session = open_session()
    session.handle(CreateResponse(), NOW)
    session.next_step(NOW)  # item announced, no audio yet
    session.handle(CancelResponse(), NOW)
    error = only_error(session.handle(TruncateItem(item_id="item_1", audio_end_ms=0), NOW))
    assert error.code == "unsupported_content_type"


def test_truncate_checks_the_content_index_while_streaming_and_after() -> None:
    session = open_session()
    session.handle(CreateResponse(), NOW)
    session.next_step(NOW)
    session.next_step(NOW)  # the first audio delta
    streaming = only_error(
        session.handle(TruncateItem(item_id="item_1", audio_end_ms=10, content_index=1), NOW)
    )
    assert (streaming.code, streaming.param) == ("invalid_value", "content_index")
    session.drain(NOW)
    index = only_error(
        session.handle(TruncateItem(item_id="item_1", audio_end_ms=10, content_index=1), NOW)
    )
    assert (index.code, index.param) == ("invalid_value", "content_index")


def test_truncate_while_streaming_before_any_audio_is_refused_as_without_audio() -> None:
    session = open_session()
    session.handle(CreateResponse(), NOW)
    session.next_step(NOW)  # item announced, no audio yet
    error = only_error(session.handle(TruncateItem(item_id="item_1", audio_end_ms=0), NOW))
    assert error.code == "unsupported_content_type"


def test_truncate_while_writing_text_is_refused() -> None:
    session = open_session()
    session.handle(UpdateSession(session=SessionConfig(output_modalities=("text",))), NOW)
    say(session, "hi there")
    session.handle(CreateResponse(), NOW)
    session.next_step(NOW)
    session.next_step(NOW)  # a text delta
    error = only_error(session.handle(TruncateItem(item_id="item_2", audio_end_ms=0), NOW))
    assert error.code == "unsupported_content_type"


def test_truncate_to_zero_leaves_no_transcript() -> None:
    session = spoken_session()
    session.handle(TruncateItem(item_id="item_2", audio_end_ms=0), NOW)
    (retrieved,) = session.handle(RetrieveItem(item_id="item_2"), NOW)
    assert retrieved.item.content == (OutputAudio(audio=b"", transcript=""),)  # type: ignore[union-attr]


def test_voice_is_locked_once_assistant_audio_exists() -> None:
    session = open_session()
    # Before any audio the voice may change.
    assert isinstance(
        session.handle(UpdateSession(session=SessionConfig(voice="ash")), NOW)[0], SessionUpdated
    )
    say(session, "hi")
    session.handle(CreateResponse(), NOW)
    session.drain(NOW)
    error = only_error(
        session.handle(
            UpdateSession(
                session=SessionConfig(voice="coral", instructions="New agent."), event_id="e4"
            ),
            NOW,
        )
    )
    assert error.code == "cannot_update_voice"
    assert error.message == "Cannot update a conversation's voice if assistant audio is present."
    assert error.event_id == "e4"
    # The whole update was dropped.
    assert session.session.voice == "ash"
    assert session.session.instructions != "New agent."
    # The same voice is fine; so is leaving it out.
    (updated,) = session.handle(
        UpdateSession(session=SessionConfig(voice="ash", instructions="New agent.")), NOW
    )
    assert isinstance(updated, SessionUpdated)
    assert updated.session.instructions == "New agent."
    # A response may not switch voices either.
    voice_error = only_error(
        session.handle(CreateResponse(response=ResponseParams(voice="coral")), NOW)
    )
    assert voice_error.code == "cannot_update_voice"


def test_text_responses_do_not_lock_the_voice() -> None:
    session = open_session()
    session.handle(UpdateSession(session=SessionConfig(output_modalities=("text",))), NOW)
    session.handle(CreateResponse(), NOW)
    session.drain(NOW)
    assert isinstance(
        session.handle(UpdateSession(session=SessionConfig(voice="verse")), NOW)[0],
        SessionUpdated,
    )


@pytest.mark.parametrize(
    ("patch", "code", "param"),
    [
        (
            SessionConfig(output_modalities=("audio", "text")),
            "invalid_value",
            "session.output_modalities",
        ),
        (SessionConfig(speed=2.0), "decimal_above_max_value", "session.audio.output.speed"),
        (SessionConfig(speed=0.1), "decimal_below_min_value", "session.audio.output.speed"),
        (
            SessionConfig(max_output_tokens=0),
            "integer_below_min_value",
            "session.max_output_tokens",
        ),
        (SessionConfig(type="transcription"), "invalid_value", "session.type"),
    ],
)
def test_rejected_updates_change_nothing(patch: SessionConfig, code: str, param: str) -> None:
    session = open_session()
    before = session.session
    error = only_error(session.handle(UpdateSession(session=patch, event_id="e5"), NOW))
    assert (error.code, error.param, error.event_id) == (code, param, "e5")
    assert session.session == before


def test_modalities_message_matches_the_server() -> None:
    error = only_error(
        open_session().handle(
            UpdateSession(session=SessionConfig(output_modalities=("audio", "text"))), NOW
        )
    )
    assert error.message == (
        "Invalid modalities: ['audio', 'text']. Supported combinations are: ['text'] and ['audio']."
    )


def test_transcription_sessions_refuse_realtime_fields_and_responses() -> None:
    session = open_session(session_type="transcription")
    error = only_error(
        session.handle(
            UpdateSession(session=SessionConfig(type="transcription", instructions="x")), NOW
        )
    )
    assert (error.code, error.param) == ("unknown_parameter", "session.instructions")
    assert only_error(session.handle(CreateResponse(), NOW)).code == "invalid_value"


def test_unsupported_client_events() -> None:
    session = open_session()
    error = only_error(session.handle(ClearOutputAudio(event_id="e6"), NOW))
    assert (error.code, error.param, error.event_id) == ("invalid_value", "type", "e6")
    assert error.message.startswith("Invalid value: 'output_audio_buffer.clear'. Supported")
    assert error.message.endswith("and 'response.cancel'.")
    raw = only_error(session.handle(SendRaw(event={"type": "nope", "event_id": "e7"}), NOW))
    assert raw.message.startswith("Invalid value: 'nope'.")
    assert raw.event_id == "e7"


def test_response_params_are_validated() -> None:
    session = open_session()
    error = only_error(
        session.handle(CreateResponse(response=ResponseParams(max_output_tokens=5000)), NOW)
    )
    assert error.param == "response.max_output_tokens"
    missing = only_error(
        session.handle(
            CreateResponse(
                response=ResponseParams(
                    input=(MessageItem(role="user"),), output_modalities=("text", "audio")
                )
            ),
            NOW,
        )
    )
    assert missing.param == "response.output_modalities"


def test_session_expires_via_tick_with_a_close_and_no_event() -> None:
    options = SimulatorOptions(max_session_seconds=1800)
    session = open_session(options=options)
    assert session.expires_at == NOW + 1800
    assert session.next_deadline() == NOW + 1800
    assert session.tick(NOW + 1799) == []
    assert not session.closed
    # GA: no warning and no error event, just the close (1001 and the server's words).
    assert session.tick(NOW + 1800) == []
    assert session.closed
    assert session.state is SessionState.CLOSED
    assert session.close_code == 1001
    assert session.close_reason == "Your session hit the maximum duration of 30 minutes."
    assert session.tick(NOW + 1801) == []
    assert session.handle(CreateResponse(), NOW + 1801) == []
    assert session.next_step(NOW + 1801) is None
    assert session.next_deadline() is None


def test_session_expires_when_a_command_arrives_late() -> None:
    session = open_session()
    say(session, "hi")
    session.handle(CreateResponse(), NOW)
    assert session.handle(AppendInputAudio(audio=b"\0\0"), NOW + 3600) == []
    assert session.closed
    assert (session.close_code, session.close_reason) == (
        1001,
        "Your session hit the maximum duration of 60 minutes.",
    )
    assert session.next_step(NOW + 3600) is None


def test_session_expires_mid_response_with_no_more_events() -> None:
    session = open_session(options=SimulatorOptions(max_session_seconds=0.5))
    say(session, "tell me about the sea")
    session.handle(CreateResponse(), NOW)
    assert session.next_step(NOW + 0.4) is not None
    step = session.next_step(NOW + 0.5)
    assert step is not None
    assert step.events == ()
    assert session.closed
    assert session.close_reason == "Your session hit the maximum duration of 0.5 seconds."


def test_an_open_session_closed_by_the_client_keeps_the_normal_close() -> None:
    session = open_session()
    session.close()
    assert (session.close_code, session.close_reason) == (1000, "")


@pytest.mark.parametrize(
    ("seconds", "reason"),
    [
        (3600, "Your session hit the maximum duration of 60 minutes."),
        (900, "Your session hit the maximum duration of 15 minutes."),
        (60, "Your session hit the maximum duration of 1 minutes."),
        (90, "Your session hit the maximum duration of 90 seconds."),
        (0.5, "Your session hit the maximum duration of 0.5 seconds."),
    ],
)
def test_the_expiry_reason_follows_the_configured_duration(seconds: float, reason: str) -> None:
    session = open_session(options=SimulatorOptions(max_session_seconds=seconds))
    session.tick(NOW + seconds)
    assert session.close_reason == reason
    assert len(reason.encode()) <= 123  # it must fit a close frame


def test_the_beta_error_event_comes_before_the_close_only_on_request() -> None:
    options = SimulatorOptions(max_session_seconds=1800, expiry_error_event=True)
    session = open_session(options=options)
    error = only_error(session.tick(NOW + 1800))
    assert (error.type, error.code) == ("invalid_request_error", "session_expired")
    assert error.message == "Your session hit the maximum duration of 30 minutes."
    assert session.closed
    assert session.close_code == 1001


def test_call_order_is_enforced() -> None:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    with pytest.raises(UserError):
        session.handle(CreateResponse(), NOW)
    session.start()
    with pytest.raises(UserError):
        session.start()
    session.close()
    session.close()
    assert session.closed
    assert session.handle(CreateResponse(), NOW) == []


def test_instructions_update_shows_in_the_next_answer() -> None:
    session = open_session()
    session.handle(
        UpdateSession(
            session=SessionConfig(instructions='Begin every answer with "Billing here."')
        ),
        NOW,
    )
    say(session, "my invoice")
    session.handle(CreateResponse(), NOW)
    answer = next(e for e in session.drain(NOW) if isinstance(e, AudioTranscriptDone))
    assert answer.transcript == "Billing here. You said: my invoice"
