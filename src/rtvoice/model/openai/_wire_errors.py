"""Validation failures, worded the way the OpenAI server words them (PROTOCOL.md §2, §8).

Every wire check in this package raises :class:`WireError`: a code such as
``unknown_parameter``, a message such as ``"Unknown parameter: 'session.bogus'."`` and the
dotted ``param`` path (``session.audio.input.format.rate``, ``item.content[0].text``). The
client side turns it into a :class:`~rtvoice.model.events.DecodeError`; the server side turns
it into a :class:`ClientEventError`, which a test server sends back as an ``error`` event.

Pydantic errors are translated by :func:`validate`: its error ``loc`` is walked against the
input so that union tags (``'str'``, ``'realtime'``, ``'constrained-int'``) drop out of the
path and only real keys and indices remain.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..events import ErrorInfo

__all__ = [
    "ClientEventError",
    "Loc",
    "WireError",
    "format_path",
    "invalid_type",
    "invalid_value",
    "missing",
    "validate",
]

Loc = tuple[str | int, ...]
"""A JSON path as keys and list indices, e.g. ``("item", "content", 0, "text")``."""

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientEventError:
    """Why a server rejected a client frame (PROTOCOL.md §8): the fields of its ``error`` event.

    Attributes:
        code: e.g. ``invalid_json``, ``invalid_event``, ``invalid_value``,
            ``unknown_parameter``, ``missing_required_parameter``, ``invalid_type``,
            ``integer_below_min_value``.
        message: Human-readable text in the server's wording.
        param: Dotted path of the offending field (``session.audio.input.format.rate``), or
            ``None`` when the frame as a whole is wrong.
        event_id: The client's ``event_id``, echoed whenever the frame carried a string one,
            even if the rest of the frame was invalid.
        error_type: The ``error.type``; always ``invalid_request_error`` for these.
    """

    code: str
    message: str
    param: str | None = None
    event_id: str | None = None
    error_type: str = "invalid_request_error"

    def to_error_info(self) -> ErrorInfo:
        """The same error as the neutral :class:`~rtvoice.model.events.ErrorInfo`."""
        return ErrorInfo(
            type=self.error_type,
            code=self.code,
            message=self.message,
            param=self.param,
            event_id=self.event_id,
        )


class WireError(Exception):
    """A frame, or a part of one, does not have the shape the protocol requires."""

    def __init__(self, code: str, message: str, param: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param

    def for_event(self, event_id: str | None) -> ClientEventError:
        """This failure as the error a server sends for the client event ``event_id``."""
        return ClientEventError(
            code=self.code, message=self.message, param=self.param, event_id=event_id
        )


def format_path(loc: Loc) -> str:
    """``("item", "content", 0, "text")`` -> ``item.content[0].text`` (the server's notation)."""
    out = ""
    for seg in loc:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else seg
    return out


def missing(loc: Loc) -> WireError:
    """A required field is absent (§8 ``missing_required_parameter``)."""
    path = format_path(loc)
    return WireError("missing_required_parameter", f"Missing required parameter: '{path}'.", path)


def invalid_value(loc: Loc, value: object, supported: Sequence[str]) -> WireError:
    """A value outside an enumeration (§8 ``invalid_value``, §7.f wording)."""
    return WireError(
        "invalid_value",
        f"Invalid value: {_show(value)}. Supported values are: {_join(_quote(supported))}.",
        format_path(loc),
    )


def invalid_type(loc: Loc, expected: str, value: object) -> WireError:
    """A value of the wrong JSON type (``expected`` reads e.g. ``a string``)."""
    path = format_path(loc)
    return WireError(
        "invalid_type",
        f"Invalid type for '{path}': expected {expected}, but got {_kind(value)} instead.",
        path,
    )


def validate(model: type[M], obj: object, loc: Loc, *, strict: bool) -> M:
    """Validate ``obj`` (found at ``loc``) as ``model``.

    Args:
        model: A wire model of this package (extra fields are ignored by default).
        obj: The decoded JSON value.
        loc: Where ``obj`` sits in the frame; prefixed to every reported path.
        strict: The server's rules: no type coercion, and a field no model declares is an
            ``unknown_parameter`` (reported only once the rest is valid).

    Raises:
        WireError: The first problem, as the server would report it.
    """
    try:
        result = model.model_validate(obj, strict=strict)
    except ValidationError as exc:
        raise translate(exc, obj, loc) from None
    if strict:
        # Unknown fields are found by walking the validated models against the input, not
        # with pydantic's per-call ``extra="forbid"``, which needs a recent pydantic.
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
    """Pick the most telling error of ``exc`` and word it like the server (§8)."""
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
            expected.extend(_quote(_literal_choices(str((e.get("ctx") or {}).get("expected")))))
    if not expected:
        return WireError("invalid_value", f"Invalid value for '{text}': {best['msg']}.", text)
    words = expected[0] if len(expected) == 1 else "one of " + _join(expected, "or")
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


def _quote(choices: Sequence[str]) -> list[str]:
    return [f"'{c}'" for c in choices]


def _join(words: Sequence[str], conj: str = "and") -> str:
    """``a``; ``a and b``; ``a, b, and c`` (the server's serial comma, §7.f)."""
    if len(words) <= 1:
        return "".join(words)
    if len(words) == 2:
        return f"{words[0]} {conj} {words[1]}"
    return ", ".join(words[:-1]) + f", {conj} {words[-1]}"


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    try:
        return json.dumps(value)[:100]
    except (TypeError, ValueError):
        return repr(value)[:100]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
