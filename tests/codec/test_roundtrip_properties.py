"""Property tests of both codecs (hypothesis).

(a) ``OpenAICodec.decode`` and ``OpenAIServerCodec.decode`` never raise, whatever the text.
(b) Commands: server-decode(client-encode(cmd)) == cmd, for every command class (GA).
(c) Events: client-decode(server-encode(event)) == [event], for every event class (GA).
(d) The same in beta, for what the beta wire can express, with beta's item lifecycle.

The strategies, and every narrowing they make where the wire is lossy, are in
``strategies.py``.
"""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtvoice.model.commands import ModelCommand, SendRaw
from rtvoice.model.events import (
    DecodeError,
    ItemAdded,
    ItemDone,
    ModelEvent,
    OutputItemDone,
    SessionClosed,
    SessionUsageUpdated,
    UnknownEvent,
)
from rtvoice.model.openai import OpenAICodec
from rtvoice.model.openai.server import ClientEventError, OpenAIServerCodec

from .strategies import (
    BETA_ONLY_SERVER_TYPES,
    GA_SERVER_TYPES,
    commands,
    commands_by_class,
    events_by_class,
    json_values,
    texts,
)

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BROAD = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GA_COMMANDS = commands_by_class("ga")
BETA_COMMANDS = commands_by_class("beta")
GA_EVENTS = events_by_class("ga")
BETA_EVENTS = events_by_class("beta")


def test_there_is_a_strategy_for_every_command_and_event_class() -> None:
    assert set(GA_COMMANDS) | {SendRaw} == set(get_args(ModelCommand))
    # GPT-Live's session events have no Realtime frame (the Live codec's tests cover them)
    live_only = {SessionClosed, SessionUsageUpdated}
    assert set(GA_EVENTS) | {DecodeError} | live_only == set(get_args(ModelEvent))


# ---------------------------------------------------------------------------------------------
# (a) decoding never raises

_FIELDS = [
    "response_id", "item_id", "output_index", "content_index", "delta", "text", "transcript",
    "item", "response", "session", "part", "error", "rate_limits", "previous_item_id",
    "audio_start_ms", "audio_end_ms", "call_id", "name", "arguments", "usage", "conversation",
    "event", "received_at", "id", "speaker", "start", "end", "audio", "item_id", "event_id",
]  # fmt: skip
_NESTED_KEYS = [
    "type", "role", "content", "id", "status", "audio", "input", "output", "format", "rate",
    "voice", "turn_detection", "transcription", "tools", "tool_choice", "usage", "text",
    "input_token_details", "status_details", "output_modalities", "modalities", "name",
]  # fmt: skip
_NESTED_VALUES = st.sampled_from(
    ["realtime", "transcription", "message", "user", "assistant", "function_call", "audio",
     "text", "output_audio", "input_audio", "server_vad", "audio/pcm", "completed", "inf"]
)  # fmt: skip
plausible = st.recursive(
    json_values | _NESTED_VALUES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(_NESTED_KEYS), children, max_size=5)
    ),
    max_leaves=12,
)


@st.composite
def typed_frames(draw: st.DrawFn, types: tuple[str, ...]) -> str:
    obj: dict[str, Any] = draw(st.dictionaries(st.sampled_from(_FIELDS), plausible, max_size=6))
    obj["type"] = draw(st.sampled_from(types))
    return json.dumps(obj)


def _check_decoded(events: list[ModelEvent]) -> None:
    assert events
    for event in events:
        assert isinstance(event, get_args(ModelEvent))
        if isinstance(event, DecodeError):
            assert "unexpected decoder failure" not in event.reason, event.reason


@BROAD
@given(st.text())
def test_decode_never_raises_on_any_text(frame: str) -> None:
    _check_decoded(OpenAICodec().decode(frame))
    assert isinstance(
        OpenAIServerCodec().decode(frame), (ClientEventError, *get_args(ModelCommand))
    )


@BROAD
@given(json_values)
def test_decode_never_raises_on_any_json(value: Any) -> None:
    _check_decoded(OpenAICodec().decode(json.dumps(value)))


@BROAD
@given(typed_frames(GA_SERVER_TYPES + BETA_ONLY_SERVER_TYPES), st.sampled_from(["ga", "beta"]))
def test_decode_never_raises_on_known_types_with_random_fields(frame: str, dialect: str) -> None:
    _check_decoded(OpenAICodec(dialect).decode(frame))  # type: ignore[arg-type]


_CLIENT_TYPES = (
    "session.update", "transcription_session.update", "input_audio_buffer.append",
    "input_audio_buffer.commit", "input_audio_buffer.clear", "conversation.item.create",
    "conversation.item.retrieve", "conversation.item.truncate", "conversation.item.delete",
    "response.create", "response.cancel", "output_audio_buffer.clear",
)  # fmt: skip


@BROAD
@given(typed_frames(_CLIENT_TYPES), st.sampled_from(["ga", "beta"]))
def test_the_server_decoder_never_raises_either(frame: str, dialect: str) -> None:
    result = OpenAIServerCodec(dialect, webrtc=True).decode(frame)  # type: ignore[arg-type]
    if isinstance(result, ClientEventError):
        assert result.error_type == "invalid_request_error", result


def test_every_server_type_is_known_to_the_decoder() -> None:
    for event_type in GA_SERVER_TYPES + BETA_ONLY_SERVER_TYPES:
        events = OpenAICodec().decode(json.dumps({"type": event_type}))
        assert not any(isinstance(e, UnknownEvent) for e in events), event_type


# ---------------------------------------------------------------------------------------------
# (b) command round trips


@pytest.mark.parametrize("cls", list(GA_COMMANDS), ids=lambda cls: cls.__name__)
@FAST
@given(data=st.data())
def test_ga_commands_round_trip(cls: type[Any], data: st.DataObject) -> None:
    command = data.draw(GA_COMMANDS[cls])
    frame = OpenAICodec().encode(command)
    assert OpenAIServerCodec(webrtc=True).decode(frame) == command


@BROAD
@given(commands("ga"))
def test_send_raw_sends_the_event_unchanged(command: ModelCommand) -> None:
    event = json.loads(OpenAICodec().encode(command))
    frame = OpenAICodec().encode(SendRaw(event=event))
    assert json.loads(frame) == event
    assert OpenAIServerCodec(webrtc=True).decode(frame) == command


@pytest.mark.parametrize("cls", list(BETA_COMMANDS), ids=lambda cls: cls.__name__)
@FAST
@given(data=st.data())
def test_beta_commands_round_trip(cls: type[Any], data: st.DataObject) -> None:
    command = data.draw(BETA_COMMANDS[cls])
    frame = OpenAICodec("beta").encode(command)
    assert OpenAIServerCodec("beta", webrtc=True).decode(frame) == command


# ---------------------------------------------------------------------------------------------
# (c), (d) event round trips


def _through(event: ModelEvent, dialect: str) -> list[ModelEvent]:
    server = OpenAIServerCodec(dialect)  # type: ignore[arg-type]
    client = OpenAICodec(dialect)  # type: ignore[arg-type]
    return [decoded for frame in server.encode(event) for decoded in client.decode(frame)]


@pytest.mark.parametrize("cls", list(GA_EVENTS), ids=lambda cls: cls.__name__)
@FAST
@given(data=st.data())
def test_ga_events_round_trip(cls: type[Any], data: st.DataObject) -> None:
    event = data.draw(GA_EVENTS[cls])
    assert _through(event, "ga") == [event]


def beta_expectation(event: ModelEvent) -> list[ModelEvent]:
    """What a beta client sees for an event a beta server sent (§11.2): items are announced
    once, and done at once unless in progress; the output item's done event finishes it."""
    if isinstance(event, ItemDone):
        return []
    if isinstance(event, ItemAdded) and event.item.status != "in_progress":
        return [event, ItemDone(item=event.item, previous_item_id=event.previous_item_id)]
    if isinstance(event, OutputItemDone):
        return [ItemDone(item=event.item), event]
    return [event]


@pytest.mark.parametrize("cls", list(BETA_EVENTS), ids=lambda cls: cls.__name__)
@FAST
@given(data=st.data())
def test_beta_events_round_trip(cls: type[Any], data: st.DataObject) -> None:
    event = data.draw(BETA_EVENTS[cls])
    assert _through(event, "beta") == beta_expectation(event)


@FAST
@given(texts)
def test_unknown_types_are_not_known_names(kind: str) -> None:
    # guards the UnknownEvent strategy: an unknown type never collides with a known one
    frame = json.dumps({"type": kind})
    if kind not in GA_SERVER_TYPES + BETA_ONLY_SERVER_TYPES:
        assert OpenAICodec().decode(frame) == [UnknownEvent(event_type=kind, raw={"type": kind})]
