"""Saying so when the installed websockets release is the cause of a failure.

rtvoice drives websockets' documented Sans-I/O interface, tested on every major release from
:data:`OLDEST_WEBSOCKETS` on. Should a later release change that interface, what breaks is
reported as a :class:`~rtvoice.errors.ConnectionLostError` naming the installed release, not
as a lost connection with no cause.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ..errors import ConnectionLostError

__all__ = ["OLDEST_WEBSOCKETS", "incompatibility", "installed_websockets"]

OLDEST_WEBSOCKETS = 13
"""The oldest websockets major release rtvoice supports (and tests)."""


def installed_websockets() -> str:
    """The installed websockets release, as its package metadata states it."""
    try:
        return version("websockets")
    except PackageNotFoundError:
        return "unknown"


def incompatibility(error: BaseException) -> ConnectionLostError:
    """The error for a failure inside websockets that is not a protocol outcome."""
    return ConnectionLostError(
        f"websockets {installed_websockets()} failed inside its protocol layer "
        f"({type(error).__name__}: {error}); rtvoice is tested with websockets "
        f"{OLDEST_WEBSOCKETS} and later majors up to the newest at its release: this release "
        "of websockets may have changed an interface rtvoice relies on (pin an earlier "
        "one, and report it)"
    )
