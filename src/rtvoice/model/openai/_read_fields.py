"""Typed reads of the fields of a parsed server frame, for the client's event readers.

Each function reads one field of one JSON object (a ``dict`` from ``json.loads``) and either
returns it with its exact JSON type or raises a :class:`~._wire_errors.WireError` whose
message names the field by its dotted path. ``at`` is where the object sits in the frame
(``()`` for the frame itself, ``("response", "usage")`` for a nested one); the field's path is
only built when a read fails, so a good read costs one dictionary lookup and one ``type(...)
is ...`` check.

The checks are exact and nothing is coerced: ``true`` is not an integer, ``"5"`` is not one
either, ``1.0`` is not one. A number field accepts an integer (JSON has a single number type)
and returns it as a ``float``. The ``opt_`` readers treat an absent key and ``null`` alike, as
"not given".
"""

from __future__ import annotations

import re
import sys
from binascii import a2b_base64
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from ..events import ModelEvent
from ._dialect import Dialect
from ._wire_errors import Loc, WireError, format_path, invalid_choice, invalid_type, missing
from ._wire_json import JsonObject

__all__ = [
    "EventReader",
    "Unread",
    "array",
    "child",
    "choice",
    "decode_base64",
    "integer",
    "integer_or",
    "max_tokens",
    "number",
    "object_at",
    "opt_child",
    "opt_choice",
    "opt_flag",
    "opt_integer",
    "opt_number",
    "opt_text",
    "text",
]

T = TypeVar("T")
D = TypeVar("D")

EventReader = Callable[[JsonObject, Dialect], list[ModelEvent]]
"""Reads one parsed frame of a known type: its events, or a :class:`WireError`."""

_ABSENT = object()


def text(obj: JsonObject, key: str, at: Loc = ()) -> str:
    """A required string."""
    value: object = obj.get(key, _ABSENT)
    if type(value) is str:
        return value
    raise _wrong(at, key, value, "a string")


def opt_text(obj: JsonObject, key: str, at: Loc = ()) -> str | None:
    """A string, or ``None`` when absent or ``null``."""
    value: object = obj.get(key)
    if value is None or type(value) is str:
        return value
    raise invalid_type((*at, key), "a string", value)


def integer(obj: JsonObject, key: str, at: Loc = ()) -> int:
    """A required integer."""
    value: object = obj.get(key, _ABSENT)
    if type(value) is int:
        return value
    raise _wrong(at, key, value, "an integer")


def opt_integer(obj: JsonObject, key: str, at: Loc = ()) -> int | None:
    """An integer, or ``None`` when absent or ``null``."""
    value: object = obj.get(key)
    if value is None or type(value) is int:
        return value
    raise invalid_type((*at, key), "an integer", value)


def integer_or(obj: JsonObject, key: str, default: int, at: Loc = ()) -> int:
    """An integer, or ``default`` when absent or ``null`` (an optional index, a usage count)."""
    value: object = obj.get(key)
    if type(value) is int:
        return value
    if value is None:
        return default
    raise invalid_type((*at, key), "an integer", value)


def number(obj: JsonObject, key: str, at: Loc = ()) -> float:
    """A required number, integer or decimal, as a ``float``."""
    value: object = obj.get(key, _ABSENT)
    if type(value) is float:
        return value
    if type(value) is int:
        return _as_float(value, at, key)
    raise _wrong(at, key, value, "a number")


def opt_number(obj: JsonObject, key: str, at: Loc = ()) -> float | None:
    """A number as a ``float``, or ``None`` when absent or ``null``."""
    value: object = obj.get(key)
    if value is None or type(value) is float:
        return value
    if type(value) is int:
        return _as_float(value, at, key)
    raise invalid_type((*at, key), "a number", value)


def opt_flag(obj: JsonObject, key: str, at: Loc = ()) -> bool | None:
    """A boolean, or ``None`` when absent or ``null``."""
    value: object = obj.get(key)
    if value is None or type(value) is bool:
        return value
    raise invalid_type((*at, key), "a boolean", value)


def child(obj: JsonObject, key: str, at: Loc = ()) -> JsonObject:
    """A required object."""
    value: object = obj.get(key, _ABSENT)
    if type(value) is dict:
        return value
    raise _wrong(at, key, value, "an object")


def opt_child(obj: JsonObject, key: str, at: Loc = ()) -> JsonObject | None:
    """An object, or ``None`` when absent or ``null``."""
    value: object = obj.get(key)
    if value is None or type(value) is dict:
        return value
    raise invalid_type((*at, key), "an object", value)


def array(obj: JsonObject, key: str, at: Loc = ()) -> list[object]:
    """A required array."""
    value: object = obj.get(key, _ABSENT)
    if type(value) is list:
        return value
    raise _wrong(at, key, value, "an array")


def object_at(value: object, loc: Loc) -> JsonObject:
    """``value`` (found at ``loc``, e.g. an array element) must be an object."""
    if type(value) is dict:
        return value
    raise invalid_type(loc, "an object", value)


def choice(obj: JsonObject, key: str, table: Mapping[str, T], at: Loc = ()) -> T:
    """A required string that must be one of ``table``'s keys; returns its (typed) value."""
    value: object = obj.get(key, _ABSENT)
    if type(value) is str and value in table:
        return table[value]
    if type(value) is str:
        raise invalid_choice((*at, key), value, list(table))
    raise _wrong(at, key, value, "a string")


def opt_choice(obj: JsonObject, key: str, table: Mapping[str, T], at: Loc = ()) -> T | None:
    """As :func:`choice`, or ``None`` when absent or ``null``."""
    if obj.get(key) is None:
        return None
    return choice(obj, key, table, at)


def max_tokens(obj: JsonObject, key: str, at: Loc = ()) -> int | Literal["inf"] | None:
    """A token limit: an integer or ``"inf"``, or ``None`` when absent or ``null``."""
    value: object = obj.get(key)
    if value is None or type(value) is int:
        return value
    if value == "inf":
        return "inf"
    raise invalid_type((*at, key), "an integer or 'inf'", value)


# ---------------------------------------------------------------------------------------------
# Lenient reads


class Unread:
    """What a lenient reader could not read: each raw value by its dotted path in the frame.

    A reader of an object the server may grow (a response, a session) reads each field
    through :meth:`field` or :meth:`value`: a field whose strict read raises a
    :class:`WireError` takes ``default`` instead, and its raw value is kept here, so nothing is
    guessed and nothing is lost. The collected values go into the neutral type's ``unread``.
    """

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def field(
        self,
        obj: JsonObject,
        key: str,
        at: Loc,
        read: Callable[[JsonObject, str, Loc], T],
        default: D,
    ) -> T | D:
        """``read(obj, key, at)``, or ``default`` (keeping ``obj[key]``) when it fails."""
        try:
            return read(obj, key, at)
        except WireError:
            self.values[format_path((*at, key))] = obj.get(key)
            return default

    def value(
        self, raw: object, loc: Loc, convert: Callable[[object, Loc], T], default: D
    ) -> T | D:
        """``convert(raw, loc)``, or ``default`` (keeping ``raw``) when it fails."""
        try:
            return convert(raw, loc)
        except WireError:
            self.values[format_path(loc)] = raw
            return default

    def keep(self, raw: object, loc: Loc) -> None:
        """Keep ``raw``, found at ``loc``, as unread."""
        self.values[format_path(loc)] = raw

    def result(self) -> dict[str, Any] | None:
        """The values kept, or ``None`` when everything read."""
        return self.values or None


# ---------------------------------------------------------------------------------------------
# Base64: the standard alphabet with padding, nothing else (a stray character is an error, not
# silently skipped, so that audio bytes are never shifted)

if sys.version_info >= (3, 11):

    def decode_base64(data: str) -> bytes:
        """Standard base64 to bytes.

        Raises:
            ValueError: ``data`` is not standard base64 with correct padding.
        """
        return a2b_base64(data, strict_mode=True)

else:  # no strict_mode before 3.11: check the alphabet first
    _BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

    def decode_base64(data: str) -> bytes:
        """Standard base64 to bytes.

        Raises:
            ValueError: ``data`` is not standard base64 with correct padding.
        """
        if _BASE64.fullmatch(data) is None:
            raise ValueError("Only base64 data is allowed")
        return a2b_base64(data)


# ---------------------------------------------------------------------------------------------


def _wrong(at: Loc, key: str, value: object, expected: str) -> WireError:
    if value is _ABSENT:
        return missing((*at, key))
    return invalid_type((*at, key), expected, value)


def _as_float(value: int, at: Loc, key: str) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer literal beyond any float
        path = format_path((*at, key))
        raise WireError("invalid_value", f"Invalid '{path}': number out of range.", path) from None
