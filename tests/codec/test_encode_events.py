"""OpenAIServerCodec.encode: model events -> the frames a server sends (PROTOCOL.md §6, §7)."""

from __future__ import annotations

import json
import re
from typing import Any

from rtvoice.model.events import (
    AudioDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    DecodeError,
    DtmfReceived,
    ErrorEvent,
    ErrorInfo,
    ItemAdded,
    ItemDone,
    ModelEvent,
    ResponseDone,
    ResponseInfo,
    SessionCreated,
    TextDelta,
    UnknownEvent,
    Usage,
)
from rtvoice.model.items import InputAudio, MessageItem, OutputAudio
from rtvoice.model.openai.server import OpenAIServerCodec
from rtvoice.model.session_config import SessionConfig

REF: dict[str, Any] = {
    "response_id": "resp_1",
    "item_id": "item_1",
    "output_index": 0,
    "content_index": 0,
}


def frames(event: ModelEvent, dialect: str = "ga") -> list[Any]:
    ids = iter(f"event_{n:021d}" for n in range(1, 100))
    codec = OpenAIServerCodec(dialect, event_ids=lambda: next(ids))  # type: ignore[arg-type]
    return [json.loads(text) for text in codec.encode(event)]


def test_error_event_writes_unset_fields_as_null() -> None:
    assert frames(ErrorEvent(error=ErrorInfo(type="invalid_request_error", message="m"))) == [
        {
            "type": "error",
            "event_id": "event_000000000000000000001",
            "error": {
                "type": "invalid_request_error",
                "code": None,
                "message": "m",
                "param": None,
                "event_id": None,
            },
        }
    ]


def test_ga_item_lifecycle_and_user_audio_shape() -> None:
    user = MessageItem(role="user", content=(InputAudio(),), id="item_u", status="completed")
    assert frames(ItemAdded(item=user)) == [
        {
            "type": "conversation.item.added",
            "event_id": "event_000000000000000000001",
            "previous_item_id": None,
            "item": {
                "id": "item_u",
                "type": "message",
                "status": "completed",
                "role": "user",
                "content": [{"type": "input_audio", "transcript": None}],  # as captured (§5)
            },
        }
    ]
    assert (
        frames(ItemDone(item=user, previous_item_id="item_0"))[0]["type"]
        == "conversation.item.done"
    )


def test_beta_announces_an_item_once() -> None:
    item = MessageItem(role="assistant", id="item_a", status="in_progress")
    [created] = frames(ItemAdded(item=item, previous_item_id="item_u"), "beta")
    assert created["type"] == "conversation.item.created"
    assert created["item"] == {
        "id": "item_a",
        "object": "realtime.item",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    assert frames(ItemDone(item=item), "beta") == []


def test_content_parts_say_audio_while_items_say_output_audio() -> None:
    [part] = frames(ContentPartAdded(**REF, part=OutputAudio(transcript="")))
    assert part["part"] == {"type": "audio", "transcript": ""}
    item = MessageItem(role="assistant", content=(OutputAudio(transcript="hi"),), id="item_1")
    assert frames(ItemDone(item=item))[0]["item"]["content"] == [
        {"type": "output_audio", "transcript": "hi"}
    ]
    assert frames(ItemAdded(item=item), "beta")[0]["item"]["content"] == [
        {"type": "audio", "transcript": "hi"}
    ]


def test_streaming_names_per_dialect() -> None:
    assert frames(TextDelta(**REF, delta="x"))[0]["type"] == "response.output_text.delta"
    assert frames(TextDelta(**REF, delta="x"), "beta")[0]["type"] == "response.text.delta"
    done = AudioTranscriptDone(**REF, transcript="t")
    assert frames(done)[0]["type"] == "response.output_audio_transcript.done"
    assert frames(done, "beta")[0]["type"] == "response.audio_transcript.done"
    delta = AudioDelta(**REF, audio=b"\xff\x00")
    assert frames(delta)[0] == {
        "type": "response.output_audio.delta",
        "event_id": "event_000000000000000000001",
        **REF,
        "delta": "/wA=",
    }
    assert frames(delta, "beta")[0]["type"] == "response.audio.delta"


def test_response_object_shapes() -> None:
    info = ResponseInfo(
        id="resp_1",
        status="completed",
        conversation_id=None,
        output_modalities=("audio",),
        voice="voice_1",
        usage=Usage(total_tokens=3, input_tokens=2, output_tokens=1, input_image_tokens=0),
    )
    [ga] = frames(ResponseDone(response=info))
    assert ga["response"] == {
        "object": "realtime.response",
        "id": "resp_1",
        "status": "completed",
        "status_details": None,
        "output": [],
        "conversation_id": None,
        "output_modalities": ["audio"],
        "audio": {"output": {"voice": {"id": "voice_1"}}},
        "usage": {
            "total_tokens": 3,
            "input_tokens": 2,
            "output_tokens": 1,
            "input_token_details": {
                "text_tokens": 0,
                "audio_tokens": 0,
                "cached_tokens": 0,
                "image_tokens": 0,
                "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
            },
            "output_token_details": {"text_tokens": 0, "audio_tokens": 0},
        },
        "metadata": None,
    }
    [beta] = frames(ResponseDone(response=info), "beta")
    assert beta["response"]["modalities"] == ["text", "audio"]
    assert beta["response"]["voice"] == "voice_1"
    assert beta["response"]["usage"]["input_token_details"] == {
        "text_tokens": 0,
        "audio_tokens": 0,
        "cached_tokens": 0,
    }


def test_sessions_per_dialect() -> None:
    created = SessionCreated(
        session=SessionConfig(type="transcription", input_format="pcm16"),
        session_id="sess_1",
        expires_at=1763734807,
    )
    assert frames(created)[0]["session"] == {
        "type": "transcription",
        "object": "realtime.transcription_session",
        "id": "sess_1",
        "expires_at": 1763734807,
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}},
    }
    [beta] = frames(created, "beta")
    assert beta["type"] == "transcription_session.created"
    assert beta["session"] == {
        "object": "realtime.transcription_session",
        "id": "sess_1",
        "expires_at": 1763734807,
        "input_audio_format": "pcm16",
    }


def test_non_server_events() -> None:
    raw = {"type": "future.event", "event_id": "event_x", "n": [1]}
    assert frames(UnknownEvent(event_type="future.event", raw=raw)) == [raw]
    assert frames(DecodeError(reason="r", text="t")) == []
    # §6.3: dtmf_event_received has no event_id.
    assert frames(DtmfReceived(key="5", received_at=1763731207.25)) == [
        {
            "type": "input_audio_buffer.dtmf_event_received",
            "event": "5",
            "received_at": 1763731207.25,
        }
    ]


def test_default_event_ids_look_like_the_servers_and_never_repeat() -> None:
    codec = OpenAIServerCodec()
    ids = [
        json.loads(codec.encode(TextDelta(**REF, delta="x"))[0])["event_id"] for _ in range(3000)
    ]
    assert all(re.fullmatch(r"event_[A-Za-z0-9]{21}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    other = json.loads(OpenAIServerCodec().encode(TextDelta(**REF, delta="x"))[0])["event_id"]
    assert other not in ids
