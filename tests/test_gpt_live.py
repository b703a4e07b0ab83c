"""GPT-Live end to end, over the simulator's GPT-Live mode: the DESIGN example with only the
model name changed, a spoken exchange with a tool call through client delegation and its
approval, ``session.closed`` on close, and the same agent code (tools, approvals, guardrails,
middleware) against the Realtime and the Live protocol."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import anyio
import pytest

from rtvoice import (
    GuardrailFunctionOutput,
    RealtimeAgent,
    RealtimeRunner,
    function_tool,
    output_guardrail,
)
from rtvoice.audio import bytes_for_ms
from rtvoice.middleware import Middleware, ToolCall, ToolCallHandler, ToolResult
from rtvoice.session import RealtimeSession, RealtimeSessionEvent
from rtvoice.simulator import Faults, SimulatorProvider, decode_speech, encode_speech
from test_design_example import DESIGN_EXAMPLE

pytest.importorskip("openai", reason="client delegation's built-in backend uses the openai SDK")

WAIT = 20.0


def test_design_example_with_gpt_live_runs_against_the_simulator(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    example = DESIGN_EXAMPLE.replace('"gpt-realtime-2"', '"gpt-live-1.1"')
    assert example != DESIGN_EXAMPLE
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("RTVOICE_SIMULATOR", "1")
    played: list[bytes] = []
    namespace: dict[str, object] = {"play": played.append, "__name__": "design_example"}
    exec(compile(example, "DESIGN.md", "exec"), namespace)
    with caplog.at_level(logging.WARNING, logger="rtvoice"):
        asyncio.run(namespace["main"]())  # type: ignore[arg-type]
    audio = b"".join(played)
    assert audio, "no audio was played"
    # GPT-Live has no user text: the message went in as an instruction saying the user typed
    # it, which the simulated model answers as it would the user's words
    said = decode_speech(audio)
    assert said.startswith("You said: ")
    assert said.endswith("Say hello in one short sentence.")
    printed = capsys.readouterr().out
    assert "assistant" in printed.lower()
    assert "error" not in printed.lower()


def speech(text: str) -> list[bytes]:
    """What the simulator hears as ``text``, then enough silence to end the turn, in 40 ms
    chunks."""
    audio = encode_speech(text) + bytes(bytes_for_ms(800, "pcm16"))
    size = bytes_for_ms(40, "pcm16")
    return [audio[i : i + size] for i in range(0, len(audio), size)]


async def say(session: RealtimeSession, text: str) -> None:
    for chunk in speech(text):
        await session.send_audio(chunk)


class Calls(Middleware):
    """Records each tool call the session runs through the middleware chain."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
        self.seen.append((call.tool.name, call.arguments))
        return await call_next(call)


def agent_and_checks() -> tuple[RealtimeAgent[Any], Calls, list[str]]:
    """The agent code both protocols run: a tool that needs approval, an output guardrail that
    records what it checked, middleware that records each call."""
    checked: list[str] = []

    @function_tool(needs_approval=True)
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return f"Sunny in {city}"

    @output_guardrail
    def no_prices(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        checked.append(text)
        return GuardrailFunctionOutput(tripwire_triggered="$" in text)

    agent = RealtimeAgent(
        name="Assistant",
        instructions="Keep answers short.",
        tools=[get_weather],
        output_guardrails=[no_prices],
    )
    return agent, Calls(), checked


async def converse(model_name: str) -> dict[str, Any]:
    """Ask for the weather by voice, approve the call, and collect what a user would see."""
    agent, calls, checked = agent_and_checks()
    runner = RealtimeRunner(
        agent,
        config={"model_settings": {"model_name": model_name}, "middleware": [calls]},
        provider=SimulatorProvider(),
    )
    seen: list[RealtimeSessionEvent] = []
    spoken: list[str] = []
    session = await runner.run()
    async with session:
        await say(session, 'call get_weather {"city": "Paris"}')
        with anyio.fail_after(WAIT):
            async for event in session:
                seen.append(event)
                if event.type == "tool_approval_required":
                    await session.approve_tool_call(event.call_id)
                elif event.type == "transcript_delta":
                    spoken.append(event.delta)
                elif event.type == "agent_end" and "Sunny in Paris" in "".join(spoken):
                    break
        await session.close()
        close_reason = session.close_reason
        usage = session.usage
    return {
        "usage_totals": [e.total.session_seconds for e in seen if e.type == "usage"],
        "context": [e.context_usage_ratio for e in seen if e.type == "usage"],
        "types": [e.type for e in seen],
        "tool_ends": [(e.tool_name, e.output) for e in seen if e.type == "tool_end"],
        "spoken": "".join(spoken),
        "calls": calls.seen,
        "checked": checked,
        "history": [item.type for item in session.history],
        "close_reason": close_reason,
        "usage": usage,
    }


@pytest.mark.anyio
@pytest.mark.parametrize("model_name", ["gpt-realtime-2", "gpt-live-1.1"])
async def test_the_same_agent_code_runs_on_both_protocols(model_name: str) -> None:
    got = await converse(model_name)
    assert got["tool_ends"] == [("get_weather", "Sunny in Paris")]
    assert got["calls"] == [("get_weather", '{"city": "Paris"}')]
    assert "tool_approval_required" in got["types"]
    assert got["types"].index("tool_approval_required") < got["types"].index("tool_start")
    assert "Sunny in Paris" in got["spoken"]
    assert any("Sunny in Paris" in text for text in got["checked"])  # the guardrail ran
    history = got["history"]
    assert history[0] == "user_message"
    assert history.count("tool_call") == 1
    assert history[-1] == "assistant_message"  # the result, spoken
    # (GPT-Live also says "One moment." before it delegates: one more assistant message)


@pytest.mark.anyio
async def test_a_live_session_delegates_asks_for_approval_and_ends_with_session_closed() -> None:
    got = await converse("gpt-live-1.1")
    types = got["types"]
    assert types.count("input_transcript") >= 1  # the user's words, as GPT-Live heard them
    assert "audio" in types
    assert types.index("agent_start") < types.index("tool_approval_required")
    assert got["close_reason"] == "close_requested"
    # billed time as the server reports it (the simulator: whole seconds since the start)
    assert got["usage_totals"]
    assert got["usage"].session_seconds >= max(got["usage_totals"])
    assert all(ratio is not None and 0 <= ratio <= 1 for ratio in got["context"])


@pytest.mark.anyio
async def test_a_silent_tool_result_ends_the_turn_without_waiting_for_speech() -> None:
    # GPT-Live answers on its own: a result sent as thinking may never be spoken, and the
    # turn must not wait for a response nobody will create
    agent, _, _ = agent_and_checks()
    live = {"silent_tools": ["get_weather"]}
    runner = RealtimeRunner(
        agent,
        config={"model_settings": {"model_name": "gpt-live-1.1", "live": live}},
        provider=SimulatorProvider(),
    )
    seen: list[str] = []
    session = await runner.run()
    async with session:
        await say(session, 'call get_weather {"city": "Paris"}')
        with anyio.fail_after(WAIT):
            async for event in session:
                seen.append(event.type)
                if event.type == "tool_approval_required":
                    await session.approve_tool_call(event.call_id)
                elif event.type == "agent_end" and "tool_end" in seen:
                    break
    assert seen[-1] == "agent_end"  # reached, after the tool's end (else fail_after)
    assert "error" not in seen


@pytest.mark.anyio
async def test_a_handoff_on_gpt_live_appends_the_new_agents_instructions() -> None:
    billing = RealtimeAgent(name="Billing", instructions="You handle billing.")
    triage = RealtimeAgent(name="Triage", instructions="Route callers.", handoffs=[billing])
    runner = RealtimeRunner(
        triage,
        config={"model_settings": {"model_name": "gpt-live-1.1"}},
        provider=SimulatorProvider(),
    )
    spoken: list[str] = []
    session = await runner.run()
    async with session:
        await say(session, "transfer to billing")
        with anyio.fail_after(WAIT):
            async for event in session:
                if event.type == "handoff":
                    assert (event.from_agent.name, event.to_agent.name) == ("Triage", "Billing")
                elif event.type == "transcript_delta":
                    spoken.append(event.delta)
                elif event.type == "agent_end" and "billing" in "".join(spoken):
                    break
        assert session.current_agent.name == "Billing"
    # GPT-Live cannot replace instructions: the new agent's were appended, and the simulated
    # model, idle, answered them
    assert "From now on: You handle billing." in "".join(spoken)


@pytest.mark.anyio
async def test_a_dropped_live_session_reconnects_with_its_history_in_the_new_start() -> None:
    starts: list[dict[str, Any]] = []

    def observe(direction: str, frame: str) -> None:
        sent = json.loads(frame)
        if direction == "client" and sent.get("type") == "session.start":
            starts.append(sent["session"])

    # the first connection's server loses the call after the user's first words
    faults = Faults(live_end="connection_lost", live_end_after_utterances=1, connections=1)
    runner = RealtimeRunner(
        RealtimeAgent(name="Assistant", instructions="Be brief."),
        config={"model_settings": {"model_name": "gpt-live-1.1"}},
        provider=SimulatorProvider(faults=faults, frame_observer=observe),
    )
    seen: list[RealtimeSessionEvent] = []
    session = await runner.run()
    async with session:
        await say(session, "my name is Anya")
        seen = await events_until(session, "reconnected")
    lost = next(e for e in seen if e.type == "connection_lost")
    assert lost.reason == "dropped"  # type: ignore[union-attr]
    assert [e.type for e in seen].index("session_closed") < [e.type for e in seen].index(
        "connection_lost"
    )
    first, second = starts
    assert "input" not in first
    # GPT-Live takes a history only at start: the new session gets it there, as text
    assert second["input"][0] == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "my name is Anya"}],
    }
    assert second["instructions"] == "Be brief."


async def events_until(session: RealtimeSession, stop: str) -> list[RealtimeSessionEvent]:
    seen: list[RealtimeSessionEvent] = []
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if event.type == stop:
                return seen
    raise AssertionError(f"iteration ended before {stop}: {[e.type for e in seen]}")


@pytest.mark.anyio
async def test_a_live_session_resumed_from_a_snapshot_starts_with_its_history() -> None:
    starts: list[dict[str, Any]] = []

    def observe(direction: str, frame: str) -> None:
        sent = json.loads(frame)
        if direction == "client" and sent.get("type") == "session.start":
            starts.append(sent["session"])

    runner = RealtimeRunner(
        RealtimeAgent(name="Assistant", instructions="Be brief."),
        config={"model_settings": {"model_name": "gpt-live-1.1"}},
        provider=SimulatorProvider(frame_observer=observe),
    )
    session = await runner.run()
    async with session:
        await say(session, "my name is Anya")
        await events_until(session, "agent_end")
        snapshot = session.snapshot()
    resumed = await runner.run(resume=snapshot)
    async with resumed:
        assert [item.type for item in resumed.history][:2] == ["user_message", "assistant_message"]
    first, second = starts
    assert "input" not in first
    history = second["input"]
    assert history[0]["role"] == "user"
    assert history[0]["content"][0]["text"] == "my name is Anya"
    assert history[1]["role"] == "assistant"
    assert history[1]["content"][0]["text"].startswith("You said: my name is Anya")
