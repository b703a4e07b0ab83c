"""Interruption and truncation math (PROTOCOL.md §7.d, §9), as pure state steps."""

from __future__ import annotations

import pytest
from state_kit import (
    audio,
    audio_done,
    confirmed_state,
    created,
    feed,
    finished,
    speech,
    types,
)

from rtvoice.audio import PlaybackTracker
from rtvoice.errors import UserError
from rtvoice.model.commands import CancelResponse, TruncateItem
from rtvoice.session import AudioEndEvent, AudioInterruptedEvent
from rtvoice.session.state._machine import ConversationState, Effects

PCM16_SECOND = 48_000  # bytes: 48 per ms
MANUAL = {"audio": {"input": {"turn_detection": None}}}
NO_INTERRUPT = {
    "audio": {"input": {"turn_detection": {"type": "server_vad", "interrupt_response": False}}}
}


def speaking(state: ConversationState, num_bytes: int, *, at: float = 0.0) -> None:
    """Response ``resp_1`` is running and has sent ``num_bytes`` of item ``item_a`` at ``at``."""
    feed(state, created("resp_1"))
    assert state.on_audio_delta(audio("item_a", num_bytes), at) is not None


def interrupted(fx: Effects) -> AudioInterruptedEvent:
    events = [event for event in fx.events if isinstance(event, AudioInterruptedEvent)]
    assert len(events) == 1, fx.events
    return events[0]


def truncates(fx: Effects) -> list[TruncateItem]:
    return [command for command in fx.commands if isinstance(command, TruncateItem)]


def test_tracker_bytes_set_the_truncation_point() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, PCM16_SECOND)
    tracker.on_play_bytes("item_a", 0, 24_000)  # 500 ms of PCM16
    fx = feed(state, speech(), now=100.0)  # wall time must not matter with a tracker
    assert types(fx) == ["speech_started", "audio_interrupted"]
    event = interrupted(fx)
    assert (event.item_id, event.content_index, event.response_id) == ("item_a", 0, "resp_1")
    assert event.played_ms == 500
    # interrupt_response is on (the server default): the server cancels, we only truncate.
    assert [type(command) for command in fx.commands] == [TruncateItem]
    truncate = truncates(fx)[0]
    assert (truncate.item_id, truncate.content_index, truncate.audio_end_ms) == ("item_a", 0, 500)


def test_tracker_ms_are_used_as_reported() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, PCM16_SECOND)
    tracker.on_play_ms("item_a", 0, 120.0)
    tracker.on_play_ms("item_a", 0, 130.9)
    fx = feed(state, speech())
    assert interrupted(fx).played_ms == 250  # whole ms, rounded down
    assert truncates(fx)[0].audio_end_ms == 250


def test_without_tracker_wall_time_since_first_delta() -> None:
    state = confirmed_state()
    speaking(state, 2 * PCM16_SECOND, at=10.0)
    state.on_audio_delta(audio("item_a", PCM16_SECOND), 10.1)  # later deltas do not restart it
    fx = feed(state, speech(), now=10.3)
    assert interrupted(fx).played_ms == 300
    assert truncates(fx)[0].audio_end_ms == 300


def test_played_is_clamped_to_audio_received() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, 4_800)  # 100 ms received
    tracker.on_play_ms("item_a", 0, 5_000.0)
    fx = feed(state, speech())
    assert interrupted(fx).played_ms == 100
    assert truncates(fx)[0].audio_end_ms == 100

    wall = confirmed_state()
    speaking(wall, 4_800, at=0.0)
    fx = feed(wall, speech(), now=60.0)  # a minute later: still only 100 ms exist
    assert truncates(fx)[0].audio_end_ms == 100


def test_nothing_played_means_no_truncate() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, PCM16_SECOND)
    fx = feed(state, speech())
    assert interrupted(fx).played_ms == 0  # the application must still stop
    assert truncates(fx) == []  # the server rejects audio_end_ms 0 (§7.d)


def test_playback_finished_means_no_interruption() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, PCM16_SECOND)
    feed(state, audio_done("item_a"), finished("resp_1"))
    tracker.on_play_bytes("item_a", 0, PCM16_SECOND)
    fx = feed(state, speech())
    assert types(fx) == ["speech_started"]
    assert fx.commands == []


def test_still_playing_after_response_done_is_truncated() -> None:
    # §7.d: the response finished while the client still played buffered audio.
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, PCM16_SECOND)
    end = feed(state, audio_done("item_a"), finished("resp_1"))
    assert [event.type for event in end.events if isinstance(event, AudioEndEvent)] == ["audio_end"]
    tracker.on_play_ms("item_a", 0, 400.0)
    fx = feed(state, speech())
    assert interrupted(fx).played_ms == 400
    assert fx.commands == [truncates(fx)[0]]  # nothing to cancel


def test_g711_counts_eight_bytes_per_ms() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state({"audio": {"output": {"format": "g711_ulaw"}}}, tracker=tracker)
    speaking(state, 8_000)  # one second of G.711
    tracker.on_play_bytes("item_a", 0, 4_000)
    fx = feed(state, speech())
    assert interrupted(fx).played_ms == 500
    assert truncates(fx)[0].audio_end_ms == 500

    wall = confirmed_state({"audio": {"output": {"format": "g711_alaw"}}})
    speaking(wall, 800, at=0.0)  # 100 ms
    assert truncates(feed(wall, speech(), now=5.0))[0].audio_end_ms == 100


def test_interrupt_response_off_cancels_before_truncating() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(NO_INTERRUPT, tracker=tracker)
    speaking(state, PCM16_SECOND)
    tracker.on_play_ms("item_a", 0, 200.0)
    fx = feed(state, speech())
    assert [type(command) for command in fx.commands] == [CancelResponse, TruncateItem]


def test_explicit_interrupt_cancels_even_when_the_server_would() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, PCM16_SECOND)
    tracker.on_play_ms("item_a", 0, 200.0)
    fx = state.interrupt(0.0)
    assert [type(command) for command in fx.commands] == [CancelResponse, TruncateItem]
    assert interrupted(fx).played_ms == 200
    # A second interruption of the same item does nothing more but cancel.
    again = state.interrupt(0.0)
    assert again.events == []
    assert [type(command) for command in again.commands] == [CancelResponse]


def test_manual_turns_interrupt_cancels_when_response_running() -> None:
    state = confirmed_state(MANUAL)
    feed(state, created("resp_1"))
    fx = state.interrupt(0.0)
    assert fx.events == []  # no audio yet: nothing to stop playing
    assert [type(command) for command in fx.commands] == [CancelResponse]
    idle = confirmed_state(MANUAL)
    assert idle.interrupt(0.0).commands == []


def test_late_deltas_of_an_interrupted_item_are_dropped_and_counted() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, PCM16_SECOND)
    tracker.on_play_ms("item_a", 0, 100.0)
    feed(state, speech())
    assert state.on_audio_delta(audio("item_a", 4_800), 0.0) is None
    assert state.on_audio_delta(audio("item_a", 4_800), 0.0) is None
    assert state.audio.dropped_deltas == 2
    after = feed(state, audio_done("item_a"), finished("resp_1", status="cancelled"))
    assert "audio_end" not in types(after)  # audio_interrupted replaced it
    # A new item of the next response plays normally.
    feed(state, created("resp_2"))
    chunk = state.on_audio_delta(audio("item_b", 960, "resp_2"), 1.0)
    assert chunk is not None
    assert chunk.audio.item_id == "item_b"
    assert chunk.audio.data == bytes(960)


def test_truncation_point_is_received_when_caught_up_mid_stream() -> None:
    tracker = PlaybackTracker()
    state = confirmed_state(tracker=tracker)
    speaking(state, 9_600)  # 200 ms so far, more coming
    tracker.on_play_ms("item_a", 0, 200.0)
    fx = feed(state, speech())
    assert truncates(fx)[0].audio_end_ms == 200


def test_tracker_counts_only_the_latest_item_and_freezes_on_interruption() -> None:
    tracker = PlaybackTracker()
    tracker.on_play_ms("item_a", 0, 300.0)
    tracker.on_play_ms("item_b", 0, 50.0)
    assert tracker.played_ms("item_a") == 0.0
    assert tracker.played_ms("item_b") == 50.0
    assert tracker.current_item == ("item_b", 0)
    tracker.on_interrupted()
    tracker.on_play_ms("item_b", 0, 500.0)
    assert tracker.played_ms("item_b") == 50.0
    tracker.on_play_bytes("item_c", 0, 96)
    assert tracker.played_ms("item_c") == 2.0
    with pytest.raises(UserError):
        tracker.on_play_bytes("item_c", 0, -1)
    with pytest.raises(UserError):
        tracker.on_play_ms("item_c", 0, -1.0)
