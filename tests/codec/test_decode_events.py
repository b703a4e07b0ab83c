"""OpenAICodec.decode: server frames of PROTOCOL.md §6 (and beta §11) -> model events."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from rtvoice.model.events import (
    AudioDelta,
    ContentPartAdded,
    DecodeError,
    DtmfReceived,
    ErrorEvent,
    ErrorInfo,
    InputAudioCleared,
    InputAudioTimeoutTriggered,
    InputTranscriptionFailed,
    InputTranscriptionSegment,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    McpCallArgumentsDelta,
    McpCallArgumentsDone,
    McpCallStatus,
    McpListToolsStatus,
    ModelEvent,
    OutputAudioBufferStarted,
    OutputAudioBufferStopped,
    ResponseDone,
    SessionCreated,
    SessionUpdated,
    StatusDetails,
    TextDelta,
    TranscriptionUsage,
    UnknownEvent,
)
from rtvoice.model.items import (
    FunctionCallItem,
    InputAudio,
    InputImage,
    MessageItem,
    OtherItem,
    OutputAudio,
    OutputText,
)
from rtvoice.model.openai import OpenAICodec
from rtvoice.model.session_config import (
    UNSET,
    FunctionTool,
    NoiseReduction,
    OtherTool,
    SemanticVad,
    SessionConfig,
    ToolChoiceFunction,
)

from .flows import server_frames

REF: dict[str, Any] = {
    "response_id": "resp_1",
    "item_id": "item_1",
    "output_index": 0,
    "content_index": 0,
}


def decode(obj: dict[str, Any] | str, dialect: str = "ga") -> list[ModelEvent]:
    text = obj if isinstance(obj, str) else json.dumps(obj)
    return OpenAICodec(dialect).decode(text)  # type: ignore[arg-type]


def one(obj: dict[str, Any], dialect: str = "ga") -> ModelEvent:
    [event] = decode(obj, dialect)
    return event


# ---------------------------------------------------------------------------------------------
# Frames that cannot be decoded


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json", "The frame is not valid JSON."),
        ("", "The frame is not valid JSON."),
        ('{"type": "error"', "The frame is not valid JSON."),
        ("[1, 2]", "The frame is not a JSON object."),
        ('"session.created"', "The frame is not a JSON object."),
        ("{}", "The frame has no string 'type' field."),
        ('{"type": 7}', "The frame has no string 'type' field."),
        ('{"type": null}', "The frame has no string 'type' field."),
    ],
)
def test_a_frame_without_a_string_type_is_a_decode_error(frame: str, reason: str) -> None:
    assert decode(frame) == [DecodeError(reason=reason, text=frame, event_type=None)]


@pytest.mark.parametrize(
    "padded",
    [
        ' {"type": "input_audio_buffer.cleared", "event_id": "event_1"}',
        '{"type": "input_audio_buffer.cleared", "event_id": "event_1"}\n',
        '\t{"type":"input_audio_buffer.cleared","event_id":"event_1"}  ',
    ],
)
def test_whitespace_around_a_frame_changes_nothing(padded: str) -> None:
    compact = '{"type":"input_audio_buffer.cleared","event_id":"event_1"}'
    assert decode(padded) == decode(compact) == [InputAudioCleared()]


@pytest.mark.parametrize(
    "frame",
    [
        '{"type": "input_audio_buffer.cleared"} {"type": "x"}',
        '{"type": "input_audio_buffer.cleared"}]',
        "\ufeff{}",
        " ",
    ],
)
def test_extra_data_or_no_value_is_not_json(frame: str) -> None:
    assert decode(frame) == [
        DecodeError(reason="The frame is not valid JSON.", text=frame, event_type=None)
    ]


def test_decode_error_keeps_only_the_start_of_a_long_frame() -> None:
    frame = "x" * 10_000
    [error] = decode(frame)
    assert isinstance(error, DecodeError)
    assert error.text == "x" * 500


def test_an_unknown_type_is_kept_raw() -> None:
    obj = {"type": "response.brand_new_thing", "event_id": "event_1", "payload": [1, {"a": None}]}
    assert decode(obj) == [UnknownEvent(event_type="response.brand_new_thing", raw=obj)]


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (
            {"type": "input_audio_buffer.speech_started", "item_id": "item_1"},
            "input_audio_buffer.speech_started: Missing required parameter: 'audio_start_ms'.",
        ),
        (
            {"type": "input_audio_buffer.speech_started", "item_id": "i", "audio_start_ms": "12"},
            "input_audio_buffer.speech_started: Invalid type for 'audio_start_ms': expected an "
            "integer, but got a string instead.",
        ),
        (
            {"type": "conversation.item.added", "item": {"type": "message", "content": []}},
            "conversation.item.added: Missing required parameter: 'item.id'.",
        ),
        (
            {"type": "response.done", "response": {"status": "completed"}},
            "response.done: Missing required parameter: 'response.id'.",
        ),
        (
            {"type": "response.created", "response": {"id": 7, "status": "in_progress"}},
            "response.created: Invalid type for 'response.id': expected a string, but got an "
            "integer instead.",
        ),
        (
            {"type": "rate_limits.updated", "rate_limits": [{"name": "tokens"}]},
            "rate_limits.updated: Missing required parameter: 'rate_limits[0].limit'.",
        ),
        (
            {"type": "response.output_audio.delta", **REF},
            "response.output_audio.delta: Missing required parameter: 'delta'.",
        ),
        (
            {"type": "response.output_audio.delta", **REF, "delta": "abc"},
            "response.output_audio.delta: Invalid 'delta': expected base64.",
        ),
        (
            {"type": "response.output_audio.delta", **REF, "delta": "AAAA\n"},
            "response.output_audio.delta: Invalid 'delta': expected base64.",
        ),
        (
            {
                "type": "conversation.item.retrieved",
                "item": {"id": 5, "type": "message", "role": "user", "content": []},
            },
            "conversation.item.retrieved: Invalid type for 'item.id': expected a string, but got "
            "an integer instead.",
        ),
        (
            {"type": "response.output_audio.delta", **REF, "output_index": True, "delta": ""},
            "response.output_audio.delta: Invalid type for 'output_index': expected an integer, "
            "but got a boolean instead.",
        ),
        (
            {"type": "response.content_part.added", **REF, "part": None},
            "response.content_part.added: Invalid type for 'part': expected an object, but got "
            "null instead.",
        ),
    ],
)
def test_a_known_type_with_malformed_fields_is_a_decode_error(
    obj: dict[str, Any], reason: str
) -> None:
    frame = json.dumps(obj)
    assert decode(frame) == [DecodeError(reason=reason, text=frame, event_type=obj["type"])]


# ---------------------------------------------------------------------------------------------
# Hot path and tolerance


@pytest.mark.parametrize("name", ["response.output_audio.delta", "response.audio.delta"])
def test_audio_delta_bytes_are_decoded(name: str) -> None:
    audio = bytes(range(256)) * 16
    event = one({"type": name, **REF, "delta": base64.b64encode(audio).decode()})
    assert event == AudioDelta(**REF, audio=audio)


def test_extra_fields_are_ignored() -> None:
    event = one({"type": "response.output_text.delta", **REF, "delta": "Hi", "obfuscation": "zq81"})
    assert event == TextDelta(**REF, delta="Hi")
    item = {
        "id": "item_1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "f",
        "arguments": "{}",
        "future_field": {"x": 1},
    }
    assert one({"type": "conversation.item.done", "item": item, "brand_new": 1}) == ItemDone(
        item=FunctionCallItem(call_id="call_1", name="f", arguments="{}", id="item_1")
    )


@pytest.mark.parametrize(
    ("wire", "part"),
    [
        ({"type": "text", "text": "a"}, OutputText(text="a")),
        ({"type": "output_text", "text": "a"}, OutputText(text="a")),
        ({"type": "audio", "transcript": "b"}, OutputAudio(transcript="b")),
        ({"type": "output_audio", "transcript": "b"}, OutputAudio(transcript="b")),
    ],
)
def test_both_content_spellings_are_accepted_in_both_places(
    wire: dict[str, Any], part: OutputText | OutputAudio
) -> None:
    assert one({"type": "response.content_part.added", **REF, "part": wire}) == ContentPartAdded(
        **REF, part=part
    )
    item = {"id": "item_1", "type": "message", "role": "assistant", "content": [wire]}
    assert one({"type": "conversation.item.added", "item": item}) == ItemAdded(
        item=MessageItem(role="assistant", content=(part,), id="item_1")
    )


def test_retrieved_items_carry_audio_bytes_and_images() -> None:
    item = {
        "id": "item_1",
        "object": "realtime.item",
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [
            {
                "type": "input_audio",
                "audio": base64.b64encode(b"\x01\x02").decode(),
                "transcript": None,
            },
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
        ],
    }
    assert one({"type": "conversation.item.retrieved", "item": item}) == ItemRetrieved(
        item=MessageItem(
            role="user",
            content=(
                InputAudio(audio=b"\x01\x02"),
                InputImage(image_url="data:image/png;base64,AAAA", detail="low"),
            ),
            id="item_1",
            status="completed",
        )
    )


def test_an_item_of_an_unknown_type_is_kept_raw() -> None:
    raw = {"id": "item_m", "type": "mcp_call", "status": "completed", "server_label": "deepwiki"}
    assert one({"type": "conversation.item.added", "item": raw}) == ItemAdded(
        item=OtherItem(item_type="mcp_call", raw=raw, id="item_m", status="completed")
    )


# ---------------------------------------------------------------------------------------------
# Sessions (§3, §11.3)


def test_ga_session_formats_voice_and_nullable_fields() -> None:
    session = {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_1",
        "audio": {
            "input": {
                "format": {"type": "audio/pcmu"},
                "noise_reduction": {"type": "far_field", "strength": 0.7},
                "turn_detection": None,
            },
            "output": {"format": {"type": "audio/pcma"}, "voice": {"id": "voice_1234"}},
        },
        "tools": [{"type": "mcp", "server_label": "wiki", "server_url": "https://x"}],
        "tool_choice": {"type": "mcp", "server_label": "wiki", "name": "search"},
        "include": ["item.input_audio_transcription.logprobs"],
        "truncation": {"type": "retention_ratio", "retention_ratio": 0.5},
    }
    event = one({"type": "session.updated", "session": session})
    assert event == SessionUpdated(
        session_id="sess_1",
        session=SessionConfig(
            input_format="g711_ulaw",
            output_format="g711_alaw",
            voice="voice_1234",
            noise_reduction=NoiseReduction(type="far_field", strength=0.7),
            turn_detection=None,  # null: manual turns
            transcription=UNSET,  # absent: not reported
            tools=(OtherTool(raw=session["tools"][0]),),
            tool_choice=None,
            extra={
                "tool_choice": {"type": "mcp", "server_label": "wiki", "name": "search"},
                "include": ["item.input_audio_transcription.logprobs"],
                "truncation": {"type": "retention_ratio", "retention_ratio": 0.5},
            },
        ),
    )


def test_ga_session_semantic_vad_and_function_tool_choice() -> None:
    session = {
        "type": "realtime",
        "audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "high"}}},
        "tools": [{"type": "function", "name": "f"}],
        "tool_choice": {"type": "function", "name": "f"},
    }
    event = one({"type": "session.created", "session": session})
    assert isinstance(event, SessionCreated)
    assert event.session.turn_detection == SemanticVad(eagerness="high")
    assert event.session.tools == (FunctionTool(name="f"),)
    assert event.session.tool_choice == ToolChoiceFunction(name="f")


@pytest.mark.parametrize(
    ("modalities", "expected"),
    [(["text", "audio"], ("audio",)), (["audio", "text"], ("audio",)), (["text"], ("text",))],
)
def test_beta_modalities_follow_ga_meaning(
    modalities: list[str], expected: tuple[str, ...]
) -> None:
    event = one({"type": "session.updated", "session": {"modalities": modalities}}, "beta")
    assert isinstance(event, SessionUpdated)
    assert event.session.output_modalities == expected


def test_beta_flat_session_maps_like_the_nested_one() -> None:
    session = {
        "input_audio_format": "g711_alaw",
        "output_audio_format": "g711_ulaw",
        "voice": "ash",
        "input_audio_noise_reduction": {"type": "near_field"},
        "turn_detection": None,
        "max_response_output_tokens": 512,
        "temperature": 0.9,
    }
    event = one({"type": "session.created", "session": session})  # shape, not dialect, decides
    assert isinstance(event, SessionCreated)
    assert event.session == SessionConfig(
        input_format="g711_alaw",
        output_format="g711_ulaw",
        voice="ash",
        noise_reduction=NoiseReduction(type="near_field"),
        turn_detection=None,
        max_output_tokens=512,
        temperature=0.9,
    )


def test_beta_transcription_session_events() -> None:
    session = {
        "id": "sess_t",
        "object": "realtime.transcription_session",
        "input_audio_format": "pcm16",
    }
    created = one({"type": "transcription_session.created", "session": session}, "beta")
    assert created == SessionCreated(
        session=SessionConfig(type="transcription", input_format="pcm16"), session_id="sess_t"
    )
    updated = one({"type": "transcription_session.updated", "session": session})
    assert isinstance(updated, SessionUpdated)
    assert updated.session.type == "transcription"


# ---------------------------------------------------------------------------------------------
# Beta item lifecycle (§11.2)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("in_progress", ["ItemAdded"]),
        ("completed", ["ItemAdded", "ItemDone"]),
        ("incomplete", ["ItemAdded", "ItemDone"]),
        (None, ["ItemAdded", "ItemDone"]),
    ],
)
def test_beta_item_created_is_done_unless_in_progress(
    status: str | None, expected: list[str]
) -> None:
    item: dict[str, Any] = {
        "id": "item_1",
        "type": "function_call_output",
        "call_id": "c",
        "output": "1",
    }
    if status:
        item["status"] = status
    events = decode(
        {"type": "conversation.item.created", "previous_item_id": "item_0", "item": item}
    )
    assert [type(e).__name__ for e in events] == expected
    assert all(getattr(e, "previous_item_id", None) == "item_0" for e in events)


# ---------------------------------------------------------------------------------------------
# The remaining GA events (§6.2-§6.6)


def test_input_buffer_and_output_buffer_events() -> None:
    assert one(
        {
            "type": "input_audio_buffer.timeout_triggered",
            "audio_start_ms": 1000,
            "audio_end_ms": 7000,
            "item_id": "item_1",
        }
    ) == InputAudioTimeoutTriggered(audio_start_ms=1000, audio_end_ms=7000, item_id="item_1")
    assert one(
        {"type": "input_audio_buffer.dtmf_event_received", "event": "#", "received_at": 1763731207}
    ) == DtmfReceived(key="#", received_at=1763731207.0)
    assert one({"type": "output_audio_buffer.started", "response_id": "r"}) == (
        OutputAudioBufferStarted(response_id="r")
    )
    assert one({"type": "output_audio_buffer.stopped", "response_id": "r"}) == (
        OutputAudioBufferStopped(response_id="r")
    )
    assert one({"type": "conversation.item.deleted", "item_id": "item_1"}) == ItemDeleted(
        item_id="item_1"
    )


def test_transcription_segment_and_failure() -> None:
    assert one(
        {
            "type": "conversation.item.input_audio_transcription.segment",
            "item_id": "item_1",
            "content_index": 0,
            "id": "seg_1",
            "text": "hello",
            "speaker": "A",
            "start": 0.5,
            "end": 1,
        }
    ) == InputTranscriptionSegment(
        item_id="item_1", segment_id="seg_1", text="hello", speaker="A", start=0.5, end=1.0
    )
    frame = server_frames("8_errors")[-1]
    assert OpenAICodec().decode(frame.text) == [
        InputTranscriptionFailed(
            item_id="item_CTnFb2Tr3Ff4Ll5Ee6Dd7",
            error=ErrorInfo(
                type="transcription_error",
                code="audio_unintelligible",
                message="Audio could not be transcribed.",
            ),
        )
    ]


def test_duration_transcription_usage() -> None:
    [event] = decode(
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "item_id": "item_1",
            "content_index": 0,
            "transcript": "hi",
            "usage": {"type": "duration", "seconds": 2.5},
        }
    )
    assert getattr(event, "usage", None) == TranscriptionUsage(type="duration", seconds=2.5)


@pytest.mark.parametrize("status", ["in_progress", "completed", "failed"])
def test_mcp_events(status: str) -> None:
    assert one({"type": f"mcp_list_tools.{status}", "item_id": "item_m"}) == McpListToolsStatus(
        item_id="item_m",
        status=status,  # type: ignore[arg-type]
    )
    assert one(
        {"type": f"response.mcp_call.{status}", "item_id": "item_m", "output_index": 1}
    ) == McpCallStatus(item_id="item_m", output_index=1, status=status)  # type: ignore[arg-type]


def test_mcp_call_arguments() -> None:
    ref = {"response_id": "r", "item_id": "item_m", "output_index": 0}
    assert one(
        {"type": "response.mcp_call_arguments.delta", **ref, "delta": "{", "obfuscation": "q"}
    ) == McpCallArgumentsDelta(**ref, delta="{")
    assert one(
        {"type": "response.mcp_call_arguments.done", **ref, "arguments": "{}"}
    ) == McpCallArgumentsDone(**ref, arguments="{}")


# ---------------------------------------------------------------------------------------------
# §8: every error the server can send


def test_every_error_of_the_catalogue_decodes_field_for_field() -> None:
    frames = [f for f in server_frames("8_errors") if f.obj["type"] == "error"]
    assert len(frames) == 20
    for frame in frames:
        wire = frame.obj["error"]
        assert OpenAICodec().decode(frame.text) == [
            ErrorEvent(
                error=ErrorInfo(
                    type=wire["type"],
                    code=wire["code"],
                    message=wire["message"],
                    param=wire["param"],
                    event_id=wire["event_id"],
                )
            )
        ], frame.text
    codes = {f.obj["error"]["code"] for f in frames}
    assert codes >= {
        "invalid_api_key",
        "invalid_model",
        "missing_model",
        "beta_api_shape_disabled",
        "invalid_value",
        "invalid_event",
        "invalid_json",
        "unknown_parameter",
        "missing_required_parameter",
        "integer_below_min_value",
        "conversation_already_has_active_response",
        "response_cancel_not_active",
        "input_audio_buffer_commit_empty",
        "unsupported_content_type",
        "session_expired",
        None,
    }


def test_a_failed_response_carries_its_error() -> None:
    frame = next(f for f in server_frames("8_errors") if f.obj["type"] == "response.done")
    [event] = OpenAICodec().decode(frame.text)
    assert isinstance(event, ResponseDone)
    assert event.response.status == "failed"
    assert event.response.status_details == StatusDetails(
        type="failed",
        error=ErrorInfo(
            type="server_error",
            code="internal_error",
            message="The model failed to generate a response.",
        ),
    )


def test_an_error_without_details_still_decodes() -> None:
    assert one({"type": "error", "error": {"message": "boom"}}) == ErrorEvent(
        error=ErrorInfo(type="", message="boom")
    )
