"""The server side of the Live codec, sans-IO, with literal frames and generated ones."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rtvoice.model.live.server import (
    CLIENT_EVENT_TYPES,
    AppendContext,
    AppendInputAudio,
    LiveCommandError,
    LiveServerCodec,
    StartSession,
    estimate_tokens,
)

START = json.dumps({"type": "session.start", "session": {"model": "gpt-live-1"}})


def _started(delegation: dict[str, Any] | None = None) -> LiveServerCodec:
    codec = LiveServerCodec()
    session: dict[str, Any] = {"model": "gpt-live-1"}
    if delegation is not None:
        session["delegation"] = delegation
    assert isinstance(
        codec.decode(json.dumps({"type": "session.start", "session": session})), StartSession
    )
    return codec


def test_session_start_reads_the_fixed_settings() -> None:
    frame = {
        "type": "session.start",
        "event_id": "e1",
        "session": {
            "model": "gpt-live-1.1",
            "instructions": "Be brief.",
            "audio": {
                "format": {"type": "audio/pcmu", "rate": 8000},
                "output": {"voice": {"id": "voice_1"}},
            },
            "delegation": {
                "type": "responses",
                "acknowledgement_delay_ms": 200,
                "responses": {
                    "model": "gpt-5.2",
                    "tools": [{"type": "function", "name": "f"}, {"type": "web_search"}],
                },
            },
            "input": [{"role": "user", "content": [{"text": "hi"}]}],
        },
    }
    command = LiveServerCodec().decode(json.dumps(frame))
    assert isinstance(command, StartSession)
    config = command.config
    assert (config.model, config.instructions, config.voice) == (
        "gpt-live-1.1",
        "Be brief.",
        {"id": "voice_1"},
    )
    assert config.audio_format is not None
    assert (config.audio_format.type, config.audio_format.rate) == ("audio/pcmu", 8000)
    assert config.delegation == "responses"
    assert config.acknowledgement_delay_ms == 200
    assert config.responses is not None
    assert [tool["type"] for tool in config.responses.tools] == ["function", "web_search"]
    assert command.event_id == "e1"


def test_audio_append_is_read_without_the_validators() -> None:
    codec = _started()
    command = codec.decode('{"type":"session.input_audio.append","audio":"AAEC","event_id":"a"}')
    assert command == AppendInputAudio(audio=b"\x00\x01\x02", event_id="a")


def test_the_append_limit_is_500_estimated_tokens() -> None:
    codec = _started()
    at_limit = "abcd" * 500
    assert estimate_tokens(at_limit) == 500
    frame = {"type": "session.commentary.append", "content": at_limit, "delegation_id": None}
    assert isinstance(codec.decode(json.dumps(frame)), AppendContext)
    frame["content"] = at_limit + "e"
    error = codec.decode(json.dumps(frame))
    assert isinstance(error, LiveCommandError)
    assert (error.code, error.param) == ("token_limit_exceeded", "content")


def test_a_refused_start_leaves_the_session_unstarted() -> None:
    codec = LiveServerCodec()
    error = codec.decode(json.dumps({"type": "session.start", "session": {}}))
    assert isinstance(error, LiveCommandError)
    assert (error.code, error.param) == ("missing_required_parameter", "session.model")
    assert not codec.started
    assert isinstance(codec.decode(START), StartSession)


def test_not_json_and_not_an_object() -> None:
    codec = LiveServerCodec()
    for text, code in (
        ("{", "invalid_json"),
        ("[1]", "invalid_type"),
        ('{"x":1}', "missing_required_parameter"),
    ):
        error = codec.decode(text)
        assert isinstance(error, LiveCommandError)
        assert error.code == code


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(CLIENT_EVENT_TYPES),
    fields=st.dictionaries(
        st.sampled_from(
            ["session", "content", "delegation_id", "audio", "item", "event_id", "model", "x"]
        ),
        _json,
        max_size=4,
    ),
    started=st.booleans(),
)
def test_any_frame_gives_a_command_or_an_error_never_an_exception(
    kind: str, fields: dict[str, Any], started: bool
) -> None:
    codec = (
        _started({"type": "responses", "responses": {"model": "m"}})
        if started
        else (LiveServerCodec())
    )
    result = codec.decode(json.dumps({"type": kind, **fields}))
    if isinstance(result, LiveCommandError):
        assert result.code
        assert result.message
        event_id = fields.get("event_id")
        assert result.client_event_id == (event_id if isinstance(event_id, str) else None)


def test_an_unsupported_rate_is_an_invalid_value_naming_the_choices() -> None:
    frame = {
        "type": "session.start",
        "session": {
            "model": "gpt-live-1",
            "audio": {"format": {"type": "audio/pcm", "rate": 44100}},
        },
    }
    error = LiveServerCodec().decode(json.dumps(frame))
    assert error == LiveCommandError(
        code="invalid_value",
        message="Invalid value: 44100. Supported values are: '16000' and '24000'.",
        param="session.audio.format.rate",
    )
