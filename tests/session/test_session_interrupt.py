"""Barge-in and explicit interruption, end to end over loopback (PROTOCOL.md §7.d, §7.e)."""

from __future__ import annotations

import pytest
from session_kit import chunks, events_until, open_session, speech

from rtvoice.audio import PlaybackTracker
from rtvoice.model.events import (
    ErrorEvent,
    ItemTruncated,
    ResponseDone,
    SessionUpdated,
)
from rtvoice.session import (
    AssistantMessageItem,
    AudioEvent,
    AudioInterruptedEvent,
    HistoryUpdatedEvent,
    RawModelEvent,
    RealtimeSessionEvent,
)
from rtvoice.simulator import Simulator

pytestmark = pytest.mark.anyio

LONG = "please tell me a long story about the sea and the ships"
PCM16_MS = 48


def received_ms(events: list[RealtimeSessionEvent]) -> float:
    return sum(len(e.audio.data) for e in events if isinstance(e, AudioEvent)) / PCM16_MS


def raw(events: list[RealtimeSessionEvent]) -> list[object]:
    return [event.event for event in events if isinstance(event, RawModelEvent)]


async def test_barge_in_truncates_at_what_the_tracker_played() -> None:
    tracker = PlaybackTracker()
    async with (
        Simulator(pace=1.0) as sim,
        open_session(sim, playback_tracker=tracker, include_raw_events=True) as session,
    ):
        await session.send_message(LONG)
        seen: list[RealtimeSessionEvent] = []
        while received_ms(seen) < 800:  # 800 ms of the answer arrived ...
            seen += await events_until(session, "audio")
        item_id = next(e.audio.item_id for e in seen if isinstance(e, AudioEvent))
        tracker.on_play_ms(item_id, 0, 500.0)  # ... and the application played 500 of them
        for chunk in chunks(speech("stop")):  # the user talks over the answer
            await session.send_audio(chunk)
        after = await events_until(session, "audio_interrupted")
        interruption = after[-1]
        assert isinstance(interruption, AudioInterruptedEvent)
        assert (interruption.item_id, interruption.played_ms) == (item_id, 500)
        # The server confirms the truncate; the history then learns what the user heard.
        tail = await events_until(
            session, lambda e: isinstance(e, RawModelEvent) and isinstance(e.event, ItemTruncated)
        )
        tail += await events_until(
            session,
            lambda e: (
                isinstance(e, HistoryUpdatedEvent)
                and e.item is not None
                and e.item.item_id == item_id
            ),
        )

    everything = seen + after + tail
    truncated = [r for r in raw(everything) if isinstance(r, ItemTruncated)]
    assert [(t.item_id, t.audio_end_ms) for t in truncated] == [(item_id, 500)]
    assert not any(isinstance(r, ErrorEvent) for r in raw(everything))
    cancelled = [r for r in raw(everything) if isinstance(r, ResponseDone)]
    assert cancelled[0].response.status == "cancelled"
    assert cancelled[0].response.status_details is not None
    assert cancelled[0].response.status_details.reason == "turn_detected"
    # No audio of the interrupted item after audio_interrupted.
    assert not any(isinstance(e, AudioEvent) and e.audio.item_id == item_id for e in tail)
    # The history now holds what the user heard: the server re-transcribed 500 ms of audio.
    assistant = next(i for i in session.history if i.item_id == item_id)
    assert isinstance(assistant, AssistantMessageItem)
    full = f"You said: {LONG}"
    assert 0 < len(assistant.text) < len(full)
    assert full.startswith(assistant.text)


async def test_explicit_interrupt_cancels_even_with_server_interruption_on() -> None:
    async with (
        Simulator(pace=1.0) as sim,
        open_session(sim, include_raw_events=True) as session,
    ):
        await session.send_message(LONG)
        seen = await events_until(session, "audio")
        item_id = next(e.audio.item_id for e in seen if isinstance(e, AudioEvent))
        config = next(r for r in raw(seen) if isinstance(r, SessionUpdated)).session
        assert config.turn_detection.interrupt_response is not False  # type: ignore[union-attr]
        await session.interrupt()
        rest = await events_until(session, "agent_end")

    interrupted = [e for e in rest if isinstance(e, AudioInterruptedEvent)]
    assert [e.item_id for e in interrupted] == [item_id]
    done = next(r for r in raw(rest) if isinstance(r, ResponseDone))
    assert done.response.status == "cancelled"
    assert done.response.status_details is not None
    assert done.response.status_details.reason == "client_cancelled"
    assert not any(isinstance(r, ErrorEvent) for r in raw(rest))
    after = rest[rest.index(interrupted[0]) :]
    assert not any(isinstance(e, AudioEvent) and e.audio.item_id == item_id for e in after)
    assert "audio_end" not in [e.type for e in rest]
    assert session.history[-1].status == "incomplete"  # type: ignore[union-attr]
