"""Client delegation: the work GPT-Live hands to the application, and who plans it.

In ``client`` delegation the Live model announces a task (``session.delegation.created``,
which carries only an id) and waits for the application to answer it with commentary
(spoken) or thinking (silent). rtvoice turns the task into a :class:`DelegatedTask` and asks a
:class:`DelegationBackend` what to do: call some of the agent's tools (the session then runs
them, with its approvals, middleware and tracing, and their outputs go back to the
delegation) or answer in words at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..session_config import FunctionTool

__all__ = ["DelegatedTask", "DelegationBackend", "ToolCall"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegatedTask:
    """One task the Live model delegated to the application.

    Attributes:
        delegation_id: The server's id of the delegation (answers are tied to it).
        request: What the user said in the turn that led to the delegation (the pending
            input transcript; ``""`` when the model delegated without new speech).
        conversation: The conversation so far as plain text, one ``role: text`` line per
            turn (user speech, assistant speech, tool calls and their results), oldest
            first.
        instructions: The agent's instructions as the session last set them (``None`` if
            it set none).
        tools: The function tools the agent has now; a plan may only call these.
    """

    delegation_id: str
    request: str
    conversation: str
    instructions: str | None
    tools: tuple[FunctionTool, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCall:
    """A call of one of the agent's tools that a backend decided on.

    Attributes:
        name: The tool's name (one of :attr:`DelegatedTask.tools`).
        arguments: The arguments as JSON text (an object), as a model would write them.
    """

    name: str
    arguments: str = "{}"


@runtime_checkable
class DelegationBackend(Protocol):
    """Decides how a delegated task is done (client delegation only).

    rtvoice calls :meth:`plan` once per delegation, in a task of its own, while the
    conversation goes on (the Live model keeps talking, e.g. to acknowledge the task). It
    may take as long as it needs; an exception it raises is reported as an ``error`` event
    and the model is told, silently, that the task failed.
    """

    async def plan(self, task: DelegatedTask) -> Sequence[ToolCall] | str:
        """Plan ``task``.

        Returns:
            Tool calls to run (the session runs them and each output goes back to the
            delegation), or a text answer for the model to speak (sent as commentary).
        """
        ...
