"""The two reading paths of ``OpenAICodec.decode`` agree, and the direct one does the work.

The decoder reads a frame with the direct readers first (plain dictionary reads, no pydantic)
and runs the validating readers (pydantic models) only for what the direct readers do not
vouch for. Here both paths read the same frames and must give the same events, compared by
``repr`` so that a class, a field or even ``1`` against ``1.0`` may not differ:

* every literal fixture frame, which the direct readers must take (a direct path that always
  declines fails here);
* frames the server codec writes for hypothesis-drawn events of every class;
* every fixture frame one change away from well formed (a key dropped, a value of another JSON
  type, an unknown key added, a known but absent key added ill-typed), which must give the
  validating path's ``DecodeError`` word for word, or its events when it accepts the change.

Last, the client codec must not import pydantic until a frame needs validating.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtvoice.model.events import DecodeError, ModelEvent, ResponseInfo
from rtvoice.model.items import OtherItem
from rtvoice.model.openai._decode_events import decode_server_frame, validating_readers
from rtvoice.model.openai._direct_events import DIRECT_READERS
from rtvoice.model.openai._direct_values import Decline
from rtvoice.model.openai.server import OpenAIServerCodec

from .flows import flow_names, server_frames
from .strategies import events_by_class

DIALECTS = ("ga", "beta")
FRAMES = [
    pytest.param(frame.text, id=f"{name}-{n}-{frame.obj['type']}")
    for name in flow_names()
    for n, frame in enumerate(server_frames(name))
]


def validated(frame: str, dialect: str) -> list[ModelEvent]:
    return decode_server_frame(frame, dialect, direct=False)  # type: ignore[arg-type]


def directly(frame: str, dialect: str) -> list[ModelEvent] | None:
    """The direct reader's events, or ``None`` when it declines (or has none)."""
    obj = json.loads(frame)
    reader = DIRECT_READERS.get(obj["type"])
    if reader is None:
        return None
    try:
        return reader(obj, dialect)  # type: ignore[arg-type]
    except Decline:
        return None


def decoded(frame: str, dialect: str) -> list[ModelEvent]:
    return decode_server_frame(frame, dialect)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The literal fixture frames


def test_every_known_type_has_a_direct_reader_and_no_other_type_does() -> None:
    assert DIRECT_READERS.keys() == validating_readers().keys()


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("frame", FRAMES)
def test_every_fixture_frame_is_read_directly_as_the_validating_path_reads_it(
    frame: str, dialect: str
) -> None:
    expected = validated(frame, dialect)
    assert not any(isinstance(e, DecodeError) for e in expected), expected
    direct = directly(frame, dialect)
    assert direct is not None, "a well-formed fixture frame fell through to the validating path"
    assert repr(direct) == repr(expected)
    assert repr(decoded(frame, dialect)) == repr(expected)


# ---------------------------------------------------------------------------------------------
# Frames the server codec writes for any event


def _holds_other_item(event: ModelEvent) -> bool:
    """Items of other types (MCP, unknown) are the validating path's business."""
    held = getattr(event, "item", None)
    response: ResponseInfo | None = getattr(event, "response", None)
    items = [held, *(response.output if response is not None else ())]
    return any(isinstance(i, OtherItem) for i in items)


SAME = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("cls", list(events_by_class("ga")), ids=lambda cls: cls.__name__)
@SAME
@given(data=st.data())
def test_server_written_frames_are_read_directly_as_the_validating_path_reads_them(
    cls: type[Any], dialect: str, data: st.DataObject
) -> None:
    event = data.draw(events_by_class(dialect)[cls])
    server = OpenAIServerCodec(dialect)  # type: ignore[arg-type]
    for frame in server.encode(event):
        expected = validated(frame, dialect)
        direct = directly(frame, dialect)
        if json.loads(frame)["type"] in DIRECT_READERS and not _holds_other_item(event):
            assert direct is not None, frame
        if direct is not None:
            assert repr(direct) == repr(expected)
        assert repr(decoded(frame, dialect)) == repr(expected)


# ---------------------------------------------------------------------------------------------
# Malformed variants: one change away from a fixture frame

_OTHER_VALUES: list[object] = [None, True, 1, -1, 7, 2.5, "7", "x", "inf", [], {}, [{}]]


def _variants(value: Any) -> Iterator[Any]:
    """``value`` with one change somewhere inside it (never to the top-level ``type``)."""
    if isinstance(value, dict):
        yield {**value, "zz_unexpected": 1}
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
            for other in [*_OTHER_VALUES, *_variants(value[key])]:
                yield {**value, key: other}
    elif isinstance(value, list):
        for n in range(len(value)):
            yield value[:n] + value[n + 1 :]
            for other in [*_OTHER_VALUES, *_variants(value[n])]:
                yield [*value[:n], other, *value[n + 1 :]]


def _mutants(frame: str) -> Iterator[str]:
    obj = json.loads(frame)
    seen = set()
    for key in obj:
        if key == "type":
            continue
        for other in [_MISSING, *_OTHER_VALUES, *_variants(obj[key])]:
            mutant = {k: v for k, v in obj.items() if k != key}
            if other is not _MISSING:
                mutant[key] = other
            text = json.dumps(mutant)
            if text not in seen:
                seen.add(text)
                yield text


_MISSING = object()
_ONE_OF_EACH_TYPE = [
    pytest.param(frame.text, id=f"{name}-{event_type}")
    for name in flow_names()
    for event_type, frame in {f.obj["type"]: f for f in server_frames(name)}.items()
    if len(frame.text) < 4000  # the long audio deltas add nothing the short ones miss
]
"""The last frame of each type in each flow (sessions of every shape, beta and GA names)."""


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("frame", _ONE_OF_EACH_TYPE)
def test_every_variant_of_a_fixture_frame_reads_as_the_validating_path_reads_it(
    frame: str, dialect: str
) -> None:
    differences, errors = [], 0
    for mutant in _mutants(frame):
        expected = validated(mutant, dialect)
        errors += any(isinstance(e, DecodeError) for e in expected)
        if repr(decoded(mutant, dialect)) != repr(expected):
            differences.append(mutant)
    assert not differences, differences[:3]
    if json.loads(frame).keys() - {"type", "event_id"}:
        assert errors, "no variant was malformed: the mutations test nothing"


def _known_keys() -> frozenset[str]:
    """Every field a wire model declares, and every event field the fixtures use."""
    from pydantic import BaseModel

    from rtvoice.model.openai.server import _wire_models

    models = [m for m in vars(_wire_models).values() if isinstance(m, type)]
    declared = {k for m in models if issubclass(m, BaseModel) for k in m.model_fields}
    used = {k for p in FRAMES for k in json.loads(p.values[0])}
    return frozenset(declared | used)


def _with_absent_keys(value: Any, keys: frozenset[str]) -> Iterator[Any]:
    """``value`` with one known key it lacks added somewhere inside it, ill-typed or null."""
    if isinstance(value, dict):
        for key in sorted(keys - value.keys()):
            for other in (None, 7, "x", [{}]):
                yield {**value, key: other}
        for key in value:
            for other in _with_absent_keys(value[key], keys):
                yield {**value, key: other}
    elif isinstance(value, list):
        for n in range(len(value)):
            for other in _with_absent_keys(value[n], keys):
                yield [*value[:n], other, *value[n + 1 :]]


@pytest.mark.parametrize("frame", _ONE_OF_EACH_TYPE)
def test_every_absent_field_added_to_a_fixture_frame_reads_as_the_validating_path_reads_it(
    frame: str,
) -> None:
    # A field the frame lacks is still checked when present (a session's ``reasoning``, a
    # response's ``metadata``): the direct path may not skip what the models validate.
    keys = _known_keys()
    differences = [
        mutant
        for mutant in map(json.dumps, _with_absent_keys(json.loads(frame), keys))
        if repr(decoded(mutant, "ga")) != repr(validated(mutant, "ga"))
    ]
    assert not differences, differences[:3]


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        (
            {"type": "response.done", "response": {"status": "completed", "output": []}},
            "response.done: Missing required parameter: 'response.id'.",
        ),
        (
            {
                "type": "response.done",
                "response": {"id": "r", "status": "completed", "usage": {"total_tokens": "5"}},
            },
            None,  # pydantic reads "5" as 5 leniently: the direct path must not reject it
        ),
        (
            {
                "type": "conversation.item.done",
                "item": {"type": "message", "role": "user", "content": [{"type": "input_text"}]},
            },
            "conversation.item.done: Missing required parameter: 'item.content[0].text'.",
        ),
        (
            {
                "type": "response.output_item.done",
                "response_id": "r",
                "output_index": 0,
                "item": {"type": "function_call", "call_id": "c", "name": 3},
            },
            "response.output_item.done: Invalid type for 'item.name': expected a string, but got "
            "an integer instead.",
        ),
        (
            {"type": "rate_limits.updated", "rate_limits": [{"name": "t", "limit": 1}]},
            "rate_limits.updated: Missing required parameter: 'rate_limits[0].remaining'.",
        ),
        (
            {"type": "error", "error": {"type": None, "message": "m"}},
            "error: Invalid type for 'error.type': expected a string, but got null instead.",
        ),
    ],
)
def test_malformed_common_frames_keep_the_validating_wording(
    obj: dict[str, Any], reason: str | None
) -> None:
    frame = json.dumps(obj)
    assert directly(frame, "ga") is None
    events = decoded(frame, "ga")
    if reason is None:
        assert not any(isinstance(e, DecodeError) for e in events)
    else:
        assert events == [DecodeError(reason=reason, text=frame, event_type=obj["type"])]
    assert repr(events) == repr(validated(frame, "ga"))


# ---------------------------------------------------------------------------------------------
# Pydantic is imported on first need, not with the codec

_IMPORTS = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    from codec.flows import flow_names, server_frames
    import rtvoice.model.openai
    from rtvoice.model import commands as c, items as i, session_config as s
    from rtvoice.model.openai import OpenAICodec

    def validating():
        return sorted(
            name for name in sys.modules
            if name.split(".")[0] in ("pydantic", "pydantic_core")
            or name.rsplit(".", 1)[-1] in ("_wire_models", "_wire_validate", "_decode_commands")
        )

    report = {{"import": validating()}}
    for dialect in ("ga", "beta"):
        codec = OpenAICodec(dialect)
        for name in flow_names():
            for frame in server_frames(name):
                codec.decode(frame.text)
        session = s.SessionConfig(
            instructions="Be brief.", voice="marin", input_format="pcm16",
            turn_detection=s.ServerVad(threshold=0.5), transcription=None,
            tools=(s.FunctionTool(name="f", parameters={{"type": "object"}}),),
            tool_choice="auto", tracing="auto",
        )
        message = i.MessageItem(role="user", content=(i.InputText(text="hi"),))
        for command in (
            c.UpdateSession(session=session),
            c.AppendInputAudio(audio=b"\\x00\\x01"),
            c.CommitInputAudio(), c.ClearInputAudio(),
            c.CreateItem(item=message),
            c.CreateResponse(response=c.ResponseParams(input=(message,), voice="marin")),
            c.CancelResponse(), c.TruncateItem(item_id="i", content_index=0, audio_end_ms=5),
            c.DeleteItem(item_id="i"), c.RetrieveItem(item_id="i"),
        ):
            codec.encode(command)
    report["use"] = validating()
    codec.decode(json.dumps({{"type": "response.done", "response": {{}}}}))
    report["malformed"] = validating()
    print(json.dumps(report))
    """
)


def test_the_client_codec_imports_pydantic_only_to_validate_a_malformed_frame() -> None:
    tests = str(__import__("pathlib").Path(__file__).parent.parent)
    script = _IMPORTS.format(tests=tests)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(result.stdout)
    assert report["import"] == []
    assert report["use"] == []
    assert "pydantic" in report["malformed"]
    assert "rtvoice.model.openai.server._wire_models" in report["malformed"]


def test_an_item_stated_again_unchanged_is_decoded_once() -> None:
    """The server repeats an item's state (added / done, as output item and in the
    conversation, then in response.done): an equal object under the same id gives the same
    item, a changed one a new decoding, an item holding audio bytes is never kept."""
    from rtvoice.model.openai import _direct_values as values

    def message(status: str, text: str) -> dict[str, Any]:
        part = {"type": "output_audio", "transcript": text}
        return {"id": "item_r1", "type": "message", "role": "assistant", "status": status,
                "content": [part]}  # fmt: skip

    first = values.item(message("in_progress", ""))
    assert values.item(message("in_progress", "")) is first  # equal: not decoded again
    done = values.item(message("completed", "Hello."))
    assert done is not first
    assert done.status == "completed"
    assert done.content[0].transcript == "Hello."  # type: ignore[union-attr]
    values._RECENT_ITEMS.clear()
    assert values.item(message("completed", "Hello.")) == done  # as decoded afresh

    audio = {"id": "item_u1", "type": "message", "role": "user", "status": "completed",
             "content": [{"type": "input_audio", "audio": "AAAA", "transcript": None}]}  # fmt: skip
    assert values.item(audio) is not values.item(audio)
    assert "item_u1" not in values._RECENT_ITEMS

    for n in range(values._RECENT_LIMIT * 2):
        values.item({**message("completed", "x"), "id": f"item_{n}"})
    assert len(values._RECENT_ITEMS) == values._RECENT_LIMIT
    assert f"item_{values._RECENT_LIMIT * 2 - 1}" in values._RECENT_ITEMS  # the newest kept
