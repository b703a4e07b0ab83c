"""The tool type, :class:`FunctionTool`, and the :func:`function_tool` decorator.

The decorator's machinery (``_schema``, ``_invoker``) is built on pydantic, so it is imported
by the first decoration, not with this module: a hand-built tool, and ``rtvoice.tools``
itself, do not load pydantic.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, overload

from ..errors import UserError
from ..model.session_config import FunctionTool as FunctionToolDefinition
from ._context import ToolContext
from ._docstring import parse_docstring

__all__ = ["ApprovalPredicate", "FunctionTool", "ToolInvoker", "function_tool"]

ToolInvoker: TypeAlias = Callable[[ToolContext[Any], str], Awaitable[object]]
"""Runs a tool: ``(context, arguments JSON) -> return value``.

Raises :class:`~rtvoice.tools.ToolArgumentsError` for arguments it cannot use; any other
exception is the tool failing.
"""

ApprovalPredicate: TypeAlias = Callable[[ToolContext[Any], dict[str, Any]], bool | Awaitable[bool]]
"""Decides per call whether a tool needs approval: ``(context, arguments) -> bool``, sync or
async. ``arguments`` is the model's JSON arguments, decoded but not validated."""

# The OpenAI function name rule; other servers are no laxer.
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FunctionTool:
    """A function the model can call.

    Usually made with :func:`function_tool`; build one directly for a hand-written schema.
    Immutable; compares and hashes by identity.

    Attributes:
        name: The name the model calls; 1-64 letters, digits, ``_`` or ``-``.
        description: What the tool does, for the model (``""`` for none).
        params_json_schema: The JSON schema of the arguments object. Do not mutate it.
        on_invoke: Runs a call: ``await on_invoke(ctx, arguments_json)`` returns the value
            that becomes the output. It validates the arguments itself and raises
            :class:`~rtvoice.tools.ToolArgumentsError` for bad ones. It should not be called
            directly: :func:`~rtvoice.tools.run_tool` adds the timeout and error handling.
        needs_approval: ``True`` to ask before every call, or a predicate deciding per call
            (see :func:`~rtvoice.tools.tool_needs_approval`).
        timeout: Seconds a call may take before it fails with a timeout output; ``None`` for
            no limit.
        func: The decorated function, for tests and introspection; ``None`` for a tool built
            directly.

    Raises:
        UserError: On construction, for an invalid name, a non-positive timeout, or a
            ``needs_approval`` that is neither a bool nor callable.
    """

    name: str
    description: str
    params_json_schema: Mapping[str, Any]
    on_invoke: ToolInvoker
    needs_approval: bool | ApprovalPredicate = False
    timeout: float | None = None
    func: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise UserError(
                f"invalid tool name {self.name!r}: use 1-64 letters, digits, '_' or '-'"
            )
        if self.timeout is not None and not (
            isinstance(self.timeout, (int, float)) and 0 < self.timeout < math.inf
        ):
            raise UserError(
                f"tool {self.name!r}: timeout must be a positive number of seconds or None, "
                f"got {self.timeout!r}"
            )
        if not isinstance(self.needs_approval, bool) and not callable(self.needs_approval):
            raise UserError(
                f"tool {self.name!r}: needs_approval must be a bool or a callable "
                f"(context, arguments) -> bool, got {self.needs_approval!r}"
            )
        if not callable(self.on_invoke):
            raise UserError(f"tool {self.name!r}: on_invoke must be callable")

    def to_definition(self) -> FunctionToolDefinition:
        """The tool as sent to the server in ``session.update``.

        Returns:
            The wire definition: name, description (``None`` when empty), parameters.
        """
        return FunctionToolDefinition(
            name=self.name,
            description=self.description or None,
            parameters=self.params_json_schema,
        )


@overload
def function_tool(func: Callable[..., Any], /) -> FunctionTool: ...


@overload
def function_tool(
    *,
    name: str | None = None,
    description: str | None = None,
    needs_approval: bool | ApprovalPredicate = False,
    timeout: float | None = None,
    name_override: str | None = None,
    description_override: str | None = None,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def function_tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    needs_approval: bool | ApprovalPredicate = False,
    timeout: float | None = None,
    name_override: str | None = None,
    description_override: str | None = None,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Make a :class:`FunctionTool` from a sync or async function.

    Use it bare (``@function_tool``) or with options (``@function_tool(timeout=5)``)::

        @function_tool
        def get_weather(city: str) -> str:
            \"\"\"Current weather for a city.

            Args:
                city: The city name, e.g. "Paris".
            \"\"\"
            return f"Sunny in {city}"

    The arguments' JSON schema comes from the type hints (anything pydantic accepts: str,
    int, float, bool, lists, dicts, ``Optional``, ``Literal``, enums, pydantic models,
    dataclasses, TypedDicts), with defaults, and ``additionalProperties: false`` on objects.
    The description is the docstring's text before its first section; parameter
    descriptions come from its ``Args:`` section, unless the annotation carries one
    (``Annotated[str, Field(description=...)]``). All of it is built once, here.

    A first parameter annotated ``ToolContext`` (or ``ToolContext[MyContext]``) receives the
    call's :class:`ToolContext` and is not part of the schema. Async functions run in the
    session's task; sync functions run in a worker thread. To end the conversation, a tool
    returns :class:`~rtvoice.tools.StopConversation`.

    Args:
        func: The function (when used bare).
        name: The tool name; defaults to the function's ``__name__``.
        description: Overrides the docstring description.
        needs_approval: ``True``, or a predicate ``(context, arguments) -> bool`` (sync or
            async), to have calls approved before they run.
        timeout: Seconds a call may run; ``None`` (default) for no limit.
        name_override: ``name`` under openai-agents' spelling.
        description_override: ``description`` under openai-agents' spelling.

    Returns:
        The tool, or (with options only) a decorator that makes it.

    Raises:
        UserError: The function cannot be a tool (``*args``, unsupported or unresolvable
            annotations, a misplaced ``ToolContext`` parameter), or an option is invalid
            (or given under both of its spellings).
    """
    if name_override is not None:
        if name is not None:
            raise UserError("function_tool: pass name or name_override, not both")
        name = name_override
    if description_override is not None:
        if description is not None:
            raise UserError("function_tool: pass description or description_override, not both")
        description = description_override
    # The decorating scope's locals resolve string annotations naming local classes.
    localns = sys._getframe(1).f_locals
    options = _Options(name, description, needs_approval, timeout)
    if func is not None:
        return _make_tool(func, options, localns)

    def decorate(func: Callable[..., Any]) -> FunctionTool:
        return _make_tool(func, options, sys._getframe(1).f_locals)

    return decorate


@dataclass(frozen=True, slots=True)
class _Options:
    name: str | None
    description: str | None
    needs_approval: bool | ApprovalPredicate
    timeout: float | None


def _make_tool(
    func: Callable[..., Any], options: _Options, localns: Mapping[str, Any]
) -> FunctionTool:
    if isinstance(func, FunctionTool):
        raise UserError(f"{func.name!r} is already a FunctionTool")
    if not callable(func):
        raise UserError(f"function_tool needs a function, got {func!r}")
    name = options.name or getattr(func, "__name__", None)
    if not name:
        raise UserError(f"function_tool: {func!r} has no __name__; pass name=...")
    from ._invoker import FunctionInvoker
    from ._schema import build_arguments_spec

    docs = parse_docstring(getattr(func, "__doc__", None))
    spec = build_arguments_spec(func, tool_name=name, param_docs=docs.params, localns=localns)
    return FunctionTool(
        name=name,
        description=docs.description if options.description is None else options.description,
        params_json_schema=spec.json_schema,
        on_invoke=FunctionInvoker(func, spec, tool_name=name),
        needs_approval=options.needs_approval,
        timeout=options.timeout,
        func=func,
    )
