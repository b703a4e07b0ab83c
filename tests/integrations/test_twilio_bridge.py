"""run_twilio_call over real sockets on 127.0.0.1, with the simulated Twilio caller on one
side and the simulator on the other: what the caller hears, tool calls, barge-in with marks
and clear, DTMF, and every way a call ends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
import websockets
from websockets.asyncio.server import ServerConnection, serve

from rtvoice import (
    ConnectionLostError,
    RealtimeAgent,
    RealtimeRunner,
    UserError,
    function_tool,
    stop_conversation,
)
from rtvoice.integrations.twilio import TwilioCall, WebsocketsMediaSocket, run_twilio_call
from rtvoice.session import RealtimeSessionEvent
from rtvoice.simulator import (
    CallToolPlan,
    Faults,
    ResponderView,
    ResponsePlan,
    SimulatorProvider,
    SpeakPlan,
)
from rtvoice.simulator.twilio import SimulatedTwilioCaller

pytestmark = pytest.mark.anyio

PACE = 8  # the line's clock runs 8x real time: a second of speech takes 125 ms

PHONE_AUDIO: Any = {
    "input": {"format": "g711_ulaw", "transcription": {"model": "gpt-4o-mini-transcribe"}},
    "output": {"format": "g711_ulaw"},
}


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


def phone_runner(**agent: Any) -> RealtimeRunner[Any]:
    return RealtimeRunner(
        RealtimeAgent(name="Phone", instructions="Keep answers short.", **agent),
        provider=SimulatorProvider(),
        config={"model_settings": {"audio": PHONE_AUDIO}},
    )


@dataclass
class App:
    """A websockets server whose handler runs one bridged call per connection."""

    url: str = ""
    calls: list[TwilioCall | None] = field(default_factory=list)
    events: list[RealtimeSessionEvent] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    done: anyio.Event = field(default_factory=anyio.Event)

    def call(self) -> TwilioCall:
        call = self.calls[0]
        assert call is not None
        return call

    def interruptions(self) -> list[Any]:
        return [event for event in self.events if event.type == "audio_interrupted"]


@asynccontextmanager
async def twilio_app(runner: RealtimeRunner[Any], **options: Any) -> AsyncIterator[App]:
    app = App()

    def on_event(call: TwilioCall, event: RealtimeSessionEvent) -> None:
        app.events.append(event)

    async def on_dtmf(call: TwilioCall, digit: str) -> None:
        app.digits.append(digit)

    async def handler(connection: ServerConnection) -> None:
        try:
            call = await run_twilio_call(
                WebsocketsMediaSocket(connection),
                runner,
                on_event=on_event,
                on_dtmf=on_dtmf,
                **options,
            )
            app.calls.append(call)
        finally:
            app.done.set()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        app.url = f"ws://127.0.0.1:{port}/media-stream"
        yield app


async def test_a_spoken_question_is_answered_in_mu_law_the_caller_hears() -> None:
    async with twilio_app(phone_runner()) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.say("what time is it")
            await caller.wait_until(lambda: "what time is it" in caller.heard_text())
            assert caller.heard_text() == "You said: what time is it"
            # Every chunk came with a mark, each echoed once its audio was played.
            marks = [f for f in caller.app_frames if f["event"] == "mark"]
            await caller.wait_until(lambda: len(caller.echoed_marks) == len(marks))
        with anyio.fail_after(5):
            await app.done.wait()
    call = app.call()
    assert call.ended_by == "stop"
    assert call.played_ms == caller.played_ms == len(caller.received_audio) / 8
    texts = [(item.type, item.text) for item in call.session.history]  # type: ignore[union-attr]
    assert texts == [
        ("user_message", "what time is it"),
        ("assistant_message", "You said: what time is it"),
    ]


async def test_a_tool_call_is_answered_on_the_phone() -> None:
    async with twilio_app(phone_runner(tools=[get_weather])) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.say('call get_weather {"city": "Paris"}')
            await caller.wait_until(lambda: "Sunny in Paris" in caller.heard_text())
        with anyio.fail_after(5):
            await app.done.wait()
    assert caller.heard_text() == "get_weather returned: Sunny in Paris"
    ends = [event for event in app.events if event.type == "tool_end"]
    assert [(end.tool_name, end.output) for end in ends] == [("get_weather", "Sunny in Paris")]  # type: ignore[union-attr]


async def test_a_barge_in_clears_twilio_and_truncates_at_what_the_marks_say_was_heard() -> None:
    question = "tell me a very long story about the sea and the ships"
    answer = f"You said: {question}"  # 3.4 s of speech
    async with twilio_app(phone_runner()) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.say(question)
            await caller.wait_until(lambda: caller.played_ms >= 1000)
            heard_before = caller.echoed_marks[-1].played_bytes
            await caller.say("stop")
            await caller.wait_until(lambda: bool(caller.clears))
            await caller.wait_until(lambda: "You said: stop" in caller.heard_text())
        with anyio.fail_after(5):
            await app.done.wait()
    call = app.call()
    [interrupted] = app.interruptions()
    assert call.clears_sent == 1
    clear = caller.clears[0]
    assert clear.dropped_bytes > 0  # Twilio still had audio queued: the clear was needed
    # The truncation point is exactly where an echoed mark said the caller was, no later
    # than the clear and no earlier than what was heard when the caller began to speak.
    heard_at = [mark.played_bytes for mark in caller.echoed_marks if not mark.cleared]
    assert interrupted.played_ms * 8 in heard_at
    assert heard_before <= interrupted.played_ms * 8 <= clear.played_bytes
    # The marks of the audio the clear dropped came back too, and changed nothing.
    assert any(mark.cleared for mark in caller.echoed_marks)
    # The history keeps only what was heard of the interrupted answer.
    cut = next(item for item in call.session.history if item.item_id == interrupted.item_id)
    assert answer.startswith(cut.text)  # type: ignore[union-attr]
    assert len(cut.text) < len(answer)  # type: ignore[union-attr]


@pytest.mark.skipif(
    int(websockets.__version__.split(".")[0]) < 14,
    reason="websockets 13's asyncio server drops the frames still queued when the peer closes "
    "(the keys come right before the caller's stop and close): fixed in websockets 14",
)
async def test_dtmf_reaches_the_application() -> None:
    async with twilio_app(phone_runner()) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.press("42#")
        with anyio.fail_after(5):
            await app.done.wait()  # the keys came before the stop, on the same socket
    assert app.digits == ["4", "2", "#"]


async def test_stop_ends_the_call_and_leaves_no_task() -> None:
    before = asyncio.all_tasks()
    async with twilio_app(phone_runner()) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.say("hello")
            await caller.wait_until(lambda: "hello" in caller.heard_text())
            await caller.hang_up()
        with anyio.fail_after(5):
            await app.done.wait()
        assert app.call().ended_by == "stop"
        assert app.call().session.closed
    assert asyncio.all_tasks() == before


async def test_a_socket_closed_without_stop_ends_the_call_too() -> None:
    async with (
        twilio_app(phone_runner()) as app,
        SimulatedTwilioCaller(app.url, pace=PACE) as caller,
    ):
        await caller.say("hello")
        await caller.drop()  # a dropped line: no stop frame
        with anyio.fail_after(5):
            await app.done.wait()
    assert app.call().ended_by == "hangup"


async def test_the_session_ending_hangs_the_stream_up() -> None:
    async with twilio_app(phone_runner(tools=[stop_conversation])) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.say("call stop_conversation")
            await caller.wait_closed()
            assert caller.app_hung_up
        with anyio.fail_after(5):
            await app.done.wait()
    assert app.call().ended_by == "session"


async def test_the_agent_s_last_words_are_heard_before_the_stream_is_hung_up() -> None:
    def goodbye(view: ResponderView) -> ResponsePlan:
        return (SpeakPlan(text="Goodbye now"), CallToolPlan(name="stop_conversation"))

    runner = RealtimeRunner(
        RealtimeAgent(name="Phone", tools=[stop_conversation]),
        provider=SimulatorProvider(responder=goodbye),
        config={"model_settings": {"audio": PHONE_AUDIO}},
    )
    async with twilio_app(runner) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.say("bye")
            await caller.wait_closed()
            assert caller.app_hung_up
        with anyio.fail_after(5):
            await app.done.wait()
    assert app.call().ended_by == "session"
    assert caller.heard_text() == "Goodbye now"
    assert len(caller.played_audio) == len(caller.received_audio)


async def test_a_failed_session_hangs_the_stream_up_and_says_why() -> None:
    runner = RealtimeRunner(
        RealtimeAgent(name="Phone"),
        provider=SimulatorProvider(faults=Faults(drop_after_events=4)),
        config={"model_settings": {"audio": PHONE_AUDIO}, "reconnect": False},
    )
    async with twilio_app(runner) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.say("hello")
            await caller.wait_closed()
            assert caller.app_hung_up
        with anyio.fail_after(5):
            await app.done.wait()
    call = app.call()
    assert call.ended_by == "error"
    assert isinstance(call.error, ConnectionLostError)


async def test_a_malformed_frame_is_skipped_and_the_call_goes_on() -> None:
    async with twilio_app(phone_runner()) as app:
        async with SimulatedTwilioCaller(app.url, pace=PACE) as caller:
            await caller.send_raw("{not json")
            await caller.send_raw(json.dumps({"event": "media", "streamSid": "MZ1"}))
            await caller.say("are you there")
            await caller.wait_until(lambda: "are you there" in caller.heard_text())
        with anyio.fail_after(5):
            await app.done.wait()
    assert app.call().malformed_frames == 2
    assert app.call().ended_by == "stop"


async def test_the_call_s_parameters_reach_the_application() -> None:
    seen: list[tuple[str, str, dict[str, str]]] = []

    async def on_start(call: TwilioCall) -> None:
        seen.append((call.stream_sid, call.call_sid, dict(call.start.custom_parameters)))

    async with twilio_app(phone_runner(), on_start=on_start) as app:
        async with SimulatedTwilioCaller(
            app.url, pace=PACE, custom_parameters={"caller": "+15550100"}, call_sid="CA42"
        ) as caller:
            pass
        with anyio.fail_after(5):
            await app.done.wait()
    assert seen == [(caller.stream_sid, "CA42", {"caller": "+15550100"})]


async def test_a_runner_not_set_for_mu_law_is_refused_with_the_config_to_use() -> None:
    runner = RealtimeRunner(RealtimeAgent(name="Web"), provider=SimulatorProvider())
    with pytest.raises(UserError, match=r"input\.format is 'pcm16'.*g711_ulaw"):
        await run_twilio_call(_NeverCalled(), runner)


class _NeverCalled:
    async def receive_text(self) -> str | None:
        raise AssertionError("the runner's formats are checked before any frame is read")

    async def send_text(self, text: str) -> None:
        raise AssertionError("nothing is sent")
