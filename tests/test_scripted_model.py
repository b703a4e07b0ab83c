"""ScriptedModel (the script's semantics and its failures) and ServerEvents (§7 sequences)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import anyio
import pytest

from rtvoice.errors import (
    AuthenticationError,
    ConnectionLostError,
    InvalidRequestError,
    TransportClosedError,
    TransportError,
    UserError,
)
from rtvoice.model import ConnectRequest, ModelConnector, RealtimeModel
from rtvoice.model.commands import (
    AppendInputAudio,
    CancelResponse,
    CreateItem,
    CreateResponse,
    ModelCommand,
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
    ErrorEvent,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    ItemAdded,
    ItemDone,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    ResponseCreated,
    ResponseDone,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    TextDelta,
    TextDone,
)
from rtvoice.model.items import (
    FunctionCallItem,
    FunctionCallOutputItem,
    InputText,
    MessageItem,
    OutputAudio,
    OutputText,
)
from rtvoice.model.openai import OpenAICodec
from rtvoice.model.openai.server import OpenAIServerCodec
from rtvoice.model.session_config import SessionConfig
from rtvoice.simulator import decode_speech
from rtvoice.testing import ScriptedModel, ScriptMismatchError, ServerEvents

anyio_mark = pytest.mark.anyio

SPEECH_STARTED = SpeechStarted(audio_start_ms=0, item_id="item_u")


def user_text(text: str) -> CreateItem:
    return CreateItem(item=MessageItem(role="user", content=(InputText(text=text),)))


async def drain(model: ScriptedModel, seen: list[ModelEvent] | None = None) -> list[ModelEvent]:
    """Read every event (into ``seen`` too, so they survive an exception)."""
    seen = [] if seen is None else seen
    async for event in model.events():
        seen.append(event)
    return seen


async def run_with(
    model: ScriptedModel, actions: Callable[[], Awaitable[None]]
) -> list[ModelEvent]:
    """Read the model in one task while ``actions`` sends commands in another."""
    seen: list[ModelEvent] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(drain, model, seen)
        await actions()
    return seen


# ---------------------------------------------------------------------------------------------
# A tiny "session" that drives a model the way the real one does, to show the intended use


async def say_hello(model: RealtimeModel) -> str:
    """Configure, send one user message, ask for a response, return what the assistant said."""
    async for event in model.events():
        if isinstance(event, SessionCreated):
            await model.send(UpdateSession(session=SessionConfig(instructions="Be brief.")))
        elif isinstance(event, SessionUpdated):
            await model.send(user_text("Hello?"))
            await model.send(CreateResponse())
        elif isinstance(event, ResponseDone):
            item = event.response.output[0]
            assert isinstance(item, MessageItem)
            part = item.content[0]
            assert isinstance(part, OutputText)
            await model.close()
            return part.text
    raise AssertionError("the model ended before the response")


@anyio_mark
async def test_a_scripted_conversation_runs_to_the_end() -> None:
    model = ScriptedModel()
    server = model.server
    model.handshake()
    model.expect(CreateItem, reply=server.item_events_for)
    model.expect(CreateResponse, reply=lambda _: server.text_response("Hi there."))
    connector: ModelConnector = model
    with anyio.fail_after(5):
        connected = await connector(ConnectRequest(url="ws://unused.invalid/v1/realtime"))
        assert await say_hello(connected) == "Hi there."
    model.assert_done()
    assert [type(command) for command in model.sent] == [UpdateSession, CreateItem, CreateResponse]
    assert model.closed
    assert model.request is not None
    assert model.request.url.startswith("ws://unused")


@anyio_mark
async def test_the_session_fails_loudly_when_it_strays_from_the_script() -> None:
    model = ScriptedModel().handshake()
    model.expect(CreateResponse)  # but say_hello sends a CreateItem first
    with anyio.fail_after(5), pytest.raises(ScriptMismatchError) as caught:
        await say_hello(model)
    message = str(caught.value)
    assert "step 3 of 3 (expect CreateResponse, scripted at test_scripted_model.py:" in message
    assert "the session sent CreateItem(item=MessageItem(role='user'" in message
    assert "commands received so far:\n  UpdateSession(" in message
    with pytest.raises(TransportClosedError) as after:
        await model.send(CreateResponse())
    assert after.value.__cause__ is caught.value
    with pytest.raises(ScriptMismatchError) as done:
        model.assert_done()
    assert done.value.__cause__ is caught.value


# ---------------------------------------------------------------------------------------------
# Steps


@anyio_mark
async def test_emit_hands_out_events_in_order_and_flattens_lists() -> None:
    server = ServerEvents()
    error = server.error("boom", code="server_error", type="server_error")
    model = ScriptedModel().emit(SPEECH_STARTED, [error, SPEECH_STARTED]).emit(error)
    with anyio.fail_after(5):
        events = model.events()
        seen = [await events.__anext__() for _ in range(4)]
    assert seen == [SPEECH_STARTED, error, SPEECH_STARTED, error]
    model.assert_done()


def test_emit_rejects_what_is_not_an_event() -> None:
    with pytest.raises(TypeError, match="not a model event"):
        ScriptedModel().emit([CreateResponse()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="expected a model event"):
        ScriptedModel().emit("session.created")  # type: ignore[arg-type]


@anyio_mark
async def test_replies_are_built_lazily_from_the_matched_command() -> None:
    calls: list[ModelCommand] = []

    def reply(command: CreateResponse) -> ModelEvent:
        calls.append(command)
        return SPEECH_STARTED

    model = ScriptedModel().emit(SPEECH_STARTED).expect(CreateResponse, reply=reply)
    command = CreateResponse(event_id="evt_7")
    with anyio.fail_after(5):
        events = model.events()
        await events.__anext__()
        assert calls == []  # nothing is prepared ahead of the reader
        await model.send(command)
        assert await events.__anext__() == SPEECH_STARTED
    assert calls == [command]


@anyio_mark
@pytest.mark.parametrize(
    ("matcher", "sent"),
    [
        pytest.param(CreateResponse, CreateResponse(event_id="e1"), id="class"),
        pytest.param(
            CancelResponse(response_id="r1"), CancelResponse(response_id="r1"), id="equal"
        ),
        pytest.param(
            CancelResponse(response_id="r1"),
            CancelResponse(response_id="r1", event_id="e9"),
            id="equal-but-unset-event-id",
        ),
        pytest.param(
            lambda c: isinstance(c, TruncateItem) and c.audio_end_ms > 0,
            TruncateItem(item_id="i", audio_end_ms=5),
            id="predicate",
        ),
    ],
)
async def test_expect_matches(matcher: object, sent: ModelCommand) -> None:
    model = ScriptedModel().expect(matcher).end()  # type: ignore[call-overload]
    with anyio.fail_after(5):
        await model.send(sent)
        await drain(model)
    model.assert_done()


@anyio_mark
@pytest.mark.parametrize(
    ("matcher", "sent", "described"),
    [
        pytest.param(CreateResponse, CancelResponse(), "expect CreateResponse", id="class"),
        pytest.param(
            CancelResponse(response_id="r1"),
            CancelResponse(response_id="r2"),
            "expect CancelResponse(response_id='r1'",
            id="equal",
        ),
        pytest.param(
            CancelResponse(event_id="e1"),
            CancelResponse(event_id="e2"),
            "event_id='e1'",
            id="event-id-when-set",
        ),
        pytest.param(
            lambda c: False, CancelResponse(), "expect a command satisfying", id="predicate"
        ),
    ],
)
async def test_expect_mismatches(matcher: object, sent: ModelCommand, described: str) -> None:
    model = ScriptedModel().expect(matcher)  # type: ignore[call-overload]
    with anyio.fail_after(5):
        await model.send(sent)
        with pytest.raises(ScriptMismatchError, match="step 1 of 1") as caught:
            await drain(model)
    assert described in str(caught.value)
    assert repr(sent) in str(caught.value)


@anyio_mark
async def test_where_narrows_a_class_and_names_the_predicate() -> None:
    def is_from_the_user(command: CreateItem) -> bool:
        return isinstance(command.item, MessageItem) and command.item.role == "user"

    model = ScriptedModel().expect(CreateItem, where=is_from_the_user)
    assistant = CreateItem(item=MessageItem(role="assistant", content=(OutputText(text="x"),)))
    with anyio.fail_after(5):
        await model.send(assistant)
        with pytest.raises(ScriptMismatchError) as caught:
            await drain(model)
    assert "expect CreateItem where " in str(caught.value)
    assert "is_from_the_user" in str(caught.value)


@anyio_mark
async def test_audio_appends_are_ignored_unless_expected() -> None:
    append = AppendInputAudio(audio=b"\x00" * 480)
    model = ScriptedModel().expect(CreateResponse).expect(AppendInputAudio).end()
    with anyio.fail_after(5):
        for command in (append, append, CreateResponse(), append):
            await model.send(command)
        await drain(model)
    model.assert_done()
    assert model.sent_of(AppendInputAudio) == [append, append, append]
    assert model.sent_of(CreateResponse) == [CreateResponse()]


@anyio_mark
async def test_ignore_can_be_emptied_to_make_audio_strict() -> None:
    model = ScriptedModel(ignore=()).expect(CreateResponse)
    with anyio.fail_after(5):
        await model.send(AppendInputAudio(audio=b"\x00\x00"))
        with pytest.raises(ScriptMismatchError, match="the session sent AppendInputAudio"):
            await drain(model)


@anyio_mark
async def test_allow_extra_skips_commands_of_other_types() -> None:
    model = ScriptedModel().expect(CreateResponse, allow_extra=True).expect(CancelResponse).end()
    with anyio.fail_after(5):
        for command in (user_text("a"), TruncateItem(item_id="i", audio_end_ms=1)):
            await model.send(command)
        await model.send(CreateResponse())
        await model.send(CancelResponse())
        await drain(model)
    model.assert_done()


@anyio_mark
async def test_an_expect_that_waits_too_long_fails_listing_what_came() -> None:
    model = ScriptedModel().expect(CreateResponse, timeout=0.05)
    with anyio.fail_after(5):
        await model.send(AppendInputAudio(audio=b"\x00\x00"))
        with pytest.raises(ScriptMismatchError) as caught:
            await drain(model)
    assert "no matching command came within 0.05 s (nothing, 1 ignored)" in str(caught.value)


@anyio_mark
async def test_the_default_expect_timeout_applies_to_every_step() -> None:
    model = ScriptedModel(expect_timeout=0.05).expect(CreateResponse)
    with anyio.fail_after(5), pytest.raises(ScriptMismatchError, match=r"within 0\.05 s"):
        await drain(model)


@anyio_mark
async def test_a_predicate_or_reply_that_raises_fails_the_script_with_its_cause() -> None:
    def broken(command: ModelCommand) -> bool:
        raise KeyError("oops")

    model = ScriptedModel().expect(broken)
    with anyio.fail_after(5):
        await model.send(CreateResponse())
        with pytest.raises(ScriptMismatchError, match="its predicate raised KeyError") as caught:
            await drain(model)
    assert isinstance(caught.value.__cause__, KeyError)

    model = ScriptedModel().expect(CreateResponse, reply=lambda _: ["not an event"])  # type: ignore[list-item]
    with anyio.fail_after(5):
        await model.send(CreateResponse())
        with pytest.raises(ScriptMismatchError, match="its reply raised TypeError"):
            await drain(model)


def test_expect_rejects_bad_matchers() -> None:
    with pytest.raises(TypeError, match="not a model command class"):
        ScriptedModel().expect(SessionCreated)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="takes a command class"):
        ScriptedModel().expect(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="where= needs a command class"):
        ScriptedModel().expect(CreateResponse(), where=lambda c: True)  # type: ignore[call-overload]


@anyio_mark
@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        (3000, AuthenticationError),
        (4000, InvalidRequestError),
        (1006, ConnectionLostError),
        (1011, ConnectionLostError),
    ],
)
async def test_end_with_an_error_code_raises_the_transport_error(
    code: int, error_type: type[TransportError]
) -> None:
    error = ServerEvents().error("Incorrect API key provided", code="invalid_api_key")
    model = ScriptedModel().emit(error).end(code, "invalid_request_error.invalid_api_key")
    seen: list[ModelEvent] = []
    with anyio.fail_after(5):
        with pytest.raises(error_type) as caught:
            await drain(model, seen)
        with pytest.raises(TransportClosedError) as after:
            await model.send(CreateResponse())
    assert seen == [error]  # the error event comes first, then the close (PROTOCOL.md §1.2)
    assert caught.value.code == code
    assert caught.value.reason == "invalid_request_error.invalid_api_key"
    assert after.value.code == code
    model.assert_done()


@anyio_mark
@pytest.mark.parametrize("code", [1000, 1001, 1005])
async def test_a_clean_end_ends_iteration(code: int) -> None:
    model = ScriptedModel().emit(SPEECH_STARTED).end(code).emit(SPEECH_STARTED)
    with anyio.fail_after(5):
        assert await drain(model) == [SPEECH_STARTED]
        with pytest.raises(TransportClosedError):
            await model.send(CreateResponse())
    with pytest.raises(ScriptMismatchError, match=r"step 3 \(emit SpeechStarted, scripted at"):
        model.assert_done()


def test_end_checks_its_arguments() -> None:
    with pytest.raises(UserError):
        ScriptedModel().end(999)
    with pytest.raises(UserError):
        ScriptedModel().end(1000, "x" * 124)


@anyio_mark
async def test_steps_added_while_the_model_waits_are_played() -> None:
    model = ScriptedModel().emit(SPEECH_STARTED)
    seen: list[ModelEvent] = []
    with anyio.fail_after(5):
        events = model.events()
        seen.append(await events.__anext__())
        async with anyio.create_task_group() as tasks:

            async def add_steps() -> None:
                await anyio.sleep(0.02)  # the reader is waiting with no step left
                model.expect(CreateResponse).emit(SPEECH_STARTED).end()
                await model.send(CreateResponse())

            tasks.start_soon(add_steps)
            seen.extend([event async for event in events])
    assert seen == [SPEECH_STARTED, SPEECH_STARTED]
    model.assert_done()


@anyio_mark
async def test_after_the_last_step_the_model_stays_open_until_closed() -> None:
    model = ScriptedModel().emit(SPEECH_STARTED)

    async def actions() -> None:
        await anyio.sleep(0.02)
        await model.send(AppendInputAudio(audio=b"\x00\x00"))  # ignored: fine
        assert not model.closed
        await model.close()

    with anyio.fail_after(5):
        assert await run_with(model, actions) == [SPEECH_STARTED]
    model.assert_done()


@anyio_mark
async def test_a_command_after_the_last_step_fails_the_script() -> None:
    model = ScriptedModel().emit(SPEECH_STARTED)
    seen: list[ModelEvent] = []
    with anyio.fail_after(5):
        events = model.events()
        seen.append(await events.__anext__())
        await model.send(CancelResponse())
        with pytest.raises(ScriptMismatchError) as caught:
            await events.__anext__()
    assert seen == [SPEECH_STARTED]
    message = str(caught.value)
    assert "no step was left (all 1 had run), but the session sent CancelResponse" in message


@anyio_mark
async def test_close_is_idempotent_cancellation_safe_and_ends_events() -> None:
    model = ScriptedModel().emit(SPEECH_STARTED).expect(CreateResponse)
    with anyio.fail_after(5):
        with anyio.CancelScope() as scope:
            scope.cancel()
            await model.close()
        await model.close()
        assert model.closed
        assert await drain(model) == []
        with pytest.raises(TransportClosedError, match="closed") as caught:
            await model.send(CreateResponse())
    assert caught.value.code == 1000
    assert model.sent == []


@anyio_mark
async def test_close_wakes_a_waiting_expect() -> None:
    model = ScriptedModel().expect(CreateResponse, timeout=10)

    async def actions() -> None:
        await anyio.sleep(0.02)
        await model.close()

    with anyio.fail_after(5):
        assert await run_with(model, actions) == []
    with pytest.raises(ScriptMismatchError, match="did not run"):
        model.assert_done()


@anyio_mark
async def test_events_may_be_iterated_once_and_connect_happens_once() -> None:
    model = ScriptedModel()
    model.events()
    with pytest.raises(UserError, match="only once"):
        model.events()
    request = ConnectRequest(url="ws://127.0.0.1:1/v1/realtime?model=gpt-realtime")
    assert await model(request) is model
    with pytest.raises(ScriptMismatchError, match="connected twice"):
        await model(request)


def test_assert_done_lists_remaining_steps_and_unexpected_commands() -> None:
    model = ScriptedModel().emit(SPEECH_STARTED).expect(CreateResponse)
    model.sent.append(CancelResponse())  # as if sent while nobody read the events
    with pytest.raises(ScriptMismatchError) as caught:
        model.assert_done()
    message = str(caught.value)
    assert "step 1 (emit SpeechStarted, scripted at test_scripted_model.py:" in message
    assert "step 2 (expect CreateResponse, scripted at" in message
    assert "unexpected command: CancelResponse(" in message


def test_repr_and_protocols() -> None:
    model = ScriptedModel().emit(SPEECH_STARTED)
    assert repr(model) == "<ScriptedModel open step 0/1, 0 commands received>"
    assert isinstance(model, RealtimeModel)
    assert isinstance(model, ModelConnector)


# ---------------------------------------------------------------------------------------------
# ServerEvents: the §7 sequences


def kinds(events: list[ModelEvent]) -> list[type]:
    return [type(event) for event in events]


def test_text_response_follows_7a_text_order() -> None:
    server = ServerEvents()
    events = server.text_response("Blue is nice.")
    assert kinds(events) == [
        ResponseCreated,
        OutputItemAdded,
        ItemAdded,
        ContentPartAdded,
        TextDelta,
        TextDelta,
        TextDelta,
        TextDone,
        ContentPartDone,
        ItemDone,
        OutputItemDone,
        ResponseDone,
    ]
    assert "".join(e.delta for e in events if isinstance(e, TextDelta)) == "Blue is nice."
    created, _, item_added, part_added = events[:4]
    assert isinstance(created, ResponseCreated)
    assert created.response.id == "resp_1"
    assert created.response.status == "in_progress"
    assert created.response.output_modalities == ("text",)
    assert isinstance(item_added, ItemAdded)
    assert item_added.item == MessageItem(role="assistant", id="item_1", status="in_progress")
    assert isinstance(part_added, ContentPartAdded)
    assert part_added.part == OutputText(text="")
    done = events[-1]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "completed"
    assert done.response.output == (
        MessageItem(
            role="assistant",
            content=(OutputText(text="Blue is nice."),),
            id="item_1",
            status="completed",
        ),
    )
    assert done.response.usage is not None
    assert done.response.usage.output_tokens == 3


def test_audio_response_follows_7a_order_and_chunks_the_audio() -> None:
    server = ServerEvents()
    audio = bytes(range(256)) * 40  # 10 240 bytes of PCM16: 213 ms, three 100 ms chunks
    events = server.audio_response("Hello there", audio, chunk_ms=100, item_id="item_a")
    assert kinds(events) == [
        ResponseCreated,
        OutputItemAdded,
        ItemAdded,
        ContentPartAdded,
        AudioTranscriptDelta,
        AudioDelta,
        AudioTranscriptDelta,
        AudioDelta,
        AudioDelta,
        AudioDone,
        AudioTranscriptDone,
        ContentPartDone,
        ItemDone,
        OutputItemDone,
        ResponseDone,
    ]
    chunks = [e.audio for e in events if isinstance(e, AudioDelta)]
    assert [len(chunk) for chunk in chunks] == [4800, 4800, 640]
    assert b"".join(chunks) == audio
    assert all(e.item_id == "item_a" for e in events if isinstance(e, AudioDelta))
    final = events[-3]
    assert isinstance(final, ItemDone)
    assert final.item == MessageItem(
        role="assistant",
        content=(OutputAudio(transcript="Hello there"),),
        id="item_a",
        status="completed",
    )


def test_audio_response_speaks_the_transcript_by_default() -> None:
    events = ServerEvents().audio_response("hi", chunk_ms=40)
    audio = b"".join(e.audio for e in events if isinstance(e, AudioDelta))
    assert decode_speech(audio) == "hi"


def test_function_call_response_follows_7c_order() -> None:
    server = ServerEvents()
    events = server.function_call_response("get_weather", {"city": "Tokyo", "unit": "celsius"})
    assert kinds(events) == [
        ResponseCreated,
        OutputItemAdded,
        ItemAdded,
        FunctionCallArgumentsDelta,
        FunctionCallArgumentsDelta,
        FunctionCallArgumentsDelta,
        FunctionCallArgumentsDone,
        ItemDone,
        OutputItemDone,
        ResponseDone,
    ]
    arguments = json.dumps({"city": "Tokyo", "unit": "celsius"})
    deltas = [e for e in events if isinstance(e, FunctionCallArgumentsDelta)]
    assert "".join(e.delta for e in deltas) == arguments
    done = events[6]
    assert isinstance(done, FunctionCallArgumentsDone)
    assert (done.name, done.arguments, done.call_id, done.item_id) == (
        "get_weather",
        arguments,
        "call_1",
        "item_1",
    )
    started = events[2]
    assert isinstance(started, ItemAdded)
    assert started.item == FunctionCallItem(
        call_id="call_1", name="get_weather", id="item_1", status="in_progress"
    )


def test_items_link_up_in_conversation_order() -> None:
    server = ServerEvents()
    user = server.user_item_events("Hi")
    reply = server.text_response("Hello.")
    call = server.function_call_response("lookup", call_id="call_x")
    output = server.item_events_for(
        CreateItem(item=FunctionCallOutputItem(call_id="call_x", output='{"ok": true}'))
    )
    first = server.item_events_for(
        CreateItem(item=MessageItem(role="system"), previous_item_id="root")
    )
    added = [e for e in [*user, *reply, *call, *output, *first] if isinstance(e, ItemAdded)]
    assert [(e.item.id, e.previous_item_id) for e in added] == [
        ("item_1", None),
        ("item_2", "item_1"),
        ("item_3", "item_2"),
        ("item_4", "item_3"),
        ("item_5", None),
    ]
    assert kinds(user) == [ItemAdded, ItemDone]
    assert user[0].item == MessageItem(  # type: ignore[union-attr]
        role="user", content=(InputText(text="Hi"),), id="item_1", status="completed"
    )
    assert output[1].item == FunctionCallOutputItem(  # type: ignore[union-attr]
        call_id="call_x", output='{"ok": true}', id="item_4"
    )
    assert server.last_item_id == "item_4"
    ids = [e.response.id for e in [*reply, *call] if isinstance(e, ResponseCreated)]
    assert ids == ["resp_1", "resp_2"]


def test_sessions_are_created_and_updated_like_the_server_does() -> None:
    server = ServerEvents(model="gpt-realtime-mini")
    created = server.session_created(SessionConfig(voice="ash"))
    assert created.session.model == "gpt-realtime-mini"
    assert created.session.voice == "ash"
    assert created.session.output_modalities == ("audio",)
    assert created.session_id == "sess_1"
    updated = server.session_updated_for(
        UpdateSession(session=SessionConfig(instructions="Be brief.", tools=()))
    )
    assert updated.session.instructions == "Be brief."
    assert updated.session.voice == "ash"  # kept from the created session
    assert server.session == updated.session
    with pytest.raises(ScriptMismatchError, match=r"would reject this session\.update"):
        server.session_updated_for(UpdateSession(session=SessionConfig(speed=9.0)))


def test_every_helper_survives_the_wire() -> None:
    # What the helpers build is what a real server could send: encode each event with the
    # server codec, decode it with the client codec, and get the same events back.
    server = ServerEvents()
    events: list[ModelEvent] = [
        server.session_created(),
        server.session_updated_for(UpdateSession(session=SessionConfig(instructions="x"))),
        *server.user_item_events("Hi"),
        *server.text_response("Hello there."),
        *server.audio_response("Hi.", bytes(9600)),
        *server.function_call_response("f", '{"a": 1}'),
        server.error("bad", code="invalid_value", param="type", event_id="evt_1"),
    ]
    encoder, decoder = OpenAIServerCodec(), OpenAICodec()
    for event in events:
        decoded = [e for frame in encoder.encode(event) for e in decoder.decode(frame)]
        assert decoded == [event], type(event).__name__
    assert isinstance(events[-1], ErrorEvent)
