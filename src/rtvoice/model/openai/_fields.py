"""Typed reads of a server frame's scalar fields, for the cheap event readers.

Pydantic validates the nested objects (sessions, items, responses); the envelope fields of
each event (ids, indices, deltas) are read here with exact type checks, which costs a few
dictionary lookups per event instead of a model validation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from ._dialect import Dialect
from ._wire_errors import Loc, invalid_type, missing
from ._wire_json import JsonObject

R = TypeVar("R")
_MISSING = object()


class Fields:
    """Read access to one JSON object; every failure is a :class:`WireError` with a path.

    Args:
        obj: The JSON object.
        loc: Where ``obj`` sits in the frame (prefix of reported paths).
    """

    __slots__ = ("loc", "obj")

    def __init__(self, obj: JsonObject, loc: Loc = ()) -> None:
        self.obj = obj
        self.loc = loc

    def text(self, key: str) -> str:
        """A required string."""
        value = self.obj.get(key, _MISSING)
        if type(value) is str:
            return value
        raise self._wrong(key, value, "a string")

    def opt_text(self, key: str) -> str | None:
        """An optional string: absent and ``null`` read as ``None``."""
        value = self.obj.get(key)
        if value is None or type(value) is str:
            return value
        raise invalid_type((*self.loc, key), "a string", value)

    def integer(self, key: str, default: int | None = None) -> int:
        """An integer (not a boolean); ``default`` makes it optional."""
        value = self.obj.get(key, _MISSING)
        if type(value) is int:
            return value
        if default is not None and (value is _MISSING or value is None):
            return default
        raise self._wrong(key, value, "an integer")

    def number(self, key: str) -> float:
        """A required number, integer or decimal."""
        value = self.obj.get(key, _MISSING)
        if type(value) is float or type(value) is int:
            return float(value)
        raise self._wrong(key, value, "a number")

    def child(self, key: str) -> JsonObject:
        """A required JSON object."""
        value = self.obj.get(key, _MISSING)
        if type(value) is dict:
            return value
        raise self._wrong(key, value, "an object")

    def _wrong(self, key: str, value: object, expected: str) -> Exception:
        if value is _MISSING:
            return missing((*self.loc, key))
        return invalid_type((*self.loc, key), expected, value)


class Readers(Generic[R]):
    """A table of event readers by wire ``type``, filled once at import by :meth:`on`."""

    def __init__(self) -> None:
        self.table: dict[str, Callable[[Fields, Dialect], R]] = {}

    def on(
        self, *names: str
    ) -> Callable[[Callable[[Fields, Dialect], R]], Callable[[Fields, Dialect], R]]:
        """Register the decorated reader for each of ``names``."""

        def register(reader: Callable[[Fields, Dialect], R]) -> Callable[[Fields, Dialect], R]:
            for name in names:
                assert name not in self.table, name
                self.table[name] = reader
            return reader

        return register
