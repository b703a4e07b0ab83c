"""Telemetry that never raises: clean values for span attributes, and a guard at the boundary.

What goes onto a span comes from the server, the model and the application: a transcript,
tool arguments, an error message. Any of it may hold a lone surrogate (``"\\ud800"`` is valid
JSON, and Python decodes it to a ``str`` that UTF-8 cannot encode), a NUL, megabytes, or not be
a ``str`` at all. An exporter that encodes such a value fails the whole batch, and our own
``.encode()`` would raise in the session's task. So every text recorded passes
:func:`clean_text`, and every method of the live telemetry runs under :func:`never_raises`:
a failure of tracing is logged (the first at WARNING, later ones at DEBUG) and the session's
work goes on as if tracing were off.
"""

from __future__ import annotations

import functools
import logging
import re
import traceback
from collections.abc import Callable
from typing import Concatenate, Final, ParamSpec, Protocol, TypeVar

__all__ = [
    "MAX_RECORDED_CHARS",
    "FailureLog",
    "clean_text",
    "error_text",
    "exception_attributes",
    "never_raises",
    "utf8_size",
]

logger = logging.getLogger("rtvoice.tracing")

MAX_RECORDED_CHARS: Final = 16_384
"""The longest text recorded on a span (a transcript, tool arguments or result, guardrail
text); a longer one is cut and marked. Its ``*.size`` attribute keeps the true size."""

_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_TRUNCATED: Final = "…[truncated]"


def clean_text(value: object, limit: int = MAX_RECORDED_CHARS) -> str:
    """``value`` as text any exporter can encode.

    Args:
        value: Anything; a non-``str`` is written with ``str()`` (or named by its type if
            that fails).
        limit: Characters kept; a longer text is cut and ends with "…[truncated]".

    Returns:
        Valid Unicode: each lone surrogate replaced by U+FFFD. Other characters, NUL
        included, are kept (they are valid UTF-8).
    """
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:
            value = f"<{type(value).__name__}>"
    if len(value) > limit:
        value = value[:limit] + _TRUNCATED
    if value.isascii():  # the usual case: one pass, no copy
        return value
    return _SURROGATES.sub("\ufffd", value)


def utf8_size(value: str) -> int:
    """Bytes of ``value`` in UTF-8, counting a lone surrogate as its 3 bytes (never raises)."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-8", "surrogatepass"))


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return "<unprintable>"


def error_text(error: BaseException) -> str:
    """``"<type>: <message>"`` for a span status, also for an exception whose ``str()``
    fails or holds odd characters."""
    return clean_text(f"{type(error).__qualname__}: {_message(error)}")


def exception_attributes(error: BaseException) -> dict[str, str]:
    """The ``exception.message`` and ``exception.stacktrace`` of an exception event,
    cleaned: given to ``Span.record_exception(attributes=...)``, they replace the SDK's own
    (which it takes from ``str()`` and the traceback as they are)."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return {
        "exception.message": clean_text(_message(error)),
        "exception.stacktrace": clean_text("".join(lines), limit=4 * MAX_RECORDED_CHARS),
    }


class FailureLog:
    """Where one session's telemetry reports its own failures: the first at WARNING (with
    the traceback), later ones at DEBUG, so a broken exporter cannot flood the log."""

    __slots__ = ("_warned",)

    def __init__(self) -> None:
        self._warned = False

    def report(self, where: str, error: BaseException) -> None:
        """Log that the telemetry call ``where`` failed with ``error``."""
        if self._warned:
            logger.debug("tracing failed in %s: %r", where, error)
            return
        self._warned = True
        logger.warning(
            "tracing failed in %s; the session goes on (later failures are logged at DEBUG)",
            where,
            exc_info=error,
        )


class _Guarded(Protocol):
    _failures: FailureLog


_S = TypeVar("_S", bound=_Guarded)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def never_raises(
    fallback: _R,
) -> Callable[[Callable[Concatenate[_S, _P], _R]], Callable[Concatenate[_S, _P], _R]]:
    """Make a telemetry method return ``fallback`` instead of raising an ``Exception``
    (reported to the instance's :class:`FailureLog`). ``BaseException`` (cancellation)
    passes."""

    def decorate(method: Callable[Concatenate[_S, _P], _R]) -> Callable[Concatenate[_S, _P], _R]:
        where = method.__qualname__

        @functools.wraps(method)
        def guarded(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                self._failures.report(where, exc)
                return fallback

        return guarded

    return decorate
