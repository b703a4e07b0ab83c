"""Running the model's function calls: lookup, approval, the tool itself, the output.

:class:`ToolCallRunner` takes each completed call from the reader (without awaiting it) and
runs it as background work: concurrently with ``async_tool_calls`` (the default), at most
``max_concurrent_tool_calls`` at once (later calls wait in arrival order), else one at a
time in arrival order. A call to a handoff goes to the
:class:`~._handoff_runner.HandoffRunner`; a call to a function tool goes, if the tool needs
approval, through the approval chain (innermost: ask the application with
``tool_approval_required`` and wait for ``approve_tool_call`` / ``reject_tool_call``), then
through the tool chain (innermost: :func:`~rtvoice.tools.run_tool`). Its output goes back
through :meth:`ConversationState.tool_output <.state._machine.ConversationState.tool_output>`, which
asks for the response that reads it. Nothing here ever stops the conversation: a tool that
fails, a middleware that raises, an unknown tool name all become an error output.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from typing import Any, cast

from .._tools._run import rejection_result
from ..agent import RealtimeAgent
from ..config import RunSettings
from ..handoffs import Handoff
from ..middleware import ApprovalDecision, ApprovalRequest, ToolCall, build_chain
from ..model.events import ErrorInfo
from ..tools import (
    FunctionTool,
    ToolContext,
    ToolError,
    ToolErrorFormatter,
    ToolResult,
    parse_arguments,
    run_tool,
    tool_needs_approval,
)
from ..tracing import ToolSpan
from ._approvals import PendingApprovals
from ._handoff_runner import HandoffRunner
from ._link import SessionLink
from ._tasks import BackgroundTasks, Work
from .events import ErrorSessionEvent, ToolApprovalRequiredEvent, ToolEndEvent, ToolStartEvent
from .history import ToolCallItem
from .state._agent_tools import agent_tools

__all__ = ["ToolCallRunner"]

logger = logging.getLogger("rtvoice.session")


class ToolCallRunner:
    """Runs the function calls of one session.

    Args:
        link: Applies state steps to the live session.
        settings: The run settings (middleware, formatter, ``async_tool_calls``,
            ``max_concurrent_tool_calls``, ``tool_timeout``).
        context: The application's run context, for tools and approval rules.
        session: The session, handed to tools as ``ToolContext.session``.
        tasks: Where calls run.
        handoffs: Runs calls to handoffs.
    """

    __slots__ = (
        "_approval_chain",
        "_approvals",
        "_context",
        "_formatter",
        "_handoffs",
        "_limit",
        "_link",
        "_runners",
        "_serial",
        "_session",
        "_tasks",
        "_timeout",
        "_tool_chain",
        "_waiting",
    )

    def __init__(
        self,
        *,
        link: SessionLink,
        settings: RunSettings,
        context: Any,
        session: object,
        tasks: BackgroundTasks,
        handoffs: HandoffRunner,
    ) -> None:
        self._link = link
        self._context = context
        self._session = session
        self._tasks = tasks
        self._handoffs = handoffs
        self._serial = not settings.async_tool_calls
        self._limit = settings.max_concurrent_tool_calls
        self._timeout = settings.tool_timeout
        self._runners = 0
        """Concurrent calls running (each in its own task): at most ``_limit``."""
        self._waiting: deque[tuple[Work, str]] = deque()
        """Calls beyond the limit, in arrival order. Not bounded apart: it holds at most one
        entry per function call the model made and the state holds as pending."""
        self._formatter = cast("ToolErrorFormatter | None", settings.tool_error_formatter)
        self._approvals = PendingApprovals()
        self._tool_chain = build_chain(settings.middleware, "on_tool_call", self._invoke)
        self._approval_chain = build_chain(settings.middleware, "on_approval", self._ask)

    @property
    def waiting_for_approval(self) -> frozenset[str]:
        """Call ids waiting for ``approve_tool_call`` / ``reject_tool_call``."""
        return self._approvals.waiting

    def dispatch(
        self, call: ToolCallItem, agent: RealtimeAgent[Any], response_id: str | None = None
    ) -> None:
        """Launch a completed call of ``agent``'s, made by response ``response_id`` (the
        parent of its span, if known); never waits.

        Concurrent calls beyond ``max_concurrent_tool_calls`` wait, in arrival order, for a
        running one to end (a waiting call has no ``tool_start`` yet). If the call cannot be
        queued (``async_tool_calls=False`` and too many waiting), it fails at once with an
        error output. After the session closed, nothing happens.
        """
        work = functools.partial(self._run, call, agent, response_id)
        name = f"rtvoice tool call {call.name} {call.call_id}"
        if not self._serial:
            self._start(work, name)
        elif not self._tasks.enqueue(work, name):
            error = ToolError(
                f"too many tool calls waiting to run; {call.name} was not run", tool_name=call.name
            )
            self._finish(call, agent, ToolResult(output=f"Error: {error}", error=error))

    def approve(self, call_id: str, always: bool) -> None:
        """Approve a waiting call (``always``: and every later call of its tool).

        Raises:
            UserError: No call with this id waits for approval.
        """
        self._approvals.decide(call_id, ApprovalDecision.approve(always=always))

    def reject(self, call_id: str, always: bool, message: str | None) -> None:
        """Reject a waiting call (``always``: and every later call of its tool).

        Raises:
            UserError: No call with this id waits for approval.
        """
        self._approvals.decide(call_id, ApprovalDecision.reject(message, always=always))

    def _start(self, work: Work, name: str) -> None:
        """Start a concurrent call now, or queue it while ``max_concurrent_tool_calls`` run."""
        if self._runners >= self._limit:
            self._waiting.append((work, name))
            return
        self._runners += 1
        if not self._tasks.spawn(functools.partial(self._run_limited, work), name):
            self._runners -= 1  # not attached yet, or closed: nothing runs, nor will wait
            self._waiting.clear()

    async def _run_limited(self, work: Work) -> None:
        try:
            await work()
        finally:
            # Each call keeps its own task (its failures reach the session as before); the
            # slot passes to the oldest waiting call. Once the session closed, spawning
            # refuses and the waiting calls are dropped with it.
            self._runners -= 1
            if self._waiting:
                self._start(*self._waiting.popleft())

    # -----------------------------------------------------------------------------------------
    # One call

    async def _run(
        self, call: ToolCallItem, agent: RealtimeAgent[Any], response_id: str | None
    ) -> None:
        """Run one call to its output, whatever happens (an unanswered call would hold the
        turn open for good)."""
        try:
            target = agent_tools(agent).find(call.name)
            if isinstance(target, Handoff):
                await self._handoffs.run(call, agent, target, response_id)
            elif isinstance(target, FunctionTool):
                await self._run_function(call, agent, target, response_id)
            else:
                error = ToolError(f"there is no tool named {call.name!r}", tool_name=call.name)
                self._finish(call, agent, ToolResult(output=f"Error: {error}", error=error))
        except Exception as exc:
            logger.error("running the call to %s failed", call.name, exc_info=exc)
            if call.call_id in self._link.state.pending_calls:
                output = f"Error running {call.name}: {type(exc).__name__}"
                self._finish(call, agent, ToolResult(output=output, error=exc))
        await self._link.flush()

    async def _run_function(
        self,
        call: ToolCallItem,
        agent: RealtimeAgent[Any],
        tool: FunctionTool,
        response_id: str | None,
    ) -> None:
        span = self._link.telemetry.tool_started(
            name=call.name,
            call_id=call.call_id,
            arguments=call.arguments,
            agent_name=agent.name,
            response_id=response_id,
        )
        try:
            with span.activate():
                result = await self._function_result(call, agent, tool, span)
        except Exception as exc:
            span.end(error=exc)
            raise
        except BaseException:
            span.end(cancelled=True)
            raise
        span.end(result.output, error=result.error)
        self._finish(call, agent, result)
        await self._link.flush()
        if result.stop_conversation:
            await self._link.stop_if_due()

    async def _function_result(
        self, call: ToolCallItem, agent: RealtimeAgent[Any], tool: FunctionTool, span: ToolSpan
    ) -> ToolResult:
        """The approval (if needed), then the tool chain: the call's result."""
        ctx: ToolContext[Any] = ToolContext(
            context=self._context,
            agent=agent,
            call_id=call.call_id,
            tool_name=call.name,
            session=self._session,
        )
        arguments = parse_arguments(call.arguments)
        if arguments is not None and await tool_needs_approval(tool, ctx, arguments):
            span.approval_requested()
            decision = await self._decide(
                ApprovalRequest(
                    tool=tool, context=ctx, arguments=arguments, arguments_json=call.arguments
                )
            )
            span.approval_decided(decision)
            if not decision.approved:
                return await rejection_result(
                    tool.name, ctx, decision.message, error_formatter=self._formatter
                )
        self._link.emit(
            ToolStartEvent(
                agent=agent, tool_name=call.name, call_id=call.call_id, arguments=call.arguments
            )
        )
        try:
            result = await self._tool_chain(
                ToolCall(tool=tool, context=ctx, arguments=call.arguments)
            )
            if not isinstance(result, ToolResult):
                raise TypeError(f"the tool call chain returned {result!r}, not a ToolResult")
        except Exception as exc:  # a middleware failed: the model hears of it, the session goes on
            logger.warning("the tool call chain of %s raised", tool.name, exc_info=exc)
            result = ToolResult(output=f"Error running {tool.name}: {exc}", error=exc)
        return result

    async def _decide(self, request: ApprovalRequest) -> ApprovalDecision:
        """Run the approval chain; a chain that fails rejects (fails closed)."""
        try:
            decision = await self._approval_chain(request)
            if not isinstance(decision, ApprovalDecision):
                raise TypeError(
                    f"the approval chain returned {decision!r}, not an ApprovalDecision"
                )
        except Exception as exc:
            logger.warning("the approval chain of %s raised", request.tool.name, exc_info=exc)
            message = f"approving {request.tool.name} failed: {type(exc).__name__}: {exc}"
            self._link.emit(
                ErrorSessionEvent(
                    error=ErrorInfo(type="tool_error", code="approval_failed", message=message)
                )
            )
            return ApprovalDecision.reject()
        self._approvals.remember(request.tool.name, decision)
        return decision

    def _finish(self, call: ToolCallItem, agent: RealtimeAgent[Any], result: ToolResult) -> None:
        """``tool_end``, then the output and the response that reads it, in one step."""
        self._link.emit(
            ToolEndEvent(
                agent=agent,
                tool_name=call.name,
                call_id=call.call_id,
                output=result.output,
                error=result.error,
                arguments=call.arguments,
            )
        )
        stop = result.stop_conversation
        self._link.apply(
            self._link.state.tool_output(call.call_id, result.output, respond=not stop, stop=stop)
        )

    # -----------------------------------------------------------------------------------------
    # The session's own behaviour: the innermost handlers of the chains

    async def _invoke(self, call: ToolCall) -> ToolResult:
        return await run_tool(
            call.tool,
            call.context,
            call.arguments,
            error_formatter=self._formatter,
            default_timeout=self._timeout,
        )

    async def _ask(self, request: ApprovalRequest) -> ApprovalDecision:
        remembered = self._approvals.remembered(request.tool.name)
        if remembered is not None:
            return remembered
        self._approvals.open(request.call_id, request.tool.name)
        self._link.emit(
            ToolApprovalRequiredEvent(
                agent=cast("RealtimeAgent[Any]", request.context.agent),
                tool_name=request.tool.name,
                call_id=request.call_id,
                arguments=request.arguments_json,
            )
        )
        return await self._approvals.wait(request.call_id)
