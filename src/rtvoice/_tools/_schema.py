"""Turn a Python function signature into a pydantic arguments model and a JSON schema.

Everything here runs once, when a tool is decorated; a call only validates against the
model built here.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PydanticUserError, create_model

from ..errors import UserError
from ._context import ToolContext

__all__ = ["ArgumentsSpec", "build_arguments_spec"]

# Keys whose value is one sub-schema, a list of them, or a name -> sub-schema mapping.
_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "$defs", "definitions")


@dataclass(frozen=True, slots=True)
class ArgumentsSpec:
    """How to validate a tool's arguments and call its function.

    Attributes:
        model: Validates the model's JSON arguments. Fields are named ``p0``, ``p1``, ...
            with the parameter name as alias, so that any parameter name works (``json``,
            ``model_config``, ``_private``) without clashing with pydantic.
        json_schema: The parameters JSON schema sent to the model.
        takes_context: Whether the function's first parameter receives the ToolContext.
        positional: Fields passed positionally (positional-only parameters), in order.
        keyword: ``(field, parameter name)`` pairs passed as keyword arguments.
    """

    model: type[BaseModel]
    json_schema: dict[str, Any]
    takes_context: bool
    positional: tuple[str, ...]
    keyword: tuple[tuple[str, str], ...]


def build_arguments_spec(
    func: Callable[..., Any],
    *,
    tool_name: str,
    param_docs: Mapping[str, str],
    localns: Mapping[str, Any] | None = None,
) -> ArgumentsSpec:
    """Build the arguments model and JSON schema of ``func``.

    Args:
        func: The tool function.
        tool_name: The tool's name, for error messages.
        param_docs: Parameter descriptions from the docstring. A description given in the
            annotation (``Annotated[str, Field(description=...)]``) or in a ``Field`` default
            takes precedence.
        localns: Extra names for resolving string annotations (the decorating scope's
            locals), so that ``from __future__ import annotations`` works with local classes.

    Returns:
        The spec.

    Raises:
        UserError: The signature cannot be a tool: ``*args`` / ``**kwargs``, a ``ToolContext``
            parameter that is not the first, unresolvable or unsupported annotations.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise UserError(f"tool {tool_name!r}: cannot read the signature of {func!r}") from exc
    hints = _type_hints(func, tool_name, localns)
    fields: dict[str, Any] = {}
    positional: list[str] = []
    keyword: list[tuple[str, str]] = []
    takes_context = False
    for index, param in enumerate(signature.parameters.values()):
        hint = hints.get(param.name, Any)
        if _is_tool_context(hint):
            if index != 0:
                raise UserError(
                    f"tool {tool_name!r}: the ToolContext parameter {param.name!r} "
                    "must be the first parameter"
                )
            takes_context = True
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise UserError(
                f"tool {tool_name!r}: *args and **kwargs ({param.name!r}) cannot be described "
                "by a JSON schema; list the parameters explicitly"
            )
        field_name = f"p{index}"
        fields[field_name] = (
            _with_alias(hint, param.name, param_docs.get(param.name)),
            ... if param.default is param.empty else param.default,
        )
        if param.kind is param.POSITIONAL_ONLY:
            positional.append(field_name)
        else:
            keyword.append((field_name, param.name))
    try:
        model = create_model(
            f"{tool_name}_arguments",
            __config__=ConfigDict(extra="forbid"),
            **fields,
        )
        schema = model.model_json_schema()
    except (PydanticUserError, TypeError, ValueError) as exc:
        raise UserError(f"tool {tool_name!r}: cannot build a JSON schema: {exc}") from exc
    _clean_schema(schema)
    return ArgumentsSpec(
        model=model,
        json_schema=schema,
        takes_context=takes_context,
        positional=tuple(positional),
        keyword=tuple(keyword),
    )


def _type_hints(
    func: Callable[..., Any], tool_name: str, localns: Mapping[str, Any] | None
) -> dict[str, Any]:
    target: Any = func if inspect.isroutine(func) else getattr(func, "__call__", func)  # noqa: B004
    try:
        return typing.get_type_hints(target, localns=dict(localns or {}), include_extras=True)
    except (NameError, AttributeError, SyntaxError) as exc:
        raise UserError(f"tool {tool_name!r}: cannot resolve the type hints: {exc}") from exc
    except TypeError:
        return {}  # not introspectable (e.g. a functools.partial): parameters are untyped


def _is_tool_context(hint: Any) -> bool:
    if typing.get_origin(hint) is Annotated:
        hint = typing.get_args(hint)[0]
    return hint is ToolContext or typing.get_origin(hint) is ToolContext


def _with_alias(hint: Any, name: str, description: str | None) -> Any:
    """``hint`` with ``Field(alias=name, description=...)`` placed before any user metadata,
    so that metadata the user wrote in ``Annotated`` wins over the docstring."""
    field = Field(alias=name, description=description)
    if typing.get_origin(hint) is Annotated:
        base, *metadata = typing.get_args(hint)
        params = (base, field, *metadata)
        return Annotated[params]
    return Annotated[hint, field]


def _clean_schema(node: Any) -> None:
    """Drop ``title`` keys (pydantic's generated names only cost tokens) and close objects.

    An object schema with ``properties`` and no ``additionalProperties`` gets
    ``additionalProperties: false``: the model should send only the listed fields.
    """
    if not isinstance(node, dict):
        return
    node.pop("title", None)
    for key, value in node.items():
        if key in _NAMED and isinstance(value, dict):
            for sub in value.values():
                _clean_schema(sub)
        elif key in _MANY and isinstance(value, list):
            for sub in value:
                _clean_schema(sub)
        elif key in _ONE:
            _clean_schema(value)
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
