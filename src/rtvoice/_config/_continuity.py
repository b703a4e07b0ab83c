"""The run config's ``reconnect``, ``rollover`` and ``history_seed`` sections."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from typing_extensions import TypedDict

from ._checks import child, invalid, read_int, read_mapping, read_number, reject_unknown_keys

__all__ = [
    "DEFAULT_ROLLOVER_AFTER_S",
    "HistorySeedConfig",
    "ReconnectConfig",
    "ReconnectSettings",
    "RolloverConfig",
    "RolloverSettings",
    "SeedSettings",
    "read_history_seed",
    "read_reconnect",
    "read_rollover",
]

DEFAULT_ROLLOVER_AFTER_S: Final = 3300.0
"""55 minutes: OpenAI ends every Realtime session at 60, with no warning before it."""


class ReconnectConfig(TypedDict, total=False):
    """``RealtimeRunConfig["reconnect"]``: reconnect after an abnormal close (``False``: off).

    The delay before attempt *n* is ``initial_delay_s * 2 ** (n - 1)``, at most
    ``max_delay_s``, with full jitter (a uniform random part of it, so that many sessions
    dropped together do not come back together). The first attempt waits nothing.
    """

    max_attempts: int
    """Attempts before iteration raises the transport error (default 5)."""
    initial_delay_s: float
    """The base delay (default 0.25 s)."""
    max_delay_s: float
    """The largest delay (default 8 s)."""


class RolloverConfig(TypedDict, total=False):
    """``RealtimeRunConfig["rollover"]``: move to a fresh connection, at a turn boundary,
    before the server's session limit (``False``: off)."""

    after_s: float
    """Seconds after a connection opened (default 3300: 55 minutes)."""


class HistorySeedConfig(TypedDict, total=False):
    """``RealtimeRunConfig["history_seed"]``: how much history a new connection is seeded
    with; the oldest items beyond it are left out."""

    max_items: int
    """Items at most (default 200; a tool call with its output counts once)."""
    max_chars: int
    """Characters of text, arguments and outputs at most (default 60,000, about 15,000
    tokens: half of the smallest realtime model's context)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectSettings:
    max_attempts: int = 5
    initial_delay_s: float = 0.25
    max_delay_s: float = 8.0

    def delay(self, attempt: int, random: float) -> float:
        """Seconds to wait before ``attempt`` (from 1), given a uniform ``random`` in [0, 1)."""
        if attempt <= 1:
            return 0.0
        ceiling = min(self.max_delay_s, self.initial_delay_s * 2.0 ** (attempt - 2))
        return ceiling * random


@dataclass(frozen=True, slots=True, kw_only=True)
class RolloverSettings:
    after_s: float = DEFAULT_ROLLOVER_AFTER_S


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedSettings:
    max_items: int = 200
    max_chars: int = 60_000


def _section(value: object, path: str, allowed: Mapping[str, object]) -> Mapping[str, object]:
    section = read_mapping(value, path, "a dict, True or False")
    reject_unknown_keys(section, path, allowed)
    return section


def read_reconnect(value: object) -> ReconnectSettings | None:
    """``reconnect``: ``False`` turns it off; ``True`` or a dict (defaults filled in) on."""
    if value is False:
        return None
    if value is True:
        return ReconnectSettings()
    data = _section(value, "reconnect", ReconnectConfig.__annotations__)
    defaults = ReconnectSettings()
    initial = read_number(
        data.get("initial_delay_s", defaults.initial_delay_s),
        child("reconnect", "initial_delay_s"),
        low=0.0,
        high=600.0,
    )
    largest = read_number(
        data.get("max_delay_s", max(defaults.max_delay_s, initial)),
        child("reconnect", "max_delay_s"),
        low=0.0,
        high=3600.0,
    )
    if largest < initial:
        raise invalid(
            child("reconnect", "max_delay_s"), largest, f"at least initial_delay_s ({initial:g})"
        )
    return ReconnectSettings(
        max_attempts=read_int(
            data.get("max_attempts", defaults.max_attempts),
            child("reconnect", "max_attempts"),
            low=1,
            high=1000,
        ),
        initial_delay_s=initial,
        max_delay_s=largest,
    )


def read_rollover(value: object) -> RolloverSettings | None:
    """``rollover``: ``False`` turns it off; ``True`` or a dict on."""
    if value is False:
        return None
    if value is True:
        return RolloverSettings()
    data = _section(value, "rollover", RolloverConfig.__annotations__)
    return RolloverSettings(
        after_s=read_number(
            data.get("after_s", DEFAULT_ROLLOVER_AFTER_S),
            child("rollover", "after_s"),
            low=0.05,
            high=86_400.0,
        )
    )


def read_history_seed(value: object) -> SeedSettings:
    data = read_mapping(value, "history_seed")
    reject_unknown_keys(data, "history_seed", HistorySeedConfig.__annotations__)
    defaults = SeedSettings()
    return SeedSettings(
        max_items=read_int(
            data.get("max_items", defaults.max_items),
            child("history_seed", "max_items"),
            low=1,
        ),
        max_chars=read_int(
            data.get("max_chars", defaults.max_chars),
            child("history_seed", "max_chars"),
            low=1,
        ),
    )
