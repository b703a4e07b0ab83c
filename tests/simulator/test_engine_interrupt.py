"""Cutting a response short: barge-in, cancel and truncate (PROTOCOL.md §7.d, §7.e, §7.f)."""

from __future__ import annotations

from rtvoice.model.commands import (
    AppendInputAudio,
    CancelResponse,
    CreateItem,
    CreateResponse,
    RetrieveItem,
    TruncateItem,
    UpdateSession,
)
from rtvoice.model.events import (
    AudioDelta,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartDone,
    ErrorEvent,
    ErrorInfo,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    ModelEvent,
    OutputItemDone,
    ResponseCreated,
    ResponseDone,
    SpeechStarted,
    StatusDetails,
)
from rtvoice.model.items import FunctionCallItem, InputText, MessageItem, OutputAudio
from rtvoice.model.session_config import FunctionTool, SessionConfig
from rtvoice.simulator._engine import SimulatedSession
from rtvoice.simulator._ids import CountingIds
from rtvoice.simulator._speech import decode_speech, encode_speech

NOW = 1_700_000_000.0
ANSWER = "You said: tell me a long story about the sea"


def kinds(events: list[ModelEvent]) -> list[str]:
    return [event.type for event in events]


def speaking_session(steps: int = 12) -> tuple[SimulatedSession, bytes, str]:
    """A session whose response has sent ``steps`` steps; returns the audio and transcript."""
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    session.start()
    session.handle(
        CreateItem(
            item=MessageItem(
                role="user", content=(InputText(text="tell me a long story about the sea"),)
            )
        ),
        NOW,
    )
    session.handle(CreateResponse(), NOW)
    sent: list[ModelEvent] = []
    for _ in range(steps):
        step = session.next_step(NOW)
        assert step is not None
        sent += step.events
    audio = b"".join(e.audio for e in sent if isinstance(e, AudioDelta))
    transcript = "".join(e.delta for e in sent if isinstance(e, AudioTranscriptDelta))
    return session, audio, transcript


def assert_cancel_tail(events: list[ModelEvent], transcript: str, reason: str) -> None:
    assert kinds(events) == [
        "audio_done",
        "audio_transcript_done",
        "content_part_done",
        "item_done",
        "output_item_done",
        "response_done",
        "rate_limits_updated",
    ]
    transcript_done, part_done, item_done, output_done, done = events[1:6]
    assert isinstance(transcript_done, AudioTranscriptDone)
    assert transcript_done.transcript == transcript
    assert isinstance(part_done, ContentPartDone)
    assert part_done.part == OutputAudio(transcript=transcript)
    cut = MessageItem(
        id="item_2",
        role="assistant",
        status="incomplete",
        content=(OutputAudio(transcript=transcript),),
    )
    assert item_done == ItemDone(item=cut, previous_item_id="item_1")
    assert isinstance(output_done, OutputItemDone)
    assert output_done.item == cut
    assert isinstance(done, ResponseDone)
    assert done.response.status == "cancelled"
    assert done.response.status_details == StatusDetails(type="cancelled", reason=reason)
    assert done.response.output == (cut,)


def test_client_cancel_closes_with_what_was_sent() -> None:
    session, audio, transcript = speaking_session()
    assert transcript
    assert ANSWER.startswith(transcript)
    assert transcript != ANSWER
    events = session.handle(CancelResponse(event_id="evt_cancel"), NOW)
    assert_cancel_tail(events, transcript, "client_cancelled")
    assert session.next_step(NOW) is None
    # The item holds exactly the audio that went out.
    (retrieved,) = session.handle(RetrieveItem(item_id="item_2"), NOW)
    assert isinstance(retrieved, ItemRetrieved)
    assert isinstance(retrieved.item, MessageItem)
    assert retrieved.item.content == (OutputAudio(audio=audio, transcript=transcript),)
    # A second cancel has nothing to cancel.
    (error,) = session.handle(CancelResponse(event_id="evt_again"), NOW)
    assert error == ErrorEvent(
        error=ErrorInfo(
            type="invalid_request_error",
            code="response_cancel_not_active",
            message="Cancellation failed: no active response found",
            event_id="evt_again",
        )
    )


def test_cancel_by_id() -> None:
    session, _, transcript = speaking_session()
    (error,) = session.handle(CancelResponse(response_id="resp_9"), NOW)
    assert isinstance(error, ErrorEvent)
    assert error.error.code == "response_cancel_not_active"
    assert "resp_9" in error.error.message
    events = session.handle(CancelResponse(response_id="resp_1"), NOW)
    assert_cancel_tail(events, transcript, "client_cancelled")


def test_cancel_before_any_output() -> None:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    session.start()
    session.handle(CreateResponse(), NOW)
    events = session.handle(CancelResponse(), NOW)
    assert kinds(events) == ["response_done", "rate_limits_updated"]
    done = events[0]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "cancelled"
    assert done.response.output == ()


def test_cancel_mid_function_call_leaves_an_incomplete_call() -> None:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    session.start()
    session.handle(UpdateSession(session=SessionConfig(tools=(FunctionTool(name="lookup"),))), NOW)
    session.handle(
        CreateItem(
            item=MessageItem(
                role="user",
                content=(InputText(text='call lookup {"query": "a fairly long query"}'),),
            )
        ),
        NOW,
    )
    session.handle(CreateResponse(), NOW)
    session.next_step(NOW)
    session.next_step(NOW)
    events = session.handle(CancelResponse(), NOW)
    # No arguments.done: a call cut short is not a call to run.
    assert kinds(events) == [
        "item_done",
        "output_item_done",
        "response_done",
        "rate_limits_updated",
    ]
    item_done = events[0]
    assert isinstance(item_done, ItemDone)
    assert isinstance(item_done.item, FunctionCallItem)
    assert item_done.item.status == "incomplete"
    assert '{"query": "a fairly long query"}'.startswith(item_done.item.arguments)


def test_barge_in_cancels_then_truncate_keeps_what_was_heard() -> None:
    session, audio, transcript = speaking_session()
    # The user talks over the assistant.
    events = session.handle(AppendInputAudio(audio=bytes(4800) + encode_speech("stop")), NOW)
    assert isinstance(events[0], SpeechStarted)
    assert_cancel_tail(events[1:], transcript, "turn_detected")

    # The client played 1 s of the item: truncate there.
    sent_ms = len(audio) // 48
    played_ms = 1000
    assert sent_ms > played_ms
    (truncated,) = session.handle(
        TruncateItem(item_id="item_2", audio_end_ms=played_ms, event_id="evt_t"), NOW
    )
    assert truncated == ItemTruncated(item_id="item_2", content_index=0, audio_end_ms=played_ms)
    (retrieved,) = session.handle(RetrieveItem(item_id="item_2"), NOW)
    assert isinstance(retrieved, ItemRetrieved)
    assert isinstance(retrieved.item, MessageItem)
    (part,) = retrieved.item.content
    assert isinstance(part, OutputAudio)
    assert part.audio == audio[: played_ms * 48]
    # The transcript is now what the first second of audio says.
    assert part.transcript == decode_speech(audio[: played_ms * 48])
    assert part.transcript
    assert len(part.transcript) < len(transcript)
    assert ANSWER.startswith(part.transcript)

    # Past the audio that exists: refused, nothing changes.
    (error,) = session.handle(
        TruncateItem(item_id="item_2", audio_end_ms=played_ms + 1, event_id="evt_t2"), NOW
    )
    assert error == ErrorEvent(
        error=ErrorInfo(
            type="invalid_request_error",
            code="invalid_value",
            message=f"Audio content of {played_ms}ms is already shorter than {played_ms + 1}ms",
            param="audio_end_ms",
            event_id="evt_t2",
        )
    )


def test_truncate_past_the_sent_audio_fails() -> None:
    session, audio, _ = speaking_session()
    session.handle(CancelResponse(), NOW)
    sent_ms = len(audio) / 48
    (error,) = session.handle(TruncateItem(item_id="item_2", audio_end_ms=60_000), NOW)
    assert isinstance(error, ErrorEvent)
    assert (
        error.error.message == f"Audio content of {int(sent_ms)}ms is already shorter than 60000ms"
    )


def test_speech_after_the_response_does_not_cancel() -> None:
    session, _, _ = speaking_session()
    session.drain(NOW)
    events = session.handle(AppendInputAudio(audio=bytes(4800) + encode_speech("more")), NOW)
    assert kinds(events) == ["speech_started"]


def test_second_response_while_one_is_active() -> None:
    session, _, _ = speaking_session()
    (error,) = session.handle(CreateResponse(event_id="evt_2"), NOW)
    assert error == ErrorEvent(
        error=ErrorInfo(
            type="invalid_request_error",
            code="conversation_already_has_active_response",
            message="Conversation already has an active response in progress: resp_1. Wait "
            "until the response is finished before creating a new one.",
            event_id="evt_2",
        )
    )
    # The active response carries on to completion; then a new one may start.
    done = [e for e in session.drain(NOW) if isinstance(e, ResponseDone)]
    assert [d.response.status for d in done] == ["completed"]
    (created,) = session.handle(CreateResponse(), NOW)
    assert isinstance(created, ResponseCreated)


def retrieved_audio(session: SimulatedSession, item_id: str) -> OutputAudio:
    (retrieved,) = session.handle(RetrieveItem(item_id=item_id), NOW)
    assert isinstance(retrieved, ItemRetrieved)
    assert isinstance(retrieved.item, MessageItem)
    (part,) = retrieved.item.content
    assert isinstance(part, OutputAudio)
    return part


def test_truncate_then_cancel_while_streaming_cuts_at_the_played_point() -> None:
    # openai-agents' interrupt(): truncate at the played position first, then cancel.
    session, audio, transcript = speaking_session()
    played_ms = 1000
    assert len(audio) // 48 > played_ms  # the client has more than it played
    (truncated,) = session.handle(
        TruncateItem(item_id="item_2", audio_end_ms=played_ms, event_id="evt_t"), NOW
    )
    assert truncated == ItemTruncated(item_id="item_2", content_index=0, audio_end_ms=played_ms)
    tail = session.handle(CancelResponse(event_id="evt_c"), NOW)
    assert not any(isinstance(event, ErrorEvent) for event in tail)
    heard = decode_speech(audio[: played_ms * 48])
    assert heard
    assert len(heard) < len(transcript)
    assert ANSWER.startswith(heard)
    # The stream's summary says what was streamed; the item says what was heard.
    transcript_done = next(e for e in tail if isinstance(e, AudioTranscriptDone))
    assert transcript_done.transcript == transcript
    cut = MessageItem(
        id="item_2", role="assistant", status="incomplete", content=(OutputAudio(transcript=heard),)
    )
    assert ItemDone(item=cut, previous_item_id="item_1") in tail
    done = tail[-2]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "cancelled"
    assert done.response.output == (cut,)
    assert retrieved_audio(session, "item_2") == OutputAudio(
        audio=audio[: played_ms * 48], transcript=heard
    )


def test_truncate_while_streaming_is_measured_against_the_audio_sent_so_far() -> None:
    session, audio, _ = speaking_session()
    sent_ms = len(audio) / 48
    beyond = int(sent_ms) + 1
    (error,) = session.handle(
        TruncateItem(item_id="item_2", audio_end_ms=beyond, event_id="evt_t"), NOW
    )
    assert error == ErrorEvent(
        error=ErrorInfo(
            type="invalid_request_error",
            code="invalid_value",
            message=f"Audio content of {int(sent_ms)}ms is already shorter than {beyond}ms",
            param="audio_end_ms",
            event_id="evt_t",
        )
    )
    # Refused: nothing changed, the whole of what was sent is kept.
    session.handle(CancelResponse(), NOW)
    assert retrieved_audio(session, "item_2").audio == audio


def test_a_truncated_response_streams_on_and_the_item_stays_cut() -> None:
    session, audio, _ = speaking_session(steps=4)
    played_ms = len(audio) // 48 // 2
    (truncated,) = session.handle(TruncateItem(item_id="item_2", audio_end_ms=played_ms), NOW)
    assert isinstance(truncated, ItemTruncated)
    rest = session.drain(NOW)
    # The response is not stopped by the truncate: it streams to the end.
    later = b"".join(e.audio for e in rest if isinstance(e, AudioDelta))
    assert later
    streamed = "".join(e.delta for e in rest if isinstance(e, AudioTranscriptDelta))
    assert streamed
    done = next(e for e in rest if isinstance(e, ResponseDone))
    assert done.response.status == "completed"
    # The item keeps only the audio before the truncate point, and what is heard in it.
    kept = audio[: played_ms * 48]
    heard = decode_speech(kept)
    assert retrieved_audio(session, "item_2") == OutputAudio(audio=kept, transcript=heard)
    assert done.response.output == (
        MessageItem(
            id="item_2",
            role="assistant",
            status="completed",
            content=(OutputAudio(transcript=heard),),
        ),
    )
    # A later truncate can only cut it shorter.
    (error,) = session.handle(TruncateItem(item_id="item_2", audio_end_ms=played_ms + 1), NOW)
    assert isinstance(error, ErrorEvent)
    assert error.error.message == (
        f"Audio content of {played_ms}ms is already shorter than {played_ms + 1}ms"
    )


def test_a_second_truncate_while_streaming_cannot_lengthen_the_item() -> None:
    session, audio, _ = speaking_session()
    session.handle(TruncateItem(item_id="item_2", audio_end_ms=800), NOW)
    session.next_step(NOW)  # more audio streams
    (error,) = session.handle(TruncateItem(item_id="item_2", audio_end_ms=900), NOW)
    assert isinstance(error, ErrorEvent)
    assert error.error.message == "Audio content of 800ms is already shorter than 900ms"
    (shorter,) = session.handle(TruncateItem(item_id="item_2", audio_end_ms=500), NOW)
    assert isinstance(shorter, ItemTruncated)
    session.handle(CancelResponse(), NOW)
    assert retrieved_audio(session, "item_2").audio == audio[: 500 * 48]
