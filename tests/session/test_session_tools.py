"""Function tools in a live session over loopback to the simulator (PROTOCOL.md §7.c)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from pydantic import BaseModel
from session_kit import WAIT, Recorder, events_until, kinds, open_session

from rtvoice.agent import RealtimeAgent
from rtvoice.errors import TransportClosedError, UserError
from rtvoice.handoffs import handoff
from rtvoice.model.commands import CreateItem, CreateResponse
from rtvoice.model.events import ErrorEvent
from rtvoice.model.items import FunctionCallOutputItem
from rtvoice.session import (
    RawModelEvent,
    RealtimeSession,
    RealtimeSessionEvent,
    ToolCallItem,
    ToolEndEvent,
    ToolStartEvent,
)
from rtvoice.simulator import CallToolPlan, ResponderView, Simulator, default_responder
from rtvoice.tools import (
    StopConversation,
    ToolContext,
    ToolError,
    ToolTimeoutError,
    function_tool,
    stop_conversation,
)

pytestmark = pytest.mark.anyio


def texts(session: RealtimeSession) -> list[str]:
    return [getattr(item, "text", "") for item in session.history]


def of_type(events: list[RealtimeSessionEvent], kind: type[Any]) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


def outputs_sent(recorder: Recorder) -> list[FunctionCallOutputItem]:
    return [
        command.item
        for command in recorder.of(CreateItem)
        if isinstance(command.item, FunctionCallOutputItem)
    ]


@function_tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


class Booking(BaseModel):
    city: str
    nights: int


async def test_sync_tool_round_trip_with_typed_arguments(sim: Simulator) -> None:
    recorder = Recorder()
    agent = RealtimeAgent(name="Calculator", tools=[add])
    async with open_session(sim, agent=agent, recorder=recorder) as session:
        await session.send_message('call add {"a": 2, "b": 40}')
        events = await events_until(session, "agent_end")

    start = of_type(events, ToolStartEvent)
    end = of_type(events, ToolEndEvent)
    assert [(e.tool_name, json.loads(e.arguments), e.agent) for e in start] == [
        ("add", {"a": 2, "b": 40}, agent)
    ]
    assert [(e.call_id, e.output, e.error) for e in end] == [(start[0].call_id, "42", None)]
    assert events.index(start[0]) < events.index(end[0])
    # The output went back as an item, then a response was requested for it (§7.c).
    [output] = outputs_sent(recorder)
    assert (output.call_id, output.output) == (start[0].call_id, "42")
    sent = recorder.sent
    created = next(i for i, c in enumerate(sent) if isinstance(c, CreateItem) and c.item is output)
    assert any(isinstance(c, CreateResponse) for c in sent[created + 1 :])
    call = session.history[1]
    assert isinstance(call, ToolCallItem)
    assert call.output == "42"
    assert texts(session)[-1] == "add returned: 42"
    assert kinds(events).count("agent_end") == 1


async def test_async_tool_with_a_pydantic_argument_and_the_context(sim: Simulator) -> None:
    seen: list[tuple[object, object, object]] = []

    @function_tool
    async def book(ctx: ToolContext[dict[str, str]], booking: Booking) -> dict[str, object]:
        """Book a stay."""
        seen.append((ctx.context, ctx.session, ctx.agent))
        return {"confirmed": booking.city, "nights": booking.nights}

    agent = RealtimeAgent(name="Travel", tools=[book])
    context = {"user": "ada"}
    arguments = '{"booking": {"city": "Oslo", "nights": 2}}'
    async with open_session(sim, agent=agent, context=context) as session:
        await session.send_message(f"call book {arguments}")
        events = await events_until(session, "agent_end")

    assert seen == [(context, session, agent)]
    [end] = of_type(events, ToolEndEvent)
    assert json.loads(end.output) == {"confirmed": "Oslo", "nights": 2}
    assert texts(session)[-1] == f"book returned: {end.output}"


async def test_invalid_arguments_reach_the_model_not_the_tool(sim: Simulator) -> None:
    async with open_session(sim, agent=RealtimeAgent(name="Calc", tools=[add])) as session:
        await session.send_message('call add {"a": "two"}')
        events = await events_until(session, "agent_end")
    [end] = of_type(events, ToolEndEvent)
    assert end.error is not None
    assert "Invalid arguments for add" in end.output
    assert texts(session)[-1] == f"add returned: {end.output}"


async def test_a_tool_that_raises_gives_a_formatted_error_output(sim: Simulator) -> None:
    @function_tool
    def explode() -> str:
        """Always fails."""
        raise RuntimeError("boom")

    def formatter(ctx: ToolContext[Any], error: BaseException) -> str:
        return f"{ctx.tool_name} is broken ({error})"

    config = {"tool_error_formatter": formatter}
    agent = RealtimeAgent(name="Fragile", tools=[explode])
    async with open_session(sim, agent=agent, config=config, include_raw_events=True) as session:
        await session.send_message("call explode")
        events = await events_until(session, "agent_end")
        # The conversation goes on.
        await session.send_message("still there?")
        events += await events_until(session, "agent_end")

    [end] = of_type(events, ToolEndEvent)
    assert isinstance(end.error, RuntimeError)
    assert end.output == "explode is broken (boom)"
    assert "explode returned: explode is broken (boom)" in texts(session)
    assert texts(session)[-1] == "You said: still there?"
    assert not of_type([e.event for e in of_type(events, RawModelEvent)], ErrorEvent)


async def test_a_tool_that_times_out(sim: Simulator) -> None:
    @function_tool(timeout=0.05)
    async def hang() -> str:
        """Never answers."""
        await anyio.sleep_forever()
        return "unreachable"

    async with open_session(sim, agent=RealtimeAgent(name="A", tools=[hang])) as session:
        await session.send_message("call hang")
        events = await events_until(session, "agent_end")
    [end] = of_type(events, ToolEndEvent)
    assert isinstance(end.error, ToolTimeoutError)
    assert end.output == "hang timed out after 0.05 s"
    assert texts(session)[-1] == "hang returned: hang timed out after 0.05 s"


async def test_a_slow_tool_does_not_block_the_conversation(sim: Simulator) -> None:
    release = anyio.Event()

    @function_tool
    async def slow_lookup() -> str:
        """Takes its time."""
        await release.wait()
        return "found it"

    agent = RealtimeAgent(name="Patient", tools=[slow_lookup])
    async with open_session(sim, agent=agent) as session:
        await session.send_message("call slow_lookup")
        events = await events_until(session, "tool_start")
        # The tool runs; the user keeps talking and is answered meanwhile.
        await session.send_message("are you there")
        events += await events_until(
            session,
            lambda e: getattr(getattr(e, "item", None), "text", "") == "You said: are you there",
        )
        assert "tool_end" not in kinds(events)
        assert "agent_end" not in kinds(events)  # the call is still pending
        release.set()
        events += await events_until(session, "agent_end")

    assert kinds(events).count("agent_end") == 1
    assert texts(session)[-1] == "slow_lookup returned: found it"
    call = next(item for item in session.history if isinstance(item, ToolCallItem))
    assert call.output == "found it"


async def test_without_async_tool_calls_calls_run_one_at_a_time(sim: Simulator) -> None:
    release = anyio.Event()
    log: list[str] = []

    @function_tool
    async def first() -> str:
        """Slow."""
        log.append("first started")
        await release.wait()
        log.append("first ended")
        return "one"

    @function_tool
    def second() -> str:
        """Fast."""
        log.append("second ran")
        return "two"

    agent = RealtimeAgent(name="Serial", tools=[first, second])
    config = {"async_tool_calls": False}
    async with open_session(sim, agent=agent, config=config) as session:
        await session.send_message("call first")
        await events_until(session, "tool_start")
        await session.send_message("call second")
        # The second call was made, and waits for the first.
        await events_until(
            session,
            lambda e: (
                isinstance(item := getattr(e, "item", None), ToolCallItem)
                and item.name == "second"
                and item.status == "completed"
            ),
        )
        await anyio.sleep(0.05)
        assert log == ["first started"]
        release.set()
        with anyio.fail_after(WAIT):
            while "second ran" not in log or texts(session)[-1] != "second returned: two":
                await events_until(session, "history_updated")
    assert log == ["first started", "first ended", "second ran"]


async def test_an_unknown_tool_gets_an_error_output_and_the_conversation_goes_on() -> None:
    def responder(view: ResponderView) -> Any:
        if not any(isinstance(item, FunctionCallOutputItem) for item in view.items):
            return CallToolPlan(name="teleport", arguments="{}")
        return default_responder(view)

    async with Simulator(responder=responder) as sim, open_session(sim) as session:
        await session.send_message("beam me up")
        events = await events_until(session, "agent_end")
    [end] = of_type(events, ToolEndEvent)
    assert "tool_start" not in kinds(events)  # it never ran
    assert isinstance(end.error, ToolError)
    assert "teleport" in end.output
    assert texts(session)[-1] == f"teleport returned: {end.output}"


async def test_duplicate_tool_names_are_refused_at_session_start(sim: Simulator) -> None:
    @function_tool(name="add")
    def other_add(x: int) -> int:
        """Another add."""
        return x

    twice = RealtimeAgent(name="Twice", tools=[add, other_add])
    recorder = Recorder()
    with pytest.raises(UserError, match=r"'Twice'.*'add' \(2 times\)"):
        async with open_session(sim, agent=twice, recorder=recorder):
            pass
    assert recorder.connects == 0  # refused before connecting

    billing = RealtimeAgent(name="Billing")

    @function_tool(name="transfer_to_billing")
    def shadow() -> str:
        """Clashes with the handoff."""
        return ""

    clash = RealtimeAgent(name="Clash", tools=[shadow], handoffs=[billing])
    with pytest.raises(UserError, match="transfer_to_billing"):
        async with open_session(sim, agent=clash):
            pass
    renamed = RealtimeAgent(
        name="Renamed", tools=[shadow], handoffs=[handoff(billing, tool_name="to_billing")]
    )
    async with open_session(sim) as session:
        with pytest.raises(UserError, match="transfer_to_billing"):
            await session.update_agent(clash)
        assert session.current_agent.name == "Assistant"
        await session.update_agent(renamed)
        assert session.current_agent is renamed


async def test_stop_conversation_ends_the_session_after_the_response(sim: Simulator) -> None:
    recorder = Recorder()
    agent = RealtimeAgent(name="Closer", tools=[stop_conversation])
    async with open_session(sim, agent=agent, recorder=recorder) as session:
        await session.send_message("call stop_conversation")
        seen: list[RealtimeSessionEvent] = []
        with anyio.fail_after(WAIT):
            async for event in session:  # ends by itself, without an exception
                seen.append(event)
        assert session._tasks.running == 0

    [end] = of_type(seen, ToolEndEvent)
    assert end.output == "The conversation ends after this response."
    [output] = outputs_sent(recorder)
    assert output.output == end.output
    # No response was requested for the output.
    after = recorder.sent[
        recorder.sent.index(next(c for c in recorder.of(CreateItem) if c.item is output)) :
    ]
    assert not any(isinstance(command, CreateResponse) for command in after)
    assert kinds(seen)[-1] == "agent_end"
    call = session.history[-1]
    assert isinstance(call, ToolCallItem)
    assert call.output == end.output


async def test_any_tool_returning_stop_conversation_ends_the_session(sim: Simulator) -> None:
    @dataclass
    class Farewell:
        said: bool = False

    farewell = Farewell()

    @function_tool
    def hang_up() -> StopConversation:
        """Hang up."""
        farewell.said = True
        return StopConversation("bye")

    async with open_session(sim, agent=RealtimeAgent(name="A", tools=[hang_up])) as session:
        await session.send_message("call hang_up")
        with anyio.fail_after(WAIT):
            seen = [event async for event in session]
    assert farewell.said
    assert of_type(seen, ToolEndEvent)[0].output == "bye"
    with pytest.raises(TransportClosedError):
        await session.send_message("hello?")


async def test_parallel_calls_in_one_response_are_answered_together() -> None:
    def responder(view: ResponderView) -> Any:
        if not any(isinstance(item, FunctionCallOutputItem) for item in view.items):
            return (
                CallToolPlan(name="add", arguments='{"a": 1, "b": 2}'),
                CallToolPlan(name="add", arguments='{"a": 3, "b": 4}'),
            )
        return default_responder(view)

    agent = RealtimeAgent(name="Calc", tools=[add])
    async with (
        Simulator(responder=responder) as sim,
        open_session(sim, agent=agent, include_raw_events=True) as session,
    ):
        await session.send_message("add twice")
        events = await events_until(session, "agent_end")
    assert sorted(e.output for e in of_type(events, ToolEndEvent)) == ["3", "7"]
    assert kinds(events).count("agent_end") == 1
    assert not of_type([e.event for e in of_type(events, RawModelEvent)], ErrorEvent)
    assert texts(session)[-1] in (
        "add returned: 3; add returned: 7",
        "add returned: 7; add returned: 3",
    )


async def test_closing_cancels_running_tools_and_leaves_no_task(sim: Simulator) -> None:
    started = anyio.Event()
    cancelled: list[bool] = []

    @function_tool
    async def forever() -> str:
        """Never ends by itself."""
        started.set()
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise
        return ""

    @function_tool
    def blocking() -> str:
        """Blocks its worker thread for a while."""
        time.sleep(0.3)
        return "late"

    agent = RealtimeAgent(name="Stuck", tools=[forever, blocking])
    async with open_session(sim, agent=agent) as session:
        await session.send_message("call forever")
        with anyio.fail_after(WAIT):
            await started.wait()
        await session.send_message("call blocking")
        await events_until(
            session, lambda e: isinstance(e, ToolStartEvent) and e.tool_name == "blocking"
        )
        assert session._tasks.running == 2
        with anyio.fail_after(0.25):  # the sync tool's thread is abandoned, not waited for
            await session.close()
    assert cancelled == [True]
    assert session._tasks.running == 0


async def test_a_tool_may_close_the_session(sim: Simulator) -> None:
    @function_tool
    async def hang_up(ctx: ToolContext[None]) -> str:
        """Close the session from inside a tool."""
        assert isinstance(ctx.session, RealtimeSession)
        await ctx.session.close()
        return "closed"

    async with open_session(sim, agent=RealtimeAgent(name="A", tools=[hang_up])) as session:
        await session.send_message("call hang_up")
        with anyio.fail_after(WAIT):
            seen = [event async for event in session]
        assert session.closed
    assert "tool_end" not in kinds(seen)  # the call was cancelled with the session
    assert session._tasks.running == 0
