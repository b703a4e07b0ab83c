"""OpenAICodec.encode: model commands -> client frames (PROTOCOL.md §4, beta §11.3-§11.4)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from rtvoice.model.commands import (
    AppendInputAudio,
    CancelResponse,
    ClearOutputAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    ModelCommand,
    ResponseParams,
    RetrieveItem,
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from rtvoice.model.items import (
    FunctionCallItem,
    InputAudio,
    InputImage,
    InputText,
    ItemReference,
    MessageItem,
    OtherItem,
    OutputAudio,
    OutputText,
)
from rtvoice.model.openai import OpenAICodec
from rtvoice.model.openai.server import OpenAIServerCodec
from rtvoice.model.session_config import (
    NoiseReduction,
    OtherTool,
    PromptConfig,
    SemanticVad,
    ServerVad,
    SessionConfig,
    ToolChoiceFunction,
    TracingConfig,
    Transcription,
)


def ga(command: ModelCommand) -> Any:
    return json.loads(OpenAICodec().encode(command))


def beta(command: ModelCommand) -> Any:
    return json.loads(OpenAICodec("beta").encode(command))


FULL = SessionConfig(
    model="gpt-realtime",
    instructions="Be brief.",
    output_modalities=("audio",),
    input_format="g711_ulaw",
    output_format="g711_alaw",
    voice="voice_abc123",
    speed=1.2,
    transcription=Transcription(model="whisper-1", language="de", prompt="Namen"),
    noise_reduction=NoiseReduction(type="near_field", strength=0.5),
    turn_detection=ServerVad(threshold=0.6, silence_duration_ms=500, idle_timeout_ms=6000),
    tools=(OtherTool(raw={"type": "mcp", "server_label": "wiki", "require_approval": "never"}),),
    tool_choice=ToolChoiceFunction(name="lookup"),
    max_output_tokens=1024,
    tracing=TracingConfig(workflow_name="support", metadata={"tier": "gold"}),
    prompt=PromptConfig(id="pmpt_1", version="3", variables={"name": "Ada"}),
    temperature=0.7,
    extra={"truncation": "disabled", "include": ["item.input_audio_transcription.logprobs"]},
)


def test_ga_session_update_is_nested_and_drops_temperature() -> None:
    assert ga(UpdateSession(session=FULL, event_id="evt_1")) == {
        "type": "session.update",
        "event_id": "evt_1",
        "session": {
            "type": "realtime",
            "model": "gpt-realtime",
            "instructions": "Be brief.",
            "output_modalities": ["audio"],
            "audio": {
                "input": {
                    "format": {"type": "audio/pcmu"},
                    "noise_reduction": {"type": "near_field", "strength": 0.5},
                    "transcription": {"model": "whisper-1", "language": "de", "prompt": "Namen"},
                    "turn_detection": {
                        "type": "server_vad",
                        "threshold": 0.6,
                        "silence_duration_ms": 500,
                        "idle_timeout_ms": 6000,
                    },
                },
                "output": {
                    "format": {"type": "audio/pcma"},
                    "voice": {"id": "voice_abc123"},
                    "speed": 1.2,
                },
            },
            "tools": [{"type": "mcp", "server_label": "wiki", "require_approval": "never"}],
            "tool_choice": {"type": "function", "name": "lookup"},
            "max_output_tokens": 1024,
            "tracing": {"workflow_name": "support", "metadata": {"tier": "gold"}},
            "prompt": {"id": "pmpt_1", "version": "3", "variables": {"name": "Ada"}},
            "truncation": "disabled",
            "include": ["item.input_audio_transcription.logprobs"],
        },
    }


def test_beta_session_update_is_flat_without_type() -> None:
    session = beta(UpdateSession(session=FULL))["session"]
    assert "type" not in session  # a beta server rejects session.type (§8)
    assert session == {
        "model": "gpt-realtime",
        "instructions": "Be brief.",
        "modalities": ["text", "audio"],  # beta audio always came with text (§11.3)
        "voice": "voice_abc123",
        "input_audio_format": "g711_ulaw",
        "output_audio_format": "g711_alaw",
        "speed": 1.2,
        "input_audio_transcription": {"model": "whisper-1", "language": "de", "prompt": "Namen"},
        "input_audio_noise_reduction": {"type": "near_field", "strength": 0.5},
        "turn_detection": {
            "type": "server_vad",
            "threshold": 0.6,
            "silence_duration_ms": 500,
            "idle_timeout_ms": 6000,
        },
        "tools": [{"type": "mcp", "server_label": "wiki", "require_approval": "never"}],
        "tool_choice": {"type": "function", "name": "lookup"},
        "max_response_output_tokens": 1024,
        "tracing": {"workflow_name": "support", "metadata": {"tier": "gold"}},
        "prompt": {"id": "pmpt_1", "version": "3", "variables": {"name": "Ada"}},
        "temperature": 0.7,
        "truncation": "disabled",
        "include": ["item.input_audio_transcription.logprobs"],
    }


def test_none_means_null_for_nullable_fields_and_unset_leaves_them_out() -> None:
    off = SessionConfig(turn_detection=None, transcription=None, noise_reduction=None)
    assert ga(UpdateSession(session=off))["session"] == {
        "type": "realtime",
        "audio": {
            "input": {"noise_reduction": None, "transcription": None, "turn_detection": None}
        },
    }
    assert ga(UpdateSession(session=SessionConfig()))["session"] == {"type": "realtime"}
    assert beta(UpdateSession(session=off))["session"] == {
        "input_audio_transcription": None,
        "input_audio_noise_reduction": None,
        "turn_detection": None,
    }
    assert beta(UpdateSession(session=SessionConfig()))["session"] == {}


def test_text_modality_and_semantic_vad() -> None:
    cfg = SessionConfig(output_modalities=("text",), turn_detection=SemanticVad(eagerness="low"))
    assert ga(UpdateSession(session=cfg))["session"] == {
        "type": "realtime",
        "output_modalities": ["text"],
        "audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "low"}}},
    }
    assert beta(UpdateSession(session=cfg))["session"]["modalities"] == ["text"]


def test_transcription_sessions() -> None:
    cfg = SessionConfig(
        type="transcription",
        input_format="pcm16",
        transcription=Transcription(model="gpt-4o-transcribe"),
    )
    assert ga(UpdateSession(session=cfg)) == {
        "type": "session.update",
        "session": {
            "type": "transcription",
            "audio": {
                "input": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "transcription": {"model": "gpt-4o-transcribe"},
                }
            },
        },
    }
    assert beta(UpdateSession(session=cfg, event_id="e")) == {
        "type": "transcription_session.update",
        "event_id": "e",
        "session": {
            "input_audio_format": "pcm16",
            "input_audio_transcription": {"model": "gpt-4o-transcribe"},
        },
    }


def test_append_is_exact_and_event_id_only_when_set() -> None:
    audio = bytes(range(256)) * 19
    b64 = base64.b64encode(audio).decode()
    assert OpenAICodec().encode(AppendInputAudio(audio=audio)) == (
        '{"type":"input_audio_buffer.append","audio":"' + b64 + '"}'
    )
    assert ga(AppendInputAudio(audio=audio, event_id='say "hi"')) == {
        "type": "input_audio_buffer.append",
        "event_id": 'say "hi"',
        "audio": b64,
    }
    assert ga(AppendInputAudio(audio=b"")) == {"type": "input_audio_buffer.append", "audio": ""}


def test_items_in_ga_and_beta_shape() -> None:
    user = MessageItem(
        role="user",
        content=(
            InputText(text="look"),
            InputAudio(audio=b"\x00\x01"),
            InputImage(image_url="data:image/png;base64,iVBORw0KGgo=", detail="high"),
        ),
    )
    assistant = MessageItem(
        role="assistant",
        content=(OutputText(text="ok"), OutputAudio(transcript="ok")),
        id="item_9",
        status="completed",
    )
    system = MessageItem(role="system", content=(InputText(text="rules"),))
    assert ga(CreateItem(item=user, previous_item_id="root"))["item"] == {
        "type": "message",
        "role": "user",
        "content": [
            {"type": "input_text", "text": "look"},
            {"type": "input_audio", "audio": "AAE="},
            {
                "type": "input_image",
                "image_url": "data:image/png;base64,iVBORw0KGgo=",
                "detail": "high",
            },
        ],
    }
    assert ga(CreateItem(item=user, previous_item_id="root"))["previous_item_id"] == "root"
    assert ga(CreateItem(item=assistant))["item"] == {
        "id": "item_9",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [
            {"type": "output_text", "text": "ok"},
            {"type": "output_audio", "transcript": "ok"},
        ],
    }
    assert beta(CreateItem(item=assistant))["item"]["content"] == [
        {"type": "text", "text": "ok"},
        {"type": "audio", "transcript": "ok"},
    ]
    assert ga(CreateItem(item=system))["item"] == {
        "type": "message",
        "role": "system",
        "content": [{"type": "input_text", "text": "rules"}],
    }
    call = FunctionCallItem(call_id="call_1", name="f", arguments='{"a":1}')
    assert ga(CreateItem(item=call))["item"] == {
        "type": "function_call",
        "call_id": "call_1",
        "name": "f",
        "arguments": '{"a":1}',
    }
    raw = {"type": "mcp_approval_response", "approval_request_id": "mcpr_1", "approve": True}
    assert ga(CreateItem(item=OtherItem(item_type="mcp_approval_response", raw=raw)))["item"] == raw


def test_item_commands() -> None:
    assert ga(RetrieveItem(item_id="item_1")) == {
        "type": "conversation.item.retrieve",
        "item_id": "item_1",
    }
    assert ga(DeleteItem(item_id="item_1", event_id="e")) == {
        "type": "conversation.item.delete",
        "event_id": "e",
        "item_id": "item_1",
    }
    assert ga(TruncateItem(item_id="item_1", audio_end_ms=1500)) == {
        "type": "conversation.item.truncate",
        "item_id": "item_1",
        "content_index": 0,
        "audio_end_ms": 1500,
    }


PARAMS = ResponseParams(
    conversation="none",
    input=(
        ItemReference(id="item_1"),
        MessageItem(role="user", content=(InputText(text="Summarise."),)),
    ),
    instructions="One line.",
    output_modalities=("text",),
    voice="voice_xyz",
    output_format="g711_ulaw",
    tool_choice="none",
    max_output_tokens="inf",
    metadata={"purpose": "summary"},
)


def test_ga_response_create() -> None:
    assert ga(CreateResponse(response=PARAMS)) == {
        "type": "response.create",
        "response": {
            "conversation": "none",
            "input": [
                {"type": "item_reference", "id": "item_1"},
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Summarise."}],
                },
            ],
            "instructions": "One line.",
            "output_modalities": ["text"],
            "audio": {"output": {"voice": {"id": "voice_xyz"}, "format": {"type": "audio/pcmu"}}},
            "tool_choice": "none",
            "max_output_tokens": "inf",
            "metadata": {"purpose": "summary"},
        },
    }
    assert ga(CreateResponse()) == {"type": "response.create"}
    assert ga(CreateResponse(response=ResponseParams(input=()))) == {
        "type": "response.create",
        "response": {"input": []},
    }


def test_beta_response_create() -> None:
    assert beta(CreateResponse(response=PARAMS))["response"] == {
        "conversation": "none",
        "input": [
            {"type": "item_reference", "id": "item_1"},
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Summarise."}],
            },
        ],
        "instructions": "One line.",
        "modalities": ["text"],
        "voice": "voice_xyz",
        "output_audio_format": "g711_ulaw",
        "tool_choice": "none",
        "max_response_output_tokens": "inf",
        "metadata": {"purpose": "summary"},
    }


def test_cancel_and_output_buffer_clear() -> None:
    assert ga(CancelResponse()) == {"type": "response.cancel"}
    assert ga(CancelResponse(response_id="resp_1")) == {
        "type": "response.cancel",
        "response_id": "resp_1",
    }
    assert ga(ClearOutputAudio(event_id="e")) == {
        "type": "output_audio_buffer.clear",
        "event_id": "e",
    }


def test_send_raw_is_sent_as_given() -> None:
    event = {"type": "session.update", "session": {"type": "realtime", "future": [1, None]}}
    assert ga(SendRaw(event=event)) == event
    assert beta(SendRaw(event=event)) == event


def test_unserialisable_raw_raises() -> None:
    with pytest.raises(TypeError):
        OpenAICodec().encode(SendRaw(event={"type": "x", "v": object()}))
    with pytest.raises(ValueError, match="JSON"):
        OpenAICodec().encode(SendRaw(event={"type": "x", "v": float("nan")}))


def test_transcription_hints_and_delay_go_on_the_wire_and_the_sdk_accepts_them() -> None:
    pytest.importorskip("openai")
    from openai.types.realtime import RealtimeClientEvent
    from pydantic import TypeAdapter

    cfg = SessionConfig(
        transcription=Transcription(
            model="gpt-live-transcribe", languages=("en", "de"), keywords=("Anya", "rtvoice")
        )
    )
    frame = ga(UpdateSession(session=cfg))
    assert frame["session"]["audio"]["input"]["transcription"] == {
        "model": "gpt-live-transcribe",
        "languages": ["en", "de"],
        "keywords": ["Anya", "rtvoice"],
    }
    whisper = SessionConfig(transcription=Transcription(model="gpt-realtime-whisper", delay="low"))
    frames = [frame, ga(UpdateSession(session=whisper))]
    assert frames[1]["session"]["audio"]["input"]["transcription"]["delay"] == "low"
    for sent in frames:
        TypeAdapter(RealtimeClientEvent).validate_python(sent)
    # the server side (the simulator) reads them back
    decoded = OpenAIServerCodec().decode(json.dumps(frame))
    assert isinstance(decoded, UpdateSession)
    assert decoded.session.transcription == cfg.transcription
