"""Audio input: server VAD, manual turns, transcription, idle timeout (PROTOCOL.md §7.b)."""

from __future__ import annotations

import math
import random
from array import array

import pytest

from rtvoice.audio import AudioFormatName, bytes_per_ms
from rtvoice.model.commands import (
    AppendInputAudio,
    ClearInputAudio,
    CommitInputAudio,
    CreateResponse,
    RetrieveItem,
    UpdateSession,
)
from rtvoice.model.events import (
    AudioTranscriptDone,
    ErrorEvent,
    InputAudioCommitted,
    InputAudioTimeoutTriggered,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    ItemAdded,
    ItemDone,
    ItemRetrieved,
    ModelEvent,
    ResponseCreated,
    ResponseDone,
    SpeechStarted,
    SpeechStopped,
)
from rtvoice.model.items import InputAudio, MessageItem
from rtvoice.model.session_config import SemanticVad, ServerVad, SessionConfig, Transcription
from rtvoice.simulator._engine import SimulatedSession
from rtvoice.simulator._ids import CountingIds
from rtvoice.simulator._speech import encode_speech
from rtvoice.simulator._vad import EnergyVad, threshold_dbfs

NOW = 1_700_000_000.0


def open_session(**config: object) -> SimulatedSession:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    session.start()
    if config:
        session.handle(UpdateSession(session=SessionConfig(**config)), NOW)  # type: ignore[arg-type]
    return session


def kinds(events: list[ModelEvent]) -> list[str]:
    return [event.type for event in events]


def silence(ms: int, fmt: AudioFormatName = "pcm16") -> bytes:
    if fmt == "pcm16":
        return bytes(ms * bytes_per_ms(fmt))
    return (b"\xff" if fmt == "g711_ulaw" else b"\xd5") * (ms * bytes_per_ms(fmt))


def noise(ms: int, amplitude: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return array("h", (rng.randint(-amplitude, amplitude) for _ in range(ms * 24))).tobytes()


def append_in_chunks(
    session: SimulatedSession, audio: bytes, seed: int = 7, fmt: AudioFormatName = "pcm16"
) -> list[ModelEvent]:
    """Append ``audio`` in random chunk sizes (10-150 ms, whole samples)."""
    rng = random.Random(seed)
    per_ms, sample = bytes_per_ms(fmt), 2 if fmt == "pcm16" else 1
    events: list[ModelEvent] = []
    offset = 0
    while offset < len(audio):
        size = rng.randint(10 * per_ms, 150 * per_ms) // sample * sample
        chunk = audio[offset : offset + size]
        offset += size
        events += session.handle(AppendInputAudio(audio=chunk), NOW)
    return events


def test_spoken_turn_with_server_vad() -> None:
    session = open_session(transcription=Transcription(model="gpt-4o-mini-transcribe"))
    speech = encode_speech("what is the weather")
    speech_ms = len(speech) / 48
    events = append_in_chunks(session, silence(400) + speech + silence(400))
    assert kinds(events) == [
        "speech_started",
        "speech_stopped",
        "input_audio_committed",
        "item_added",
        "item_done",
        "response_created",
    ]
    started, stopped, committed, added, done, created = events
    assert isinstance(started, SpeechStarted)
    assert started.audio_start_ms == 100  # speech at 400 ms, less 300 ms of prefix padding
    assert isinstance(stopped, SpeechStopped)
    # The end includes the 200 ms of silence that closed the turn (10 ms frames).
    assert 400 + speech_ms + 200 <= stopped.audio_end_ms <= 400 + speech_ms + 210
    assert started.item_id == stopped.item_id == "item_1"
    assert committed == InputAudioCommitted(item_id="item_1", previous_item_id=None)
    user = MessageItem(
        id="item_1", role="user", status="completed", content=(InputAudio(transcript=None),)
    )
    assert added == ItemAdded(item=user, previous_item_id=None)
    assert done == ItemDone(item=user, previous_item_id=None)
    assert isinstance(created, ResponseCreated)

    streamed = session.drain(NOW)
    deltas = [e.delta for e in streamed if isinstance(e, InputTranscriptionDelta)]
    (completed,) = [e for e in streamed if isinstance(e, InputTranscriptionCompleted)]
    assert completed.item_id == "item_1"
    assert completed.transcript == "what is the weather"
    assert "".join(deltas) == "what is the weather"
    assert completed.usage is not None
    assert completed.usage.type == "tokens"
    # Transcription interleaves with the response rather than waiting for it.
    order = kinds(streamed)
    assert order.index("input_transcription_completed") < order.index("response_done")
    answer = next(e for e in streamed if isinstance(e, AudioTranscriptDone))
    assert answer.transcript == "You said: what is the weather"

    # The committed audio is the turn: prefix padding, speech, closing silence.
    (retrieved,) = session.handle(RetrieveItem(item_id="item_1"), NOW)
    assert isinstance(retrieved, ItemRetrieved)
    assert isinstance(retrieved.item, MessageItem)
    (part,) = retrieved.item.content
    assert isinstance(part, InputAudio)
    assert part.audio is not None
    assert len(part.audio) / 48 == stopped.audio_end_ms - started.audio_start_ms


def test_audio_clock_runs_across_turns() -> None:
    session = open_session(turn_detection=ServerVad(create_response=False))
    first = encode_speech("one")
    events = append_in_chunks(session, silence(300) + first + silence(300))
    events += append_in_chunks(session, encode_speech("two") + silence(300), seed=3)
    starts = [e.audio_start_ms for e in events if isinstance(e, SpeechStarted)]
    assert len(starts) == 2
    assert starts[1] > starts[0] + len(first) / 48
    assert "response_created" not in kinds(events)  # create_response off


def test_vad_hears_g711_input() -> None:
    session = open_session(input_format="g711_ulaw")
    audio = silence(300, "g711_ulaw") + encode_speech("hi", "g711_ulaw") + silence(300, "g711_ulaw")
    events = append_in_chunks(session, audio, fmt="g711_ulaw")
    assert kinds(events)[:2] == ["speech_started", "speech_stopped"]
    started = events[0]
    assert isinstance(started, SpeechStarted)
    assert started.audio_start_ms == 0  # 300 ms of silence, all of it prefix padding


@pytest.mark.parametrize(
    "audio",
    [silence(3000), noise(3000, amplitude=150)],
    ids=["digital-silence", "low-noise"],
)
def test_silence_and_low_noise_never_trigger(audio: bytes) -> None:
    session = open_session()
    assert append_in_chunks(session, audio) == []
    assert session.drain(NOW) == []


def test_threshold_maps_to_a_level() -> None:
    assert threshold_dbfs(0.5) == -40.0
    assert threshold_dbfs(0.0) == -70.0
    # Speech (-20 dBFS) is heard at the default threshold, not at 0.9 (-16 dBFS).
    speech = encode_speech("loud enough")
    deaf = EnergyVad(fmt="pcm16", threshold=0.9, silence_duration_ms=200)
    assert deaf.feed(speech) == []
    hearing = EnergyVad(fmt="pcm16", threshold=0.5, silence_duration_ms=200)
    assert len(hearing.feed(speech + silence(300))) == 2


def test_semantic_vad_uses_eagerness_for_the_pause() -> None:
    session = open_session(turn_detection=SemanticVad(eagerness="low", create_response=False))
    events = append_in_chunks(session, silence(100) + encode_speech("wait") + silence(600))
    assert kinds(events) == ["speech_started"]  # low eagerness waits a full second
    events = append_in_chunks(session, silence(500))
    assert kinds(events)[0] == "speech_stopped"


def test_manual_turns_commit_without_a_response() -> None:
    session = open_session(turn_detection=None)
    speech = encode_speech("manual mode")
    assert append_in_chunks(session, silence(200) + speech) == []
    events = session.handle(CommitInputAudio(event_id="c1"), NOW)
    assert kinds(events) == ["input_audio_committed", "item_added", "item_done"]
    assert session.drain(NOW) == []  # no transcription configured, no response
    session.handle(CreateResponse(), NOW)
    answer = next(e for e in session.drain(NOW) if isinstance(e, AudioTranscriptDone))
    assert answer.transcript == "You said: manual mode"


def test_commit_needs_100_ms() -> None:
    session = open_session(turn_detection=None)
    session.handle(AppendInputAudio(audio=silence(60)), NOW)
    (error,) = session.handle(CommitInputAudio(event_id="evt_c"), NOW)
    assert isinstance(error, ErrorEvent)
    assert error.error.code == "input_audio_buffer_commit_empty"
    assert error.error.event_id == "evt_c"
    assert error.error.message == (
        "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
        "audio, but buffer only has 60.00ms of audio."
    )
    session.handle(AppendInputAudio(audio=silence(40)), NOW)
    assert kinds(session.handle(CommitInputAudio(), NOW))[0] == "input_audio_committed"


def test_clear_empties_the_buffer() -> None:
    session = open_session(turn_detection=None)
    session.handle(AppendInputAudio(audio=silence(500)), NOW)
    assert kinds(session.handle(ClearInputAudio(), NOW)) == ["input_audio_cleared"]
    (error,) = session.handle(CommitInputAudio(), NOW)
    assert isinstance(error, ErrorEvent)
    assert error.error.message.endswith("buffer only has 0.00ms of audio.")


def test_whisper_transcribes_in_one_delta_billed_by_duration() -> None:
    session = open_session(turn_detection=None, transcription=Transcription(model="whisper-1"))
    session.handle(AppendInputAudio(audio=encode_speech("all at once")), NOW)
    session.handle(CommitInputAudio(), NOW)
    streamed = session.drain(NOW)
    assert kinds(streamed) == ["input_transcription_delta", "input_transcription_completed"]
    completed = streamed[1]
    assert isinstance(completed, InputTranscriptionCompleted)
    assert completed.usage is not None
    assert completed.usage.type == "duration"


def test_idle_timeout_commits_silence_and_responds() -> None:
    session = open_session(turn_detection=ServerVad(idle_timeout_ms=5000))
    session.handle(CreateResponse(), NOW)
    session.drain(NOW)  # the greeting finishes at NOW (flooded), audio about 2 s long
    deadline = session.next_deadline()
    assert deadline is not None
    playback_s = (deadline - NOW) - 5.0
    assert 1.0 < playback_s < 4.0  # the timer counts from the end of playback
    session.handle(AppendInputAudio(audio=silence(2000)), NOW + 2)
    assert session.tick(deadline - 0.01) == []
    events = session.tick(deadline)
    assert kinds(events) == [
        "input_audio_timeout_triggered",
        "input_audio_committed",
        "item_added",
        "item_done",
        "response_created",
    ]
    timeout = events[0]
    assert isinstance(timeout, InputAudioTimeoutTriggered)
    assert timeout.audio_end_ms == 2000
    assert timeout.item_id == "item_2"
    answer = next(e for e in session.drain(deadline) if isinstance(e, AudioTranscriptDone))
    assert answer.transcript == "Are you still there?"


def test_speech_keeps_the_idle_timer_off() -> None:
    session = open_session(turn_detection=ServerVad(idle_timeout_ms=1000, create_response=False))
    session.handle(CreateResponse(), NOW)
    session.drain(NOW)
    session.handle(AppendInputAudio(audio=encode_speech("still talking")), NOW + 0.1)
    assert session.next_deadline() == session.expires_at
    assert session.tick(NOW + 100) == []


def test_interrupt_off_lets_the_response_run_and_the_next_one_fail() -> None:
    session = open_session(turn_detection=ServerVad(interrupt_response=False))
    session.handle(CreateResponse(), NOW)
    session.next_step(NOW)
    events = append_in_chunks(session, silence(100) + encode_speech("hey") + silence(300))
    assert "response_done" not in kinds(events)
    assert kinds(events)[-1] == "error"
    error = events[-1]
    assert isinstance(error, ErrorEvent)
    assert error.error.code == "conversation_already_has_active_response"
    assert error.error.event_id is None
    done = [e for e in session.drain(NOW) if isinstance(e, ResponseDone)]
    assert [d.response.status for d in done] == ["completed"]


def test_speech_length_math() -> None:
    # Guard the assumption the VAD tests rely on: the modem speaks continuously.
    audio = encode_speech("abc")
    assert math.isclose(len(audio) / 48, 150 + 60 * 3)


def test_a_new_input_format_keeps_the_session_clock() -> None:
    session = open_session(turn_detection=ServerVad(create_response=False))
    session.handle(AppendInputAudio(audio=silence(1000)), NOW)
    session.handle(UpdateSession(session=SessionConfig(input_format="g711_alaw")), NOW)
    audio = silence(500, "g711_alaw") + encode_speech("switched", "g711_alaw")
    events = append_in_chunks(session, audio + silence(300, "g711_alaw"), fmt="g711_alaw")
    started, stopped = events[0], events[1]
    assert isinstance(started, SpeechStarted)
    assert started.audio_start_ms == 1000 + 500 - 300
    assert isinstance(stopped, SpeechStopped)
    assert stopped.audio_end_ms >= 1500 + len(audio) // 8 - 500 + 200
