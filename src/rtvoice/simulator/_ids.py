"""Deterministic id sources for the simulator.

The real server names things ``<prefix>_<21 alphanumerics>`` (``sess_``, ``conv_``, ``resp_``,
``item_``, ``call_``, ``event_``; PROTOCOL.md §2). A simulated session takes its ids from an
:class:`IdSource` so that a run is reproducible: :class:`SeededIds` gives realistic-looking ids
from a seed, :class:`CountingIds` gives readable ones (``item_1``, ``item_2``) for tests.
"""

from __future__ import annotations

import random
import string
from collections import defaultdict
from typing import Protocol

__all__ = ["CountingIds", "IdSource", "SeededIds"]

_ALPHABET = string.ascii_letters + string.digits
_SUFFIX_LENGTH = 21


class IdSource(Protocol):
    """Where a simulated session gets its ids from.

    Implementations must never return the same id twice for the same prefix.
    """

    def new_id(self, prefix: str) -> str:
        """A fresh id such as ``item_...`` for ``prefix="item"``."""
        ...


class SeededIds:
    """Realistic ids (``item_`` plus 21 letters and digits) drawn from a seeded generator.

    Two sources with the same seed give the same ids in the same order.
    """

    __slots__ = ("_random", "_seen")

    def __init__(self, seed: int = 0) -> None:
        """Create a source.

        Args:
            seed: Seed of the private random generator.
        """
        self._random = random.Random(seed)
        self._seen: set[str] = set()

    def new_id(self, prefix: str) -> str:
        """A fresh ``<prefix>_<21 alphanumerics>`` id, unique within this source."""
        while True:
            suffix = "".join(self._random.choices(_ALPHABET, k=_SUFFIX_LENGTH))
            candidate = f"{prefix}_{suffix}"
            if candidate not in self._seen:
                self._seen.add(candidate)
                return candidate


class CountingIds:
    """Readable ids for tests: ``item_1``, ``item_2``, ``resp_1``, ... (one counter per prefix)."""

    __slots__ = ("_counters",)

    def __init__(self) -> None:
        self._counters: defaultdict[str, int] = defaultdict(int)

    def new_id(self, prefix: str) -> str:
        """The next ``<prefix>_<n>`` id, counting from 1 for each prefix."""
        self._counters[prefix] += 1
        return f"{prefix}_{self._counters[prefix]}"
