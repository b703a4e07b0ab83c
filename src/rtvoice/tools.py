"""Function tools: the :func:`function_tool` decorator, running calls, and ``stop_conversation``.

A tool is a :class:`FunctionTool`; the session runs a call with :func:`run_tool`, which
never raises for the tool's sake::

    ctx = ToolContext(context=run_context, agent=agent, call_id=call_id, tool_name=name,
                      session=session)
    arguments = parse_arguments(arguments_json)
    if arguments is not None and await tool_needs_approval(tool, ctx, arguments):
        ...  # ask (through the approval middleware chain)
    result = await run_tool(tool, ctx, arguments_json, error_formatter=formatter)
    # send result.output as the function_call_output; emit tool_end with result.error
    # if result.stop_conversation: end the session after the current response

A call that needs approval and is rejected does not run: its ``tool_end`` carries a
:class:`ToolRejectedError`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ._tools._builtin import stop_conversation
from ._tools._context import AgentLike, ToolContext
from ._tools._errors import ToolArgumentsError, ToolError, ToolRejectedError, ToolTimeoutError
from ._tools._run import (
    StopConversation,
    ToolErrorFormatter,
    ToolResult,
    parse_arguments,
    run_tool,
    tool_needs_approval,
    tool_output_text,
)
from ._tools._tool import ApprovalPredicate, FunctionTool, ToolInvoker, function_tool
from .errors import UserError

__all__ = [
    "AgentLike",
    "ApprovalPredicate",
    "FunctionTool",
    "StopConversation",
    "ToolArgumentsError",
    "ToolContext",
    "ToolError",
    "ToolErrorFormatter",
    "ToolInvoker",
    "ToolRejectedError",
    "ToolResult",
    "ToolTimeoutError",
    "check_unique_tool_names",
    "function_tool",
    "parse_arguments",
    "run_tool",
    "stop_conversation",
    "tool_needs_approval",
    "tool_output_text",
]


def check_unique_tool_names(names: Iterable[str]) -> None:
    """Check that no name is used twice (an agent's tools and handoffs together).

    Args:
        names: The names the model will see, in any order.

    Raises:
        UserError: Some names repeat; the message lists each with its count, in order of
            first appearance.
    """
    counts = Counter(names)
    duplicates = [f"{name!r} ({count} times)" for name, count in counts.items() if count > 1]
    if duplicates:
        raise UserError(
            f"duplicate tool names: {', '.join(duplicates)}; "
            "tool and handoff names must be unique per agent"
        )
