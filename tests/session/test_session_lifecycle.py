"""Entering, failing, closing: how a session starts and ends, and what it leaves behind."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from session_kit import (
    ASSISTANT,
    FakeModel,
    events_until,
    fake_session,
    open_session,
)

from rtvoice.agent import RealtimeAgent
from rtvoice.config import normalize_run_config
from rtvoice.errors import (
    AuthenticationError,
    ConnectionLostError,
    ConnectTimeoutError,
    ProviderError,
    TransportClosedError,
    UserError,
)
from rtvoice.model import ConnectRequest, OpenAIRealtimeModel, RealtimeModel
from rtvoice.model.commands import AppendInputAudio, CommitInputAudio, SendRaw, UpdateSession
from rtvoice.model.events import (
    AudioTranscriptDelta,
    DecodeError,
    ErrorEvent,
    ErrorInfo,
    SessionCreated,
)
from rtvoice.model.session_config import SessionConfig
from rtvoice.runner import RealtimeRunner
from rtvoice.session import (
    ErrorSessionEvent,
    HistoryAddedEvent,
    RealtimeSession,
    RealtimeSessionEvent,
)
from rtvoice.simulator import Faults, Simulator, SimulatorOptions, SimulatorThread

pytestmark = pytest.mark.anyio

NO_RECONNECT = {"reconnect": False}
"""These tests are about what a drop does without reconnecting (see test_reconnect.py)."""


def reader_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "rtvoice session reader"]


class CountingConnector:
    """Connects for real, and remembers each model it opened."""

    def __init__(self) -> None:
        self.models: list[RealtimeModel] = []

    async def __call__(self, request: ConnectRequest) -> RealtimeModel:
        model = await OpenAIRealtimeModel.connect(request)
        self.models.append(model)
        return model


# ---------------------------------------------------------------------------------------------
# Entering


async def test_enter_returns_the_session_once_configured(sim: Simulator) -> None:
    session = open_session(sim)
    async with session as entered:
        assert entered is session
        # Safe to send at once: the configuration is in force.
        await session.send_message("hi")
        await events_until(session, "agent_end")
    with pytest.raises(UserError):
        await session.__aenter__()  # once only


async def test_runner_sessions_work_with_async_with_await(sim: Simulator) -> None:
    runner = RealtimeRunner(ASSISTANT, provider=sim.provider())
    async with await runner.run() as session:
        await session.send_message("hi")
        events = await events_until(session, "agent_end")
    assert any(isinstance(event, HistoryAddedEvent) for event in events)


def test_config_errors_surface_before_any_session_exists() -> None:
    with pytest.raises(UserError, match=r"model_settings\.voise"):
        normalize_run_config({"model_settings": {"voise": "ash"}})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(UserError, match="event_buffer_size"):
        RealtimeSession(
            agent=ASSISTANT,
            settings=normalize_run_config(None),
            connector=OpenAIRealtimeModel.connect,
            request=ConnectRequest(url="ws://127.0.0.1:9/v1/realtime"),
            event_buffer_size=0,
        )


async def test_failing_instructions_fail_before_connecting(sim: Simulator) -> None:
    def instructions(context: object, agent: RealtimeAgent[Any]) -> str:
        raise UserError("no instructions today")

    connector = CountingConnector()
    session = RealtimeSession(
        agent=RealtimeAgent(name="Broken", instructions=instructions),
        settings=normalize_run_config(None),
        connector=connector,
        request=ConnectRequest(url=sim.realtime_url(), headers=sim.provider().build_headers()),
    )
    with pytest.raises(UserError, match="no instructions today"):
        await session.__aenter__()
    assert connector.models == []


async def test_refused_configuration_raises_provider_error(sim: Simulator) -> None:
    connector = CountingConnector()
    session = RealtimeSession(
        agent=ASSISTANT,
        settings=normalize_run_config(None),
        connector=connector,
        # A transcription session refuses a realtime configuration (session.type).
        request=ConnectRequest(
            url=f"{sim.url}/realtime?intent=transcription",
            headers=sim.provider().build_headers(),
        ),
    )
    with pytest.raises(ProviderError) as caught:
        async with session:
            pytest.fail("entered a refused session")
    assert caught.value.code == "invalid_value"
    assert "session.type" in str(caught.value)
    assert connector.models[0].closed  # type: ignore[attr-defined]
    assert reader_tasks() == []


async def test_bad_credentials_raise_authentication_error(sim: Simulator) -> None:
    session = RealtimeSession(
        agent=ASSISTANT,
        settings=normalize_run_config(None),
        connector=OpenAIRealtimeModel.connect,
        request=ConnectRequest(url=sim.realtime_url(), headers={}),  # no Authorization
    )
    with pytest.raises(AuthenticationError):
        await session.__aenter__()
    assert session.closed


async def test_unconfirmed_configuration_times_out() -> None:
    model = FakeModel()
    model.auto_confirm = False
    model.push(SessionCreated(session=SessionConfig()))
    session = fake_session(model, configure_timeout=0.2)
    with pytest.raises(ConnectTimeoutError, match="configure_timeout"):
        await session.__aenter__()
    assert model.closed
    assert reader_tasks() == []


# ---------------------------------------------------------------------------------------------
# Ending


async def test_clean_server_close_ends_iteration() -> None:
    async with Simulator() as sim, open_session(sim, config=NO_RECONNECT) as session:
        await session.send_message("hi")
        await events_until(session, "agent_end")
        await sim.close()  # close code 1001, "going away"
        with anyio.fail_after(5):
            rest = [event async for event in session]
    assert all(event.type != "error" for event in rest)


async def test_abnormal_close_raises_connection_lost_after_earlier_events() -> None:
    # Events: session.created, session.updated, then the user item's added + done; drop.
    async with Simulator(faults=Faults(drop_after_events=4)) as sim:
        async with open_session(sim, config=NO_RECONNECT) as session:
            await session.send_message("hi")
            seen: list[RealtimeSessionEvent] = []

            async def drain() -> None:
                with anyio.fail_after(5):
                    async for event in session:
                        seen.append(event)

            with pytest.raises(ConnectionLostError):
                await drain()
        assert [event.type for event in seen] == ["history_added"]


async def test_session_expiry_raises_provider_error() -> None:
    # The GA server only closes (1001); the beta's fatal error event is asked for.
    options = SimulatorOptions(max_session_seconds=1.0, expiry_error_event=True)
    async with Simulator(options=options) as sim, open_session(sim, config=NO_RECONNECT) as session:
        with pytest.raises(ProviderError) as caught, anyio.fail_after(10):
            async for _ in session:
                pass
    assert caught.value.code == "session_expired"
    assert caught.value.error_type == "invalid_request_error"


async def test_close_from_another_task_ends_iteration_and_leaves_no_task() -> None:
    with SimulatorThread() as server:  # the server's own tasks live in another loop
        before = asyncio.all_tasks()
        session = RealtimeSession(
            agent=ASSISTANT,
            settings=normalize_run_config(None),
            connector=OpenAIRealtimeModel.connect,
            request=ConnectRequest(
                url=server.realtime_url(), headers=server.provider().build_headers()
            ),
        )
        ended = anyio.Event()
        async with session:

            async def iterate() -> None:
                async for _ in session:
                    pass
                ended.set()

            async with anyio.create_task_group() as tg:
                tg.start_soon(iterate)
                await anyio.sleep(0.05)
                await session.close()
                with anyio.fail_after(5):
                    await ended.wait()
            assert reader_tasks() == []
            with pytest.raises(TransportClosedError):
                await session.send_message("too late")
            assert [event async for event in session] == []
        await session.close()  # twice, and after exit: fine
        await anyio.lowlevel.checkpoint()
        assert asyncio.all_tasks() - before == set()


async def test_close_twice_and_under_cancellation(sim: Simulator) -> None:
    connector = CountingConnector()
    session = RealtimeSession(
        agent=ASSISTANT,
        settings=normalize_run_config(None),
        connector=connector,
        request=ConnectRequest(url=sim.realtime_url(), headers=sim.provider().build_headers()),
    )
    with anyio.CancelScope() as scope:
        async with session:
            scope.cancel()
            await anyio.sleep(1)  # cancelled here; __aexit__ still closes
    assert session.closed
    assert connector.models[0].closed  # type: ignore[attr-defined]
    await session.close()
    assert reader_tasks() == []


async def test_methods_need_an_entered_session() -> None:
    session = fake_session(FakeModel())
    with pytest.raises(UserError, match="enter the session"):
        await session.send_message("hi")
    with pytest.raises(UserError, match="enter the session"):
        async for _ in session:
            pass
    await session.close()  # closing a never-entered session is fine
    with pytest.raises(UserError):
        await session.__aenter__()


# ---------------------------------------------------------------------------------------------
# With a fake model: exact commands, decode errors, backpressure


async def test_commands_go_out_in_call_order() -> None:
    model = FakeModel()
    async with fake_session(model) as session:
        await session.send_audio(b"\x01\x02")
        await session.send_audio(b"", commit=True)
        await session.send_raw({"type": "input_audio_buffer.clear"})
        with pytest.raises(UserError):
            await session.send_raw({"type": "x", "bad": object()})
        with pytest.raises(UserError):
            await session.send_message({"role": "user", "content": []})  # type: ignore[typeddict-item]
    assert [type(command) for command in model.sent] == [
        UpdateSession,
        AppendInputAudio,
        CommitInputAudio,
        SendRaw,
    ]


async def test_decode_errors_and_server_errors_are_events_and_the_session_goes_on() -> None:
    model = FakeModel()
    async with fake_session(model) as session:
        model.push(
            DecodeError(reason="not JSON", text="{"),
            ErrorEvent(error=ErrorInfo(type="server_error", message="hiccup")),
        )
        first = await events_until(session, "error")
        second = await events_until(session, "error")
        model.end()
        assert [event async for event in session] == []
    assert first == [ErrorSessionEvent(error=ErrorInfo(type="decode_error", message="not JSON"))]
    assert second == [ErrorSessionEvent(error=ErrorInfo(type="server_error", message="hiccup"))]


async def test_transport_failure_is_raised_from_iteration() -> None:
    model = FakeModel()
    async with fake_session(model, config=NO_RECONNECT) as session:
        lost = ConnectionLostError("gone", code=1006)
        model.fail(lost)
        with pytest.raises(ConnectionLostError) as caught:
            async for _ in session:
                pass
    assert caught.value is lost


async def test_full_buffer_applies_backpressure_and_loses_nothing(sim: Simulator) -> None:
    async with open_session(sim, event_buffer_size=1) as session:
        await session.send_message("a fairly long sentence to fill the buffer")
        await anyio.sleep(0.3)  # nobody reads: the reader waits, nothing is dropped
        events = await events_until(session, "agent_end")
    audio = b"".join(event.audio.data for event in events if event.type == "audio")
    from rtvoice.simulator import decode_speech

    assert decode_speech(audio) == "You said: a fairly long sentence to fill the buffer"


async def test_interrupt_while_the_buffer_is_full_does_not_deadlock(sim: Simulator) -> None:
    async with open_session(sim, event_buffer_size=16) as session:
        await session.send_message("a fairly long sentence to fill the buffer")
        # 16 events (some audio among them) fill the buffer; the reader waits for room.
        await anyio.sleep(0.3)
        with anyio.fail_after(5):
            await session.interrupt()  # the iterating task itself: must not block
            events = await events_until(session, "agent_end")
    kinds = [event.type for event in events]
    assert kinds.count("audio_interrupted") == 1
    after = kinds[kinds.index("audio_interrupted") :]
    assert "audio" not in after
    assert "audio_end" not in after


def test_session_package_exports_are_sorted_and_resolve() -> None:
    import rtvoice.audio
    import rtvoice.session

    names = list(rtvoice.session.__all__)
    assert names == sorted(names)
    assert all(hasattr(rtvoice.session, name) for name in names)
    assert "RealtimeSession" in names
    assert "PlaybackTracker" in rtvoice.audio.__all__


async def test_a_held_closing_error_is_reported_before_the_next_transcript_delta() -> None:
    # Transcript deltas take the reader's constant-work path; a closing error held back for
    # a close that never came must still be reported first, in order.
    model = FakeModel()
    async with fake_session(model) as session:
        held = ErrorInfo(type="invalid_request_error", code="invalid_api_key", message="bad key")
        model.push(
            ErrorEvent(error=held),
            AudioTranscriptDelta(
                response_id="resp_1", item_id="item_1", output_index=0, content_index=0,
                delta="Hello",
            ),
        )  # fmt: skip
        seen = await events_until(session, "transcript_delta")
    assert [event.type for event in seen] == ["error", "transcript_delta"]
    assert seen[0] == ErrorSessionEvent(error=held)
    assert seen[1].delta == "Hello"  # type: ignore[union-attr]
