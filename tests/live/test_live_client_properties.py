"""Properties of the Live client codec: reading and mapping never raise, whatever the frame, and the
synthesized turns always close what they open."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rtvoice.live import LiveSettings
from rtvoice.model.events import (
    DecodeError,
    ItemAdded,
    ItemDone,
    ResponseCreated,
    ResponseDone,
    SpeechStarted,
    SpeechStopped,
)
from rtvoice.model.live._codec import LiveClientCodec
from rtvoice.model.live._read_frames import read_frame
from rtvoice.model.live._turns import TurnTracker

KNOWN = [
    "session.started",
    "session.updated",
    "session.input_transcript.delta",
    "session.output_transcript.delta",
    "session.output_audio.delta",
    "session.delegation.created",
    "response.event",
    "session.usage.updated",
    "session.closed",
    "error",
    "info",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
frames = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(KNOWN) | st.text(max_size=10),
    st.dictionaries(
        st.sampled_from(
            ["delta", "delegation", "event", "session", "usage", "reason", "error", "start_ms"]
        ),
        json_values,
        max_size=4,
    ),
)


@settings(max_examples=300, deadline=None)
@given(frame=frames | json_values)
def test_reading_any_frame_never_raises(frame: Any) -> None:
    text = json.dumps(frame)
    record = read_frame(text)
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        assert isinstance(record, DecodeError)
    codec = LiveClientCodec("gpt-live-1", LiveSettings(), TurnTracker(100))
    codec.handle(record, 0.0)  # and mapping what was read never raises either


steps = st.lists(
    st.sampled_from(["user", "output", "audio", "quiet", "delegate"]), min_size=1, max_size=30
)


@settings(max_examples=200, deadline=None)
@given(script=steps)
def test_every_turn_opened_is_closed_by_the_end(script: list[str]) -> None:
    c = LiveClientCodec("gpt-live-1", LiveSettings(), TurnTracker(100))
    now = 0.0
    events = []
    for step in script:
        now += 0.05
        if step == "user":
            frame = {
                "type": "session.input_transcript.delta",
                "delta": "hi",
                "start_ms": 0,
                "end_ms": 1,
            }
        elif step == "output":
            frame = {
                "type": "session.output_transcript.delta",
                "delta": "ok",
                "start_ms": 0,
                "end_ms": 1,
            }
        elif step == "audio":
            frame = {"type": "session.output_audio.delta", "delta": "AAAA"}
        elif step == "delegate":
            frame = {
                "type": "session.delegation.created",
                "delegation": {"id": "d", "target": "client"},
            }
        else:
            now += 1.0
            events += c.quiet(now)
            continue
        events += c.handle(read_frame(json.dumps(frame)), now)
    events += c.turns.end_all()
    added = [e.item.id for e in events if isinstance(e, ItemAdded)]
    done = [e.item.id for e in events if isinstance(e, ItemDone)]
    assert sorted(added, key=str) == sorted(done, key=str)
    assert len(set(added)) == len(added)
    created = [e.response.id for e in events if isinstance(e, ResponseCreated)]
    assert created == [e.response.id for e in events if isinstance(e, ResponseDone)]
    assert sum(isinstance(e, SpeechStarted) for e in events) == sum(
        isinstance(e, SpeechStopped) for e in events
    )
    assert c.turns.deadline is None
