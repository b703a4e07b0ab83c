"""Run one tool call to a :class:`ToolResult`: timeout, errors and output text.

anyio and pydantic are imported by the functions that use them, when a session runs its first
tool call: ``import rtvoice.tools`` (to decorate tools, to build an agent) needs neither.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from ._context import ToolContext
from ._errors import ToolArgumentsError, ToolRejectedError, ToolTimeoutError
from ._tool import FunctionTool

__all__ = [
    "StopConversation",
    "ToolErrorFormatter",
    "ToolResult",
    "parse_arguments",
    "rejection_result",
    "run_tool",
    "tool_needs_approval",
    "tool_output_text",
]

logger = logging.getLogger("rtvoice.tools")

ToolErrorFormatter: TypeAlias = Callable[[ToolContext[Any], BaseException], str | Awaitable[str]]
"""Writes the output the model sees when a tool fails: ``(context, error) -> str``, sync or
async. ``error`` is the tool's exception, or a :class:`ToolTimeoutError`."""


@dataclass(frozen=True, slots=True)
class StopConversation:
    """Return this from a tool to end the conversation after the current response.

    ``return StopConversation("Goodbye said.")``: the result has ``stop_conversation=True``
    and ``output`` is sent to the model as the tool output. The built-in
    :data:`~rtvoice.tools.stop_conversation` tool returns one.

    Attributes:
        output: The tool output sent to the model.
    """

    output: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolResult:
    """What one tool call produced.

    Attributes:
        output: The text sent to the model as the ``function_call_output``.
        error: Why the call failed: the tool's own exception, a :class:`ToolTimeoutError`
            or a :class:`ToolArgumentsError`; ``None`` on success. The ``tool_end`` event
            carries it.
        value: The tool's raw return value (``None`` on failure).
        stop_conversation: The tool asked to end the conversation (see
            :class:`StopConversation`): the session sends ``output``, requests no further
            response for it, and ends gracefully once the current response is done.
    """

    output: str
    error: BaseException | None = None
    value: object = None
    stop_conversation: bool = False

    @property
    def is_error(self) -> bool:
        """Whether the call failed (``error`` is set)."""
        return self.error is not None

    @classmethod
    def rejected(cls, tool_name: str, message: str | None = None) -> ToolResult:
        """The result for a call the approver rejected: the tool did not run.

        Args:
            tool_name: The rejected tool.
            message: The approver's reason, passed on to the model.

        Returns:
            A result whose output tells the model the call was not approved.
        """
        output = f"The call to {tool_name} was not approved"
        return cls(output=f"{output}: {message}" if message else output)


async def run_tool(
    tool: FunctionTool,
    ctx: ToolContext[Any],
    arguments_json: str,
    *,
    error_formatter: ToolErrorFormatter | None = None,
    default_timeout: float | None = None,
) -> ToolResult:
    """Run one call of ``tool`` and turn whatever happens into a :class:`ToolResult`.

    Never raises for the tool's sake: bad arguments, a raising tool and a timeout all
    become a result with ``error`` set, and the conversation goes on. Cancellation (of the
    caller's scope) propagates, as does a ``BaseException`` that is not an ``Exception``.

    The output is, for bad arguments, a message naming each problem ("Invalid arguments for
    get_weather: field 'city' is required"); for a failure, ``error_formatter(ctx, error)``
    when given, else "Error running get_weather: <error>" or "get_weather timed out after
    2.0 s"; for a success, the return value as text (see :func:`tool_output_text`).

    Args:
        tool: The tool to run.
        ctx: The call's context, passed to the tool and the formatter.
        arguments_json: The model's arguments, a JSON object (``""`` means ``{}``).
        error_formatter: The run config's ``tool_error_formatter``. If it raises or does
            not return a ``str``, the default message is used (and a warning logged).
        default_timeout: The limit for a tool without its own ``timeout`` (the run config's
            ``tool_timeout``); ``None``: no limit.

    Returns:
        The result. Sync tools run in a worker thread and async tools in the caller's task,
        so context variables set by the caller are visible to the tool either way.
    """
    import anyio

    timeout = tool.timeout if tool.timeout is not None else default_timeout
    try:
        with anyio.move_on_after(timeout) as scope:
            value = await tool.on_invoke(ctx, arguments_json)
        if scope.cancelled_caught:
            raise ToolTimeoutError(
                f"{tool.name} timed out after {float(timeout or 0)} s",
                tool_name=tool.name,
                timeout=timeout or 0.0,
            )
    except ToolArgumentsError as exc:
        return ToolResult(output=str(exc), error=exc)
    except Exception as exc:
        logger.debug("tool %s failed", tool.name, exc_info=exc)
        default = (
            str(exc)
            if isinstance(exc, ToolTimeoutError)
            else f"Error running {tool.name}: {str(exc) or type(exc).__name__}"
        )
        output = await _formatted(ctx, exc, error_formatter, default)
        return ToolResult(output=output, error=exc)
    if isinstance(value, StopConversation):
        return ToolResult(output=value.output, value=value, stop_conversation=True)
    return ToolResult(output=tool_output_text(value), value=value)


def tool_output_text(value: object) -> str:
    """The text a tool's return value is sent to the model as.

    Args:
        value: What the tool returned.

    Returns:
        A ``str`` as is; ``None`` as ``""``; a pydantic model, dataclass instance, dict,
        list or tuple as JSON (values JSON cannot hold written with ``str()``); anything
        else with ``str()``.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    import pydantic_core
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, (dict, list, tuple)) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        return pydantic_core.to_json(value, fallback=str).decode()
    return str(value)


def parse_arguments(arguments_json: str) -> dict[str, Any] | None:
    """Decode the model's arguments for approval rules and middleware (no validation).

    Args:
        arguments_json: The model's arguments (``""`` means ``{}``).

    Returns:
        The decoded object, or ``None`` when it is not valid JSON or not an object (the
        call will then fail in :func:`run_tool` without running the tool).
    """
    try:
        value = json.loads(arguments_json.strip() or "{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


async def tool_needs_approval(
    tool: FunctionTool, ctx: ToolContext[Any], arguments: Mapping[str, Any]
) -> bool:
    """Whether this call of ``tool`` must be approved before it runs.

    A predicate is called in the caller's task (keep a sync one quick); it gets a fresh
    ``dict`` copy of ``arguments``. A predicate that raises fails closed: the call needs
    approval, and a warning is logged.

    Args:
        tool: The tool called.
        ctx: The call's context.
        arguments: The decoded arguments (see :func:`parse_arguments`).

    Returns:
        ``tool.needs_approval`` if it is a bool, else the predicate's answer.
    """
    if isinstance(tool.needs_approval, bool):
        return tool.needs_approval
    try:
        answer = tool.needs_approval(ctx, dict(arguments))
        if inspect.isawaitable(answer):
            answer = await answer
    except Exception:
        logger.warning(
            "needs_approval of tool %s raised; asking for approval", tool.name, exc_info=True
        )
        return True
    return bool(answer)


async def rejection_result(
    tool_name: str,
    ctx: ToolContext[Any],
    message: str | None = None,
    *,
    error_formatter: ToolErrorFormatter | None = None,
) -> ToolResult:
    """The result of a call whose approval was refused: the tool did not run.

    The output the model sees is, in order of preference: ``message`` exactly as given,
    ``error_formatter(ctx, ToolRejectedError)``, or "The call to <tool> was not approved".

    Args:
        tool_name: The rejected tool.
        ctx: The call's context (for the formatter).
        message: The rejection's own message, if it has one.
        error_formatter: The run config's ``tool_error_formatter``.

    Returns:
        A result whose ``error`` is a :class:`ToolRejectedError`.
    """
    default = ToolResult.rejected(tool_name).output
    error = ToolRejectedError(default, tool_name=tool_name, reason=message)
    if message is not None:
        return ToolResult(output=message, error=error)
    return ToolResult(output=await _formatted(ctx, error, error_formatter, default), error=error)


async def _formatted(
    ctx: ToolContext[Any],
    error: Exception,
    formatter: ToolErrorFormatter | None,
    default: str,
) -> str:
    if formatter is None:
        return default
    try:
        text = formatter(ctx, error)
        if inspect.isawaitable(text):
            text = await text
    except Exception:
        logger.warning("tool_error_formatter raised; using the default output", exc_info=True)
        return default
    if not isinstance(text, str):
        logger.warning("tool_error_formatter returned %r, not a str; using the default", text)
        return default
    return text
