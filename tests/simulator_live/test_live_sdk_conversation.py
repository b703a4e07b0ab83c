"""The ``openai`` SDK's own Live client holds a conversation with the simulator's GPT-Live
mode, and every frame both ways validates against ``openai.types.live``."""

from __future__ import annotations

import base64

import pytest
from live_wire import Wire, events_until, joined, live_session, next_event, say

from rtvoice.simulator import Simulator, decode_speech

pytest.importorskip("openai")

pytestmark = pytest.mark.anyio


async def test_session_start_reports_the_resolved_session() -> None:
    wire = Wire()
    session = {"model": "gpt-live-1.1", "instructions": "Be brief."}
    async with Simulator(frame_observer=wire) as sim, live_session(sim, session):
        pass
    started = wire.sent("server")[0]
    assert started["type"] == "session.started"
    session = started["session"]
    assert session["model"] == "gpt-live-1.1"
    assert session["instructions"] == "Be brief."
    assert session["audio"]["output"]["voice"] == "marin"
    assert session["audio"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["delegation"]["type"] == "client"
    assert session["id"].startswith("sess_")
    wire.check()


async def test_spoken_turn_is_transcribed_and_answered_in_speech() -> None:
    wire = Wire()
    async with Simulator(frame_observer=wire) as sim, live_session(sim) as connection:
        await say(connection, "good morning")
        events = await events_until(connection, "session.usage.updated")
    heard = joined(events, "session.input_transcript.delta")
    assert heard == "good morning"
    spoken = joined(events, "session.output_transcript.delta")
    assert spoken == "You said: good morning"
    audio = b"".join(
        base64.b64decode(e.delta) for e in events if e.type == "session.output_audio.delta"
    )
    assert decode_speech(audio) == "You said: good morning"
    inputs = [e for e in events if e.type == "session.input_transcript.delta"]
    assert inputs[0].start_ms < inputs[-1].end_ms
    outputs = [e for e in events if e.type == "session.output_transcript.delta"]
    assert outputs[0].start_ms >= inputs[-1].end_ms
    usage = events[-1]
    assert usage.usage.seconds >= 0
    assert 0 < usage.context_window.usage_ratio < 1
    wire.check()


async def test_client_delegation_answered_with_commentary_is_spoken() -> None:
    wire = Wire()
    async with Simulator(frame_observer=wire) as sim, live_session(sim) as connection:
        await say(connection, "call get_weather")
        events = await events_until(connection, "session.delegation.created")
        assert joined(events, "session.output_transcript.delta") == "One moment."
        delegation = events[-1].delegation
        assert delegation.target == "client"
        assert delegation.type == "delegation"
        await connection.session.commentary.append(
            content="It is sunny in Paris.", delegation_id=delegation.id, event_id="c1"
        )
        appended = await next_event(connection, "session.commentary.appended")
        assert appended.client_event_id == "c1"
        spoken = await events_until(connection, "session.usage.updated")
    assert joined(spoken, "session.output_transcript.delta") == "It is sunny in Paris."
    wire.check()


async def test_thinking_is_acknowledged_and_silent() -> None:
    wire = Wire()
    async with Simulator(frame_observer=wire) as sim, live_session(sim) as connection:
        await connection.session.thinking.append(
            content="The user is in Paris.", delegation_id=None, event_id="t1"
        )
        ack = await next_event(connection, "session.thinking.appended")
        assert ack.client_event_id == "t1"
        await connection.session.close(event_id="bye")
        closing = await events_until(connection, "session.closed")
    assert [e.type for e in closing] == ["session.closed"]
    wire.check()


async def test_appended_instructions_drive_an_idle_model() -> None:
    wire = Wire()
    async with Simulator(frame_observer=wire) as sim, live_session(sim) as connection:
        await connection.session.instructions.append(content="hello there", delegation_id=None)
        events = await events_until(connection, "session.usage.updated")
    assert events[0].type == "session.instructions.appended"
    assert joined(events, "session.output_transcript.delta") == "You said: hello there"
    wire.check()


async def test_close_ends_with_session_closed_and_a_normal_close() -> None:
    wire = Wire()
    async with Simulator(frame_observer=wire) as sim, live_session(sim) as connection:
        await connection.session.instructions.append(content="hello", delegation_id=None)
        await connection.session.close(event_id="bye")
        events = await events_until(connection, "session.closed")
        closed = events[-1]
        # What was in flight is spoken before the session closes.
        assert joined(events, "session.output_transcript.delta") == "You said: hello"
        assert closed.reason == "close_requested"
        assert closed.client_event_id == "bye"
        assert closed.session.status == "active"
        assert closed.usage.seconds >= 0
        with pytest.raises(StopAsyncIteration):
            await connection.__aiter__().__anext__()
    wire.check()


async def test_mute_and_unmute_are_acknowledged() -> None:
    wire = Wire()
    async with Simulator(frame_observer=wire) as sim, live_session(sim) as connection:
        await connection.session.input_audio.mute(event_id="m")
        muted = await next_event(connection, "session.input_audio.muted")
        await say(connection, "not heard")
        await connection.session.input_audio.unmute(event_id="u")
        unmuted = await next_event(connection, "session.input_audio.unmuted")
    assert (muted.client_event_id, unmuted.client_event_id) == ("m", "u")
    # Muted audio is silence to the model: nothing was transcribed or answered.
    assert not [f for f in wire.sent("server") if f["type"].endswith("transcript.delta")]
    wire.check()
