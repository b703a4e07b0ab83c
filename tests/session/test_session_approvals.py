"""Tool approvals in a live session: approve, reject, always, and the conversation meanwhile."""

from __future__ import annotations

from typing import Any

import pytest
from session_kit import events_until, kinds, open_session

from rtvoice.agent import RealtimeAgent
from rtvoice.errors import TransportClosedError, UserError
from rtvoice.middleware import ApprovalPolicy
from rtvoice.session import (
    RealtimeSession,
    RealtimeSessionEvent,
    ToolApprovalRequiredEvent,
    ToolCallItem,
    ToolEndEvent,
)
from rtvoice.simulator import Simulator
from rtvoice.tools import ToolContext, ToolRejectedError, function_tool

pytestmark = pytest.mark.anyio

RAN: list[str] = []


@function_tool(needs_approval=True)
def refund(amount: int) -> str:
    """Refund the customer."""
    RAN.append(f"refund {amount}")
    return f"refunded {amount}"


def only_big(ctx: ToolContext[Any], arguments: dict[str, Any]) -> bool:
    return int(arguments.get("amount", 0)) > 100


@function_tool(needs_approval=only_big)
def transfer(amount: int) -> str:
    """Move money."""
    RAN.append(f"transfer {amount}")
    return f"moved {amount}"


AGENT = RealtimeAgent(name="Cashier", tools=[refund, transfer])


@pytest.fixture(autouse=True)
def _clear_log() -> None:
    RAN.clear()


def last_text(session: RealtimeSession) -> str:
    return getattr(session.history[-1], "text", "")


async def approval(session: RealtimeSession) -> ToolApprovalRequiredEvent:
    event = (await events_until(session, "tool_approval_required"))[-1]
    assert isinstance(event, ToolApprovalRequiredEvent)
    return event


async def test_approve_runs_the_tool_once(sim: Simulator) -> None:
    async with open_session(sim, agent=AGENT) as session:
        await session.send_message('call refund {"amount": 5}')
        asked = await approval(session)
        assert (asked.tool_name, asked.arguments, asked.agent) == (
            "refund",
            '{"amount": 5}',
            AGENT,
        )
        assert RAN == []
        await session.approve_tool_call(asked.call_id)
        events = await events_until(session, "agent_end")
        with pytest.raises(UserError, match="waiting for approval"):
            await session.approve_tool_call(asked.call_id)  # answered already
    assert RAN == ["refund 5"]
    assert [kind for kind in kinds(events) if kind.startswith("tool_")] == [
        "tool_start",
        "tool_end",
    ]
    assert last_text(session) == "refund returned: refunded 5"


async def test_reject_sends_the_message_and_the_tool_does_not_run(sim: Simulator) -> None:
    async with open_session(sim, agent=AGENT) as session:
        await session.send_message('call refund {"amount": 5}')
        asked = await approval(session)
        await session.reject_tool_call(asked.call_id, message="Refunds need a manager.")
        events = await events_until(session, "agent_end")
    assert RAN == []
    assert "tool_start" not in kinds(events)
    [end] = [event for event in events if isinstance(event, ToolEndEvent)]
    assert isinstance(end.error, ToolRejectedError)
    assert end.error.reason == "Refunds need a manager."
    assert end.output == "Refunds need a manager."
    assert last_text(session) == "refund returned: Refunds need a manager."
    call = next(item for item in session.history if isinstance(item, ToolCallItem))
    assert call.output == "Refunds need a manager."


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, "The call to refund was not approved"),
        (
            {"tool_error_formatter": lambda ctx, error: f"{ctx.tool_name}: {type(error).__name__}"},
            "refund: ToolRejectedError",
        ),
    ],
)
async def test_reject_without_a_message_uses_the_formatter_else_the_default(
    sim: Simulator, config: dict[str, Any], expected: str
) -> None:
    async with open_session(sim, agent=AGENT, config=config) as session:
        await session.send_message('call refund {"amount": 5}')
        await session.reject_tool_call((await approval(session)).call_id)
        events = await events_until(session, "agent_end")
    [end] = [event for event in events if isinstance(event, ToolEndEvent)]
    assert end.output == expected


async def test_always_sticks_for_the_tool_both_ways(sim: Simulator) -> None:
    async with open_session(sim, agent=AGENT) as session:
        await session.send_message('call refund {"amount": 1}')
        await session.approve_tool_call((await approval(session)).call_id, always=True)
        await events_until(session, "agent_end")
        await session.send_message('call refund {"amount": 2}')
        events = await events_until(session, "agent_end")
        assert "tool_approval_required" not in kinds(events)
        assert RAN == ["refund 1", "refund 2"]

    async with open_session(sim, agent=AGENT) as session:  # a new session forgets
        await session.send_message('call refund {"amount": 3}')
        asked = await approval(session)
        await session.reject_tool_call(asked.call_id, always=True, message="No refunds today.")
        await events_until(session, "agent_end")
        await session.send_message('call refund {"amount": 4}')
        events = await events_until(session, "agent_end")
    assert "tool_approval_required" not in kinds(events)
    assert RAN == ["refund 1", "refund 2"]
    assert last_text(session) == "refund returned: No refunds today."


async def test_a_predicate_decides_per_call(sim: Simulator) -> None:
    async with open_session(sim, agent=AGENT) as session:
        await session.send_message('call transfer {"amount": 50}')
        events = await events_until(session, "agent_end")
        assert "tool_approval_required" not in kinds(events)
        await session.send_message('call transfer {"amount": 500}')
        asked = await approval(session)
        await session.approve_tool_call(asked.call_id)
        await events_until(session, "agent_end")
    assert RAN == ["transfer 50", "transfer 500"]


async def test_the_conversation_flows_while_a_call_waits(sim: Simulator) -> None:
    async with open_session(sim, agent=AGENT) as session:
        await session.send_message('call refund {"amount": 7}')
        asked = await approval(session)
        await session.send_message("what is taking so long")
        events = await events_until(
            session,
            lambda e: (
                getattr(getattr(e, "item", None), "text", "") == "You said: what is taking so long"
            ),
        )
        assert "agent_end" not in kinds(events)  # the call is pending
        await session.approve_tool_call(asked.call_id)
        await events_until(session, "agent_end")
    assert RAN == ["refund 7"]
    assert last_text(session) == "refund returned: refunded 7"


async def test_pending_approvals_are_cancelled_cleanly_on_close(sim: Simulator) -> None:
    async with open_session(sim, agent=AGENT) as session:
        with pytest.raises(UserError, match="'nope' is waiting"):
            await session.approve_tool_call("nope")
        await session.send_message('call refund {"amount": 9}')
        asked = await approval(session)
        assert session._tools.waiting_for_approval == {asked.call_id}
    # Leaving the block closed the session: the waiting call was cancelled, nothing runs.
    assert session._tasks.running == 0
    assert session._tools.waiting_for_approval == frozenset()
    with pytest.raises(TransportClosedError):
        await session.approve_tool_call(asked.call_id)
    assert RAN == []


async def test_an_approval_policy_middleware_answers_without_asking(sim: Simulator) -> None:
    policy = ApprovalPolicy(rules={"refund": lambda args: args.get("amount", 0) <= 20})
    async with open_session(sim, agent=AGENT, config={"middleware": [policy]}) as session:
        await session.send_message('call refund {"amount": 20}')
        events = await events_until(session, "agent_end")
        assert "tool_approval_required" not in kinds(events)
        await session.send_message('call refund {"amount": 21}')
        asked = await approval(session)  # the rule says no: the application is asked
        await session.approve_tool_call(asked.call_id)
        await events_until(session, "agent_end")
    assert RAN == ["refund 20", "refund 21"]


async def test_the_events_in_order(sim: Simulator) -> None:
    seen: list[RealtimeSessionEvent] = []
    async with open_session(sim, agent=AGENT) as session:
        await session.send_message('call refund {"amount": 3}')
        seen += await events_until(session, "tool_approval_required")
        await session.approve_tool_call(seen[-1].call_id)  # type: ignore[union-attr]
        seen += await events_until(session, "agent_end")
    order = [kind for kind in kinds(seen) if kind.startswith("tool_")]
    assert order == ["tool_approval_required", "tool_start", "tool_end"]
