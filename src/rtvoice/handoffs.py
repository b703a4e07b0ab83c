"""Handoffs: an agent hands the conversation to another agent by calling a tool.

Each entry of ``RealtimeAgent.handoffs`` becomes a function tool named
``transfer_to_<snake_name>``. When the model calls it, the session runs ``on_handoff`` (with the
validated input, if the handoff declares an ``input_type``), switches to the target agent,
sends its instructions, tools and voice, and asks it to speak.

pydantic is imported only for a handoff that declares an ``input_type`` (to build and apply
its ``TypeAdapter``): a plain handoff, and this module, do not load it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .agent import RealtimeAgent, snake_case
from .errors import UserError
from .model.session_config import FunctionTool as ToolDefinition

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "Handoff",
    "HandoffInputError",
    "RECOMMENDED_PROMPT_PREFIX",
    "handoff",
    "handoff_for",
    "prompt_with_handoff_instructions",
]

RECOMMENDED_PROMPT_PREFIX = (
    "# System context\n"
    "You are one of several agents that share a conversation with the user. Each agent has "
    "its own instructions and tools. You can pass the conversation to another agent by "
    "calling a tool named transfer_to_<agent_name>; do so when the user needs something "
    "another agent handles. Transfers are silent: do not mention them, and do not draw the "
    "user's attention to them. Carry on the conversation as if it had been yours all along."
)
"""A paragraph to put before the instructions of agents that hand off to each other: it tells
the model how transfers work (the same idea as openai-agents' constant of this name; our own
wording)."""


def prompt_with_handoff_instructions(prompt: str) -> str:
    """``prompt`` with :data:`RECOMMENDED_PROMPT_PREFIX` before it."""
    return f"{RECOMMENDED_PROMPT_PREFIX}\n\n{prompt}"


OnHandoff = Callable[..., "Awaitable[None] | None"]
"""``on_handoff(context)`` or, with an ``input_type``, ``on_handoff(context, input)``."""

_EMPTY_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {},
    "additionalProperties": False,
}


class HandoffInputError(UserError):
    """The model's arguments for a handoff did not match its ``input_type``."""


@dataclass(frozen=True, kw_only=True)
class Handoff:
    """A transfer to ``agent``, exposed to the model as the tool ``tool_name``.

    Build it with :func:`handoff`; a bare agent in ``handoffs`` gets the defaults.
    """

    agent: RealtimeAgent[Any]
    tool_name: str
    tool_description: str
    on_handoff: OnHandoff | None = None
    input_type: Any = None
    _adapter: TypeAdapter[Any] | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        """The tool name (handoffs and tools share one namespace)."""
        return self.tool_name

    def to_definition(self) -> ToolDefinition:
        """The wire tool the model sees."""
        parameters = self._adapter.json_schema() if self._adapter is not None else _EMPTY_PARAMETERS
        return ToolDefinition(
            name=self.tool_name, description=self.tool_description, parameters=parameters
        )

    def parse_input(self, arguments: str) -> Any:
        """The validated handoff input (``None`` without an ``input_type``).

        Raises:
            HandoffInputError: The arguments are not JSON or do not validate.
        """
        if self._adapter is None:
            return None
        from pydantic import ValidationError

        try:
            return self._adapter.validate_json(arguments or "{}")
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'input'}: {error['msg']}"
                for error in exc.errors()
            )
            raise HandoffInputError(f"Invalid arguments for {self.tool_name}: {problems}") from None

    async def run_callback(self, context: Any, arguments: str) -> None:
        """Validate the input and call ``on_handoff``; sync or async callbacks both work.

        Raises:
            HandoffInputError: The arguments do not validate.
        """
        value = self.parse_input(arguments)
        if self.on_handoff is None:
            return
        result = (
            self.on_handoff(context, value)
            if self._adapter is not None
            else self.on_handoff(context)
        )
        if inspect.isawaitable(result):
            await result


def handoff(
    agent: RealtimeAgent[Any],
    tool_name: str | None = None,
    description: str | None = None,
    on_handoff: OnHandoff | None = None,
    input_type: Any = None,
    *,
    tool_name_override: str | None = None,
    tool_description_override: str | None = None,
) -> Handoff:
    """Describe a transfer to ``agent``.

    Args:
        agent: The agent that takes over.
        tool_name: Defaults to ``transfer_to_<snake_case(agent.name)>``.
        description: Defaults to a sentence naming the agent, plus its
            ``handoff_description``.
        on_handoff: Called when the transfer happens, before the new agent speaks:
            ``on_handoff(context)``, or ``on_handoff(context, input)`` with an ``input_type``.
        input_type: A type (pydantic model, dataclass, TypedDict, ...) the model must fill in
            as the tool's arguments; validated before ``on_handoff`` sees it.
        tool_name_override: ``tool_name`` under openai-agents' name.
        tool_description_override: ``description`` under openai-agents' name.

    Raises:
        UserError: ``agent`` is not a RealtimeAgent, ``input_type`` has no JSON schema, or
            both spellings of the name (or of the description) are given.
    """
    if not isinstance(agent, RealtimeAgent):
        raise UserError(f"handoff() needs a RealtimeAgent, got {agent!r}")
    if tool_name_override is not None:
        if tool_name is not None:
            raise UserError("handoff(): pass tool_name or tool_name_override, not both")
        tool_name = tool_name_override
    if tool_description_override is not None:
        if description is not None:
            raise UserError("handoff(): pass description or tool_description_override, not both")
        description = tool_description_override
    name = tool_name or f"transfer_to_{snake_case(agent.name)}"
    text = description or " ".join(
        part
        for part in (f"Transfer the conversation to {agent.name}.", agent.handoff_description)
        if part
    )
    adapter: TypeAdapter[Any] | None = None
    if input_type is not None:
        from pydantic import TypeAdapter

        try:
            adapter = TypeAdapter(input_type)
            schema = adapter.json_schema()
        except Exception as exc:
            raise UserError(f"handoff input_type {input_type!r} has no JSON schema: {exc}") from exc
        if schema.get("type") != "object":
            raise UserError(f"handoff input_type must describe a JSON object, got {schema!r}")
    return Handoff(
        agent=agent,
        tool_name=name,
        tool_description=text,
        on_handoff=on_handoff,
        input_type=input_type,
        _adapter=adapter,
    )


def handoff_for(target: RealtimeAgent[Any] | Handoff) -> Handoff:
    """The :class:`Handoff` for an entry of ``RealtimeAgent.handoffs``."""
    if isinstance(target, Handoff):
        return target
    return handoff(target)
