"""Checks over one user config value at one dotted key path, raising our own :class:`UserError`.

Every check takes the value and its full dotted path (``model_settings.audio.input.format``)
and either returns the value, narrowed to its type, or raises a :class:`~rtvoice.UserError`
that names the path, the bad value and what is allowed. Nothing here raises ``KeyError``,
``TypeError`` or a pydantic ``ValidationError`` at the user.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Collection, Mapping, Sequence
from typing import Literal, TypeVar

from ..errors import UserError

__all__ = [
    "child",
    "invalid",
    "read_bool",
    "read_choice",
    "read_int",
    "read_mapping",
    "read_number",
    "read_objects",
    "read_optional_str",
    "read_str",
    "read_str_list",
    "read_strings",
    "reject_unknown_keys",
    "show",
]

_S = TypeVar("_S", bound=str)

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxdict = 6
_repr.maxlist = 6


def show(value: object) -> str:
    """A short ``repr`` of a user value for an error message (long values are elided)."""
    return _repr.repr(value)


def child(path: str, key: str) -> str:
    """The dotted path of ``key`` inside the mapping at ``path`` (``""`` is the root)."""
    return f"{path}.{key}" if path else key


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def invalid(path: str, value: object, expected: str) -> UserError:
    """The error for a value of the right key but the wrong type or range.

    Example: ``Invalid value for config key 'model_settings.speed': 3 (int); expected a
    number from 0.25 to 1.5``.
    """
    where = f"config key {path!r}" if path else "the config"
    return UserError(
        f"Invalid value for {where}: {show(value)} ({_type_name(value)}); expected {expected}"
    )


def reject_unknown_keys(
    data: Mapping[str, object],
    path: str,
    allowed: Collection[str],
    *,
    explained: Mapping[str, str] | None = None,
) -> None:
    """Raise for the first key of ``data`` that is not in ``allowed``.

    Args:
        data: The user's mapping (its keys are checked to be strings too).
        path: The dotted path of ``data`` itself.
        allowed: The keys valid at ``path``.
        explained: Keys that are not valid here but deserve their own explanation (a
            Realtime field rtvoice does not carry, a key that lives elsewhere), mapped to it.

    Raises:
        UserError: Naming the full dotted path of the key and the closest valid key, e.g.
            ``Unknown config key 'model_settings.audio.input.formt'; did you mean 'format'?``.
    """
    for key in data:
        if not isinstance(key, str):
            raise UserError(
                f"Config keys must be strings; got {show(key)} ({_type_name(key)}) "
                f"in {path or 'the config'!r}"
            )
        if key in allowed:
            continue
        full = child(path, key)
        if explained and key in explained:
            raise UserError(f"Unsupported config key {full!r}: {explained[key]}")
        close = _closest(key, allowed)
        if close is not None:
            raise UserError(f"Unknown config key {full!r}; did you mean {close!r}?")
        valid = ", ".join(repr(k) for k in sorted(allowed))
        raise UserError(f"Unknown config key {full!r}; valid keys here are: {valid}")


def _closest(key: str, allowed: Collection[str]) -> str | None:
    # difflib finds typos; a shortened name ("debounce" for "debounce_text_length") is too far
    # from its key for difflib, so a valid key that contains it is the next best guess.
    # Imported here, on the error path: a valid configuration never needs it.
    import difflib

    candidates = sorted(allowed)
    close = difflib.get_close_matches(key, candidates, n=1)
    if close:
        return close[0]
    if len(key) >= 3:
        lowered = key.lower()
        containing = [c for c in candidates if lowered in c]
        if containing:
            return min(containing, key=len)
    return None


def read_mapping(value: object, path: str, expected: str = "a dict") -> Mapping[str, object]:
    """``value`` as a mapping, or an error saying ``expected``."""
    if not isinstance(value, Mapping):
        raise invalid(path, value, expected)
    return value


def read_bool(value: object, path: str) -> bool:
    """``True`` or ``False`` (not 0/1, not ``"true"``)."""
    if not isinstance(value, bool):
        raise invalid(path, value, "True or False")
    return value


def read_int(value: object, path: str, *, low: int, high: int | None = None) -> int:
    """An ``int`` (not a ``bool``) from ``low`` to ``high`` inclusive (no upper bound: None)."""
    in_range = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(path, value, in_range)
    if value < low or (high is not None and value > high):
        raise invalid(path, value, in_range)
    return value


def read_number(value: object, path: str, *, low: float, high: float) -> float:
    """A finite ``int`` or ``float`` (not a ``bool``) from ``low`` to ``high``, as a float."""
    in_range = f"a number from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid(path, value, in_range)
    number = float(value)
    if math.isnan(number) or not low <= number <= high:
        raise invalid(path, value, in_range)
    return number


def read_str(value: object, path: str, what: str = "a non-empty string") -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise invalid(path, value, what)
    return value


def read_optional_str(value: object, path: str) -> str | None:
    """A string (may be empty) or ``None``."""
    if value is not None and not isinstance(value, str):
        raise invalid(path, value, "a string or None")
    return value


def read_choice(value: object, path: str, choices: Mapping[str, _S]) -> _S:
    """One of the string keys of ``choices`` (which maps each to its ``Literal`` value)."""
    if isinstance(value, str) and value in choices:
        return choices[value]
    allowed = ", ".join(repr(c) for c in choices)
    raise invalid(path, value, f"one of {allowed}")


def _read_list(value: object, path: str, expected: str) -> Sequence[object]:
    # A str is a Sequence too, and a single guardrail passed without a list is a common slip.
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise invalid(path, value, expected)
    return value


def read_str_list(
    value: object, path: str, choices: Mapping[str, _S], *, what: str
) -> tuple[_S, ...]:
    """A non-empty list (or tuple) of strings from ``choices``, without repeats."""
    items = _read_list(value, path, what)
    if not items:
        raise invalid(path, value, what)
    out = tuple(read_choice(item, f"{path}[{n}]", choices) for n, item in enumerate(items))
    if len(set(out)) != len(out):
        raise invalid(path, value, f"{what}, without repeats")
    return out


def read_strings(
    value: object,
    path: str,
    what: str = "a list of strings",
    *,
    each: str = "a non-empty string",
    unique: bool = False,
) -> tuple[str, ...]:
    """A list (or tuple) of non-empty strings, maybe empty; without repeats if ``unique``.
    ``what`` and ``each`` name what is expected of the list and of an entry, in errors."""
    items = _read_list(value, path, what)
    out = tuple(read_str(item, f"{path}[{n}]", each) for n, item in enumerate(items))
    if unique and len(set(out)) != len(out):
        raise invalid(path, value, what)
    return out


def read_objects(
    value: object, path: str, *, what: str, kind: Literal["object", "callable"] = "object"
) -> tuple[object, ...]:
    """A list (or tuple) of opaque objects, checked only to be present (or callable).

    Args:
        value: The user's value.
        path: Its dotted path.
        what: What one item is, for the error (``"guardrail"``, ``"middleware"``).
        kind: ``"callable"`` to also require each item to be callable.
    """
    items = _read_list(value, path, f"a list of {what} objects")
    for n, item in enumerate(items):
        if item is None or isinstance(item, (str, bytes)):
            raise invalid(f"{path}[{n}]", item, f"a {what} object")
        if kind == "callable" and not callable(item):
            raise invalid(f"{path}[{n}]", item, f"a callable {what}")
    return tuple(items)
