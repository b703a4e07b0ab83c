"""Deterministic id sources for the simulator.

The real server names things ``<prefix>_<21 alphanumerics>`` (``sess_``, ``conv_``, ``resp_``,
``item_``, ``call_``, ``event_``). A simulated session takes its ids from an
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


_RANDOM_LENGTH = 13
_COUNTER_LENGTH = _SUFFIX_LENGTH - _RANDOM_LENGTH
_COUNTER_SPACE = len(_ALPHABET) ** _COUNTER_LENGTH  # 62**8, about 2.2e14 ids per source
_SCRAMBLE = 25_214_903_917  # odd and not a multiple of 31: coprime to 62**8


class SeededIds:
    """Realistic ids (``item_`` plus 21 letters and digits) drawn from a seeded generator.

    Two sources with the same seed give the same ids in the same order. The first 13
    characters are random; the last 8 spell a counter scrambled by a bijection of
    ``[0, 62**8)``, so no two ids of a source are alike (for its first 62**8 ids, more than
    any run makes) while the source holds only a counter: a long-running simulator does not
    grow with the ids it has given out.
    """

    __slots__ = ("_count", "_offset", "_random")

    def __init__(self, seed: int = 0) -> None:
        """Create a source.

        Args:
            seed: Seed of the private random generator.
        """
        self._random = random.Random(seed)
        self._offset = self._random.randrange(_COUNTER_SPACE)
        self._count = 0

    def new_id(self, prefix: str) -> str:
        """A fresh ``<prefix>_<21 alphanumerics>`` id, unique within this source."""
        self._count += 1
        value = (self._count * _SCRAMBLE + self._offset) % _COUNTER_SPACE
        digits = []
        for _ in range(_COUNTER_LENGTH):
            value, digit = divmod(value, len(_ALPHABET))
            digits.append(_ALPHABET[digit])
        head = "".join(self._random.choices(_ALPHABET, k=_RANDOM_LENGTH))
        return f"{prefix}_{head}{''.join(digits)}"


class CountingIds:
    """Readable ids for tests: ``item_1``, ``item_2``, ``resp_1``, ... (one counter per prefix)."""

    __slots__ = ("_counters",)

    def __init__(self) -> None:
        self._counters: defaultdict[str, int] = defaultdict(int)

    def new_id(self, prefix: str) -> str:
        """The next ``<prefix>_<n>`` id, counting from 1 for each prefix."""
        self._counters[prefix] += 1
        return f"{prefix}_{self._counters[prefix]}"
