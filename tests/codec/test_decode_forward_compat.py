"""Where the server may grow, the decoder keeps what it cannot read raw and the event flows.

Literal frames of a server newer than rtvoice: an unknown response status, item role, part
type, turn detection or noise reduction type; a usage count or metadata of another shape.
Each decodes to its event (never a ``DecodeError``), with the unknown value kept where a user
can read it; only a missing id is still an error.
"""

from __future__ import annotations

import json
from typing import Any

from rtvoice.model.events import (
    ContentPartAdded,
    DecodeError,
    ItemAdded,
    ItemDone,
    ModelEvent,
    ResponseDone,
    SessionUpdated,
    Usage,
)
from rtvoice.model.items import MessageItem, OtherItem, OtherPart, OutputText
from rtvoice.model.openai import OpenAICodec
from rtvoice.model.session_config import UNSET, ServerVad


def decode(obj: dict[str, Any]) -> list[ModelEvent]:
    return OpenAICodec().decode(json.dumps(obj))


def one(obj: dict[str, Any]) -> ModelEvent:
    [event] = decode(obj)
    return event


MESSAGE = {"id": "item_1", "type": "message", "role": "assistant", "status": "completed"}
WHERE = {"response_id": "resp_1", "item_id": "item_1", "output_index": 0, "content_index": 0}


def test_a_response_with_a_new_status_and_other_shapes_still_ends() -> None:
    response = {
        "id": "resp_1",
        "status": "paused",
        "output": [
            {**MESSAGE, "content": [{"type": "output_text", "text": "hi"}]},
            {"type": "message"},  # no id: left out of output, kept in unread
        ],
        "usage": {"total_tokens": 5, "input_tokens": None, "output_tokens": "3"},
        "metadata": {"topic": {"nested": True}},
        "status_details": {"reason": 7},
    }
    event = one({"type": "response.done", "response": response})
    assert isinstance(event, ResponseDone)
    info = event.response
    assert (info.id, info.status) == ("resp_1", "paused")
    assert info.output == (
        MessageItem(
            role="assistant", content=(OutputText(text="hi"),), id="item_1", status="completed"
        ),
    )
    assert info.usage == Usage(total_tokens=5)
    assert (info.metadata, info.status_details) == (None, None)
    assert info.unread == {
        "response.output[1]": {"type": "message"},
        "response.usage.output_tokens": "3",
        "response.metadata": {"topic": {"nested": True}},
        "response.status_details": {"reason": 7},
    }


def test_a_response_without_an_id_is_still_an_error() -> None:
    [error] = decode({"type": "response.done", "response": {"status": "completed"}})
    assert isinstance(error, DecodeError)
    assert error.reason == "response.done: Missing required parameter: 'response.id'."


def test_a_new_part_type_or_an_unreadable_part_is_an_other_part() -> None:
    video = {"type": "output_video", "uri": "v://1"}
    empty = {"type": "output_text", "text": None}
    event = one({"type": "conversation.item.done", "item": {**MESSAGE, "content": [video, empty]}})
    assert isinstance(event, ItemDone)
    assert isinstance(event.item, MessageItem)
    assert event.item.content == (
        OtherPart(part_type="output_video", raw=video),
        OtherPart(
            part_type="output_text",
            raw=empty,
            reason="Invalid type for 'item.content[1].text': expected a string, but got null "
            "instead.",
        ),
    )
    added = one({"type": "response.content_part.added", **WHERE, "part": video})
    assert isinstance(added, ContentPartAdded)
    assert added.part == OtherPart(part_type="output_video", raw=video)


def test_a_known_item_that_does_not_read_is_an_other_item_with_its_reason() -> None:
    item = {**MESSAGE, "role": "developer", "content": []}
    assert one({"type": "conversation.item.added", "item": item}) == ItemAdded(
        item=OtherItem(
            item_type="message",
            raw=item,
            id="item_1",
            status="completed",
            reason="Invalid value for 'item.role': 'developer'. Supported values are: "
            "'system', 'user', and 'assistant'.",
        )
    )


def test_a_new_item_status_is_kept_as_its_string() -> None:
    item = {**MESSAGE, "status": "redacted", "content": []}
    assert one({"type": "conversation.item.done", "item": item}) == ItemDone(
        item=MessageItem(role="assistant", id="item_1", status="redacted")
    )


def test_an_item_without_an_id_is_still_an_error() -> None:
    [error] = decode({"type": "conversation.item.done", "item": {"type": "message"}})
    assert isinstance(error, DecodeError)
    assert error.reason == "conversation.item.done: Missing required parameter: 'item.id'."


def test_a_session_updated_with_unknown_values_confirms_and_keeps_them() -> None:
    noise = {"type": "studio_field"}
    turns = {"type": "prosody_vad", "create_response": True}
    session = {
        "type": "realtime",
        "audio": {
            "input": {"noise_reduction": noise, "turn_detection": turns},
            "output": {"format": {"type": "audio/opus"}, "speed": "fast", "voice": "ash"},
        },
        "tool_choice": {"type": "web_search"},
    }
    event = one({"type": "session.updated", "session": session})
    assert isinstance(event, SessionUpdated)
    config = event.session
    assert (config.noise_reduction, config.turn_detection) == (UNSET, UNSET)
    assert (config.output_format, config.speed, config.tool_choice) == (None, None, None)
    assert config.voice == "ash"
    assert config.unread == {
        "session.audio.input.noise_reduction": noise,
        "session.audio.input.turn_detection": turns,
        "session.audio.output.format": {"type": "audio/opus"},
        "session.audio.output.speed": "fast",
        "session.tool_choice": {"type": "web_search"},
    }


def test_a_session_updated_that_reads_keeps_no_unread() -> None:
    vad = {"type": "server_vad", "threshold": 0.5}
    event = one(
        {"type": "session.updated", "session": {"type": "realtime", "audio": {"input": {
            "turn_detection": vad}}}}
    )  # fmt: skip
    assert isinstance(event, SessionUpdated)
    assert event.session.turn_detection == ServerVad(threshold=0.5)
    assert event.session.unread is None


def test_a_session_updated_whose_session_is_not_an_object_still_confirms() -> None:
    event = one({"type": "session.updated", "session": None})
    assert isinstance(event, SessionUpdated)
    assert event.session.unread == {"session": None}
