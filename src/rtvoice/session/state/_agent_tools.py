"""An agent's tools as the model sees them: function tools and handoffs in one namespace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...agent import RealtimeAgent
from ...errors import UserError
from ...handoffs import Handoff, handoff_for
from ...model.session_config import Tool
from ...tools import FunctionTool, check_unique_tool_names

__all__ = ["AgentTools", "agent_tools"]


@dataclass(frozen=True, slots=True)
class AgentTools:
    """The callable names of one agent.

    Attributes:
        functions: Function tools by name.
        handoffs: Handoffs by tool name (``transfer_to_<snake_name>`` unless renamed).
        definitions: What ``session.update`` sends: the function tools, then the handoffs.
    """

    functions: dict[str, FunctionTool]
    handoffs: dict[str, Handoff]
    definitions: tuple[Tool, ...]

    def find(self, name: str) -> FunctionTool | Handoff | None:
        """The tool or handoff the model called by ``name``, if the agent has it."""
        return self.functions.get(name) or self.handoffs.get(name)


def agent_tools(agent: RealtimeAgent[Any]) -> AgentTools:
    """Index ``agent``'s tools and handoffs.

    Raises:
        UserError: Two of them share a name (the message names the agent and the names).
    """
    handoffs = [handoff_for(target) for target in agent.resolve_handoffs()]
    names = [tool.name for tool in agent.tools] + [entry.tool_name for entry in handoffs]
    try:
        check_unique_tool_names(names)
    except UserError as exc:
        raise UserError(f"agent {agent.name!r}: {exc}") from None
    return AgentTools(
        functions={tool.name: tool for tool in agent.tools},
        handoffs={entry.tool_name: entry for entry in handoffs},
        definitions=(
            *(tool.to_definition() for tool in agent.tools),
            *(entry.to_definition() for entry in handoffs),
        ),
    )
