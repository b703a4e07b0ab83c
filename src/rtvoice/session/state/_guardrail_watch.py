"""When a guardrail must look at a text: the debounce bookkeeping, pure.

Output guardrails check what the assistant says while it says it.
:class:`OutputTextWatch` accumulates each assistant item's streamed text (audio transcript or
text deltas) and says when a check is due:

* each time the text reaches the next multiple of ``every`` characters (one check, on the whole
  text so far, however many multiples one delta crossed), and
* once on the item's final text, so a reply shorter than ``every`` is checked too,

never twice on the same text (a final text equal to the last checked one is not checked again),
and never again for an item once one of its checks tripped. Input guardrails check each user
input once: :class:`InputCheck` records say what.

:class:`PendingVerdicts` counts the checks launched and not yet decided: the turn's
``agent_end`` waits for them (bounded by ``timeouts.guardrail_verdicts``), so that a loop that
stops at ``agent_end`` sees a trip's ``guardrail_tripped`` and ``audio_interrupted`` first.

No IO, no clock, no task: the session launches the checks these records describe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ._waits import Timer

__all__ = ["InputCheck", "OutputCheck", "OutputTextWatch", "PendingVerdicts", "RecentIds"]

_REMEMBERED: Final = 32
"""Items whose state is kept (an item is forgotten once it is done; this bounds the rest)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputCheck:
    """Run the output guardrails on ``text``, what item ``item_id`` said so far.

    Attributes:
        item_id: The assistant item.
        response_id: The response writing it.
        text: The whole text of the item so far (its final text when ``final``).
        agent: The agent speaking.
        final: Whether this is the item's final text.
    """

    item_id: str
    response_id: str
    text: str
    agent: Any
    final: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class InputCheck:
    """Run the input guardrails on ``text``, one user input.

    Attributes:
        text: The user's text, or the final transcription of their speech.
        agent: The agent listening.
        item_id: The user item, when known (transcriptions); ``None`` for a sent message.
    """

    text: str
    agent: Any
    item_id: str | None = None


class RecentIds:
    """An insertion-ordered set that keeps only the latest ``size`` ids."""

    __slots__ = ("_ids", "_size")

    def __init__(self, size: int = _REMEMBERED) -> None:
        self._ids: dict[str, None] = {}
        self._size = size

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids

    def add(self, item_id: str) -> bool:
        """Add ``item_id``; ``False`` if it was there already."""
        if item_id in self._ids:
            return False
        self._ids[item_id] = None
        if len(self._ids) > self._size:
            del self._ids[next(iter(self._ids))]
        return True


class _ItemText:
    __slots__ = ("chunks", "last_checked", "length", "next_at")

    def __init__(self, every: int) -> None:
        self.chunks: list[str] = []
        self.length = 0
        self.next_at = every
        self.last_checked: str | None = None

    def text(self) -> str:
        if len(self.chunks) > 1:
            self.chunks = ["".join(self.chunks)]
        return self.chunks[0] if self.chunks else ""


class OutputTextWatch:
    """Decides when each assistant item's text is due for the output guardrails.

    Args:
        every: Characters between two checks while the text streams
            (``guardrails_settings.debounce_text_length``), at least 1.
    """

    __slots__ = ("_every", "_finished", "_items", "_tripped")

    def __init__(self, every: int) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self._every = every
        self._items: dict[str, _ItemText] = {}
        self._finished = RecentIds()
        self._tripped = RecentIds()

    def tripped(self, item_id: str) -> bool:
        """Whether a check of this item tripped (its later text is not checked)."""
        return item_id in self._tripped

    def on_delta(self, item_id: str, delta: str) -> str | None:
        """A piece of the item's text arrived.

        Returns:
            The whole text so far when it just reached the next multiple of ``every``
            characters, else ``None``.
        """
        if not delta or item_id in self._finished or item_id in self._tripped:
            return None
        item = self._items.get(item_id)
        if item is None:
            item = self._items[item_id] = _ItemText(self._every)
            if len(self._items) > _REMEMBERED:
                del self._items[next(iter(self._items))]
        item.chunks.append(delta)
        item.length += len(delta)
        if item.length < item.next_at:
            return None
        item.next_at = (item.length // self._every + 1) * self._every
        text = item.text()
        item.last_checked = text
        return text

    def on_done(self, item_id: str, text: str) -> str | None:
        """The item's text is final (``text``).

        Returns:
            ``text`` when it still needs a check: it is not empty, differs from the last text
            checked, and the item did not trip; else ``None``. An item is finished after
            this: later deltas of it are ignored.
        """
        item = self._items.pop(item_id, None)
        already = item_id in self._finished
        self._finished.add(item_id)
        if already or item_id in self._tripped or not text.strip():
            return None
        if item is not None and item.last_checked == text:
            return None
        return text

    def trip(self, item_id: str) -> bool:
        """Record that a check of the item tripped.

        Returns:
            ``True`` the first time (act on the trip), ``False`` afterwards (it was acted on).
        """
        self._items.pop(item_id, None)
        return self._tripped.add(item_id)


class PendingVerdicts:
    """The guardrail checks launched whose verdict has not come, and the wait for them.

    Checks are told apart by identity: the session hands back the very record it launched.

    Args:
        timeout: Seconds the end of a turn waits for them (``timeouts.guardrail_verdicts``).
    """

    __slots__ = ("_armed", "_checks", "_timeout", "_tokens")

    def __init__(self, timeout: float = 10.0) -> None:
        self._checks: dict[int, OutputCheck | InputCheck] = {}
        self._timeout = timeout
        self._armed: int | None = None
        self._tokens = 0

    def __bool__(self) -> bool:
        """Whether a verdict is still awaited."""
        return bool(self._checks)

    def launched(self, checks: list[OutputCheck] | list[InputCheck]) -> None:
        """These checks were launched (``Effects.output_checks`` / ``input_checks``)."""
        for check in checks:
            self._checks[id(check)] = check

    def decided(self, check: OutputCheck | InputCheck) -> None:
        """The check's verdict came (or it was not run: it is moot)."""
        self._checks.pop(id(check), None)
        if not self._checks:
            self._armed = None

    def hold(self) -> Timer | None:
        """A turn's end waits for the verdicts: the timer bounding the wait, if not armed."""
        if self._armed is not None:
            return None
        self._tokens += 1
        self._armed = self._tokens
        return Timer("guardrail_verdicts", self._timeout, self._armed)

    def expired(self, timer: Timer) -> int:
        """The wait's timer fired: how many checks are given up (no longer awaited; their
        verdicts still act when they come), 0 if the timer is stale."""
        if timer.token != self._armed or not self._checks:
            return 0
        count = len(self._checks)
        self._checks.clear()
        self._armed = None
        return count
