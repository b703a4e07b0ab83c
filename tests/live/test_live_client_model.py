"""LiveModel on its own over the scripted GPT-Live server: the optional contracts it
implements, its startup, and how it closes (bounded, idempotent, cancellation-safe)."""

from __future__ import annotations

import importlib
import json

import anyio
import pytest

from live_server import WAIT, assistant_says, live_server
from rtvoice.errors import TransportClosedError, UserError
from rtvoice.live import LiveModel, LiveSettings
from rtvoice.model import CapabilityReport, ConnectRequest, RealtimeModel
from rtvoice.model._base import BatchSender, CloseReport
from rtvoice.model.commands import UpdateSession
from rtvoice.model.events import (
    AudioDelta,
    ModelEvent,
    ResponseCreated,
    ResponseDone,
    SessionCreated,
    SessionUpdated,
)
from rtvoice.model.session_config import SessionConfig
from rtvoice.transport import memory_transport_pair

pytestmark = pytest.mark.anyio

START = UpdateSession(session=SessionConfig(instructions="Hi.", voice="marin"), event_id="u1")


async def connect(url: str, turn_end_ms: int = 50) -> LiveModel:
    request = ConnectRequest(
        url=url, model_name="gpt-live-1", live=LiveSettings(turn_end_ms=turn_end_ms)
    )
    return await LiveModel.connect(request)


async def first_events(model: LiveModel, count: int) -> list[ModelEvent]:
    events: list[ModelEvent] = []
    with anyio.fail_after(WAIT):
        async for event in model.events():
            events.append(event)
            if len(events) == count:
                break
    return events


def test_the_public_module_lists_its_names_sorted() -> None:
    for name in ("rtvoice.live", "rtvoice.model.live"):
        module = importlib.import_module(name)
        names = list(module.__all__)
        assert names == sorted(names), name
        assert all(hasattr(module, n) for n in names), name


async def test_the_model_reports_what_gpt_live_can_do() -> None:
    async with live_server() as server:
        model = await connect(server.url)
        async with model:
            assert isinstance(model, RealtimeModel)
            assert isinstance(model, CloseReport)
            assert isinstance(model, BatchSender)
            assert isinstance(model, CapabilityReport)
            caps = model.capabilities
            assert caps.protocol == "live"
            assert (caps.manual_turns, caps.truncate, caps.voice_change) == (False, False, False)
            assert not caps.conversation_edits
            assert caps.text_input
            assert caps.instructions_change == "append"
            assert model.close_code is None


async def test_startup_is_session_start_then_created_and_updated() -> None:
    async with live_server() as server:
        model = await connect(server.url)
        async with model:
            await model.send(START)
            events = await first_events(model, 2)
            with pytest.raises(UserError, match="once"):
                model.events()
    assert [type(e) for e in events] == [SessionCreated, SessionUpdated]
    assert server.received[0]["session"]["model"] == "gpt-live-1"
    assert server.received[0]["event_id"] == "u1"


async def test_a_server_that_closes_without_session_closed_ends_the_open_response() -> None:
    async with live_server() as server:
        model = await connect(server.url, turn_end_ms=10_000)
        async with model:
            await model.send(START)
            conn = await server.connection()
            await conn.send(*assistant_says("Bye."))
            await conn.ws.close()
            with anyio.fail_after(WAIT):
                events = [event async for event in model.events()]
    done = [e for e in events if isinstance(e, ResponseDone)]
    assert [e.response.status for e in done] == ["completed"]


async def test_close_waits_for_session_closed_even_with_no_reader() -> None:
    async with live_server() as server:
        model = await connect(server.url)
        await model.send(START)
        await server.connection()
        with anyio.fail_after(WAIT):  # far below the close timeout below: it did not time out
            model.close_timeout = 30  # a long wait: the drain, not the timeout, ends it
            await model.close()
            await model.close()  # idempotent
        assert [f["type"] for f in server.received] == ["session.start", "session.close"]
        assert model.closed
        with pytest.raises(TransportClosedError):
            await model.send(START)


async def test_close_is_bounded_when_the_server_never_answers() -> None:
    async with live_server(answer_close=False) as server:
        request = ConnectRequest(url=server.url, model_name="gpt-live-1")
        model = await LiveModel.connect(request)
        model.close_timeout = 0.1
        await model.send(START)
        await server.connection()
        with anyio.fail_after(WAIT):
            await model.close()
        assert model.close_code is not None


async def test_close_under_cancellation_still_closes_the_socket() -> None:
    async with live_server() as server:
        model = await connect(server.url)
        await model.send(START)
        await server.connection()
        with anyio.CancelScope() as scope:
            scope.cancel()
            await model.close()
        assert model.closed
        with anyio.fail_after(WAIT):
            await model.close()
        assert model.close_code is not None


async def test_a_frame_already_waiting_after_a_slow_reader_continues_its_turn() -> None:
    ours, theirs = memory_transport_pair()
    model = LiveModel(ours, model_name="gpt-live-1", settings=LiveSettings(turn_end_ms=10))
    for frame in assistant_says("One.", chunks=2):
        await theirs.send(json.dumps(frame))
    events: list[ModelEvent] = []
    with anyio.fail_after(WAIT):
        async for event in model.events():
            events.append(event)
            if (
                isinstance(event, AudioDelta)
                and sum(isinstance(e, AudioDelta) for e in events) == 1
            ):
                await anyio.sleep(0.1)  # the reader is late; the server was not
            if isinstance(event, ResponseDone):
                break
    await model.close()
    assert sum(isinstance(e, ResponseCreated) for e in events) == 1
    assert sum(isinstance(e, AudioDelta) for e in events) == 2
