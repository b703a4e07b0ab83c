"""Pydantic validation of client frames, worded the way the OpenAI server words its errors.

:func:`validate` runs a model of :mod:`._wire_models` and turns a pydantic failure into the
:class:`~._wire_errors.WireError` the server would send: the error ``loc`` is walked against
the input so that union tags (``'str'``, ``'realtime'``, ``'constrained-int'``) drop out of the
path and only real keys and indices remain.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .._wire_errors import (
    Loc,
    WireError,
    format_path,
    invalid_type,
    invalid_value,
    join_words,
    missing,
    quote_all,
)

__all__ = ["translate", "validate"]

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], obj: object, loc: Loc) -> M:
    """Validate ``obj`` (found at ``loc``) as ``model``, by the server's rules: no type
    coercion, and a field no model declares is an ``unknown_parameter`` (reported only once
    the rest is valid).

    Args:
        model: A wire model of this package.
        obj: The decoded JSON value.
        loc: Where ``obj`` sits in the frame; prefixed to every reported path.

    Raises:
        WireError: The first problem, as the server would report it.
    """
    try:
        result = model.model_validate(obj, strict=True)
    except ValidationError as exc:
        raise translate(exc, obj, loc) from None
    # Unknown fields are found by walking the validated models against the input, not with
    # pydantic's per-call ``extra="forbid"``, which needs a recent pydantic.
    unknown = _first_unknown(result, obj, loc)
    if unknown is not None:
        path = format_path(unknown)
        raise WireError("unknown_parameter", f"Unknown parameter: '{path}'.", path)
    return result


def _first_unknown(value: object, raw: object, loc: Loc) -> Loc | None:
    """The path of the first input key that no model along the way declares."""
    if isinstance(value, BaseModel) and isinstance(raw, dict):
        fields = type(value).model_fields
        for key in raw:
            if key not in fields:
                return (*loc, key)
        for name in fields:
            if name in raw:
                found = _first_unknown(getattr(value, name), raw[name], (*loc, name))
                if found is not None:
                    return found
    elif isinstance(value, list) and isinstance(raw, list):
        for n, (v, r) in enumerate(zip(value, raw, strict=False)):
            found = _first_unknown(v, r, (*loc, n))
            if found is not None:
                return found
    return None


# ---------------------------------------------------------------------------------------------
# pydantic -> server wording

_TYPE_WORDS: dict[str, str] = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a decimal",
    "float_parsing": "a decimal",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "list_type": "an array",
    "tuple_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "none_required": "null",
}

_RANGE_TYPES = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
_LENGTH_TYPES = frozenset({"too_long", "too_short", "string_too_long", "string_too_short"})


def translate(exc: ValidationError, obj: object, loc: Loc) -> WireError:
    """Pick the most telling error of ``exc`` and word it like the server."""
    candidates = [(loc + _walk(obj, e), e) for e in exc.errors()]
    longest = max(len(path) for path, _ in candidates)
    at_longest = [(p, e) for p, e in candidates if len(p) == longest]
    path, best = min(at_longest, key=lambda pe: _rank(pe[1]))
    kind = best["type"]
    text = format_path(path)
    ctx = best.get("ctx") or {}
    value = best["input"]
    if kind == "extra_forbidden":
        return WireError("unknown_parameter", f"Unknown parameter: '{text}'.", text)
    if kind == "missing":
        return missing(path)
    if kind == "union_tag_not_found":
        return missing((*path, "type"))
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", "")).replace("'", "").split(", ")
        return invalid_value((*path, "type"), ctx.get("tag"), tags)
    if kind == "literal_error" and isinstance(value, str):
        return invalid_value(path, value, _literal_choices(str(ctx.get("expected", ""))))
    if kind in _RANGE_TYPES:
        return _out_of_range(path, kind, ctx, value)
    if kind in _LENGTH_TYPES:
        return _bad_length(path, kind, ctx, value)
    expected: list[str] = []
    for _, e in at_longest:
        if e["type"] in _TYPE_WORDS:
            expected.append(_TYPE_WORDS[e["type"]])
        elif e["type"] == "literal_error":
            expected.extend(quote_all(_literal_choices(str((e.get("ctx") or {}).get("expected")))))
    if not expected:
        return WireError("invalid_value", f"Invalid value for '{text}': {best['msg']}.", text)
    words = expected[0] if len(expected) == 1 else "one of " + join_words(expected, "or")
    return invalid_type(path, words, value)


def _rank(error: ErrorDetails) -> int:
    kind = error["type"]
    if kind == "extra_forbidden":
        return 0
    if kind in ("missing", "union_tag_not_found", "union_tag_invalid"):
        return 1
    if kind in _RANGE_TYPES or kind in _LENGTH_TYPES:
        return 2
    if kind == "literal_error":
        return 3 if isinstance(error["input"], str) else 5
    return 4


def _walk(obj: object, error: ErrorDetails) -> Loc:
    """The part of ``error['loc']`` that names real keys and indices of ``obj``."""
    out: list[str | int] = []
    cur = obj
    raw = error["loc"]
    for n, seg in enumerate(raw):
        if _has(cur, seg):
            out.append(seg)
            cur = cur[seg]  # type: ignore[index]
        elif n == len(raw) - 1 and error["type"] == "missing" and isinstance(seg, str):
            out.append(seg)
        # else: a union tag or a dict-key marker, not part of the JSON path
    return tuple(out)


def _has(node: object, seg: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(seg, str) and seg in node
    return isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node)


def _out_of_range(path: Loc, kind: str, ctx: dict[str, Any], value: object) -> WireError:
    text = format_path(path)
    bound_value = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
    whole = isinstance(value, int) and isinstance(bound_value, int)
    number = "integer" if whole else "decimal"
    if kind.startswith("greater"):
        bound, op, side = ctx.get("ge", ctx.get("gt")), ">=" if "equal" in kind else ">", "below"
        code, edge = f"{number}_below_min_value", "minimum"
    else:
        bound, op, side = ctx.get("le", ctx.get("lt")), "<=" if "equal" in kind else "<", "above"
        code, edge = f"{number}_above_max_value", "maximum"
    return WireError(
        code,
        f"Invalid '{text}': {number} {side} {edge} value. "
        f"Expected a value {op} {bound}, but got {value} instead.",
        text,
    )


def _bad_length(path: Loc, kind: str, ctx: dict[str, Any], value: object) -> WireError:
    text = format_path(path)
    what = "string" if isinstance(value, str) else "array" if isinstance(value, list) else "object"
    long = "long" in kind
    limit = ctx.get("max_length" if long else "min_length")
    code = f"{what}_{'above_max' if long else 'below_min'}_length"
    if what == "object":
        code = f"object_{'above_max' if long else 'below_min'}_properties"
    return WireError(
        code,
        f"Invalid '{text}': {what} too {'long' if long else 'short'}. Expected a length "
        f"{'<=' if long else '>='} {limit}, but got {_length(value)} instead.",
        text,
    )


def _length(value: object) -> int:
    return len(value) if isinstance(value, (str, list, dict)) else 0


def _literal_choices(expected: str) -> list[str]:
    """pydantic's ``"'a', 'b' or 'c'"`` -> ``["a", "b", "c"]``."""
    head, _, last = expected.rpartition(" or ")
    parts = [*head.split(", "), last] if head else [last]
    return [p.strip().strip("'") for p in parts if p.strip()]
