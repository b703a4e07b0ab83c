"""Wire validation failures, worded the way the OpenAI server words its errors.

Every wire check of either side raises :class:`WireError`: a code such as
``missing_required_parameter``, a message such as ``"Missing required parameter:
'item.role'."`` and the dotted ``param`` path (``session.audio.input.format.rate``,
``item.content[0].text``). The client decoder turns it into a
:class:`~rtvoice.model.events.DecodeError` whose reason is the message, so every message a
client reader raises names the field's path: :func:`missing`, :func:`invalid_type`,
:func:`invalid_choice` and :func:`invalid_base64` do. The server side
(:mod:`rtvoice.model.openai.server`) turns it into the ``error`` event it answers with, where
the path travels in ``param``; :func:`invalid_value` keeps the server's own wording, which
leaves the path out of the message.

Plain Python: nothing here imports pydantic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

__all__ = [
    "Loc",
    "WireError",
    "format_path",
    "invalid_base64",
    "invalid_choice",
    "invalid_type",
    "invalid_value",
    "join_words",
    "missing",
    "quote_all",
]

Loc = tuple[str | int, ...]
"""A JSON path as keys and list indices, e.g. ``("item", "content", 0, "text")``."""


class WireError(Exception):
    """A frame, or a part of one, does not have the shape the protocol requires."""

    def __init__(self, code: str, message: str, param: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


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
    """A required field is absent (``missing_required_parameter``)."""
    path = format_path(loc)
    return WireError("missing_required_parameter", f"Missing required parameter: '{path}'.", path)


def invalid_value(loc: Loc, value: object, supported: Sequence[str]) -> WireError:
    """A value outside an enumeration, in the server's words (``invalid_value``): the message
    names the value and the choices, ``param`` the path."""
    choices = join_words(quote_all(supported))
    return WireError(
        "invalid_value",
        f"Invalid value: {_show(value)}. Supported values are: {choices}.",
        format_path(loc),
    )


def invalid_choice(loc: Loc, value: object, supported: Sequence[str]) -> WireError:
    """A value outside an enumeration (``invalid_value``), with the path in the message too:
    ``Invalid value for 'response.status': 'exploded'. Supported values are: ...``."""
    path = format_path(loc)
    choices = join_words(quote_all(supported))
    return WireError(
        "invalid_value",
        f"Invalid value for '{path}': {_show(value)}. Supported values are: {choices}.",
        path,
    )


def invalid_base64(loc: Loc) -> WireError:
    """A string that is not standard base64 (``invalid_value``)."""
    path = format_path(loc)
    return WireError("invalid_value", f"Invalid '{path}': expected base64.", path)


def invalid_type(loc: Loc, expected: str, value: object) -> WireError:
    """A value of the wrong JSON type (``expected`` reads e.g. ``a string``)."""
    path = format_path(loc)
    return WireError(
        "invalid_type",
        f"Invalid type for '{path}': expected {expected}, but got {_kind(value)} instead.",
        path,
    )


def quote_all(choices: Sequence[str]) -> list[str]:
    """Each choice in single quotes, as the server lists supported values."""
    return [f"'{c}'" for c in choices]


def join_words(words: Sequence[str], conj: str = "and") -> str:
    """``a``; ``a and b``; ``a, b, and c`` (the server's serial comma)."""
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
