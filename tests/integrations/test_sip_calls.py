"""SipCalls against the simulated SIP call: the webhook checked, each call answered once,
accept then a spoken turn on the call's socket, reject, refer and hang-up.

The app here is what a user writes: a SipCalls with an ``on_call``, behind a tiny HTTP
server on loopback; the simulator plays OpenAI and the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from rtvoice import (
    RealtimeAgent,
    RealtimeRunner,
    RealtimeSession,
    ToolContext,
    UserError,
    function_tool,
)
from rtvoice.integrations.sip import (
    CallEndedError,
    IncomingCall,
    MemoryWebhookIds,
    SipCalls,
    WebhookVerificationError,
    read_incoming_call,
)
from rtvoice.simulator import SimulatedSipCall, Simulator
from rtvoice.simulator.sip import DEFAULT_WEBHOOK_SECRET, CallState

openai = pytest.importorskip("openai")

pytestmark = pytest.mark.anyio

OnCall = Callable[[SipCalls, IncomingCall], Awaitable[None]]


def _client(sim: Simulator) -> Any:
    return openai.AsyncOpenAI(
        base_url=sim.url.replace("ws://", "http://", 1),
        api_key="sk-test",
        webhook_secret=DEFAULT_WEBHOOK_SECRET,
        max_retries=0,
    )


@asynccontextmanager
async def sip_app(
    sim: Simulator, on_call: OnCall, agent: RealtimeAgent[Any] | None = None
) -> AsyncIterator[tuple[SipCalls, str]]:
    """A SipCalls app behind an asyncio HTTP server; yields it and its webhook URL."""
    runner = RealtimeRunner(agent or RealtimeAgent(name="Desk", instructions="Be brief."))
    calls: SipCalls

    async def run_call(call: IncomingCall) -> None:
        await on_call(calls, call)

    async def webhook(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        body = await reader.readexactly(int(headers.get("Content-Length", "0")))
        reply = await calls.handle_webhook(body, headers)
        writer.write(f"HTTP/1.1 {reply.status} X\r\nContent-Length: 0\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    async with SipCalls(runner, run_call, client=_client(sim)) as calls:
        server = await asyncio.start_server(webhook, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            yield calls, f"http://127.0.0.1:{port}/openai/webhook"


async def talk(session: RealtimeSession, seen: list[Any]) -> list[Any]:
    """Enter the session, greet the caller, and record the events until the call ends;
    the session's history then."""
    async with session:
        await session.create_response()
        async for event in session:
            seen.append(event)
    return list(session.history)


async def test_a_wrong_signature_is_refused_and_nothing_is_answered() -> None:
    started: list[IncomingCall] = []

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        started.append(call)

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)
        assert await call.ring(signature="v1,bm90IHRoZSByaWdodCBzaWduYXR1cmU=") == 401
        other_key = SimulatedSipCall(sim, url, secret="whsec_" + "c2VjcmV0LWtleS1vdGhlcg==")
        assert await other_key.ring() == 401
        await anyio.sleep(0.05)
    assert started == []
    assert call.requests == []
    assert other_key.requests == []
    assert call.state is CallState.RINGING


async def test_a_stale_timestamp_is_refused() -> None:
    started: list[IncomingCall] = []

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        started.append(call)

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)
        assert await call.ring(timestamp=int(time.time()) - 600) == 401  # tolerance 300 s
        await anyio.sleep(0.05)
    assert started == []
    assert call.requests == []


async def test_a_redelivered_webhook_is_answered_once() -> None:
    started: list[IncomingCall] = []

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        started.append(call)
        async with await calls.accept(call):
            pass

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)
        assert await call.ring() == 200
        assert await call.redeliver() == 200
        assert await call.answered() is CallState.ACCEPTED
        assert await call.redeliver() == 200
        await anyio.sleep(0.05)
    assert [c.call_id for c in started] == [call.call_id]
    assert call.accepts == 1
    assert call.requests == ["accept"]


async def test_accept_then_a_spoken_turn_over_the_call_socket() -> None:
    seen: list[Any] = []
    history: list[Any] = []
    done = anyio.Event()

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        assert call.sip_header("from") == '"Caller" <sip:+15550100@sip.example.com>'
        history.extend(await talk(await calls.accept(call), seen))
        done.set()

    agent = RealtimeAgent(name="Desk", instructions='Begin every answer with "Desk."')
    async with Simulator() as sim, sip_app(sim, on_call, agent) as (_, url):
        call = SimulatedSipCall(sim, url)
        assert await call.ring() == 200
        assert await call.hear() == "Desk. Hello! How can I help you?"
        await call.say("what time is it")
        assert await call.hear() == "Desk. You said: what time is it"
        await call.hang_up()
        with anyio.fail_after(2):
            await done.wait()
    # The accept carried the agent's configuration.
    assert call.session is not None
    assert call.session.instructions == 'Begin every answer with "Desk."'
    types = [event.type for event in seen]
    assert "audio" not in types  # the audio stays on the phone line (a SIP sideband)
    assert "speech_started" in types
    assert "speech_stopped" in types
    assert [(item.type, item.text) for item in history] == [
        ("assistant_message", "Desk. Hello! How can I help you?"),
        ("user_message", ""),  # no transcription configured: the caller's audio, untranscribed
        ("assistant_message", "Desk. You said: what time is it"),
    ]
    spoken = "".join(e.delta for e in seen if e.type == "transcript_delta")
    assert spoken == "Desk. Hello! How can I help you?Desk. You said: what time is it"
    assert call.state is CallState.ENDED


async def test_the_caller_hanging_up_ends_the_session() -> None:
    ended = anyio.Event()

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        await talk(await calls.accept(call), [])
        ended.set()

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)
        await call.ring()
        await call.hear()
        await call.hang_up()
        with anyio.fail_after(2):
            await ended.wait()


async def test_the_app_refers_the_call_with_a_tool() -> None:
    calls_box: list[SipCalls] = []

    @function_tool
    async def transfer_to_front_desk(ctx: ToolContext[IncomingCall]) -> str:
        """Transfer the caller to the front desk."""
        await calls_box[0].refer(ctx.context, "tel:+15550123")
        return "transferred"

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        calls_box.append(calls)
        await talk(await calls.accept(call, context=call), [])

    agent = RealtimeAgent(name="Desk", instructions="Brief.", tools=[transfer_to_front_desk])
    async with Simulator() as sim, sip_app(sim, on_call, agent) as (_, url):
        call = SimulatedSipCall(sim, url)
        await call.ring()
        await call.hear()
        await call.say("transfer to the front desk")
        assert await call.ended() is CallState.REFERRED
    assert call.refer_target == "tel:+15550123"
    assert call.requests == ["accept", "refer"]


async def test_the_app_hangs_up_and_a_second_hangup_is_call_ended() -> None:
    outcome: list[str] = []
    finished = anyio.Event()

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        session = await calls.accept(call)
        async with session:
            await calls.hangup(call)
            async for _ in session:
                pass
        outcome.append("session ended")
        with pytest.raises(CallEndedError):
            await calls.hangup(call)
        outcome.append("second hangup: call ended")
        finished.set()

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)
        await call.ring()
        assert await call.ended() is CallState.ENDED
        with anyio.fail_after(2):
            await finished.wait()
    assert outcome == ["session ended", "second hangup: call ended"]


async def test_a_webhook_after_the_caller_hung_up_meets_404_and_is_done() -> None:
    outcome: list[str] = []
    finished = anyio.Event()

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        try:
            await calls.accept(call)
        except CallEndedError:
            outcome.append("call ended")
        finished.set()

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)
        await call.hang_up()
        assert await call.ring() == 200
        with anyio.fail_after(2):
            await finished.wait()
    assert outcome == ["call ended"]
    assert call.requests == ["accept"]
    assert call.accepts == 0


async def test_reject_sends_the_sip_status() -> None:
    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        await calls.reject(call, status_code=486)

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)
        await call.ring()
        assert await call.ended() is CallState.REJECTED
    assert call.reject_status == 486


async def test_verify_reads_the_call_and_rejects_unsigned_bodies() -> None:
    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        raise AssertionError("not called")

    async with Simulator() as sim, sip_app(sim, on_call) as (calls, _):
        with pytest.raises(WebhookVerificationError, match="webhook-signature"):
            calls.verify(b"{}", {"webhook-id": "x", "webhook-timestamp": str(int(time.time()))})
    assert read_incoming_call(b'{"type": "batch.completed", "data": {}}', "wh_1") is None
    with pytest.raises(WebhookVerificationError, match="call_id"):
        read_incoming_call(b'{"type": "realtime.call.incoming", "data": {}}', "wh_1")


async def test_two_deliveries_at_once_answer_the_call_once() -> None:
    started: list[IncomingCall] = []

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        started.append(call)
        async with await calls.accept(call):
            pass

    statuses: list[int] = []
    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        call = SimulatedSipCall(sim, url)

        async def deliver() -> None:
            statuses.append(await call.ring())

        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(deliver)
        await call.answered()
    assert statuses == [200, 200, 200]
    assert len(started) == 1
    assert call.accepts == 1


async def test_a_failing_call_handler_leaves_the_next_call_answered() -> None:
    answered: list[str] = []

    async def on_call(calls: SipCalls, call: IncomingCall) -> None:
        if not answered:
            answered.append("failed")
            raise RuntimeError("the app's own bug")
        async with await calls.accept(call):
            answered.append(call.call_id)

    async with Simulator() as sim, sip_app(sim, on_call) as (_, url):
        first, second = SimulatedSipCall(sim, url), SimulatedSipCall(sim, url)
        assert await first.ring() == 200
        assert await second.ring() == 200
        assert await second.answered() is CallState.ACCEPTED
    assert answered == ["failed", second.call_id]
    assert first.requests == []


class SharedIds:
    """A webhook id store of the application's own (say, Redis behind it)."""

    def __init__(self) -> None:
        self.claimed: list[str] = []

    async def claim(self, webhook_id: str) -> bool:
        if webhook_id in self.claimed:
            return False
        self.claimed.append(webhook_id)
        return True


async def test_a_store_of_the_apps_own_dedupes_and_memory_ids_stay_bounded() -> None:
    store = SharedIds()
    runner = RealtimeRunner(RealtimeAgent(name="Desk"))

    async def on_call(call: IncomingCall) -> None:
        pass

    async with Simulator() as sim, SipCalls(runner, on_call, client=_client(sim), seen=store):
        pass
    memory = MemoryWebhookIds(max_ids=2)
    assert [await memory.claim(i) for i in ("a", "b", "a", "c", "a")] == [
        True,
        True,
        False,
        True,  # "a" is forgotten once "c" arrives: two ids kept
        True,
    ]
    assert len(memory) == 2
    with pytest.raises(UserError, match="max_ids"):
        MemoryWebhookIds(max_ids=0)


async def test_misuse_is_a_user_error() -> None:
    runner = RealtimeRunner(RealtimeAgent(name="Desk"))

    async def on_call(call: IncomingCall) -> None:
        pass

    async with Simulator() as sim:
        client = openai.AsyncOpenAI(base_url="http://127.0.0.1:1/v1", api_key="k")
        no_secret = SipCalls(runner, on_call, client=client)
        with pytest.raises(UserError, match="async with"):
            await no_secret.handle_webhook(b"{}", {})
        async with no_secret:
            with pytest.raises(UserError, match="OPENAI_WEBHOOK_SECRET"):
                await no_secret.handle_webhook(b"{}", {})
        async with SipCalls(runner, on_call, client=_client(sim)) as calls:
            with pytest.raises(UserError, match="tel: or sip:"):
                await calls.refer("rtc_1", "https://example.com")
