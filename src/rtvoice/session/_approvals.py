"""Tool calls waiting for the application's approval, and the decisions a session remembers."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from ..errors import UserError
from ..middleware import ApprovalDecision

__all__ = ["PendingApprovals"]


@dataclass(eq=False, slots=True)
class _Waiting:
    tool_name: str
    decided: anyio.Event = field(default_factory=anyio.Event)
    decision: ApprovalDecision | None = None


class PendingApprovals:
    """The calls waiting for ``approve_tool_call`` / ``reject_tool_call``.

    Call order for one call: :meth:`open` (before announcing it, so that an answer can never
    come too early), then ``await`` :meth:`wait`. :meth:`decide` answers it from any task.

    A decision with ``always=True`` is remembered for the tool's name for the rest of the
    session (:meth:`remembered`), approval or rejection alike, and also answers the calls of
    that tool already waiting.
    """

    __slots__ = ("_remembered", "_waiting")

    def __init__(self) -> None:
        self._waiting: dict[str, _Waiting] = {}
        self._remembered: dict[str, ApprovalDecision] = {}

    @property
    def waiting(self) -> frozenset[str]:
        """The call ids waiting for a decision."""
        return frozenset(
            call_id for call_id, entry in self._waiting.items() if entry.decision is None
        )

    def remembered(self, tool_name: str) -> ApprovalDecision | None:
        """The ``always`` decision given for this tool, if any."""
        return self._remembered.get(tool_name)

    def remember(self, tool_name: str, decision: ApprovalDecision) -> None:
        """Keep ``decision`` for the tool if it says ``always`` (later ones replace it)."""
        if decision.always:
            self._remembered[tool_name] = decision

    def open(self, call_id: str, tool_name: str) -> None:
        """Register a call that will wait for a decision."""
        self._waiting[call_id] = _Waiting(tool_name)

    async def wait(self, call_id: str) -> ApprovalDecision:
        """Wait for the decision on a call :meth:`open` registered.

        Cancellation (the session closing) propagates; the call is forgotten either way.
        """
        entry = self._waiting[call_id]
        try:
            await entry.decided.wait()
        finally:
            self._waiting.pop(call_id, None)
        assert entry.decision is not None
        return entry.decision

    def decide(self, call_id: str, decision: ApprovalDecision) -> None:
        """Answer a waiting call (and, with ``always``, the other waiting calls of its tool).

        Raises:
            UserError: No call with this id waits for a decision (unknown, not needing
                approval, or answered already).
        """
        entry = self._waiting.get(call_id)
        if entry is None or entry.decision is not None:
            raise UserError(f"no tool call {call_id!r} is waiting for approval")
        self._settle(entry, decision)
        if decision.always:
            self.remember(entry.tool_name, decision)
            for other in self._waiting.values():
                if other.tool_name == entry.tool_name and other.decision is None:
                    self._settle(other, decision)

    @staticmethod
    def _settle(entry: _Waiting, decision: ApprovalDecision) -> None:
        entry.decision = decision
        entry.decided.set()
