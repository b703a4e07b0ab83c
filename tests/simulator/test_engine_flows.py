"""The simulated session's main flows, event by event (PROTOCOL.md §7.0, §7.a, §7.c)."""

from __future__ import annotations

import pytest

from rtvoice.audio import bytes_per_ms
from rtvoice.model.commands import (
    CreateItem,
    CreateResponse,
    ResponseParams,
    RetrieveItem,
    UpdateSession,
)
from rtvoice.model.events import (
    AudioDelta,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    ItemAdded,
    ItemDone,
    ItemRetrieved,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    RateLimitsUpdated,
    ResponseCreated,
    ResponseDone,
    SessionCreated,
    SessionUpdated,
    TextDelta,
    TextDone,
)
from rtvoice.model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputText,
    ItemReference,
    MessageItem,
    OutputAudio,
    OutputText,
)
from rtvoice.model.session_config import (
    UNSET,
    FunctionTool,
    NoiseReduction,
    ServerVad,
    SessionConfig,
)
from rtvoice.simulator._engine import SessionState, SimulatedSession
from rtvoice.simulator._ids import CountingIds
from rtvoice.simulator._responder import CallToolPlan, ResponderView, SpeakPlan
from rtvoice.simulator._speech import decode_speech

NOW = 1_700_000_000.0


def open_session(**kwargs: object) -> SimulatedSession:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds(), **kwargs)  # type: ignore[arg-type]
    session.start()
    return session


def kinds(events: list[ModelEvent]) -> list[str]:
    return [event.type for event in events]


def user_text(text: str) -> CreateItem:
    return CreateItem(item=MessageItem(role="user", content=(InputText(text=text),)))


def test_start_reports_the_full_default_session() -> None:
    session = SimulatedSession(model="gpt-realtime", now=NOW, ids=CountingIds())
    before = session.state
    (created,) = session.start()
    assert before is SessionState.NEW
    assert isinstance(created, SessionCreated)
    assert created.session_id == "sess_1"
    assert created.expires_at == int(NOW) + 3600
    config = created.session
    assert config.type == "realtime"
    assert config.model == "gpt-realtime"
    assert config.instructions
    assert config.output_modalities == ("audio",)
    assert (config.input_format, config.output_format) == ("pcm16", "pcm16")
    assert (config.voice, config.speed) == ("alloy", 1.0)
    assert config.turn_detection == ServerVad(
        threshold=0.5,
        prefix_padding_ms=300,
        silence_duration_ms=200,
        idle_timeout_ms=None,
        create_response=True,
        interrupt_response=True,
    )
    assert config.transcription is None
    assert config.noise_reduction is None
    assert config.tools == ()
    assert config.tool_choice == "auto"
    assert config.max_output_tokens == "inf"
    assert session.state is SessionState.OPEN


def test_transcription_session_starts_reduced() -> None:
    session = SimulatedSession(
        model="gpt-realtime", now=NOW, ids=CountingIds(), session_type="transcription"
    )
    (created,) = session.start()
    assert isinstance(created, SessionCreated)
    assert created.session.type == "transcription"
    assert created.session.instructions is None
    assert created.session.tools is None
    assert created.session.turn_detection == ServerVad(
        threshold=0.5, prefix_padding_ms=300, silence_duration_ms=200
    )


def test_text_message_then_audio_response_in_wire_order() -> None:
    session = open_session()
    added = session.handle(user_text("hello there"), NOW)
    assert kinds(added) == ["item_added", "item_done"]
    user = added[0]
    assert isinstance(user, ItemAdded)
    assert user.previous_item_id is None
    assert user.item == MessageItem(
        id="item_1", role="user", status="completed", content=(InputText(text="hello there"),)
    )

    (created,) = session.handle(CreateResponse(), NOW)
    assert isinstance(created, ResponseCreated)
    assert created.response.status == "in_progress"
    assert created.response.output == ()
    assert created.response.usage is None
    assert created.response.conversation_id == "conv_1"

    events = session.drain(NOW)
    head, tail = events[:3], events[-7:]
    assert kinds(head) == ["output_item_added", "item_added", "content_part_added"]
    assert kinds(tail) == [
        "audio_done",
        "audio_transcript_done",
        "content_part_done",
        "item_done",
        "output_item_done",
        "response_done",
        "rate_limits_updated",
    ]
    middle = events[3:-7]
    assert set(kinds(middle)) == {"audio_delta", "audio_transcript_delta"}

    added_item = head[1]
    assert isinstance(added_item, ItemAdded)
    assert added_item.previous_item_id == "item_1"
    assert added_item.item == MessageItem(
        id="item_2", role="assistant", status="in_progress", content=()
    )
    part_added = head[2]
    assert isinstance(part_added, ContentPartAdded)
    assert part_added.part == OutputAudio(transcript="")

    said = "You said: hello there"
    transcript_deltas = [e.delta for e in middle if isinstance(e, AudioTranscriptDelta)]
    assert "".join(transcript_deltas) == said
    audio_deltas = [e.audio for e in middle if isinstance(e, AudioDelta)]
    # About one transcript delta per two audio deltas, the transcript leading.
    assert len(transcript_deltas) == min(len(said.split()), (len(audio_deltas) + 1) // 2)
    assert isinstance(middle[0], AudioTranscriptDelta)
    # The audio is speech the simulator (and so a client) can transcribe.
    assert decode_speech(b"".join(audio_deltas), "pcm16") == said
    sizes_ms = [len(chunk) / bytes_per_ms("pcm16") for chunk in audio_deltas]
    assert all(50 <= size <= 200 for size in sizes_ms[:-1])
    assert len(set(sizes_ms)) > 1

    transcript_done, part_done, item_done, output_done, done, limits = tail[1:]
    assert isinstance(transcript_done, AudioTranscriptDone)
    assert transcript_done.transcript == said
    assert isinstance(part_done, ContentPartDone)
    assert part_done.part == OutputAudio(transcript=said)
    final = MessageItem(
        id="item_2",
        role="assistant",
        status="completed",
        content=(OutputAudio(transcript=said),),
    )
    assert isinstance(item_done, ItemDone)
    assert item_done.item == final
    assert item_done.previous_item_id == "item_1"
    assert isinstance(output_done, OutputItemDone)
    assert output_done.item == final
    assert isinstance(done, ResponseDone)
    assert done.response.status == "completed"
    assert done.response.status_details is None
    assert done.response.output == (final,)
    usage = done.response.usage
    assert usage is not None
    assert usage.output_text_tokens == 6  # ceil(21 chars / 4)
    assert usage.output_audio_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert isinstance(limits, RateLimitsUpdated)
    (bucket,) = limits.rate_limits
    assert bucket.name == "tokens"
    assert bucket.remaining == bucket.limit - usage.total_tokens
    assert session.next_step(NOW) is None


def test_steps_carry_their_audio_duration() -> None:
    session = open_session()
    session.handle(user_text("pace me"), NOW)
    session.handle(CreateResponse(), NOW)
    total = 0.0
    while (step := session.next_step(NOW)) is not None:
        audio = b"".join(e.audio for e in step.events if isinstance(e, AudioDelta))
        assert step.audio_ms == len(audio) / 48
        total += step.audio_ms
    assert total > 0


def test_runs_with_the_same_seed_are_identical() -> None:
    def run() -> list[ModelEvent]:
        session = open_session()
        session.handle(user_text("same again"), NOW)
        session.handle(CreateResponse(), NOW)
        return session.drain(NOW)

    assert run() == run()


def test_text_only_mode_streams_text() -> None:
    session = open_session()
    (updated,) = session.handle(
        UpdateSession(session=SessionConfig(output_modalities=("text",))), NOW
    )
    assert isinstance(updated, SessionUpdated)
    assert updated.session.output_modalities == ("text",)
    session.handle(user_text("write it down"), NOW)
    session.handle(CreateResponse(), NOW)
    events = session.drain(NOW)
    assert kinds(events[:3]) == ["output_item_added", "item_added", "content_part_added"]
    part_added = events[2]
    assert isinstance(part_added, ContentPartAdded)
    assert part_added.part == OutputText(text="")
    deltas = [e.delta for e in events if isinstance(e, TextDelta)]
    assert "".join(deltas) == "You said: write it down"
    assert not any(isinstance(e, AudioDelta) for e in events)
    assert kinds(events[-6:]) == [
        "text_done",
        "content_part_done",
        "item_done",
        "output_item_done",
        "response_done",
        "rate_limits_updated",
    ]
    text_done = events[-6]
    assert isinstance(text_done, TextDone)
    assert text_done.text == "You said: write it down"
    done = events[-2]
    assert isinstance(done, ResponseDone)
    assert done.response.output_modalities == ("text",)
    assert done.response.output[0] == MessageItem(
        id="item_2",
        role="assistant",
        status="completed",
        content=(OutputText(text="You said: write it down"),),
    )


@pytest.mark.parametrize("fmt", ["g711_ulaw", "g711_alaw"])
def test_g711_output_deltas_are_g711_sized(fmt: str) -> None:
    session = open_session()
    session.handle(UpdateSession(session=SessionConfig(output_format=fmt)), NOW)  # type: ignore[arg-type]
    session.handle(user_text("phone call"), NOW)
    session.handle(CreateResponse(), NOW)
    events = session.drain(NOW)
    chunks = [e.audio for e in events if isinstance(e, AudioDelta)]
    # 8 bytes per ms: the deltas are whole milliseconds of 8 kHz audio, 50-200 ms each.
    assert all(len(chunk) % 8 == 0 for chunk in chunks)
    assert all(400 <= len(chunk) <= 1600 for chunk in chunks[:-1])
    assert decode_speech(b"".join(chunks), fmt) == "You said: phone call"  # type: ignore[arg-type]


def test_function_call_round_trip() -> None:
    session = open_session()
    tool = FunctionTool(name="get_weather", parameters={"type": "object"})
    (updated,) = session.handle(
        UpdateSession(session=SessionConfig(tools=(tool,), tool_choice="auto")), NOW
    )
    assert isinstance(updated, SessionUpdated)
    assert updated.session.tools == (tool,)
    session.handle(user_text('call get_weather {"city": "Paris"}'), NOW)
    session.handle(CreateResponse(), NOW)
    events = session.drain(NOW)
    assert kinds(events[:2]) == ["output_item_added", "item_added"]
    assert set(kinds(events[2:-5])) == {"function_call_arguments_delta"}
    assert kinds(events[-5:]) == [
        "function_call_arguments_done",
        "item_done",
        "output_item_done",
        "response_done",
        "rate_limits_updated",
    ]
    announced = events[0]
    assert isinstance(announced, OutputItemAdded)
    assert announced.item == FunctionCallItem(
        id="item_2", call_id="call_1", name="get_weather", arguments="", status="in_progress"
    )
    deltas = [e.delta for e in events if isinstance(e, FunctionCallArgumentsDelta)]
    assert "".join(deltas) == '{"city": "Paris"}'
    args_done = events[-5]
    assert isinstance(args_done, FunctionCallArgumentsDone)
    assert (args_done.name, args_done.arguments, args_done.call_id) == (
        "get_weather",
        '{"city": "Paris"}',
        "call_1",
    )
    call = FunctionCallItem(
        id="item_2",
        call_id="call_1",
        name="get_weather",
        arguments='{"city": "Paris"}',
        status="completed",
    )
    assert events[-4] == ItemDone(item=call, previous_item_id="item_1")
    done = events[-2]
    assert isinstance(done, ResponseDone)
    assert done.response.output == (call,)

    # The tool output does not trigger a response on its own.
    output = FunctionCallOutputItem(call_id="call_1", output="Sunny in Paris")
    assert kinds(session.handle(CreateItem(item=output), NOW)) == ["item_added", "item_done"]
    assert session.next_step(NOW) is None
    session.handle(CreateResponse(), NOW)
    answer = session.drain(NOW)
    transcript = next(e for e in answer if isinstance(e, AudioTranscriptDone))
    assert transcript.transcript == "get_weather returned: Sunny in Paris"


def test_retrieve_is_the_only_event_with_audio_bytes() -> None:
    session = open_session()
    session.handle(user_text("keep this"), NOW)
    session.handle(CreateResponse(), NOW)
    events = session.drain(NOW)
    for event in events:
        if isinstance(event, ItemAdded | ItemDone | OutputItemDone):
            assert all(getattr(p, "audio", None) is None for p in event.item.content)  # type: ignore[union-attr]
    sent = b"".join(e.audio for e in events if isinstance(e, AudioDelta))
    (retrieved,) = session.handle(RetrieveItem(item_id="item_2"), NOW)
    assert isinstance(retrieved, ItemRetrieved)
    assert isinstance(retrieved.item, MessageItem)
    assert retrieved.item.content == (OutputAudio(audio=sent, transcript="You said: keep this"),)


def test_items_follow_previous_item_id() -> None:
    session = open_session()
    session.handle(user_text("one"), NOW)
    session.handle(user_text("two"), NOW)
    (first, _) = session.handle(
        CreateItem(
            item=MessageItem(role="system", content=(InputText(text="zero"),)),
            previous_item_id="root",
        ),
        NOW,
    )
    assert isinstance(first, ItemAdded)
    assert first.previous_item_id is None
    (middle, _) = session.handle(
        CreateItem(
            item=MessageItem(id="mine", role="user", content=(InputText(text="1.5"),)),
            previous_item_id="item_1",
        ),
        NOW,
    )
    assert isinstance(middle, ItemAdded)
    assert middle.previous_item_id == "item_1"
    assert middle.item.id == "mine"
    order = [entry.item.id for entry in session.conversation.entries()]
    assert order == ["item_3", "item_1", "mine", "item_2"]


def test_out_of_band_response_leaves_the_conversation_alone() -> None:
    session = open_session()
    session.handle(user_text("in band"), NOW)
    session.handle(CreateResponse(), NOW)  # an in-band response is active ...
    (created,) = session.handle(
        CreateResponse(
            response=ResponseParams(
                conversation="none",
                input=(MessageItem(role="user", content=(InputText(text="classify me"),)),),
                output_modalities=("text",),
                metadata={"purpose": "classification"},
            )
        ),
        NOW,
    )  # ... and an out-of-band one may run beside it.
    assert isinstance(created, ResponseCreated)
    assert created.response.conversation_id is None
    assert created.response.metadata == {"purpose": "classification"}
    events = session.drain(NOW)
    done = [e for e in events if isinstance(e, ResponseDone)]
    assert len(done) == 2
    oob = next(d for d in done if d.response.conversation_id is None)
    assert oob.response.output[0] == MessageItem(
        id=oob.response.output[0].id,
        role="assistant",
        status="completed",
        content=(OutputText(text="You said: classify me"),),
    )
    oob_item = oob.response.output[0].id
    assert not any(isinstance(e, ItemAdded | ItemDone) and e.item.id == oob_item for e in events)
    assert oob_item not in session.conversation


def test_response_input_replaces_the_context() -> None:
    session = open_session()
    session.handle(user_text("first"), NOW)
    session.handle(user_text("second"), NOW)
    session.handle(
        CreateResponse(
            response=ResponseParams(
                input=(ItemReference(id="item_1"),), output_modalities=("text",)
            )
        ),
        NOW,
    )
    events = session.drain(NOW)
    text = next(e for e in events if isinstance(e, TextDone))
    assert text.text == "You said: first"


def test_custom_responder_writes_several_outputs() -> None:
    seen: list[ResponderView] = []

    def responder(view: ResponderView) -> tuple[SpeakPlan, CallToolPlan]:
        seen.append(view)
        return SpeakPlan(text="Let me check."), CallToolPlan(name="lookup", arguments='{"q":1}')

    session = open_session(responder=responder)
    session.handle(
        UpdateSession(session=SessionConfig(instructions="Be brief.", turn_detection=None)), NOW
    )
    session.handle(user_text("anything"), NOW)
    session.handle(CreateResponse(), NOW)
    events = session.drain(NOW)
    (view,) = seen
    assert view.instructions == "Be brief."
    assert view.output_modality == "audio"
    assert view.items[-1] == MessageItem(
        id="item_1", role="user", status="completed", content=(InputText(text="anything"),)
    )
    added = [e for e in events if isinstance(e, OutputItemAdded)]
    assert [(e.output_index, e.item.type) for e in added] == [(0, "message"), (1, "function_call")]
    done = events[-2]
    assert isinstance(done, ResponseDone)
    assert [item.type for item in done.response.output] == ["message", "function_call"]
    # The message is finished before the call begins.
    assert kinds(events).index("output_item_done") < kinds(events).index(
        "function_call_arguments_delta"
    )


def test_a_failing_responder_gives_a_failed_response() -> None:
    def responder(view: ResponderView) -> SpeakPlan:
        raise RuntimeError("boom")

    session = open_session(responder=responder)
    session.handle(CreateResponse(), NOW)
    events = session.drain(NOW)
    assert kinds(events) == ["response_done", "rate_limits_updated"]
    done = events[0]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "failed"
    assert done.response.status_details is not None
    assert done.response.status_details.error is not None
    assert done.response.status_details.error.message == "The responder failed: RuntimeError: boom"
    # The session carries on.
    (created,) = session.handle(CreateResponse(), NOW)
    assert isinstance(created, ResponseCreated)


def test_max_output_tokens_cuts_the_answer_short() -> None:
    session = open_session()
    session.handle(user_text("a rather long sentence that will not fit at all"), NOW)
    session.handle(CreateResponse(response=ResponseParams(max_output_tokens=40)), NOW)
    events = session.drain(NOW)
    done = events[-2]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "incomplete"
    assert done.response.status_details is not None
    assert done.response.status_details.reason == "max_output_tokens"
    usage = done.response.usage
    assert usage is not None
    assert 0 < usage.output_tokens <= 40
    (item,) = done.response.output
    assert isinstance(item, MessageItem)
    assert item.status == "incomplete"
    (part,) = item.content
    assert isinstance(part, OutputAudio)
    assert part.transcript
    assert "You said: a rather long sentence".startswith(part.transcript)


def test_session_update_patch_semantics() -> None:
    session = open_session()
    (updated,) = session.handle(
        UpdateSession(session=SessionConfig(instructions="", tools=(), turn_detection=None)), NOW
    )
    assert isinstance(updated, SessionUpdated)
    assert updated.session.instructions == ""
    assert updated.session.turn_detection is None
    # Unset fields keep their values; UNSET keeps the nullable ones.
    (again,) = session.handle(
        UpdateSession(session=SessionConfig(voice="ash", turn_detection=UNSET)), NOW
    )
    assert isinstance(again, SessionUpdated)
    assert again.session.turn_detection is None
    assert again.session.voice == "ash"
    assert again.session.instructions == ""
    # Noise reduction keeps its strength when a patch leaves it out.
    session.handle(
        UpdateSession(session=SessionConfig(noise_reduction=NoiseReduction(type="near_field"))),
        NOW,
    )
    assert session.session.noise_reduction == NoiseReduction(type="near_field", strength=1.0)
    session.handle(
        UpdateSession(
            session=SessionConfig(noise_reduction=NoiseReduction(type="far_field", strength=0.4))
        ),
        NOW,
    )
    session.handle(
        UpdateSession(session=SessionConfig(noise_reduction=NoiseReduction(type="near_field"))),
        NOW,
    )
    assert session.session.noise_reduction == NoiseReduction(type="near_field", strength=0.4)
    session.handle(UpdateSession(session=SessionConfig(noise_reduction=None)), NOW)
    assert session.session.noise_reduction is None
    # A VAD object replaces the old one, unset fields taking the defaults.
    (vad,) = session.handle(
        UpdateSession(session=SessionConfig(turn_detection=ServerVad(silence_duration_ms=500))),
        NOW,
    )
    assert isinstance(vad, SessionUpdated)
    assert vad.session.turn_detection == ServerVad(
        threshold=0.5,
        prefix_padding_ms=300,
        silence_duration_ms=500,
        idle_timeout_ms=None,
        create_response=True,
        interrupt_response=True,
    )
