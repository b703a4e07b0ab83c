"""Call a decorated tool function: validate the JSON arguments, then run it."""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable
from typing import Any, Final

import anyio.to_thread
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ._context import ToolContext
from ._errors import ToolArgumentsError
from ._schema import ArgumentsSpec

__all__ = ["FunctionInvoker", "describe_validation_error"]

_MAX_REPORTED_ERRORS = 5

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_SURROGATE_OR_ESCAPE: Final = re.compile(r"[\ud800-\udfff]|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class FunctionInvoker:
    """The ``on_invoke`` of a tool made by ``@function_tool``.

    Async functions are awaited in the caller's task. Sync functions run in a worker thread
    (``anyio.to_thread.run_sync``, with the caller's context variables); if the call is
    cancelled (timeout, session closing) the thread is abandoned: it runs on until the
    function returns and its result is dropped, since Python cannot stop a thread.
    """

    __slots__ = ("_func", "_is_async", "_spec", "_tool_name")

    def __init__(self, func: Callable[..., Any], spec: ArgumentsSpec, *, tool_name: str) -> None:
        self._func = func
        self._spec = spec
        self._tool_name = tool_name
        self._is_async = _is_async_callable(func)

    async def __call__(self, ctx: ToolContext[Any], arguments_json: str) -> object:
        """Validate ``arguments_json`` and call the function.

        Args:
            ctx: Passed as the first argument when the function takes one.
            arguments_json: The model's arguments, a JSON object (``""`` means ``{}``).

        Returns:
            What the function returned (awaited, if it returned an awaitable).

        A lone surrogate in a string (a raw one, or an escape such as ``\\ud800`` that is not
        half of a pair: valid JSON, not valid Unicode) reaches the function as U+FFFD.

        Raises:
            ToolArgumentsError: The arguments are not valid JSON or do not match the schema;
                the function was not called.
        """
        text = arguments_json.strip() or "{}"
        try:
            values = self._spec.model.model_validate_json(text)
        except ValidationError as exc:
            repaired = _replace_lone_surrogates(text)
            try:
                if repaired is None:
                    raise
                values = self._spec.model.model_validate_json(repaired)
            except ValidationError as final:
                raise ToolArgumentsError(
                    describe_validation_error(self._tool_name, final), tool_name=self._tool_name
                ) from exc
        args: list[object] = [ctx] if self._spec.takes_context else []
        args.extend(getattr(values, field) for field in self._spec.positional)
        kwargs = {name: getattr(values, field) for field, name in self._spec.keyword}
        if self._is_async:
            result: object = await self._func(*args, **kwargs)
        else:
            call = functools.partial(self._func, *args, **kwargs)
            result = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        if inspect.isawaitable(result):  # a sync wrapper around a coroutine function
            result = await result
        return result


def describe_validation_error(tool_name: str, exc: ValidationError) -> str:
    """Explain a validation failure to the model, naming each offending field.

    Args:
        tool_name: The tool's name.
        exc: The failure.

    Returns:
        e.g. ``Invalid arguments for get_weather: field 'city' is required``.
    """
    errors = exc.errors(include_url=False, include_input=False)
    problems = [_describe(error) for error in errors[:_MAX_REPORTED_ERRORS]]
    if len(errors) > _MAX_REPORTED_ERRORS:
        problems.append(f"and {len(errors) - _MAX_REPORTED_ERRORS} more")
    return f"Invalid arguments for {tool_name}: {'; '.join(problems)}"


def _describe(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "json_invalid":
        return f"not valid JSON ({error.get('ctx', {}).get('error', error['msg'])})"
    if not error["loc"]:
        return "expected a JSON object" if kind == "model_type" else error["msg"]
    where = ".".join(str(part) for part in error["loc"])
    if kind == "missing":
        return f"field '{where}' is required"
    if kind == "extra_forbidden":
        return f"unexpected field '{where}'"
    return f"field '{where}': {error['msg']}"


def _replace_lone_surrogates(arguments_json: str) -> str | None:
    """The arguments re-written with each lone surrogate as U+FFFD, or ``None`` if they hold
    none (or are not JSON at all). pydantic's JSON parser refuses lone surrogates, which
    Python's own accepts: on this path only (a failed validation) the arguments are parsed by
    ``json`` and written out again."""
    if _SURROGATE_OR_ESCAPE.search(arguments_json) is None:
        return None
    try:
        value = json.loads(arguments_json)
    except ValueError:
        return None
    return _SURROGATE.sub("\ufffd", json.dumps(value, ensure_ascii=False))


def _is_async_callable(func: Callable[..., Any]) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004
    )
