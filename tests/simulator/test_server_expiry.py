"""The maximum session duration over the wire (PROTOCOL.md §1.4): the close, its time, and
what an rtvoice session makes of it."""

from __future__ import annotations

import time

import anyio
import pytest
from sim_wire import Connect

from rtvoice import RealtimeAgent, RealtimeRunner
from rtvoice.errors import ProviderError
from rtvoice.simulator import Simulator, SimulatorOptions

pytestmark = pytest.mark.anyio

HALF_SECOND = SimulatorOptions(max_session_seconds=0.5)


async def test_expiry_closes_with_1001_and_the_reason_at_the_maximum_duration(
    connect: Connect,
) -> None:
    async with Simulator(options=HALF_SECOND) as sim:
        before = time.time()
        client = await connect(sim=sim, expect_session=False)
        created = await client.recv()
        after = time.time()
        # expires_at: the end in whole seconds, rounded down.
        assert int(before + 0.5) <= created["session"]["expires_at"] <= int(after + 0.5)
        with anyio.fail_after(5):
            async for frame in client.transport:
                pytest.fail(f"no event comes before the close, got {frame}")
        closed = time.time()
        assert client.transport.close_code == 1001
        assert (
            client.transport.close_reason == "Your session hit the maximum duration of 0.5 seconds."
        )
        # Not before the maximum duration (the simulator's clock is this one).
        assert closed - before >= 0.5


async def test_a_sixty_minute_session_closes_at_sixty_minutes_on_its_clock(
    connect: Connect,
) -> None:
    start = 1_700_000_000.25
    now = [start]
    async with Simulator(clock=lambda: now[0]) as sim:  # the default 60 minutes
        client = await connect(sim=sim, expect_session=False)
        created = await client.recv()
        assert created["session"]["expires_at"] == 1_700_003_600
        now[0] = start + 3599.9
        await client.send({"type": "input_audio_buffer.clear"})
        assert (await client.recv())["type"] == "input_audio_buffer.cleared"
        now[0] = start + 3600
        await client.send({"type": "input_audio_buffer.clear"})
        with anyio.fail_after(5):
            async for frame in client.transport:
                pytest.fail(f"nothing is answered once the session is over, got {frame}")
        assert client.transport.close_code == 1001
        assert (
            client.transport.close_reason == "Your session hit the maximum duration of 60 minutes."
        )


async def test_without_reconnect_the_time_limit_close_raises_session_expired() -> None:
    """A 1001 close is clean to websockets, but this one ended the session early: with
    reconnects off iteration raises ``ProviderError`` (``session_expired``), the history and
    the turn before it kept."""
    async with Simulator(options=HALF_SECOND) as sim:
        runner = RealtimeRunner(
            RealtimeAgent(name="Assistant"), config={"reconnect": False}, provider=sim.provider()
        )
        session = await runner.run()
        seen: list[str] = []

        async def drain() -> None:
            with anyio.fail_after(5):
                async for event in session:
                    seen.append(event.type)

        async with session:
            await session.send_message("hi")
            with pytest.raises(ProviderError) as caught:
                await drain()
        assert caught.value.code == "session_expired"
        assert "maximum duration of 0.5 seconds" in str(caught.value)
        assert "agent_end" in seen  # the turn before the end was complete
        assert [item.text for item in session.history] == ["hi", "You said: hi"]  # type: ignore[union-attr]


async def test_with_reconnect_the_time_limit_close_moves_on_to_a_new_session() -> None:
    async with Simulator(options=HALF_SECOND) as sim:
        runner = RealtimeRunner(RealtimeAgent(name="Assistant"), provider=sim.provider())
        session = await runner.run()
        seen: list[str] = []
        async with session:
            await session.send_message("hi")
            with anyio.fail_after(5):
                async for event in session:
                    seen.append(event.type)
                    if event.type == "reconnected":
                        assert event.reason == "expired"
                        await session.send_message("again")
                    if event.type == "agent_end" and "reconnected" in seen:
                        break
        assert seen.count("connection_lost") == 1
        texts = [item.text for item in session.history]  # type: ignore[union-attr]
        # The reply streaming at the limit is kept as far as it was heard, then answered
        # again on the new session (or it was over before the limit).
        assert texts[0] == "hi"
        assert "You said: hi".startswith(texts[1])
        assert texts[-2:] == ["again", "You said: again"]
        assert len({item.item_id for item in session.history}) == len(texts)


async def test_the_beta_error_event_raises_provider_error_in_an_rtvoice_session() -> None:
    options = SimulatorOptions(max_session_seconds=0.5, expiry_error_event=True)
    async with Simulator(options=options) as sim:
        runner = RealtimeRunner(
            RealtimeAgent(name="Assistant"), config={"reconnect": False}, provider=sim.provider()
        )
        session = await runner.run()
        async with session:
            with pytest.raises(ProviderError) as caught, anyio.fail_after(5):
                async for _ in session:
                    pass
    assert caught.value.code == "session_expired"
    assert str(caught.value).count("maximum duration of 0.5 seconds") == 1
