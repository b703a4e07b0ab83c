"""The flows of PROTOCOL.md §7, as literal frames (``fixtures/*.flow``), through both codecs.

For each flow: the server frames decode to the exact sequence of neutral events the session
relies on; the commands a client would send encode to the literal client frames; the server
codec reads those frames back as the same commands; and the server codec writes the decoded
events back as the literal server frames (modulo what the neutral vocabulary does not carry).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from rtvoice.model.commands import (
    AppendInputAudio,
    CancelResponse,
    ClearInputAudio,
    ClearOutputAudio,
    CommitInputAudio,
    CreateItem,
    CreateResponse,
    ModelCommand,
    ResponseParams,
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from rtvoice.model.events import (
    AudioDelta,
    AudioDone,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    ConversationCreated,
    ErrorEvent,
    ErrorInfo,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    InputAudioCleared,
    InputAudioCommitted,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    ItemAdded,
    ItemDone,
    ItemTruncated,
    ModelEvent,
    OutputAudioBufferCleared,
    OutputItemAdded,
    OutputItemDone,
    RateLimit,
    RateLimitsUpdated,
    ResponseCreated,
    ResponseDone,
    ResponseInfo,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    StatusDetails,
    TextDelta,
    TextDone,
    TranscriptionUsage,
    Usage,
)
from rtvoice.model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputText,
    MessageItem,
    OutputAudio,
    OutputText,
)
from rtvoice.model.openai import Dialect, OpenAICodec
from rtvoice.model.openai.server import OpenAIServerCodec
from rtvoice.model.session_config import (
    FunctionTool,
    SemanticVad,
    ServerVad,
    SessionConfig,
    Transcription,
)

from .flows import Frame, client_frames, flow_names, load_flow, server_frames

CONV = "conv_CTm4bYh3Qz7sP0wLx9vNe"
DEFAULT_INSTRUCTIONS = (
    "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI. Act like a "
    "human, but remember that you aren't a human and that you can't do human things in the "
    "real world."
)
DEFAULT_VAD = ServerVad(
    threshold=0.5,
    prefix_padding_ms=300,
    silence_duration_ms=200,
    idle_timeout_ms=None,
    create_response=True,
    interrupt_response=True,
)


def decode_all(name: str, dialect: Dialect = "ga") -> list[ModelEvent]:
    codec = OpenAICodec(dialect)
    return [event for frame in server_frames(name) for event in codec.decode(frame.text)]


def kinds(events: list[ModelEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


def b64(frame: Frame, key: str) -> bytes:
    return base64.b64decode(frame.obj[key])


# ---------------------------------------------------------------------------------------------
# §7.0


def test_7_0_session_created_maps_the_observed_ga_defaults() -> None:
    [event] = OpenAICodec().decode(server_frames("7_0_session_start")[0].text)
    assert event == SessionCreated(
        session_id="sess_CTm4bXq0V8Jd2LzR1sYkA",
        expires_at=1763734807,
        session=SessionConfig(
            type="realtime",
            model="gpt-realtime-2025-08-28",
            instructions=DEFAULT_INSTRUCTIONS,
            output_modalities=("audio",),
            input_format="pcm16",
            output_format="pcm16",
            voice="alloy",
            speed=1.0,
            transcription=None,
            noise_reduction=None,
            turn_detection=DEFAULT_VAD,
            tools=(),
            tool_choice="auto",
            max_output_tokens="inf",
            tracing=None,
            prompt=None,
            extra={"truncation": "auto", "include": None},
        ),
    )


SESSION_7_0 = SessionConfig(
    instructions="Keep answers short.",
    output_modalities=("audio",),
    input_format="pcm16",
    output_format="pcm16",
    voice="marin",
    transcription=Transcription(model="gpt-4o-mini-transcribe"),
    turn_detection=SemanticVad(eagerness="auto", interrupt_response=True),
)


def test_7_0_session_updated_reports_the_effective_config() -> None:
    [event] = OpenAICodec().decode(server_frames("7_0_session_start")[1].text)
    assert isinstance(event, SessionUpdated)
    assert event.session.transcription == Transcription(model="gpt-4o-mini-transcribe")
    assert event.session.turn_detection == SemanticVad(
        eagerness="auto", create_response=True, interrupt_response=True
    )
    assert event.session.voice == "marin"
    assert event.session.instructions == "Keep answers short."


# ---------------------------------------------------------------------------------------------
# §7.a

U = "item_CTm4c1sV7pQhR2yZ0wLkd"
A = "item_CTm4c2Bn8XoF3qT5uWvYe"
R = "resp_CTm4c2Ag1LmP9sV0rQzXc"


def test_7_a_text_to_audio_gives_the_ga_event_sequence() -> None:
    events = decode_all("7_a_text_to_audio")
    assert kinds(events) == [
        "ItemAdded",
        "ItemDone",
        "ResponseCreated",
        "OutputItemAdded",
        "ItemAdded",
        "ContentPartAdded",
        "AudioTranscriptDelta",
        "AudioDelta",
        "AudioDelta",
        "AudioTranscriptDelta",
        "AudioDelta",
        "AudioDone",
        "AudioTranscriptDone",
        "ContentPartDone",
        "ItemDone",
        "OutputItemDone",
        "ResponseDone",
        "RateLimitsUpdated",
    ]
    user = MessageItem(
        role="user",
        content=(InputText(text="Say hello in one short sentence."),),
        id=U,
        status="completed",
    )
    assert events[0] == ItemAdded(item=user, previous_item_id=None)
    assert events[1] == ItemDone(item=user, previous_item_id=None)
    assert events[2] == ResponseCreated(
        response=ResponseInfo(
            id=R,
            status="in_progress",
            conversation_id=CONV,
            output_modalities=("audio",),
            max_output_tokens="inf",
            voice="marin",
        )
    )
    empty = MessageItem(role="assistant", id=A, status="in_progress")
    assert events[3] == OutputItemAdded(response_id=R, output_index=0, item=empty)
    assert events[4] == ItemAdded(item=empty, previous_item_id=U)
    assert events[5] == ContentPartAdded(
        response_id=R, item_id=A, output_index=0, content_index=0, part=OutputAudio(transcript="")
    )
    assert events[6] == AudioTranscriptDelta(
        response_id=R, item_id=A, output_index=0, content_index=0, delta="Hello there!"
    )
    audio = [e for e in events if isinstance(e, AudioDelta)]
    assert [len(e.audio) for e in audio] == [2400, 4800, 3600]
    frames = [f for f in server_frames("7_a_text_to_audio") if "audio.delta" in f.obj["type"]]
    assert [e.audio for e in audio] == [b64(f, "delta") for f in frames]
    assert {(e.response_id, e.item_id, e.output_index, e.content_index) for e in audio} == {
        (R, A, 0, 0)
    }
    assert events[11] == AudioDone(response_id=R, item_id=A, output_index=0, content_index=0)
    transcript = "Hello there! Nice to meet you."
    assert events[12] == AudioTranscriptDone(
        response_id=R, item_id=A, output_index=0, content_index=0, transcript=transcript
    )
    assert events[13] == ContentPartDone(
        response_id=R,
        item_id=A,
        output_index=0,
        content_index=0,
        part=OutputAudio(transcript=transcript),
    )
    final = MessageItem(
        role="assistant",
        content=(OutputAudio(transcript=transcript),),
        id=A,
        status="completed",
    )
    assert events[14] == ItemDone(item=final, previous_item_id=U)
    assert events[15] == OutputItemDone(response_id=R, output_index=0, item=final)
    done = events[16]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "completed"
    assert done.response.status_details is None
    assert done.response.output == (final,)
    assert done.response.usage == Usage(
        total_tokens=1156,
        input_tokens=1031,
        output_tokens=125,
        input_text_tokens=1031,
        cached_tokens=896,
        cached_text_tokens=896,
        output_text_tokens=27,
        output_audio_tokens=98,
    )
    assert events[17] == RateLimitsUpdated(
        rate_limits=(RateLimit(name="tokens", limit=40000, remaining=38844, reset_seconds=1.734),)
    )


def test_7_a_text_only_streams_text_events() -> None:
    events = decode_all("7_a_text_only")
    assert kinds(events)[5:11] == [
        "ContentPartAdded",
        "TextDelta",
        "TextDelta",
        "TextDone",
        "ContentPartDone",
        "ItemDone",
    ]
    a2, r2 = "item_CTm5ArT1bG6hJ9cMe4uQf", "resp_CTm5ArSx0K2nV7yLd3wPa"
    ref = {"response_id": r2, "item_id": a2, "output_index": 0, "content_index": 0}
    assert events[5] == ContentPartAdded(**ref, part=OutputText(text=""))
    assert [e.delta for e in events if isinstance(e, TextDelta)] == ["Blue", "."]
    assert events[8] == TextDone(**ref, text="Blue.")
    assert events[10] == ItemDone(
        item=MessageItem(
            role="assistant", content=(OutputText(text="Blue."),), id=a2, status="completed"
        ),
        previous_item_id="item_CTm5Aq8LwZ3vN0xPk2sYd",
    )
    created = events[2]
    assert isinstance(created, ResponseCreated)
    assert created.response.output_modalities == ("text",)
    assert created.response.metadata == {"turn": "2"}


def test_7_a_beta_decodes_to_the_same_ga_order() -> None:
    events = decode_all("7_a_beta", "beta")
    assert kinds(events) == [
        "SessionCreated",
        "ConversationCreated",
        "SessionUpdated",
        "ItemAdded",
        "ItemDone",  # synthetic: beta conversation.item.created of a completed item
        "ResponseCreated",
        "OutputItemAdded",
        "ItemAdded",  # the assistant item, still in progress: no ItemDone yet
        "ContentPartAdded",
        "AudioTranscriptDelta",
        "AudioDelta",
        "AudioDelta",
        "AudioDone",
        "AudioTranscriptDone",
        "ContentPartDone",
        "ItemDone",  # synthetic: from response.output_item.done
        "OutputItemDone",
        "ResponseDone",
        "RateLimitsUpdated",
    ]
    created = events[0]
    assert isinstance(created, SessionCreated)
    assert created.session == SessionConfig(
        model="gpt-4o-realtime-preview-2024-12-17",
        instructions=DEFAULT_INSTRUCTIONS,
        output_modalities=("audio",),
        input_format="pcm16",
        output_format="pcm16",
        voice="alloy",
        speed=1.1,
        transcription=None,
        noise_reduction=None,
        turn_detection=ServerVad(
            threshold=0.5,
            prefix_padding_ms=300,
            silence_duration_ms=200,
            create_response=True,
            interrupt_response=True,
        ),
        tools=(),
        tool_choice="auto",
        max_output_tokens="inf",
        temperature=0.8,
    )
    assert created.session_id == "sess_BTx2kQ9mZ4rV1nS7pLwYe"
    assert events[1] == ConversationCreated(conversation_id="conv_BTx2kR0aLs8Dn3fG6hJkP")
    ba = "item_BTx2lB7yN1fK4gX6vCsPo"
    final = MessageItem(
        role="assistant", content=(OutputAudio(transcript="Hello!"),), id=ba, status="completed"
    )
    assert events[15] == ItemDone(item=final)
    assert events[16] == OutputItemDone(
        response_id="resp_BTx2lBk9Wq3eD0rT5yUiO", output_index=0, item=final
    )
    done = events[17]
    assert isinstance(done, ResponseDone)
    assert done.response.voice == "verse"
    assert done.response.output_modalities == ("audio",)
    assert done.response.usage == Usage(
        total_tokens=412,
        input_tokens=380,
        output_tokens=32,
        input_text_tokens=380,
        output_text_tokens=8,
        output_audio_tokens=24,
    )
    limits = events[18]
    assert isinstance(limits, RateLimitsUpdated)
    assert [r.name for r in limits.rate_limits] == ["requests", "tokens"]
    audio = b"".join(e.audio for e in events if isinstance(e, AudioDelta))
    assert audio == bytes((i * 37) % 256 for i in range(800))


def test_a_ga_codec_reads_beta_frames_but_adds_no_item_done_to_output_item_done() -> None:
    events = decode_all("7_a_beta", "ga")
    # Beta-only names are recognised whatever the dialect ...
    assert "UnknownEvent" not in kinds(events)
    assert "DecodeError" not in kinds(events)
    assert kinds(events)[3:5] == ["ItemAdded", "ItemDone"]
    # ... but response.output_item.done exists in GA too; only a beta codec synthesises.
    assert kinds(events)[15:17] == ["OutputItemDone", "ResponseDone"]


# ---------------------------------------------------------------------------------------------
# §7.b


def test_7_b_vad_turn_with_interleaved_transcription() -> None:
    events = decode_all("7_b_audio_vad")
    vu = "item_CTm6Jd4kWq1xB8nZs0cLe"
    assert events[:5] == [
        SpeechStarted(audio_start_ms=120, item_id=vu),
        SpeechStopped(audio_end_ms=1480, item_id=vu),
        InputAudioCommitted(item_id=vu, previous_item_id="item_CTm5ArT1bG6hJ9cMe4uQf"),
        ItemAdded(
            item=MessageItem(role="user", content=(InputAudio(),), id=vu, status="completed"),
            previous_item_id="item_CTm5ArT1bG6hJ9cMe4uQf",
        ),
        ItemDone(
            item=MessageItem(role="user", content=(InputAudio(),), id=vu, status="completed"),
            previous_item_id="item_CTm5ArT1bG6hJ9cMe4uQf",
        ),
    ]
    transcription = [
        e for e in events if isinstance(e, (InputTranscriptionDelta, InputTranscriptionCompleted))
    ]
    assert transcription == [
        InputTranscriptionDelta(item_id=vu, delta="What's the", content_index=0),
        InputTranscriptionDelta(item_id=vu, delta=" weather?", content_index=0),
        InputTranscriptionCompleted(
            item_id=vu,
            transcript="What's the weather?",
            content_index=0,
            usage=TranscriptionUsage(
                type="tokens",
                input_tokens=17,
                output_tokens=6,
                total_tokens=23,
                input_audio_tokens=17,
            ),
        ),
    ]
    assert kinds(events)[-6:] == [
        "ItemDone",
        "OutputItemDone",
        "ResponseDone",
        "RateLimitsUpdated",
        "InputAudioCommitted",
        "InputAudioCleared",
    ]
    assert events[-1] == InputAudioCleared()


# ---------------------------------------------------------------------------------------------
# §7.c

F = "item_CTm7Pq2wEr5tY8uIo1pAs"
CALL = "call_Jx7Q2mVbS0kLpR3t"
FR = "resp_CTm7Pp1qWe4rT7yUi0oPa"


def test_7_c_function_call_arguments_stream_with_call_id() -> None:
    events = decode_all("7_c_function_call")
    updated = events[0]
    assert isinstance(updated, SessionUpdated)
    assert updated.session.tools == (
        FunctionTool(
            name="get_weather",
            description="Current weather for a city.",
            parameters={
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        ),
    )
    added = FunctionCallItem(
        call_id=CALL, name="get_weather", arguments="", id=F, status="in_progress"
    )
    assert events[4] == OutputItemAdded(response_id=FR, output_index=0, item=added)
    assert events[5] == ItemAdded(item=added, previous_item_id="item_CTm7Oz9xCv6bN3mLk0jHg")
    deltas = [e for e in events if isinstance(e, FunctionCallArgumentsDelta)]
    assert [(d.call_id, d.item_id, d.response_id) for d in deltas] == [(CALL, F, FR)] * 3
    assert "".join(d.delta for d in deltas) == '{"city":"Tokyo"}'
    assert events[9] == FunctionCallArgumentsDone(
        response_id=FR,
        item_id=F,
        output_index=0,
        call_id=CALL,
        name="get_weather",
        arguments='{"city":"Tokyo"}',
    )
    final = FunctionCallItem(
        call_id=CALL, name="get_weather", arguments='{"city":"Tokyo"}', id=F, status="completed"
    )
    assert kinds(events)[10:13] == ["ItemDone", "OutputItemDone", "ResponseDone"]
    assert events[10] == ItemDone(item=final, previous_item_id="item_CTm7Oz9xCv6bN3mLk0jHg")
    output = FunctionCallOutputItem(
        call_id=CALL, output='{"temp":21}', id="item_CTm7Sd3fGh6jK9lZx2cVb"
    )
    assert events[14] == ItemAdded(item=output, previous_item_id=F)
    assert events[15] == ItemDone(item=output, previous_item_id=F)


# ---------------------------------------------------------------------------------------------
# §7.d, §7.e, §7.f


def test_7_d_interruption_cancels_with_turn_detected() -> None:
    events = decode_all("7_d_interruption")
    assert kinds(events) == [
        "AudioDelta",
        "SpeechStarted",
        "AudioDone",
        "AudioTranscriptDone",
        "ContentPartDone",
        "ItemDone",
        "OutputItemDone",
        "ResponseDone",
        "ItemTruncated",
        "RateLimitsUpdated",
        "SpeechStopped",
        "InputAudioCommitted",
    ]
    done = events[7]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "cancelled"
    assert done.response.status_details == StatusDetails(type="cancelled", reason="turn_detected")
    partial = done.response.output[0]
    assert isinstance(partial, MessageItem)
    assert partial.status == "incomplete"
    assert partial.content == (OutputAudio(transcript="Sure, the weather in Tokyo is"),)
    assert events[8] == ItemTruncated(
        item_id="item_CTm8Wq0eRt3yUi6oPa9sD", content_index=0, audio_end_ms=1850
    )


def test_7_e_client_cancel_and_cancel_not_active() -> None:
    events = decode_all("7_e_cancel")
    done = events[5]
    assert isinstance(done, ResponseDone)
    assert done.response.status_details == StatusDetails(
        type="cancelled", reason="client_cancelled"
    )
    assert events[6] == OutputAudioBufferCleared(response_id="resp_CTm9Ab0zYx9wVu8tSr7qP")
    assert events[7] == ErrorEvent(
        error=ErrorInfo(
            type="invalid_request_error",
            code="response_cancel_not_active",
            message="Cancellation failed: no active response found",
            param=None,
            event_id="evt_e003",
        )
    )


def test_7_f_errors_keep_code_param_and_event_id() -> None:
    invalid, busy = decode_all("7_f_errors")
    assert isinstance(invalid, ErrorEvent)
    assert invalid.error.code == "invalid_value"
    assert invalid.error.param == "type"
    assert invalid.error.event_id is None
    assert invalid.error.message.startswith("Invalid value: 'nope'. Supported values are:")
    assert isinstance(busy, ErrorEvent)
    assert busy.error.code == "conversation_already_has_active_response"
    assert busy.error.event_id == "evt_2"


def test_7_f_the_server_codec_answers_an_unknown_type_like_the_server() -> None:
    [nope, _] = client_frames("7_f_errors")
    error = OpenAIServerCodec().decode(nope.text)
    assert not isinstance(error, UpdateSession)
    assert error.code == "invalid_value"  # type: ignore[union-attr]
    assert error.param == "type"  # type: ignore[union-attr]
    assert error.event_id is None  # type: ignore[union-attr]
    assert error.message.startswith(  # type: ignore[union-attr]
        "Invalid value: 'nope'. Supported values are: 'session.update', "
        "'input_audio_buffer.append', "
    )
    assert error.message.endswith("'response.create', and 'response.cancel'.")  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------
# §7.g


def test_7_g_transcription_session() -> None:
    events = decode_all("7_g_transcription")
    created = events[0]
    assert isinstance(created, SessionCreated)
    assert created.session == SessionConfig(
        type="transcription",
        input_format="pcm16",
        transcription=None,
        noise_reduction=None,
        turn_detection=ServerVad(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=200),
        extra={"include": None},
    )
    updated = events[1]
    assert isinstance(updated, SessionUpdated)
    assert updated.session.transcription == Transcription(model="gpt-4o-mini-transcribe")
    assert kinds(events)[2:] == [
        "SpeechStarted",
        "InputAudioCommitted",
        "ItemAdded",
        "ItemDone",
        "InputTranscriptionDelta",
        "InputTranscriptionDelta",
        "InputTranscriptionCompleted",
    ]
    completed = events[-1]
    assert isinstance(completed, InputTranscriptionCompleted)
    assert completed.transcript == "Testing one two."
    assert not any(isinstance(e, (ResponseCreated, RateLimitsUpdated)) for e in events)


# ---------------------------------------------------------------------------------------------
# Client frames: encode (client codec) and decode (server codec)


def _frames_audio(name: str) -> list[bytes]:
    return [b64(f, "audio") for f in client_frames(name) if "audio" in f.obj]


CLIENT_COMMANDS: dict[str, list[ModelCommand]] = {
    "7_0_session_start": [UpdateSession(session=SESSION_7_0, event_id="evt_0001")],
    "7_a_text_to_audio": [
        CreateItem(
            item=MessageItem(
                role="user", content=(InputText(text="Say hello in one short sentence."),)
            ),
            event_id="evt_a001",
        ),
        CreateResponse(event_id="evt_a002"),
    ],
    "7_a_text_only": [
        CreateItem(
            item=MessageItem(role="user", content=(InputText(text="Name a color."),)),
            previous_item_id=A,
        ),
        CreateResponse(
            response=ResponseParams(output_modalities=("text",), metadata={"turn": "2"})
        ),
    ],
    "7_b_audio_vad": [
        AppendInputAudio(audio=_frames_audio("7_b_audio_vad")[0]),
        AppendInputAudio(audio=_frames_audio("7_b_audio_vad")[1]),
        AppendInputAudio(audio=_frames_audio("7_b_audio_vad")[2], event_id="evt_v003"),
        AppendInputAudio(audio=_frames_audio("7_b_audio_vad")[3]),
        CommitInputAudio(event_id="evt_v010"),
        ClearInputAudio(event_id="evt_v011"),
    ],
    "7_c_function_call": [
        UpdateSession(
            session=SessionConfig(
                tools=(
                    FunctionTool(
                        name="get_weather",
                        description="Current weather for a city.",
                        parameters={
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    ),
                ),
                tool_choice="auto",
            ),
            event_id="evt_c001",
        ),
        CreateItem(
            item=MessageItem(
                role="user", content=(InputText(text="What's the weather in Tokyo?"),)
            ),
            event_id="evt_c002",
        ),
        CreateResponse(event_id="evt_c003"),
        CreateItem(
            item=FunctionCallOutputItem(call_id=CALL, output='{"temp":21}'), event_id="evt_c004"
        ),
        CreateResponse(event_id="evt_c005"),
    ],
    "7_d_interruption": [
        AppendInputAudio(audio=_frames_audio("7_d_interruption")[0]),
        TruncateItem(
            item_id="item_CTm8Wq0eRt3yUi6oPa9sD",
            content_index=0,
            audio_end_ms=1850,
            event_id="evt_d001",
        ),
    ],
    "7_e_cancel": [
        CancelResponse(event_id="evt_e001"),
        ClearOutputAudio(event_id="evt_e002"),
        CancelResponse(response_id="resp_CTm9Ab0zYx9wVu8tSr7qP", event_id="evt_e003"),
    ],
    "7_f_errors": [
        SendRaw(event={"type": "nope"}),
        CreateResponse(event_id="evt_2"),
    ],
    "7_g_transcription": [
        UpdateSession(
            session=SessionConfig(
                type="transcription",
                input_format="pcm16",
                transcription=Transcription(model="gpt-4o-mini-transcribe"),
                turn_detection=ServerVad(),
            ),
            event_id="evt_g001",
        ),
        AppendInputAudio(audio=_frames_audio("7_g_transcription")[0]),
        AppendInputAudio(audio=_frames_audio("7_g_transcription")[1]),
        CommitInputAudio(event_id="evt_g002"),
    ],
}

BETA_CLIENT_COMMANDS: list[ModelCommand] = [
    UpdateSession(
        session=SessionConfig(
            instructions="Keep answers short.",
            output_modalities=("audio",),
            voice="verse",
            input_format="pcm16",
            output_format="g711_ulaw",
            transcription=Transcription(model="whisper-1"),
            turn_detection=None,
            temperature=0.7,
        ),
        event_id="evt_b001",
    ),
    CreateItem(
        item=MessageItem(
            role="user", content=(InputText(text="Say hello in one short sentence."),)
        ),
        event_id="evt_b002",
    ),
    CreateResponse(
        response=ResponseParams(
            output_modalities=("audio",), voice="verse", output_format="g711_ulaw"
        ),
        event_id="evt_b003",
    ),
]


def test_every_ga_flow_has_its_client_commands() -> None:
    ga_flows = {n for n in flow_names() if "beta" not in n and client_frames(n)}
    assert set(CLIENT_COMMANDS) == ga_flows


@pytest.mark.parametrize("name", sorted(CLIENT_COMMANDS))
def test_commands_encode_to_the_literal_client_frames(name: str) -> None:
    codec = OpenAICodec()
    encoded = [json.loads(codec.encode(c)) for c in CLIENT_COMMANDS[name]]
    assert encoded == [f.obj for f in client_frames(name)]


def test_beta_commands_encode_to_the_literal_beta_client_frames() -> None:
    codec = OpenAICodec("beta")
    encoded = [json.loads(codec.encode(c)) for c in BETA_CLIENT_COMMANDS]
    assert encoded == [f.obj for f in client_frames("7_a_beta")]


@pytest.mark.parametrize("name", sorted(CLIENT_COMMANDS))
def test_the_server_codec_reads_the_client_frames_back(name: str) -> None:
    server = OpenAIServerCodec(webrtc=True)
    for frame, command in zip(client_frames(name), CLIENT_COMMANDS[name], strict=True):
        if isinstance(command, SendRaw):
            continue  # an unknown type: 7.f expects an error (tested above)
        assert server.decode(frame.text) == command


def test_the_beta_server_codec_reads_the_beta_client_frames_back() -> None:
    server = OpenAIServerCodec("beta")
    decoded = [server.decode(f.text) for f in client_frames("7_a_beta")]
    assert decoded == BETA_CLIENT_COMMANDS


# ---------------------------------------------------------------------------------------------
# Server frames: the server codec writes what the server sends

# What the neutral vocabulary does not carry, so a re-encoded frame cannot have it: the random
# ``obfuscation`` padding, the response's output format and (beta) temperature, and the
# difference between an absent field and a ``null`` one (checked by dedicated tests).
_NOT_CARRIED = {"obfuscation", "output_audio_format", "temperature", "client_secret"}


def _normalise(value: Any, path: tuple[str, ...] = ()) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is None or (k in _NOT_CARRIED and path[:1] != ("session",)):
                continue
            if path[-2:] == ("audio", "output") and k == "format" and path[:1] == ("response",):
                continue
            out[k] = _normalise(v, (*path, k))
        return out
    if isinstance(value, list):
        return [_normalise(v, path) for v in value]
    return value


@pytest.mark.parametrize("name", flow_names())
def test_the_server_codec_writes_the_literal_server_frames(name: str) -> None:
    dialect: Dialect = "beta" if "beta" in name else "ga"
    frames = server_frames(name)
    ids = iter([f.obj.get("event_id", "") for f in frames])
    server = OpenAIServerCodec(dialect, event_ids=lambda: next(ids))
    client = OpenAICodec(dialect)
    written: list[dict[str, Any]] = []
    for frame in frames:
        for event in client.decode(frame.text):
            written.extend(json.loads(text) for text in server.encode(event))
    expected = [_normalise(f.obj) for f in frames]
    assert [_normalise(w) for w in written] == expected


def test_load_flow_keeps_the_order_of_both_directions() -> None:
    frames = load_flow("7_a_text_to_audio")
    assert [f.direction for f in frames[:3]] == ["C", "C", "S"]
