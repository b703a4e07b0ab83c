"""The middleware chain: order, short-circuit, rewriting, retry, context, and the examples."""

from __future__ import annotations

import contextvars
import dataclasses
import itertools
import json
import logging
from typing import Any

import anyio
import pytest

from rtvoice.errors import UserError
from rtvoice.guardrails import (
    GuardrailFunctionOutput,
    GuardrailResult,
    output_guardrail,
    run_guardrail,
)
from rtvoice.middleware import (
    ApprovalDecision,
    ApprovalHandler,
    ApprovalPolicy,
    ApprovalRequest,
    AuditLog,
    GuardrailCheck,
    HandoffHandler,
    HandoffRequest,
    Middleware,
    ToolCall,
    ToolCallHandler,
    build_chain,
    check_middleware,
)
from rtvoice.tools import FunctionTool, ToolContext, ToolResult, function_tool, run_tool

pytestmark = pytest.mark.anyio


@dataclasses.dataclass(frozen=True)
class Agent:
    name: str


TRIAGE = Agent("Triage")
BILLING = Agent("Billing")


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


@function_tool
def flaky(city: str) -> str:
    raise ConnectionError("upstream down")


def tool_call(tool: FunctionTool = get_weather, arguments: str = '{"city": "Paris"}') -> ToolCall:
    ctx = ToolContext(context=None, agent=TRIAGE, call_id="call_1", tool_name=tool.name)
    return ToolCall(tool=tool, context=ctx, arguments=arguments)


def approval_request(tool: FunctionTool, arguments: dict[str, Any]) -> ApprovalRequest:
    ctx = ToolContext(context=None, agent=TRIAGE, call_id="call_2", tool_name=tool.name)
    return ApprovalRequest(
        tool=tool, context=ctx, arguments=arguments, arguments_json=json.dumps(arguments)
    )


async def run_innermost(call: ToolCall) -> ToolResult:
    return await run_tool(call.tool, call.context, call.arguments)


class Recorder(Middleware):
    """Records entering and leaving its tool-call hook."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
        self.log.append(f"{self.name}>")
        result = await call_next(call)
        self.log.append(f"<{self.name}")
        return result


async def test_outermost_first() -> None:
    log: list[str] = []

    async def innermost(call: ToolCall) -> ToolResult:
        log.append("session")
        return await run_innermost(call)

    chain = build_chain([Recorder("a", log), Recorder("b", log)], "on_tool_call", innermost)
    result = await chain(tool_call())
    assert result.output == "Sunny in Paris"
    assert log == ["a>", "b>", "session", "<b", "<a"]


async def test_short_circuit() -> None:
    log: list[str] = []

    class Cache(Middleware):
        async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            return ToolResult(output="cached")

    chain = build_chain([Cache(), Recorder("inner", log)], "on_tool_call", run_innermost)
    assert (await chain(tool_call())).output == "cached"
    assert log == []


async def test_changing_the_request_and_the_result() -> None:
    class Rewrite(Middleware):
        async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            call = dataclasses.replace(call, arguments='{"city": "Oslo"}')
            result = await call_next(call)
            return dataclasses.replace(result, output=result.output.upper())

    chain = build_chain([Rewrite()], "on_tool_call", run_innermost)
    assert (await chain(tool_call())).output == "SUNNY IN OSLO"


async def test_retry_calls_next_again() -> None:
    attempts = itertools.count(1)

    async def sometimes_fails(call: ToolCall) -> ToolResult:
        if next(attempts) < 3:
            return await run_tool(flaky, call.context, call.arguments)
        return await run_innermost(call)

    class Retry(Middleware):
        async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            result = await call_next(call)
            while result.is_error:
                result = await call_next(call)
            return result

    chain = build_chain([Retry()], "on_tool_call", sometimes_fails)
    assert (await chain(tool_call())).output == "Sunny in Paris"
    assert next(attempts) == 4


trace_id: contextvars.ContextVar[str] = contextvars.ContextVar("trace_id", default="unset")


async def test_call_next_runs_in_the_same_task_and_context() -> None:
    outer_task = anyio.get_current_task().id
    seen: dict[str, object] = {}

    class SetTrace(Middleware):
        async def on_tool_call(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            token = trace_id.set("trace-1")
            try:
                return await call_next(call)
            finally:
                trace_id.reset(token)

    @function_tool
    def sync_tool() -> str:
        return trace_id.get()

    async def innermost(call: ToolCall) -> ToolResult:
        seen["task"] = anyio.get_current_task().id
        seen["trace"] = trace_id.get()
        return await run_innermost(call)

    chain = build_chain([SetTrace(), Middleware()], "on_tool_call", innermost)
    result = await chain(tool_call(sync_tool, ""))
    assert seen == {"task": outer_task, "trace": "trace-1"}
    assert result.output == "trace-1"  # ... and into the sync tool's worker thread
    assert trace_id.get() == "unset"


async def test_middleware_without_the_hook_is_skipped() -> None:
    log: list[str] = []
    middlewares = [Middleware(), Recorder("r", log)]
    # Nothing overrides on_approval: the chain is the innermost handler itself.
    assert build_chain(middlewares, "on_approval", ask_user) is ask_user
    assert build_chain([], "on_tool_call", run_innermost) is run_innermost
    chain = build_chain(middlewares, "on_tool_call", run_innermost)
    await chain(tool_call())
    assert log == ["r>", "<r"]


async def ask_user(request: ApprovalRequest) -> ApprovalDecision:
    return ApprovalDecision.reject("the user said no")


async def test_duck_typed_middleware() -> None:
    class OnlyHandoffs:
        async def on_handoff(
            self, request: HandoffRequest[Agent], call_next: HandoffHandler
        ) -> Agent:
            return TRIAGE if request.to_agent is BILLING else await call_next(request)

    async def switch(request: HandoffRequest[Agent]) -> Agent:
        return request.to_agent

    chain = build_chain([OnlyHandoffs()], "on_handoff", switch)
    request = HandoffRequest(from_agent=TRIAGE, to_agent=BILLING, arguments="{}", call_id="c")
    assert await chain(request) is TRIAGE
    assert build_chain([OnlyHandoffs()], "on_tool_call", run_innermost) is run_innermost


def test_invalid_middleware_is_a_user_error() -> None:
    class Typo(Middleware):
        async def on_tool_calls(self, call: ToolCall, call_next: ToolCallHandler) -> ToolResult:
            return await call_next(call)

    class SyncHook:
        def on_approval(self, request: ApprovalRequest, call_next: ApprovalHandler) -> None:
            return None

    with pytest.raises(UserError, match=r"did you mean Recorder\(\)\?"):
        build_chain([Recorder], "on_tool_call", run_innermost)
    with pytest.raises(UserError, match="defines 'on_tool_calls'; did you mean 'on_tool_call'"):
        build_chain([Typo()], "on_tool_call", run_innermost)
    with pytest.raises(UserError, match="is not a middleware"):
        build_chain([object()], "on_tool_call", run_innermost)
    with pytest.raises(UserError, match=r"SyncHook.on_approval must be 'async def'"):
        check_middleware(SyncHook())


# --- ApprovalPolicy ---------------------------------------------------------------------


@function_tool(needs_approval=True)
def refund(amount: int) -> str:
    return f"refunded {amount}"


@function_tool(needs_approval=True)
def delete_account() -> str:
    return "deleted"


async def test_approval_policy() -> None:
    def small(arguments: dict[str, Any]) -> bool:
        return bool(arguments["amount"] <= 20)

    policy = ApprovalPolicy(auto_approve=["get_weather"], rules={"refund": small})
    chain = build_chain([policy], "on_approval", ask_user)

    assert await chain(approval_request(get_weather, {"city": "x"})) == ApprovalDecision(
        approved=True
    )
    assert (await chain(approval_request(refund, {"amount": 5}))).approved
    big = await chain(approval_request(refund, {"amount": 500}))
    assert big == ApprovalDecision(approved=False, message="the user said no")
    assert not (await chain(approval_request(delete_account, {}))).approved
    # A rule that fails (here: KeyError) asks the user instead of approving.
    assert not (await chain(approval_request(refund, {}))).approved


def test_approval_policy_checks_its_arguments() -> None:
    with pytest.raises(UserError, match="list of tool names"):
        ApprovalPolicy(auto_approve="get_weather")
    with pytest.raises(UserError, match="rule for 'refund' must be callable"):
        ApprovalPolicy(rules={"refund": True})  # type: ignore[dict-item]


# --- AuditLog ---------------------------------------------------------------------------


def ticking_clock() -> Any:
    ticks = itertools.count()
    return lambda: float(next(ticks))


@output_guardrail
def no_prices(context: object, agent: object, text: str) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput("$" in text)


async def test_audit_log_records_every_hook() -> None:
    records: list[dict[str, Any]] = []
    audit = AuditLog(records.append, clock=ticking_clock())

    tools = build_chain([audit], "on_tool_call", run_innermost)
    await tools(tool_call())
    await tools(tool_call(flaky))

    approvals = build_chain([audit], "on_approval", ask_user)
    await approvals(approval_request(refund, {"amount": 1}))

    async def switch(request: HandoffRequest[Agent]) -> Agent:
        return request.to_agent

    handoffs = build_chain([audit], "on_handoff", switch)
    await handoffs(HandoffRequest(from_agent=TRIAGE, to_agent=BILLING, arguments="{}", call_id="h"))

    async def check(request: GuardrailCheck) -> GuardrailResult:
        return await run_guardrail(request.guardrail, request.context, request.agent, request.text)

    guardrails = build_chain([audit], "on_guardrail", check)
    await guardrails(GuardrailCheck(guardrail=no_prices, text="$5", context=None, agent=TRIAGE))

    assert records == [
        {
            "event": "tool_call",
            "tool": "get_weather",
            "call_id": "call_1",
            "arguments_bytes": 17,
            "outcome": "ok",
            "error": None,
            "duration_s": 1.0,
        },
        {
            "event": "tool_call",
            "tool": "flaky",
            "call_id": "call_1",
            "arguments_bytes": 17,
            "outcome": "error",
            "error": "ConnectionError",
            "duration_s": 1.0,
        },
        {
            "event": "approval",
            "tool": "refund",
            "call_id": "call_2",
            "outcome": "ok",
            "error": None,
            "approved": False,
            "always": False,
            "duration_s": 1.0,
        },
        {
            "event": "handoff",
            "call_id": "h",
            "from_agent": "Triage",
            "outcome": "ok",
            "error": None,
            "to_agent": "Billing",
            "duration_s": 1.0,
        },
        {
            "event": "guardrail",
            "guardrail": "no_prices",
            "kind": "output",
            "text_chars": 2,
            "outcome": "ok",
            "error": None,
            "tripped": True,
            "duration_s": 1.0,
        },
    ]


async def test_audit_log_records_a_raising_chain_and_reraises() -> None:
    records: list[dict[str, Any]] = []

    async def broken(call: ToolCall) -> ToolResult:
        raise RuntimeError("session bug")

    chain = build_chain([AuditLog(records.append, clock=ticking_clock())], "on_tool_call", broken)
    with pytest.raises(RuntimeError, match="session bug"):
        await chain(tool_call())
    assert records[0]["outcome"] == "raised"
    assert records[0]["error"] == "RuntimeError"


async def test_audit_log_to_a_logger(caplog: pytest.LogCaptureFixture) -> None:
    chain = build_chain([AuditLog(logging.getLogger("audit"))], "on_tool_call", run_innermost)
    with caplog.at_level(logging.INFO, logger="audit"):
        await chain(tool_call())
    (record,) = caplog.records
    assert record.getMessage().startswith('audit {"arguments_bytes": 17, "call_id": "call_1"')
    assert record.__dict__["rtvoice_audit"]["tool"] == "get_weather"


async def test_a_failing_audit_sink_does_not_break_the_call() -> None:
    def sink(record: dict[str, Any]) -> None:
        raise OSError("disk full")

    chain = build_chain([AuditLog(sink)], "on_tool_call", run_innermost)
    assert (await chain(tool_call())).output == "Sunny in Paris"


async def test_policy_and_audit_together() -> None:
    records: list[dict[str, Any]] = []
    middlewares = [AuditLog(records.append), ApprovalPolicy(auto_approve=["refund"])]
    chain = build_chain(middlewares, "on_approval", ask_user)
    assert (await chain(approval_request(refund, {"amount": 1}))).approved
    assert [(r["event"], r["approved"]) for r in records] == [("approval", True)]
