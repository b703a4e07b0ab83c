"""OpenAIRealtimeModel against the local simulator over real loopback sockets, and against an
OpenAIServerCodec over the in-memory transport pair (no mocks)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from rtvoice.errors import (
    AuthenticationError,
    ConnectionLostError,
    InvalidRequestError,
    TransportClosedError,
    UserError,
)
from rtvoice.model import ConnectRequest, ModelConnector, OpenAIRealtimeModel, RealtimeModel
from rtvoice.model.commands import (
    CreateItem,
    CreateResponse,
    ModelCommand,
    SendRaw,
    UpdateSession,
)
from rtvoice.model.events import (
    ContentPartAdded,
    ContentPartDone,
    DecodeError,
    ErrorEvent,
    ItemAdded,
    ItemDone,
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
from rtvoice.model.items import InputText, MessageItem
from rtvoice.model.openai.server import OpenAIServerCodec
from rtvoice.model.session_config import SessionConfig
from rtvoice.providers import OpenAIProvider
from rtvoice.simulator import Simulator
from rtvoice.transport import MemoryTransport, memory_transport_pair

pytestmark = pytest.mark.anyio

SECRET = "sk-secret-0123456789abcdef"


def request_for(provider: OpenAIProvider, model: str = "gpt-realtime") -> ConnectRequest:
    return ConnectRequest(
        url=provider.build_url(model),
        headers=provider.build_headers(),
        dialect=provider.dialect,
        model_name=model,
    )


async def collect_into(model: OpenAIRealtimeModel, seen: list[ModelEvent]) -> None:
    """Append every event to ``seen``, so the events survive an exception that ends them."""
    async for event in model.events():
        seen.append(event)


def user_text(text: str) -> CreateItem:
    return CreateItem(item=MessageItem(role="user", content=(InputText(text=text),)))


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator() as simulator:
        yield simulator


async def test_connect_is_a_model_connector_and_gives_a_realtime_model(sim: Simulator) -> None:
    connector: ModelConnector = OpenAIRealtimeModel.connect
    with anyio.fail_after(5):
        model = await connector(request_for(sim.provider()))
        try:
            assert isinstance(model, RealtimeModel)
            assert isinstance(model, OpenAIRealtimeModel)
            first = await model.events().__anext__()
        finally:
            await model.close()
    assert isinstance(first, SessionCreated)
    assert first.session.model == "gpt-realtime"


async def test_session_update_is_confirmed(sim: Simulator) -> None:
    with anyio.fail_after(5):
        async with await OpenAIRealtimeModel.connect(request_for(sim.provider())) as model:
            events = model.events()
            assert isinstance(await events.__anext__(), SessionCreated)
            await model.send(UpdateSession(session=SessionConfig(instructions="Be brief.")))
            updated = await events.__anext__()
    assert isinstance(updated, SessionUpdated)
    assert updated.session.instructions == "Be brief."


async def test_text_response_round_trip_in_protocol_order(sim: Simulator) -> None:
    seen: list[ModelEvent] = []
    with anyio.fail_after(5):
        async with await OpenAIRealtimeModel.connect(request_for(sim.provider())) as model:
            await model.send(UpdateSession(session=SessionConfig(output_modalities=("text",))))
            await model.send(user_text("hello"))
            await model.send(CreateResponse())
            async for event in model.events():
                seen.append(event)
                if isinstance(event, ResponseDone):
                    break
    kinds = [type(event) for event in seen]
    assert kinds[:2] == [SessionCreated, SessionUpdated]
    # PROTOCOL.md §7.a with output_modalities ["text"].
    deltas = kinds.count(TextDelta)
    assert deltas >= 1
    assert kinds[2:] == [
        ItemAdded,
        ItemDone,
        ResponseCreated,
        OutputItemAdded,
        ItemAdded,
        ContentPartAdded,
        *[TextDelta] * deltas,
        TextDone,
        ContentPartDone,
        ItemDone,
        OutputItemDone,
        ResponseDone,
    ]
    text = "".join(event.delta for event in seen if isinstance(event, TextDelta))
    assert text == "You said: hello"
    done = seen[-1]
    assert isinstance(done, ResponseDone)
    assert done.response.status == "completed"
    assert done.response.usage is not None
    assert model.frames_received == len(seen)
    assert model.frames_sent == 3
    assert model.chars_received > model.chars_sent > 0


async def test_a_batch_is_answered_like_the_same_commands_sent_one_by_one(
    sim: Simulator,
) -> None:
    seen: list[ModelEvent] = []
    with anyio.fail_after(5):
        async with await OpenAIRealtimeModel.connect(request_for(sim.provider())) as model:
            update = UpdateSession(session=SessionConfig(output_modalities=("text",)))
            await model.send_batch([update, user_text("hello"), CreateResponse()])
            async for event in model.events():
                seen.append(event)
                if isinstance(event, ResponseDone):
                    break
            sent = (model.frames_sent, model.chars_sent)
            with pytest.raises(TypeError):  # not JSON: nothing of the batch goes out
                await model.send_batch([CreateResponse(), SendRaw(event={"x": {1}})])
            assert (model.frames_sent, model.chars_sent) == sent
        with pytest.raises(TransportClosedError):
            await model.send_batch([CreateResponse(), CreateResponse()])
    assert [type(e) for e in seen[:4]] == [SessionCreated, SessionUpdated, ItemAdded, ItemDone]
    text = "".join(event.delta for event in seen if isinstance(event, TextDelta))
    assert text == "You said: hello"
    assert sent[0] == 3
    assert sent[1] > 0


async def test_clean_server_close_ends_events(sim: Simulator) -> None:
    seen: list[ModelEvent] = []
    with anyio.fail_after(5):
        model = await OpenAIRealtimeModel.connect(request_for(sim.provider()))
        async with model:
            async for event in model.events():
                seen.append(event)
                await sim.close()  # every connection closes with 1001 ("going away")
            assert model.closed
            with pytest.raises(TransportClosedError) as caught:
                await model.send(CreateResponse())
    assert [type(event) for event in seen] == [SessionCreated]
    assert caught.value.code == 1001


async def test_rejected_credentials_yield_the_error_then_raise_authentication_error() -> None:
    # The server answers the upgrade with 101, then sends ``error`` and closes with 3000
    # (PROTOCOL.md §1.2): connect succeeds, the error event comes first, then the exception.
    async with Simulator(api_key="sk-the-right-one") as sim:
        provider = OpenAIProvider(api_key=SECRET, base_url=sim.url)
        seen: list[ModelEvent] = []
        with anyio.fail_after(5):
            model = await OpenAIRealtimeModel.connect(request_for(provider))
            async with model:
                with pytest.raises(AuthenticationError) as caught:
                    await collect_into(model, seen)
    assert len(seen) == 1
    error = seen[0]
    assert isinstance(error, ErrorEvent)
    assert error.error.code == "invalid_api_key"
    assert caught.value.code == 3000
    assert caught.value.reason == "invalid_request_error.invalid_api_key"
    assert SECRET not in str(caught.value)


async def test_upgrade_refusal_raises_from_connect(sim: Simulator) -> None:
    # A refusal of the HTTP upgrade itself (here a 404 for a wrong path) is connect's to raise.
    bad = ConnectRequest(url=sim.url + "/not-realtime", headers=sim.provider().build_headers())
    with anyio.fail_after(5), pytest.raises(InvalidRequestError):
        await OpenAIRealtimeModel.connect(bad)


async def test_send_after_close_raises_and_close_is_idempotent(sim: Simulator) -> None:
    with anyio.fail_after(5):
        model = await OpenAIRealtimeModel.connect(request_for(sim.provider()))
        await model.close()
        await model.close()
        assert model.closed
        with pytest.raises(TransportClosedError):
            await model.send(CreateResponse())
        assert [event async for event in model.events()] == []
    assert model.frames_sent == 0


async def test_close_from_another_task_ends_iteration(sim: Simulator) -> None:
    seen: list[ModelEvent] = []
    first = anyio.Event()

    async def read(model: OpenAIRealtimeModel) -> None:
        async for event in model.events():
            seen.append(event)
            first.set()

    with anyio.fail_after(5):
        model = await OpenAIRealtimeModel.connect(request_for(sim.provider()))
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read, model)
            await first.wait()
            await model.close()
    assert [type(event) for event in seen] == [SessionCreated]


async def test_close_in_a_cancelled_scope_still_closes(sim: Simulator) -> None:
    with anyio.fail_after(5):
        model = await OpenAIRealtimeModel.connect(request_for(sim.provider()))
        with anyio.CancelScope() as scope:
            scope.cancel()
            await model.close()
        assert model.closed
        with pytest.raises(TransportClosedError):
            await model.send(CreateResponse())


async def test_events_can_be_iterated_once(sim: Simulator) -> None:
    with anyio.fail_after(5):
        async with await OpenAIRealtimeModel.connect(request_for(sim.provider())) as model:
            model.events()
            with pytest.raises(UserError, match="only once"):
                model.events()


async def test_repr_shows_no_secret(sim: Simulator) -> None:
    provider = OpenAIProvider(api_key=SECRET, base_url=sim.url)
    with anyio.fail_after(5):
        async with await OpenAIRealtimeModel.connect(request_for(provider)) as model:
            shown = repr(model)
    assert SECRET not in shown
    assert "open" in shown
    assert "dialect='ga'" in shown
    assert "closed" in repr(model)


# ---------------------------------------------------------------------------------------------
# Over the in-memory pair, with the server codec on the other end


async def serve_frames(
    server: MemoryTransport, codec: OpenAIServerCodec, *events: ModelEvent
) -> None:
    for event in events:
        for frame in codec.encode(event):
            await server.send(frame)


async def test_memory_pair_round_trip_with_the_server_codec() -> None:
    client, server = memory_transport_pair()
    server_codec = OpenAIServerCodec()
    model = OpenAIRealtimeModel(client)
    created = SessionCreated(session=SessionConfig(instructions="hi"), session_id="sess_1")
    received: list[ModelCommand] = []
    with anyio.fail_after(5):
        async with model:
            await serve_frames(server, server_codec, created)
            events = model.events()
            first = await events.__anext__()
            command = CreateResponse(event_id="evt_1")
            await model.send(command)
            decoded = server_codec.decode(await server.receive())
            assert isinstance(decoded, CreateResponse)
            received.append(decoded)
            await server.send("{not json")
            broken = await events.__anext__()
            await server.close(1000)
            rest = [event async for event in events]
    assert isinstance(first, SessionCreated)
    assert first.session.instructions == "hi"
    assert received == [command]
    assert isinstance(broken, DecodeError)  # a malformed frame is an event, not an exception
    assert rest == []


async def test_a_batch_over_another_transport_is_sent_frame_by_frame_or_not_at_all() -> None:
    client, server = memory_transport_pair()
    server_codec = OpenAIServerCodec()
    model = OpenAIRealtimeModel(client)
    batch = [CreateResponse(event_id="evt_1"), CreateResponse(event_id="evt_2")]
    with anyio.fail_after(5):
        async with model:
            with pytest.raises(TypeError):  # the second cannot be encoded: nothing goes out
                await model.send_batch([batch[0], SendRaw(event={"x": {1}})])
            await model.send_batch(batch)
            received = [server_codec.decode(await server.receive()) for _ in batch]
            assert model.frames_sent == 2
            await server.close(1000)
    assert received == batch


async def test_ignored_kinds_are_left_out_undecoded_and_the_rest_comes_in_order() -> None:
    client, server = memory_transport_pair()
    model = OpenAIRealtimeModel(client)
    model.ignore_events({ContentPartAdded, RateLimitsUpdated, SessionCreated})
    where = '"response_id":"r1","item_id":"i1","output_index":0,"content_index":0'
    frames = [
        '{"type":"rate_limits.updated","rate_limits":[]}',
        '{"type":"rate_limits.updated","rate_limits":"not a list"}',  # malformed: skipped too
        '{"type":"response.content_part.added",' + where + ',"part":{"type":"audio"}}',
        '{"type":"response.content_part.done",' + where + ',"part":{"type":"audio"}}',
        # "type" not first: the frame is decoded (the skip is by how a frame begins)
        '{"rate_limits":[],"type":"rate_limits.updated"}',
        '{"type":"session.created","session":{"type":"realtime"}}',  # not only its kind
    ]
    with anyio.fail_after(5):
        async with model:
            for frame in frames:
                await server.send(frame)
            await server.close(1000)
            seen = [event async for event in model.events()]
    assert [type(event) for event in seen] == [ContentPartDone, RateLimitsUpdated, SessionCreated]
    assert model.frames_received == len(frames)


async def test_memory_pair_abnormal_close_raises_the_mapped_error() -> None:
    client, server = memory_transport_pair()
    model = OpenAIRealtimeModel(client)
    with anyio.fail_after(5):
        await server.close(1006)
        with pytest.raises(ConnectionLostError) as caught:
            async for _ in model.events():
                pass
        await model.close()
    assert caught.value.code == 1006


async def test_beta_dialect_writes_what_a_beta_server_reads() -> None:
    client, server = memory_transport_pair()
    model = OpenAIRealtimeModel(client, dialect="beta")
    update = UpdateSession(session=SessionConfig(voice="ash", output_modalities=("text",)))
    with anyio.fail_after(5):
        async with model:
            await model.send(update)
            frame = await server.receive()
    assert '"modalities"' in frame  # the flat beta shape (PROTOCOL.md §11.3)
    assert OpenAIServerCodec("beta").decode(frame) == update
    assert model.dialect == "beta"
