"""Frame recovery: from tone-purity vectors to the bytes of each utterance."""

from __future__ import annotations

from collections import deque
from typing import Final

from ._plan import CONTROL_A, CONTROL_B, PREAMBLE, SYMBOL_BLOCKS

__all__ = ["UTTERANCE_END", "FrameReader"]

UTTERANCE_END: Final = -1
"""Marks the end of an utterance in the output of :meth:`FrameReader.push`."""

PURITY_THRESHOLD = 0.5
"""A window holds a tone when that tone carries at least half of its energy. Clean speech
reads about 0.95-1.0, white noise about 0.01, so noise never passes and 20 dB SNR easily does.
"""

_PREAMBLE_SPAN = (len(PREAMBLE) - 1) * SYMBOL_BLOCKS
_LOCK_LOOKAHEAD = 2
"""Once a symbol clock passes, the next two (5 and 10 ms later) are scored too and the best of
the three wins: the clocks within one block of the true boundary all read clean tones, those
just outside it read slightly smeared ones."""

_HISTORY = _PREAMBLE_SPAN + _LOCK_LOOKAHEAD + 8


class FrameReader:
    """The decoder's state machine over window purity vectors (see ``ToneAnalyzer``).

    Searching, it scores each block ``t`` as the start of the preamble ``A B A B``: the lowest
    purity of the expected tone in the windows of the four symbols (``t``, ``t + 6``, ...).
    Locked, it reads one symbol every 6 blocks: the strongest tone is a nibble, the end marker
    closes the utterance, and a window with no clear tone means the audio broke off (the
    utterance ends there too, and the search resumes at that block).
    """

    __slots__ = (
        "_best",
        "_best_score",
        "_first_pass",
        "_history",
        "_locked",
        "_next",
        "_nibble",
        "_seen",
    )

    def __init__(self) -> None:
        self._history: deque[list[float]] = deque(maxlen=_HISTORY)
        self._reset()

    def _reset(self) -> None:
        self._history.clear()
        self._seen = 0  # windows pushed so far; the newest has index _seen - 1
        self._locked = False
        self._next = 0  # searching: the next candidate start; locked: the next symbol start
        self._first_pass = -1  # searching: the first candidate that passed, -1 if none yet
        self._best = 0
        self._best_score = 0.0
        self._nibble = -1  # locked: the high nibble waiting for its low half, -1 if none

    @property
    def in_utterance(self) -> bool:
        """Whether the reader is locked on an utterance (between its preamble and its end)."""
        return self._locked

    def push(self, purities: list[float]) -> list[int]:
        """Take the next window's purity vector; return decoded bytes and ``UTTERANCE_END``s."""
        self._history.append(purities)
        self._seen += 1
        output: list[int] = []
        while self._step(output):
            pass
        return output

    def finish(self) -> list[int]:
        """End of stream: close an open utterance and reset for a new stream."""
        output = [UTTERANCE_END] if self._locked else []
        self._reset()
        return output

    def _arrived(self, index: int) -> bool:
        return index < self._seen

    def _window(self, index: int) -> list[float]:
        # The search lags the newest window by at most the preamble span, and a locked reader
        # by less than a symbol, so the bounded history always still holds ``index``.
        return self._history[index - (self._seen - len(self._history))]

    def _step(self, output: list[int]) -> bool:
        """Advance by one decision if the windows it needs have arrived."""
        if self._locked:
            return self._read_symbol(output)
        return self._search()

    def _search(self) -> bool:
        start = self._next
        if not self._arrived(start + _PREAMBLE_SPAN):
            return False
        score = min(
            self._window(start + symbol * SYMBOL_BLOCKS)[tone]
            for symbol, tone in enumerate(PREAMBLE)
        )
        self._next += 1
        if self._first_pass < 0:
            if score >= PURITY_THRESHOLD:
                self._first_pass, self._best, self._best_score = start, start, score
            return True
        if score > self._best_score:
            self._best, self._best_score = start, score
        if start >= self._first_pass + _LOCK_LOOKAHEAD:
            self._locked = True
            self._next = self._best + len(PREAMBLE) * SYMBOL_BLOCKS
            self._first_pass = -1
            self._nibble = -1
        return True

    def _read_symbol(self, output: list[int]) -> bool:
        start = self._next
        if not self._arrived(start):
            return False
        window = self._window(start)
        strongest = max(range(len(window)), key=window.__getitem__)
        if window[strongest] < PURITY_THRESHOLD:
            self._end(output, resume_at=start)
        elif strongest in (CONTROL_A, CONTROL_B):
            self._end(output, resume_at=start + SYMBOL_BLOCKS - 1)
        else:
            nibble = strongest - 1
            if self._nibble < 0:
                self._nibble = nibble
            else:
                output.append(self._nibble << 4 | nibble)
                self._nibble = -1
            self._next = start + SYMBOL_BLOCKS
        return True

    def _end(self, output: list[int], *, resume_at: int) -> None:
        output.append(UTTERANCE_END)
        self._locked = False
        self._next = resume_at
