"""The GPT-Live client codec, sans-IO, against the official SDK's vocabulary: every client
frame it writes validates against ``openai.types.live.ClientEvent`` (no field the SDK does
not know), and samples of the server events it reads, built with the SDK's own models, give
the neutral events it claims."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai import BaseModel as SdkModel
from openai.types import live
from pydantic import TypeAdapter

from rtvoice.errors import UserError
from rtvoice.live import DelegatedTask, LiveSettings, ToolCall
from rtvoice.model.commands import (
    AppendInputAudio,
    CancelResponse,
    CommitInputAudio,
    CreateItem,
    CreateResponse,
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from rtvoice.model.events import (
    AudioDelta,
    DecodeError,
    ErrorEvent,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    ItemAdded,
    ItemDone,
    ResponseCreated,
    ResponseDone,
    SessionClosed,
    SessionCreated,
    SessionUpdated,
    SessionUsageUpdated,
    SpeechStarted,
    SpeechStopped,
    UnknownEvent,
)
from rtvoice.model.items import FunctionCallOutputItem, InputText, MessageItem, OutputText
from rtvoice.model.live import MAX_APPEND_TOKENS, estimate_tokens
from rtvoice.model.live._codec import LiveClientCodec
from rtvoice.model.live._read_frames import read_frame
from rtvoice.model.live._turns import TurnTracker
from rtvoice.model.session_config import FunctionTool, SessionConfig

CLIENT_EVENT: TypeAdapter[Any] = TypeAdapter(live.ClientEvent)
SERVER_EVENT: TypeAdapter[Any] = TypeAdapter(live.ConnectServerEvent)

WEATHER = FunctionTool(
    name="get_weather",
    description="Weather for a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)
START = UpdateSession(
    session=SessionConfig(
        instructions="Be brief.",
        input_format="pcm16",
        output_format="pcm16",
        voice="cedar",
        tools=(WEATHER,),
    ),
    event_id="rtv_update_1",
)


def assert_no_extra(model: Any, path: str = "") -> None:
    """The SDK's models accept unknown fields; a frame of ours must have none."""
    if isinstance(model, SdkModel):
        assert not model.model_extra, f"{path}: fields the SDK does not know: {model.model_extra}"
        for name in type(model).model_fields:
            assert_no_extra(getattr(model, name), f"{path}.{name}")
    elif isinstance(model, list):
        for index, entry in enumerate(model):
            assert_no_extra(entry, f"{path}[{index}]")


def validated(frame: str) -> Any:
    model = CLIENT_EVENT.validate_json(frame)
    assert_no_extra(model, json.loads(frame)["type"])
    return model


def codec(**settings: Any) -> LiveClientCodec:
    return LiveClientCodec("gpt-live-1.1", LiveSettings(**settings), TurnTracker(700))


def started(c: LiveClientCodec) -> LiveClientCodec:
    (frame,) = c.encode(START).frames
    validated(frame)
    c.handle(read_frame(sdk_frame(session_started())), 0.0)
    return c


def session_started() -> live.SessionStartedEvent:
    return live.SessionStartedEvent(
        type="session.started",
        event_id="event_1",
        session=live.SessionResource(
            id="sess_1",
            expires_at=1_900_000_000,
            model="gpt-live-1.1",
            status="active",
            instructions="Be brief.",
            audio={"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "cedar"}},
        ),
    )


def sdk_frame(event: Any) -> str:
    text = event.model_dump_json(exclude_unset=True)
    SERVER_EVENT.validate_json(text)  # what we feed is a frame the SDK accepts
    return str(text)


# ---------------------------------------------------------------------------------------------
# Client frames


def test_session_start_client_delegation_validates_and_carries_the_settings() -> None:
    c = codec(store=False, safety_identifier="user-42", acknowledgement_delay_ms=200)
    (frame,) = c.encode(START).frames
    event = validated(frame)
    assert event.type == "session.start"
    assert event.event_id == "rtv_update_1"
    assert json.loads(frame)["session"] == {
        "model": "gpt-live-1.1",
        "instructions": "Be brief.",
        "audio": {"format": {"type": "audio/pcm", "rate": 24000}, "output": {"voice": "cedar"}},
        "delegation": {"type": "client", "acknowledgement_delay_ms": 200},
        "store": False,
        "safety_identifier": "user-42",
    }


def test_session_start_responses_delegation_validates_with_the_tools() -> None:
    c = codec(delegation="responses", responses_model="gpt-5-mini", responses_instructions="X")
    (frame,) = c.encode(START).frames
    validated(frame)
    responses = json.loads(frame)["session"]["delegation"]["responses"]
    assert responses["model"] == "gpt-5-mini"
    assert responses["instructions"] == "X"
    assert responses["tools"][0]["name"] == "get_weather"


def test_g711_and_a_custom_voice_validate() -> None:
    config = SessionConfig(input_format="g711_ulaw", output_format="g711_ulaw", voice="voice_1")
    (frame,) = codec().encode(UpdateSession(session=config)).frames
    validated(frame)
    audio = json.loads(frame)["session"]["audio"]
    assert audio == {
        "format": {"type": "audio/pcmu", "rate": 8000},
        "output": {"voice": {"id": "voice_1"}},
    }


def test_every_later_command_frame_validates() -> None:
    c = started(codec())
    frames = c.encode(AppendInputAudio(audio=b"\x00\x01" * 10, event_id="a1")).frames
    frames += c.encode(AppendInputAudio(audio=b"\x00\x01")).frames
    user = MessageItem(role="user", content=(InputText(text="Hello"),))
    frames += c.encode(CreateItem(item=user)).frames
    assistant = MessageItem(role="assistant", content=(OutputText(text="Hi"),))
    frames += c.encode(CreateItem(item=assistant)).frames
    later = UpdateSession(session=SessionConfig(instructions="Be very brief.", voice="cedar"))
    frames += c.encode(later).frames
    frames += c.encode(SendRaw(event={"type": "session.input_audio.mute"})).frames
    kinds = [validated(frame).type for frame in frames]
    assert kinds == [
        "session.input_audio.append",
        "session.input_audio.append",
        "session.instructions.append",
        "session.instructions.append",
        "session.instructions.append",
        "session.input_audio.mute",
    ]


def test_delegation_answers_validate_commentary_thinking_and_responses_outputs() -> None:
    c = started(codec(silent_tools=frozenset({"quiet_tool"})))
    task = DelegatedTask(
        delegation_id="del_1", request="", conversation="", instructions=None, tools=()
    )
    frames = c.planned(task, "Done.").frames
    events = c.planned(task, [ToolCall(name="quiet_tool"), ToolCall(name="get_weather")]).events
    call_ids = [e.item.call_id for e in events if isinstance(e, ItemAdded)]  # type: ignore[union-attr]
    for call_id in call_ids:
        frames += c.encode(
            CreateItem(item=FunctionCallOutputItem(call_id=call_id, output="ok"))
        ).frames
    frames += c.plan_failed(task, "live_backend_failed", "boom").frames
    kinds = [(validated(f).type, json.loads(f)["delegation_id"]) for f in frames]
    assert kinds == [
        ("session.commentary.append", "del_1"),
        ("session.thinking.append", "del_1"),
        ("session.commentary.append", "del_1"),
        ("session.thinking.append", "del_1"),
    ]
    r = started(codec(delegation="responses", responses_model="gpt-5-mini"))
    envelope = live.ResponseEvent(
        type="response.event",
        event_id="event_2",
        delegation_id="del_2",
        event={
            "type": "response.output_item.done",
            "item": {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
        },
    )
    r.handle(read_frame(sdk_frame(envelope)), 1.0)
    out = r.encode(CreateItem(item=FunctionCallOutputItem(call_id="call_1", output="42")))
    out_frames = out.frames + r.encode(CreateResponse()).frames + r.encode(CreateResponse()).frames
    tools = UpdateSession(session=SessionConfig(tools=(WEATHER,)), event_id="u2")
    r.encode(tools)  # the same tools: nothing to update
    out_frames += r.encode(UpdateSession(session=SessionConfig(tools=()), event_id="u3")).frames
    assert [validated(f).type for f in out_frames] == [
        "response.item.create",
        "response.create",  # once: only right after function outputs
        "session.update",
    ]


def test_commands_gpt_live_does_not_take_send_nothing() -> None:
    c = started(codec())
    for command in (
        CommitInputAudio(),
        CancelResponse(),
        TruncateItem(item_id="i", audio_end_ms=1),
    ):
        assert c.encode(command).frames == []
    assert c.encode(CreateResponse()).frames == []  # client delegation: the model speaks itself


def test_a_later_voice_format_or_model_change_is_a_user_error() -> None:
    c = started(codec())
    with pytest.raises(UserError, match="voice"):
        c.encode(UpdateSession(session=SessionConfig(voice="ash")))
    with pytest.raises(UserError, match="format"):
        c.encode(UpdateSession(session=SessionConfig(input_format="g711_alaw")))
    with pytest.raises(UserError, match="model"):
        c.encode(UpdateSession(session=SessionConfig(model="gpt-live-1")))
    with pytest.raises(UserError, match="responses_model"):
        codec(delegation="responses").encode(START)
    with pytest.raises(UserError, match="one audio format"):
        codec().encode(
            UpdateSession(session=SessionConfig(input_format="pcm16", output_format="g711_ulaw"))
        )


def test_appends_stay_within_the_token_limit_and_long_instructions_are_split() -> None:
    c = started(codec())
    long_text = "word " * 2000
    frames = c.encode(UpdateSession(session=SessionConfig(instructions=long_text))).frames
    assert len(frames) > 1
    for frame in frames:
        validated(frame)
        assert estimate_tokens(json.loads(frame)["content"]) <= MAX_APPEND_TOKENS
    task = DelegatedTask(
        delegation_id="d", request="", conversation="", instructions=None, tools=()
    )
    (answer,) = c.planned(task, "é" * 5000).frames
    content = json.loads(answer)["content"]
    assert estimate_tokens(content) <= MAX_APPEND_TOKENS
    assert content.endswith("[...]")


# ---------------------------------------------------------------------------------------------
# Server frames


def test_session_started_gives_session_created_then_updated() -> None:
    c = codec()
    c.encode(START)
    events = c.handle(read_frame(sdk_frame(session_started())), 0.0)
    assert [type(e) for e in events] == [SessionCreated, SessionUpdated]
    created = events[0]
    assert isinstance(created, SessionCreated)
    assert created.session_id == "sess_1"
    assert created.session.voice == "cedar"
    assert created.session.output_format == "pcm16"
    updated = live.SessionUpdatedEvent(
        type="session.updated", event_id="e", session=session_started().session
    )
    assert [type(e) for e in c.handle(read_frame(sdk_frame(updated)), 0.0)] == [SessionUpdated]


def test_transcripts_and_audio_give_a_user_turn_and_a_response() -> None:
    c = started(codec())
    user = live.InputTranscriptDeltaEvent(
        type="session.input_transcript.delta", event_id="e1", delta="Hi", start_ms=100, end_ms=300
    )
    events = c.handle(read_frame(sdk_frame(user)), 1.0)
    assert [type(e) for e in events] == [SpeechStarted, ItemAdded, InputTranscriptionDelta]
    audio = live.OutputAudioDeltaEvent(type="session.output_audio.delta", delta="AAEC")
    record = read_frame(sdk_frame(audio))
    assert record == b"\x00\x01\x02"
    events = c.handle(record, 1.1)
    assert type(events[-1]) is AudioDelta
    assert ResponseCreated in [type(e) for e in events]
    # The user speaking again cuts the response: cancelled, as GPT-Live stops itself.
    events = c.handle(read_frame(sdk_frame(user)), 1.2)
    done = next(e for e in events if isinstance(e, ResponseDone))
    assert done.response.status == "cancelled"
    output = live.OutputTranscriptDeltaEvent(
        type="session.output_transcript.delta", event_id="e2", delta="Yes", start_ms=0, end_ms=0
    )
    c.handle(read_frame(sdk_frame(output)), 1.3)
    ended = c.quiet(1.3 + 0.7)
    assert isinstance(ended[-1], ResponseDone)
    assert ended[-1].response.status == "completed"


def test_usage_closed_error_acks_and_unknown_types() -> None:
    c = started(codec())
    usage = live.SessionUsageUpdatedEvent(
        type="session.usage.updated",
        event_id="e",
        usage=live.SessionUsage(seconds=12, active_seconds=10, paused_seconds=2),
        context_window={"usage_ratio": 0.25},
    )
    assert c.handle(read_frame(sdk_frame(usage)), 0) == [
        SessionUsageUpdated(
            seconds=12, active_seconds=10, paused_seconds=2, context_usage_ratio=0.25
        )
    ]
    closed = live.SessionClosedEvent(
        type="session.closed",
        event_id="e",
        reason="expired",
        session=session_started().session,
        usage=live.SessionUsage(seconds=60),
    )
    assert c.handle(read_frame(sdk_frame(closed)), 0) == [
        SessionClosed(reason="expired", seconds=60)
    ]
    error = live.ErrorEvent(
        type="error",
        event_id="e",
        error=live.Error(
            type="invalid_request_error",
            code="unknown_parameter",
            message="Unknown parameter",
            param="session.bogus",
            client_event_id="rtv_update_1",
        ),
    )
    (event,) = c.handle(read_frame(sdk_frame(error)), 0)
    assert isinstance(event, ErrorEvent)
    assert (event.error.code, event.error.param, event.error.event_id) == (
        "unknown_parameter",
        "session.bogus",
        "rtv_update_1",
    )
    timed = {"event_id": "e", "start_ms": 0, "end_ms": 0}
    acks = [
        live.CommentaryAppendedEvent(type="session.commentary.appended", **timed),
        live.ThinkingAppendedEvent(type="session.thinking.appended", **timed),
        live.InstructionsAppendedEvent(type="session.instructions.appended", **timed),
        live.InputAudioMutedEvent(type="session.input_audio.muted", event_id="e"),
        live.InputAudioUnmutedEvent(type="session.input_audio.unmuted", event_id="e"),
    ]
    for ack in acks:
        assert c.handle(read_frame(sdk_frame(ack)), 0) == [], ack.type
    info = live.InfoEvent(type="info", event_id="e", code="c", message="m")
    (unknown,) = c.handle(read_frame(sdk_frame(info)), 0)
    assert isinstance(unknown, UnknownEvent)
    assert unknown.event_type == "info"


def test_a_client_delegation_closes_the_turns_and_queues_a_task() -> None:
    c = started(codec())
    c.handle(
        read_frame(
            json.dumps(
                {
                    "type": "session.input_transcript.delta",
                    "delta": "Book it",
                    "start_ms": 0,
                    "end_ms": 1,
                }
            )
        ),
        0,
    )
    created = live.DelegationCreatedEvent(
        type="session.delegation.created",
        event_id="e",
        offset_ms=10,
        delegation={"id": "del_9", "target": "client", "type": "delegation"},
    )
    events = c.handle(read_frame(sdk_frame(created)), 0.1)
    completed = [e for e in events if isinstance(e, InputTranscriptionCompleted)]
    assert [e.transcript for e in completed] == ["Book it"]  # the user's turn ended
    (task,) = c.tasks
    assert (task.delegation_id, task.request) == ("del_9", "Book it")
    assert task.tools == (WEATHER,)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[]", "object"),
        ('{"type": 3}', "type"),
        ('{"type": "session.input_transcript.delta"}', "delta"),
        ('{"type": "session.output_audio.delta", "delta": "!!"}', "delta"),
        (
            '{"type": "session.delegation.created", "delegation": {"target": "client"}}',
            "delegation.id",
        ),
        ('{"type": "session.closed", "reason": "bored"}', "reason"),
        ('{"type": "session.usage.updated", "usage": {}}', "usage.seconds"),
        ('{"type": "error", "error": {"code": "x"}}', "error.message"),
    ],
)
def test_a_malformed_frame_is_a_decode_error_naming_the_field(text: str, field: str) -> None:
    record = read_frame(text)
    assert isinstance(record, DecodeError)
    assert field in record.reason


def test_the_users_turn_ends_after_the_quiet() -> None:
    c = started(codec())
    user = {
        "type": "session.input_transcript.delta",
        "delta": "Hello",
        "start_ms": 10,
        "end_ms": 400,
    }
    c.handle(read_frame(json.dumps(user)), 5.0)
    assert c.quiet(5.5) == []  # 500 ms of 700: still speaking
    events = c.quiet(5.7)
    assert [type(e) for e in events] == [SpeechStopped, InputTranscriptionCompleted, ItemDone]
    stopped, completed, done = events
    assert isinstance(stopped, SpeechStopped)
    assert stopped.audio_end_ms == 400
    assert isinstance(completed, InputTranscriptionCompleted)
    assert completed.transcript == "Hello"
    assert isinstance(done, ItemDone)
    assert done.item.status == "completed"


def test_a_second_delegation_without_new_speech_has_no_request() -> None:
    c = started(codec())
    c.handle(
        read_frame(
            json.dumps(
                {
                    "type": "session.input_transcript.delta",
                    "delta": "Go",
                    "start_ms": 0,
                    "end_ms": 1,
                }
            )
        ),
        0,
    )
    for delegation_id in ("d1", "d2"):
        frame = {
            "type": "session.delegation.created",
            "delegation": {"id": delegation_id, "target": "client"},
        }
        c.handle(read_frame(json.dumps(frame)), 0.1)
    assert [(t.delegation_id, t.request) for t in c.tasks] == [("d1", "Go"), ("d2", "")]


def test_a_malformed_nested_function_call_is_a_decode_error_and_other_nested_events_nothing() -> (
    None
):
    c = started(codec(delegation="responses", responses_model="m"))
    bad = {
        "type": "response.event",
        "event": {
            "type": "response.output_item.done",
            "item": {"type": "function_call", "name": "f"},
        },
    }
    (event,) = c.handle(read_frame(json.dumps(bad)), 0)
    assert isinstance(event, DecodeError)
    assert "call_id" in event.reason
    other = {
        "type": "response.event",
        "event": {"type": "response.output_text.delta", "delta": "x"},
    }
    assert c.handle(read_frame(json.dumps(other)), 0) == []


def test_a_seeded_text_history_goes_in_session_start_as_input() -> None:
    seed = [
        MessageItem(role="system", content=(InputText(text="Context."),)),
        MessageItem(role="user", content=(InputText(text="Hi"),)),
        MessageItem(role="assistant", content=(OutputText(text="Hello"),)),
        MessageItem(role="user", content=()),  # no text: left out
    ] * 50
    config = SessionConfig(instructions="Be brief.", extra={"input": seed, "other": 1})
    (frame,) = codec().encode(UpdateSession(session=config)).frames
    validated(frame)
    session = json.loads(frame)["session"]
    assert "other" not in session
    assert len(session["input"]) == 128
    assert session["input"][-1] == {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hello"}],
    }
    assert {item["role"] for item in session["input"]} == {"developer", "user", "assistant"}


def test_server_events_rtvoice_does_not_map_pass_through_as_unknown() -> None:
    from openai.types.live.connect_server_event import (
        SessionPaused,
        SessionResumed,
        TransportDtmfReceived,
    )

    c = started(codec())
    samples = [
        SessionPaused(type="session.paused", event_id="e"),
        SessionResumed(type="session.resumed", event_id="e"),
        TransportDtmfReceived(type="transport.dtmf.received", event_id="e", event="5"),
    ]
    for sample in samples:
        (event,) = c.handle(read_frame(sdk_frame(sample)), 0)
        assert isinstance(event, UnknownEvent)
        assert event.event_type == sample.type
        assert event.raw["type"] == sample.type


def test_a_close_reason_that_is_not_a_string_is_a_decode_error() -> None:
    # Found by the property test: a list reason made the membership check raise.
    record = read_frame('{"type": "session.closed", "reason": []}')
    assert isinstance(record, DecodeError)
    assert "reason" in record.reason
