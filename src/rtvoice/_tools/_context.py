"""What a tool call knows about where it runs: :class:`ToolContext`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol

from typing_extensions import TypeVar

__all__ = ["AgentLike", "TContext", "ToolContext"]

TContext = TypeVar("TContext", default=Any)
"""The type of the application's run context (whatever the session was given)."""


class AgentLike(Protocol):
    """What the tools, guardrails and middleware layer needs from an agent: its name.

    :class:`~rtvoice.RealtimeAgent` satisfies it; the layer sits below the agent and does not
    import it.
    """

    @property
    def name(self) -> str:
        """The agent's name, as shown in events and traces."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolContext(Generic[TContext]):
    """Everything a tool call may want besides its arguments.

    A tool receives it when its first parameter is annotated ``ToolContext`` (or
    ``ToolContext[MyContext]``); that parameter is left out of the JSON schema. The session
    builds one per call.

    Attributes:
        context: The application's run context, as given to the session (may be ``None``).
        agent: The agent whose response called the tool.
        call_id: The function call's ``call_id`` on the wire; the output is sent back under it.
        tool_name: The name the model called.
        session: The running :class:`~rtvoice.RealtimeSession`, or ``None`` outside a session
            (e.g. in a unit test). It is typed ``object`` because tools sit below the session
            layer; narrow it with ``isinstance(ctx.session, RealtimeSession)``.
    """

    context: TContext
    agent: AgentLike
    call_id: str
    tool_name: str
    session: object = None
