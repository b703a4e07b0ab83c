"""LiveModel end to end: a RealtimeRunner and RealtimeSession with a real agent and a
``@function_tool``, over a scripted raw GPT-Live server on 127.0.0.1 (tests/live_server.py).

Until the runner routes GPT-Live models itself, a test provider's connector opens the
LiveModel with the test's LiveSettings.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from typing import Any

import anyio
import pytest

from live_server import (
    WAIT,
    LiveServer,
    assistant_says,
    delegate,
    live_server,
    user_says,
)
from rtvoice import RealtimeAgent, RealtimeRunner, function_tool
from rtvoice.errors import UserError
from rtvoice.live import DelegatedTask, ToolCall
from rtvoice.providers import RealtimeProvider
from rtvoice.session import RealtimeSession, RealtimeSessionEvent

pytestmark = pytest.mark.anyio

TURN_END_MS = 80


class LiveTestProvider(RealtimeProvider):
    """Points sessions at the scripted server; the default connector picks the Live model
    for a gpt-live-* model name, with the run config's live settings."""

    def __init__(self, server: LiveServer) -> None:
        self._server = server

    def build_url(self, model: str) -> str:
        return self._server.url

    def build_headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer sk-live-test"}


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


@function_tool(needs_approval=True)
def book_table(restaurant: str) -> str:
    """Book a table."""
    return f"Booked at {restaurant}"


class PlannedBackend:
    """A backend that answers every task with the same plan, and records the tasks."""

    def __init__(self, plan: Sequence[ToolCall] | str) -> None:
        self.plan_result = plan
        self.tasks: list[DelegatedTask] = []

    async def plan(self, task: DelegatedTask) -> Sequence[ToolCall] | str:
        self.tasks.append(task)
        return self.plan_result


class FailingBackend:
    async def plan(self, task: DelegatedTask) -> Sequence[ToolCall] | str:
        raise RuntimeError("planner down")


def make_runner(server: LiveServer, agent: RealtimeAgent[Any], **settings: Any) -> RealtimeRunner:
    """A runner on the scripted server; ``settings`` are ``model_settings["live"]`` keys
    (``responses_model`` stands for ``responses: {"model": ...}``)."""
    live: dict[str, Any] = {"turn_end_ms": TURN_END_MS, **settings}
    if "responses_model" in live:
        live["responses"] = {"model": live.pop("responses_model")}
    return RealtimeRunner(
        agent,
        provider=LiveTestProvider(server),
        config={"model_settings": {"model_name": "gpt-live-1.1", "voice": "cedar", "live": live}},
    )


async def collect_until(
    session: RealtimeSession, stop: str, seen: list[RealtimeSessionEvent] | None = None
) -> list[RealtimeSessionEvent]:
    seen = [] if seen is None else seen
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if event.type == stop:
                return seen
    raise AssertionError(f"iteration ended before {stop}: {[e.type for e in seen]}")


def kinds(events: list[RealtimeSessionEvent]) -> list[str]:
    return [event.type for event in events]


async def test_session_start_carries_the_model_voice_format_and_instructions() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Keep answers short.")
    async with live_server() as server:
        session = await make_runner(server, agent, store=True).run()
        async with session:
            conn = await server.connection()
            start = conn.started
            assert start is not None
            assert start["session"]["model"] == "gpt-live-1.1"
            assert start["session"]["instructions"] == "Keep answers short."
            assert start["session"]["audio"] == {
                "format": {"type": "audio/pcm", "rate": 24000},
                "output": {"voice": "cedar"},
            }
            assert start["session"]["delegation"] == {"type": "client"}
            assert start["session"]["store"] is True
        # Nothing GPT-Live refuses went out before or after the start.
        assert server.received[0]["type"] == "session.start"
        assert not server.of_type("session.update")


async def test_a_spoken_turn_gives_the_events_a_realtime_session_gives() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Be brief.")
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            conn = await server.connection()
            await conn.send(*user_says("What is the weather"))
            await conn.send(*assistant_says("It is sunny."))
            events = await collect_until(session, "agent_end")
            history = list(session.history)
    seen = kinds(events)
    for kind in ("input_transcript", "agent_start", "audio", "transcript_delta", "history_added"):
        assert kind in seen, (kind, seen)
    assert seen.index("agent_start") < seen.index("audio") < seen.index("agent_end")
    finals = [e for e in events if e.type == "input_transcript" and e.is_final]
    assert [e.text for e in finals] == ["What is the weather"]
    assert sum(len(e.audio.data) for e in events if e.type == "audio") == 2 * 4800
    assert [item.type for item in history] == ["user_message", "assistant_message"]
    assert [item.text for item in history] == ["What is the weather", "It is sunny."]  # type: ignore[union-attr]


async def test_a_client_delegation_runs_the_tool_after_approval_and_answers_the_delegation() -> (
    None
):
    backend = PlannedBackend([ToolCall(name="book_table", arguments='{"restaurant": "Chez Lu"}')])
    agent = RealtimeAgent(name="Assistant", instructions="Help.", tools=[book_table])
    async with live_server() as server:
        session = await make_runner(server, agent, backend=backend).run()
        async with session:
            conn = await server.connection()
            await conn.send(*user_says("Book a table at Chez Lu"))
            await conn.send(delegate("del_1"))
            seen = await collect_until(session, "tool_approval_required")
            request = seen[-1]
            assert request.type == "tool_approval_required"
            await session.approve_tool_call(request.call_id)
            await collect_until(session, "tool_end", seen)
            (commentary,) = await server.arrived("session.commentary.append")
            await conn.send(*assistant_says("Your table is booked."))
            await collect_until(session, "agent_end", seen)
    assert commentary["delegation_id"] == "del_1"
    assert commentary["content"] == "Booked at Chez Lu"
    (task,) = backend.tasks
    assert task.delegation_id == "del_1"
    assert task.request == "Book a table at Chez Lu"
    assert "user: Book a table at Chez Lu" in task.conversation
    assert [tool.name for tool in task.tools] == ["book_table"]
    assert "tool_start" in kinds(seen)


async def test_a_silent_tool_answers_with_thinking_and_a_text_plan_with_commentary() -> None:
    backend = PlannedBackend([ToolCall(name="get_weather", arguments='{"city": "Oslo"}')])
    agent = RealtimeAgent(name="Assistant", instructions="Help.", tools=[get_weather])
    async with live_server() as server:
        runner = make_runner(server, agent, backend=backend, silent_tools=["get_weather"])
        session = await runner.run()
        async with session:
            conn = await server.connection()
            await conn.send(*user_says("Weather in Oslo"), delegate("del_2"))
            (thinking,) = await server.arrived("session.thinking.append")
            backend.plan_result = "It is late; the shop is closed."
            await conn.send(delegate("del_3"))
            (commentary,) = await server.arrived("session.commentary.append")
    assert thinking == {
        "type": "session.thinking.append",
        "content": "Sunny in Oslo",
        "delegation_id": "del_2",
    }
    assert commentary["delegation_id"] == "del_3"
    assert commentary["content"] == "It is late; the shop is closed."


async def test_a_failing_backend_is_an_error_event_and_a_note_to_the_model() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.", tools=[get_weather])
    async with live_server() as server:
        session = await make_runner(server, agent, backend=FailingBackend()).run()
        async with session:
            conn = await server.connection()
            await conn.send(*user_says("Weather"), delegate("del_4"))
            events = await collect_until(session, "error")
            (note,) = await server.arrived("session.thinking.append")
            # The session goes on: a spoken turn still ends.
            await conn.send(*assistant_says("Sorry, I could not check."))
            await collect_until(session, "agent_end", events)
    error = next(e for e in events if e.type == "error")
    assert error.error.code == "live_backend_failed"
    assert "FailingBackend" in error.error.message
    assert "planner down" in error.error.message
    assert note["delegation_id"] == "del_4"


async def test_no_backend_and_no_tools_is_an_error_event_not_a_wedge() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.")
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            conn = await server.connection()
            await conn.send(delegate("del_5"))
            events = await collect_until(session, "error")
            (note,) = await server.arrived("session.thinking.append")
    assert events[-1].error.code == "live_no_backend"  # type: ignore[union-attr]
    assert "backend" in events[-1].error.message  # type: ignore[union-attr]
    assert note["delegation_id"] == "del_5"


async def test_a_responses_function_call_is_answered_with_item_create_and_response_create() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.", tools=[get_weather])
    async with live_server() as server:
        runner = make_runner(server, agent, delegation="responses", responses_model="gpt-5-mini")
        session = await runner.run()
        async with session:
            conn = await server.connection()
            start = conn.started
            assert start is not None
            delegation = start["session"]["delegation"]
            assert delegation["type"] == "responses"
            assert delegation["responses"]["model"] == "gpt-5-mini"
            assert [t["name"] for t in delegation["responses"]["tools"]] == ["get_weather"]
            call = {
                "type": "function_call",
                "call_id": "call_9",
                "name": "get_weather",
                "arguments": '{"city": "Rome"}',
            }
            await conn.send(
                {
                    "type": "response.event",
                    "delegation_id": "del_6",
                    "event": {"type": "response.output_item.added", "item": call},
                },
                {
                    "type": "response.event",
                    "delegation_id": "del_6",
                    "event": {"type": "response.output_item.done", "item": call},
                },
            )
            (created,) = await server.arrived("response.item.create")
            await server.arrived("response.create")
    assert created["item"] == {
        "type": "function_call_output",
        "call_id": "call_9",
        "output": "Sunny in Rome",
    }
    kinds_sent = [f["type"] for f in server.received]
    assert kinds_sent.index("response.item.create") < kinds_sent.index("response.create")


async def test_close_sends_session_close_and_waits_for_session_closed() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.")
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            await server.connection()
        await session.close()  # twice is fine
        assert [f["type"] for f in server.received] == ["session.start", "session.close"]


async def test_malformed_frames_are_decode_errors_and_the_session_goes_on() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.")
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            conn = await server.connection()
            await conn.send_text("not json")
            await conn.send({"type": "session.output_transcript.delta", "delta": 7})
            await conn.send({"type": "session.output_audio.delta", "delta": "%%%"})
            await conn.send(*assistant_says("Still here."))
            events = await collect_until(session, "agent_end")
    errors = [e for e in events if e.type == "error"]
    assert [e.error.type for e in errors] == ["decode_error"] * 3
    assert "delta" in errors[1].error.message
    assert "transcript_delta" in kinds(events)


async def test_a_typed_message_is_appended_as_instructions_and_kept_in_history() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.")
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            await session.send_message("Hello there")
            (append,) = await server.arrived("session.instructions.append")
            with anyio.fail_after(WAIT):
                async for event in session:
                    if event.type == "history_added":
                        break
            history = list(session.history)
    assert append["content"].endswith("Hello there")
    assert append["delegation_id"] is None
    assert not server.of_type("response.create")
    assert [item.type for item in history] == ["user_message"]


async def test_a_later_voice_change_keeps_the_voice_with_a_voice_locked_warning() -> None:
    # GPT-Live fixes the voice at start: an agent taken on later that wants another keeps the
    # session's voice, as on the Realtime protocol once the assistant has spoken
    agent = RealtimeAgent(name="Assistant", instructions="Help.")
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            await server.connection()
            other = RealtimeAgent(name="Other", instructions="Other.", voice="ash")
            await session.update_agent(other)
            events = await collect_until(session, "error")
            (appended,) = await server.arrived("session.instructions.append")
    warning = events[-1]
    assert warning.type == "error"
    assert warning.error.code == "voice_locked"  # type: ignore[union-attr]
    assert "when the session starts" in warning.error.message  # type: ignore[union-attr]
    assert "Other." in appended["content"]
    assert not server.of_type("session.update")


def test_frames_here_are_json() -> None:
    # The helper frames are what a Live server sends (checked against the SDK in
    # test_live_client_codec); here, just that they serialise.
    assert json.dumps(user_says("a b") + assistant_says("c") + [delegate("d")])


@pytest.mark.skipif(
    importlib.util.find_spec("openai") is None, reason="the built-in backend uses the openai SDK"
)
async def test_with_tools_and_no_backend_the_built_in_responses_backend_is_asked() -> None:
    # The scripted server speaks only WebSocket: the Responses request the default backend
    # makes to the same host (http://127.0.0.1:<port>/v1/responses) is refused, and that
    # failure is an error event naming ResponsesBackend, not a wedge.
    agent = RealtimeAgent(name="Assistant", instructions="Help.", tools=[get_weather])
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            conn = await server.connection()
            await conn.send(*user_says("Weather in Lima"), delegate("del_7"))
            events = await collect_until(session, "error")
            (note,) = await server.arrived("session.thinking.append")
    error = events[-1]
    assert error.type == "error"
    assert error.error.code == "live_backend_failed"
    assert "ResponsesBackend" in error.error.message
    assert note["delegation_id"] == "del_7"


async def test_responses_delegation_without_a_model_is_refused_by_the_run_config() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.")
    async with live_server() as server:
        with pytest.raises(UserError, match=r"model_settings\.live\.responses"):
            make_runner(server, agent, delegation="responses")
    assert server.received == []  # nothing GPT-Live would reject went out


async def test_the_user_speaking_over_the_assistant_cuts_its_turn_and_history_keeps_both() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Help.")
    async with live_server() as server:
        session = await make_runner(server, agent).run()
        async with session:
            conn = await server.connection()
            await conn.send(*assistant_says("A long story", chunks=3))
            await conn.send(*user_says("stop please"))
            events = await collect_until(session, "agent_end")
            await collect_until(session, "speech_stopped", events)
            history = list(session.history)
    seen = kinds(events)
    assert seen.index("agent_end") < seen.index("speech_started")
    assert "audio_interrupted" in seen
    assert [(item.type, item.text) for item in history] == [  # type: ignore[union-attr]
        ("assistant_message", "A long story"),
        ("user_message", "stop please"),
    ]
    assert history[0].status == "incomplete"  # type: ignore[union-attr]
    # Nothing GPT-Live refuses (truncate, cancel) went out for the interruption.
    assert [f["type"] for f in server.received] == ["session.start", "session.close"]
