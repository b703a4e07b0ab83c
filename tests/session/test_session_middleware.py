"""Middleware in a live session: order, context variables, short-circuits, the two examples."""

from __future__ import annotations

import contextvars
import dataclasses
from typing import Any

import pytest
from session_kit import events_until, kinds, open_session

from rtvoice.agent import RealtimeAgent
from rtvoice.errors import UserError
from rtvoice.guardrails import GuardrailFunctionOutput, GuardrailResult, output_guardrail
from rtvoice.middleware import (
    ApprovalDecision,
    ApprovalHandler,
    ApprovalPolicy,
    ApprovalRequest,
    AuditLog,
    GuardrailCheck,
    GuardrailHandler,
    HandoffHandler,
    HandoffRequest,
    Middleware,
    ToolCall,
    ToolCallHandler,
)
from rtvoice.session import HandoffEvent, ToolEndEvent
from rtvoice.simulator import Simulator
from rtvoice.tools import ToolResult, function_tool

pytestmark = pytest.mark.anyio

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


@function_tool(needs_approval=True)
async def whoami() -> str:
    """Which request this is."""
    return REQUEST_ID.get()


@output_guardrail
def allow_all(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(tripwire_triggered=False)


BILLING = RealtimeAgent(name="Billing")
AGENT = RealtimeAgent(name="Desk", tools=[whoami], handoffs=[BILLING])


class Tracing(Middleware):
    """Appends ``<name> in <hook>`` / ``<name> out <hook>`` around every hook."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
        self.log.append(f"{self.name} in tool")
        REQUEST_ID.set(f"{REQUEST_ID.get()}/{self.name}")
        result = await call_next(call)
        self.log.append(f"{self.name} out tool")
        return result

    async def on_approval(
        self, request: ApprovalRequest, call_next: ApprovalHandler
    ) -> ApprovalDecision:
        self.log.append(f"{self.name} in approval")
        if self.name == "inner":
            return ApprovalDecision.approve()  # short-circuit: nobody is asked
        decision = await call_next(request)
        self.log.append(f"{self.name} out approval")
        return decision

    async def on_handoff(self, request: HandoffRequest[Any], call_next: HandoffHandler) -> Any:
        self.log.append(f"{self.name} in handoff")
        agent = await call_next(request)
        self.log.append(f"{self.name} out handoff")
        return agent

    async def on_guardrail(
        self, check: GuardrailCheck, call_next: GuardrailHandler
    ) -> GuardrailResult:
        self.log.append(f"{self.name} in guardrail")
        result = await call_next(check)
        self.log.append(f"{self.name} out guardrail")
        return result


async def test_middleware_run_outermost_first_in_the_callers_context(sim: Simulator) -> None:
    log: list[str] = []
    config = {
        "middleware": [Tracing("outer", log), Tracing("inner", log)],
        "output_guardrails": [allow_all],
        "guardrails_settings": {"debounce_text_length": 1000},
    }
    async with open_session(sim, agent=AGENT, config=config) as session:
        await session.send_message("call whoami")
        events = await events_until(session, "agent_end")
        assert "tool_approval_required" not in kinds(events)  # the inner one approved
        await session.send_message("transfer to billing")
        events += await events_until(session, "agent_end")

    def hook(name: str) -> list[str]:
        return [entry for entry in log if entry.endswith(f" {name}")]

    assert hook("approval") == ["outer in approval", "inner in approval", "outer out approval"]
    assert hook("tool") == ["outer in tool", "inner in tool", "inner out tool", "outer out tool"]
    assert hook("handoff")[:2] == ["outer in handoff", "inner in handoff"]
    assert hook("handoff")[2:] == ["inner out handoff", "outer out handoff"]
    assert hook("guardrail")[:4] == [
        "outer in guardrail",
        "inner in guardrail",
        "inner out guardrail",
        "outer out guardrail",
    ]
    # call_next ran in the caller's task: the variable the middleware set reached the tool.
    [end] = [event for event in events if isinstance(event, ToolEndEvent)]
    assert end.output == "-/outer/inner"
    assert [e.to_agent for e in events if isinstance(e, HandoffEvent)] == [BILLING]


async def test_middleware_can_change_and_short_circuit(sim: Simulator) -> None:
    ran: list[str] = []

    @function_tool
    def lookup(city: str) -> str:
        """Look a city up."""
        ran.append(city)
        return city

    class Rewrite(Middleware):
        async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            if call.tool.name == "blocked":
                return ToolResult(output="blocked by policy")
            return await call_next(dataclasses.replace(call, arguments='{"city": "Paris"}'))

        async def on_handoff(self, request: HandoffRequest[Any], call_next: HandoffHandler) -> Any:
            await call_next(request)
            return SUPPORT  # send them somewhere else

    @function_tool
    def blocked() -> str:
        """Never runs."""
        ran.append("blocked")
        return ""

    SUPPORT = RealtimeAgent(name="Support", instructions='Begin every answer with "Support."')
    agent = RealtimeAgent(name="Desk", tools=[lookup, blocked], handoffs=[BILLING])
    async with open_session(sim, agent=agent, config={"middleware": [Rewrite()]}) as session:
        await session.send_message('call lookup {"city": "Oslo"}')
        await events_until(session, "agent_end")
        await session.send_message("call blocked")
        await events_until(session, "agent_end")
        await session.send_message("transfer to billing")
        events = await events_until(session, "agent_end")
    assert ran == ["Paris"]
    texts = [getattr(item, "text", "") for item in session.history]
    assert "lookup returned: Paris" in texts
    assert "blocked returned: blocked by policy" in texts
    assert session.current_agent is SUPPORT
    assert [e.to_agent for e in events if isinstance(e, HandoffEvent)] == [SUPPORT]
    assert texts[-1].startswith("Support. transfer_to_billing returned")


async def test_the_two_example_middleware_together(sim: Simulator) -> None:
    records: list[dict[str, Any]] = []
    clock = iter(range(1000))
    config = {
        "middleware": [
            AuditLog(records.append, clock=lambda: float(next(clock))),
            ApprovalPolicy(auto_approve=["whoami"]),
        ],
        "output_guardrails": [allow_all],
    }
    async with open_session(sim, agent=AGENT, config=config) as session:
        await session.send_message("call whoami")
        events = await events_until(session, "agent_end")
        await session.send_message("transfer to billing")
        await events_until(session, "agent_end")
    assert "tool_approval_required" not in kinds(events)
    by_event = {record["event"]: record for record in records}
    assert by_event["approval"]["approved"] is True
    assert by_event["tool_call"]["tool"] == "whoami"
    assert by_event["tool_call"]["outcome"] == "ok"
    assert (by_event["handoff"]["from_agent"], by_event["handoff"]["to_agent"]) == (
        "Desk",
        "Billing",
    )
    assert by_event["guardrail"]["guardrail"] == "allow_all"
    assert all(record["duration_s"] >= 0 for record in records)


async def test_a_bad_middleware_is_refused_when_the_session_is_built(sim: Simulator) -> None:
    class Typo:
        async def on_tool_calls(self, call: Any, call_next: Any) -> Any:
            return await call_next(call)

    with pytest.raises(UserError, match="did you mean 'on_tool_call'"):
        open_session(sim, config={"middleware": [Typo()]})


async def test_a_failing_middleware_never_stalls_the_conversation(sim: Simulator) -> None:
    class Broken(Middleware):
        async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            return "not a result"  # type: ignore[return-value]

        async def on_approval(
            self, request: ApprovalRequest, call_next: ApprovalHandler
        ) -> ApprovalDecision:
            raise RuntimeError("policy store down")

    @function_tool
    def plain() -> str:
        """No approval needed."""
        return "ok"

    agent = RealtimeAgent(name="Desk", tools=[whoami, plain])
    async with open_session(sim, agent=agent, config={"middleware": [Broken()]}) as session:
        await session.send_message("call plain")
        events = await events_until(session, "agent_end")
        await session.send_message("call whoami")
        events += await events_until(session, "agent_end")
    ends = [event for event in events if isinstance(event, ToolEndEvent)]
    assert isinstance(ends[0].error, TypeError)
    assert ends[0].output.startswith("Error running plain")
    assert ends[1].output == "The call to whoami was not approved"  # failed closed
    errors = [event.error for event in events if event.type == "error"]  # type: ignore[union-attr]
    assert [(error.type, error.code) for error in errors] == [("tool_error", "approval_failed")]
    assert kinds(events).count("agent_end") == 2
