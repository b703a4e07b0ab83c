"""OpenAIServerCodec.decode: client frames validated as strictly as the GA server
(PROTOCOL.md §2, §4, §8, §12 point 2), with the server's codes, params and wording."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rtvoice.model.commands import ClearOutputAudio, CreateItem, UpdateSession
from rtvoice.model.items import OtherItem
from rtvoice.model.openai.server import ClientEventError, OpenAIServerCodec
from rtvoice.model.session_config import SessionConfig

GA_TYPES = (
    "'session.update', 'input_audio_buffer.append', 'input_audio_buffer.commit', "
    "'input_audio_buffer.clear', 'conversation.item.create', 'conversation.item.truncate', "
    "'conversation.item.delete', 'conversation.item.retrieve', 'response.create', and "
    "'response.cancel'"
)


def reject(frame: dict[str, Any] | str, **codec: Any) -> ClientEventError:
    text = frame if isinstance(frame, str) else json.dumps(frame)
    result = OpenAIServerCodec(**codec).decode(text)
    assert isinstance(result, ClientEventError), result
    return result


def test_not_json_is_invalid_json() -> None:
    error = reject("{nope")
    assert error.code == "invalid_json"
    assert error.message.startswith("Invalid event: failed to parse JSON value.")
    assert (error.param, error.event_id, error.error_type) == (None, None, "invalid_request_error")


@pytest.mark.parametrize("frame", ["[]", "42", '"session.update"', "null"])
def test_json_that_is_not_an_object_is_invalid_event(frame: str) -> None:
    assert reject(frame).code == "invalid_event"


def test_missing_type_is_invalid_event_and_still_echoes_event_id() -> None:
    assert reject({"event_id": "evt_9"}) == ClientEventError(
        code="invalid_event", message="The 'type' field is missing.", event_id="evt_9"
    )


def test_unknown_type_lists_the_supported_values() -> None:
    assert reject({"type": "nope", "event_id": "evt_1"}) == ClientEventError(
        code="invalid_value",
        message=f"Invalid value: 'nope'. Supported values are: {GA_TYPES}.",
        param="type",
        event_id="evt_1",
    )


def test_transcription_session_update_is_rejected_in_ga() -> None:
    error = reject({"type": "transcription_session.update", "session": {}})
    assert (error.code, error.param) == ("invalid_value", "type")


def test_output_audio_buffer_clear_needs_a_webrtc_or_sip_session() -> None:
    assert reject({"type": "output_audio_buffer.clear"}).code == "invalid_value"
    frame = json.dumps({"type": "output_audio_buffer.clear", "event_id": "e"})
    assert OpenAIServerCodec(webrtc=True).decode(frame) == ClearOutputAudio(event_id="e")
    assert OpenAIServerCodec(webrtc=True).supported_client_types[-1] == "output_audio_buffer.clear"


def test_a_non_string_type_is_invalid_type() -> None:
    error = reject({"type": 3})
    assert (error.code, error.param) == ("invalid_type", "type")
    assert (
        error.message == "Invalid type for 'type': expected a string, but got an integer instead."
    )


@pytest.mark.parametrize(
    ("frame", "param"),
    [
        (
            {"type": "session.update", "session": {"type": "realtime", "bogus_field": 1}},
            "session.bogus_field",
        ),
        (
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"format": {"type": "audio/pcm", "bogus": 1}}},
                },
            },
            "session.audio.input.format.bogus",
        ),
        (
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "x", "bogus": 1}],
                },
            },
            "item.content[0].bogus",
        ),
        ({"type": "input_audio_buffer.commit", "audio": "AAAA"}, "audio"),
        (
            {
                "type": "session.update",
                "session": {"type": "realtime", "input_audio_format": "pcm16"},
            },
            "session.input_audio_format",  # a beta field sent to GA (§8)
        ),
        (
            {"type": "session.update", "session": {"type": "transcription", "instructions": "x"}},
            "session.instructions",
        ),
        (
            {"type": "response.create", "response": {"modalities": ["text"]}},
            "response.modalities",
        ),
        (
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"output": {"voice": {"id": "v", "x": 1}}},
                },
            },
            "session.audio.output.voice.x",
        ),
    ],
)
def test_unknown_fields_are_unknown_parameter_with_the_dotted_path(
    frame: dict[str, Any], param: str
) -> None:
    error = reject({**frame, "event_id": "evt_u"})
    assert error == ClientEventError(
        code="unknown_parameter",
        message=f"Unknown parameter: '{param}'.",
        param=param,
        event_id="evt_u",
    )


@pytest.mark.parametrize(
    ("frame", "param"),
    [
        ({"type": "session.update", "session": {"instructions": "hi"}}, "session.type"),
        ({"type": "session.update"}, "session"),
        (
            {
                "type": "session.update",
                "session": {"type": "realtime", "tool_choice": {"type": "function"}},
            },
            "session.tool_choice.name",
        ),
        ({"type": "input_audio_buffer.append"}, "audio"),
        ({"type": "conversation.item.create"}, "item"),
        ({"type": "conversation.item.create", "item": {"role": "user"}}, "item.type"),
        (
            {"type": "conversation.item.create", "item": {"type": "message", "content": []}},
            "item.role",
        ),
        (
            {
                "type": "conversation.item.create",
                "item": {"type": "function_call_output", "call_id": "c"},
            },
            "item.output",
        ),
        (
            {"type": "conversation.item.truncate", "item_id": "i", "content_index": 0},
            "audio_end_ms",
        ),
        ({"type": "conversation.item.retrieve"}, "item_id"),
        (
            {"type": "response.create", "response": {"input": [{"type": "item_reference"}]}},
            "response.input[0].id",
        ),
        (
            {
                "type": "session.update",
                "session": {"type": "realtime", "audio": {"input": {"turn_detection": {}}}},
            },
            "session.audio.input.turn_detection.type",
        ),
    ],
)
def test_missing_fields_are_missing_required_parameter(frame: dict[str, Any], param: str) -> None:
    error = reject(frame)
    assert error == ClientEventError(
        code="missing_required_parameter",
        message=f"Missing required parameter: '{param}'.",
        param=param,
    )


def test_rate_16000_is_integer_below_min_value() -> None:
    frame = {
        "type": "session.update",
        "event_id": "evt_r",
        "session": {
            "type": "realtime",
            "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
        },
    }
    assert reject(frame) == ClientEventError(
        code="integer_below_min_value",
        message=(
            "Invalid 'session.audio.input.format.rate': integer below minimum value. "
            "Expected a value >= 24000, but got 16000 instead."
        ),
        param="session.audio.input.format.rate",
        event_id="evt_r",
    )


@pytest.mark.parametrize(
    ("frame", "code", "param"),
    [
        (
            {"type": "session.update", "session": {"type": "realtime", "max_output_tokens": 5000}},
            "integer_above_max_value",
            "session.max_output_tokens",
        ),
        (
            {
                "type": "session.update",
                "session": {"type": "realtime", "audio": {"output": {"speed": 0.1}}},
            },
            "decimal_below_min_value",
            "session.audio.output.speed",
        ),
        (
            {
                "type": "conversation.item.truncate",
                "item_id": "i",
                "content_index": 0,
                "audio_end_ms": -1,
            },
            "integer_below_min_value",
            "audio_end_ms",
        ),
        (
            {"type": "session.update", "session": {"type": "realtime", "instructions": 5}},
            "invalid_type",
            "session.instructions",
        ),
        (
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {
                        "input": {"turn_detection": {"type": "server_vad", "threshold": "high"}}
                    },
                },
            },
            "invalid_type",
            "session.audio.input.turn_detection.threshold",
        ),
        (
            {"type": "session.update", "session": {"type": "realtime", "tools": {}}},
            "invalid_type",
            "session.tools",
        ),
        (
            {
                "type": "conversation.item.truncate",
                "item_id": "i",
                "content_index": 0,
                "audio_end_ms": 1.5,
            },
            "invalid_type",
            "audio_end_ms",
        ),
        ({"type": "session.update", "session": {"type": "nope"}}, "invalid_value", "session.type"),
        (
            {
                "type": "session.update",
                "session": {"type": "realtime", "output_modalities": ["video"]},
            },
            "invalid_value",
            "session.output_modalities[0]",
        ),
        (
            {"type": "session.update", "session": {"type": "realtime", "tool_choice": "sometimes"}},
            "invalid_value",
            "session.tool_choice",
        ),
        (
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"format": {"type": "audio/opus"}}},
                },
            },
            "invalid_value",
            "session.audio.input.format.type",
        ),
        (
            {
                "type": "session.update",
                "session": {"type": "realtime", "tools": [{"type": "code"}]},
            },
            "invalid_value",
            "session.tools[0].type",
        ),
        (
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "output_text", "text": "x"}],
                },
            },
            "invalid_value",
            "item.content[0].type",
        ),
        (
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "text", "text": "x"}],
                },
            },
            "invalid_value",
            "item.content[0].type",
        ),
        (
            {"type": "conversation.item.create", "item": {"type": "item_reference", "id": "i"}},
            "invalid_value",
            "item.type",
        ),
        (
            {
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "robot", "content": []},
            },
            "invalid_value",
            "item.role",
        ),
        ({"type": "input_audio_buffer.append", "audio": "not base64!"}, "invalid_value", "audio"),
        (
            {"type": "response.create", "response": {"metadata": {str(n): "v" for n in range(17)}}},
            "object_above_max_properties",
            "response.metadata",
        ),
        (
            {"type": "response.create", "response": {"metadata": {"k": "v" * 513}}},
            "string_above_max_length",
            "response.metadata.k",
        ),
    ],
)
def test_wrong_values(frame: dict[str, Any], code: str, param: str) -> None:
    error = reject(frame)
    assert (error.code, error.param) == (code, param), error.message


def test_messages_read_like_the_server() -> None:
    assert (
        reject(
            {"type": "session.update", "session": {"type": "realtime", "tool_choice": "sometimes"}}
        ).message
        == "Invalid value: 'sometimes'. Supported values are: 'auto', 'none', and 'required'."
    )
    assert reject(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": 7}}},
        }
    ).message == (
        "Invalid type for 'session.audio.output.voice': expected one of a string or an object, "
        "but got an integer instead."
    )


def test_event_id_is_echoed_only_when_it_is_a_string() -> None:
    assert reject({"type": "nope", "event_id": 12}).event_id is None
    error = reject({"type": "response.cancel", "event_id": 12})
    assert (error.code, error.param, error.event_id) == ("invalid_type", "event_id", None)


def test_ga_accepts_mcp_items_as_other_items() -> None:
    raw = {"type": "mcp_approval_response", "approval_request_id": "mcpr_1", "approve": True}
    frame = json.dumps({"type": "conversation.item.create", "item": raw})
    assert OpenAIServerCodec().decode(frame) == CreateItem(
        item=OtherItem(item_type="mcp_approval_response", raw=raw)
    )


def test_beta_server_rejects_session_type_and_accepts_the_flat_shape() -> None:
    error = reject({"type": "session.update", "session": {"type": "realtime"}}, dialect="beta")
    assert (error.code, error.param) == ("unknown_parameter", "session.type")  # §8
    frame = json.dumps({"type": "session.update", "session": {"voice": "ash", "temperature": 0.9}})
    assert OpenAIServerCodec("beta").decode(frame) == UpdateSession(
        session=SessionConfig(voice="ash", temperature=0.9)
    )
    error = reject({"type": "session.update", "session": {"temperature": 2.0}}, dialect="beta")
    assert (error.code, error.param) == ("decimal_above_max_value", "session.temperature")


def test_beta_server_takes_transcription_session_update() -> None:
    frame = json.dumps(
        {"type": "transcription_session.update", "session": {"input_audio_format": "g711_ulaw"}}
    )
    assert OpenAIServerCodec("beta").decode(frame) == UpdateSession(
        session=SessionConfig(type="transcription", input_format="g711_ulaw")
    )
    error = reject(
        {"type": "transcription_session.update", "session": {"voice": "ash"}}, dialect="beta"
    )
    assert (error.code, error.param) == ("unknown_parameter", "session.voice")


def test_deeply_nested_frames_do_not_crash_the_server() -> None:
    deep = '{"type":"session.update","session":' + "[" * 100_000 + "]" * 100_000 + "}"
    assert isinstance(OpenAIServerCodec().decode(deep), ClientEventError)
