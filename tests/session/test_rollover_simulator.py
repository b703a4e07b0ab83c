"""Rollover over the simulator, whose sessions end after 1.5 s: a rollover every 0.3 s keeps a
spoken conversation on fresh connections, and a session left idle past the limit is closed by
the server and reconnects at once as ``expired``."""

from __future__ import annotations

import anyio
import pytest
from session_kit import chunks, events_until, open_session, speech

from rtvoice.audio import PlaybackTracker
from rtvoice.session import RealtimeSessionEvent
from rtvoice.simulator import Simulator, SimulatorOptions, decode_speech

pytestmark = pytest.mark.anyio

SHORT = SimulatorOptions(max_session_seconds=1.5)
CONFIG = {
    "rollover": {"after_s": 0.3},
    "model_settings": {"audio": {"input": {"transcription": {"model": "whisper-1"}}}},
}


async def test_many_rollovers_keep_a_spoken_conversation_whole() -> None:
    tracker = PlaybackTracker()
    said = ["one two", "three four", "five six", "seven eight"]
    heard: list[str] = []
    seen: list[RealtimeSessionEvent] = []

    def turn_over(event: RealtimeSessionEvent) -> bool:
        seen.append(event)
        if event.type == "audio":
            chunk = event.audio
            tracker.on_play_bytes(chunk.item_id, chunk.content_index, len(chunk.data))
            audio.append(chunk.data)
        return event.type == "agent_end"

    async with Simulator(options=SHORT) as sim:
        async with open_session(sim, config=CONFIG, playback_tracker=tracker) as session:
            for text in said:
                audio: list[bytes] = []
                for piece in chunks(speech(text)):
                    await session.send_audio(piece)
                await events_until(session, turn_over)
                heard.append(decode_speech(b"".join(audio)))
                await anyio.sleep(0.35)  # the connection is due for a rollover
            history = session.history
        served = sim.connections_served
    rolls = [event for event in seen if event.type == "reconnected"]
    assert len(rolls) >= 3
    assert {event.reason for event in rolls} == {"rollover"}
    assert "connection_lost" not in [event.type for event in seen]
    assert served == len(rolls) + 1
    assert heard == [f"You said: {text}" for text in said]  # audio in and out, every turn
    texts = [item.text for item in history]  # type: ignore[union-attr]
    assert texts == [piece for text in said for piece in (text, f"You said: {text}")]
    assert len({item.item_id for item in history}) == len(history)


async def test_an_idle_session_past_the_limit_reconnects_as_expired_and_goes_on() -> None:
    async with Simulator(options=SHORT) as sim:
        config = {"rollover": False}
        async with open_session(sim, config=config) as session:
            await session.send_message("hello")
            await events_until(session, "agent_end")
            lost = await events_until(session, "reconnected", limit=5)
            await session.send_message("still here")
            await events_until(session, "agent_end")
            history = session.history
    reasons = [event.reason for event in lost if event.type in ("connection_lost", "reconnected")]
    assert reasons == ["expired", "expired"]
    texts = [item.text for item in history]  # type: ignore[union-attr]
    assert texts == ["hello", "You said: hello", "still here", "You said: still here"]
