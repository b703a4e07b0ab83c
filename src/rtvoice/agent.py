"""The agent: who speaks, how, and with which tools.

A :class:`RealtimeAgent` is an immutable description. The session sends its instructions,
tools and voice to the model; a handoff swaps the agent for another one mid-conversation.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, SupportsIndex, TypeAlias

from typing_extensions import TypeVar

from .errors import UserError
from .providers import RealtimeProvider

if TYPE_CHECKING:
    from .guardrails import InputGuardrail, OutputGuardrail
    from .handoffs import Handoff
    from .tools import FunctionTool

__all__ = ["HandoffList", "Handoffs", "Instructions", "RealtimeAgent", "snake_case"]

TContext = TypeVar("TContext", default=Any)
"""The run context's type; ``Any`` when not given, so an agent or runner built without one
needs no annotation."""

Instructions: TypeAlias = "str | Callable[[Any, RealtimeAgent[Any]], str | Awaitable[str]] | None"
"""An agent's instructions: a string, or a sync or async function of the run context and the
agent, called when the agent becomes active."""


Handoffs: TypeAlias = (
    "Sequence[RealtimeAgent[Any] | Handoff] | Callable[[], Sequence[RealtimeAgent[Any] | Handoff]]"
)
"""An agent's handoffs: a list, or a function of no arguments returning one, called each time
the agent becomes active (so agents can name each other: a triage <-> specialist cycle)."""


class HandoffList(list):  # type: ignore[type-arg]
    """An agent's handoff list: a list you may append to after the agent is built (two agents
    that name each other, openai-agents' way), checked as it grows.

    A change takes effect the next time the agent becomes active, in every session that uses
    the agent (sessions read the list then, never in between). Bad entries raise
    :class:`~rtvoice.errors.UserError` at once; anything put in another way is checked when
    the agent next becomes active.
    """

    __slots__ = ()

    def append(self, entry: object) -> None:
        """Add one agent or ``handoff(...)``."""
        _check_handoffs("RealtimeAgent.handoffs.append", (entry,))
        super().append(entry)

    def extend(self, entries: Iterable[object]) -> None:
        """Add agents or ``handoff(...)`` objects."""
        entries = list(entries)
        _check_handoffs("RealtimeAgent.handoffs.extend", entries)
        super().extend(entries)

    def insert(self, index: SupportsIndex, entry: object) -> None:
        """Insert one agent or ``handoff(...)``."""
        _check_handoffs("RealtimeAgent.handoffs.insert", (entry,))
        super().insert(index, entry)


def snake_case(name: str) -> str:
    """``"Billing Agent"`` -> ``"billing_agent"``; ``"TriageAgent"`` -> ``"triage_agent"``."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    name = re.sub(r"[^0-9A-Za-z]+", "_", name)
    return name.strip("_").lower()


@dataclass(frozen=True, kw_only=True)
class RealtimeAgent(Generic[TContext]):
    """A voice agent.

    Frozen, so one agent can serve many concurrent sessions, but for its handoff list (see
    ``handoffs``), which sessions read each time the agent becomes active.

    Args:
        name: How the agent is known (in events, history, traces and handoff tool names).
        instructions: A string, or a (sync or async) function of ``(context, agent)``
            returning one, resolved each time the agent becomes active.
        tools: Function tools (``@function_tool``) the model may call.
        handoffs: Agents (or ``handoff(...)`` objects) this agent may transfer to; each
            becomes a ``transfer_to_<snake_name>`` tool. Or a function of no arguments
            returning that list, called each time the agent becomes active (see
            :meth:`resolve_handoffs`). Kept as a :class:`HandoffList`, the one field you may
            change after construction (``agent.handoffs.append(other)``). Either way two
            agents can hand off to each other.
        output_guardrails: Checks on what the agent says.
        input_guardrails: Checks on what the user says.
        handoff_description: Tells other agents when to transfer to this one.
        voice: The voice for this agent (applied when the server still allows a change).
        provider: Where this agent's sessions connect (overrides the runner's provider).

    Raises:
        UserError: A field has the wrong type or an empty value.
    """

    name: str
    instructions: Instructions = None
    tools: Sequence[FunctionTool] = ()
    handoffs: Handoffs = field(default=(), hash=False)
    output_guardrails: Sequence[OutputGuardrail] = ()
    input_guardrails: Sequence[InputGuardrail] = ()
    handoff_description: str | None = None
    voice: str | None = None
    provider: RealtimeProvider | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise UserError("RealtimeAgent.name must be a non-empty string")
        where = f"RealtimeAgent {self.name!r}"
        if self.instructions is not None and not (
            isinstance(self.instructions, str) or callable(self.instructions)
        ):
            raise UserError(f"{where}: instructions must be a string or a function")
        for attribute in ("tools", "handoffs", "output_guardrails", "input_guardrails"):
            value = getattr(self, attribute)
            if attribute == "handoffs" and callable(value):
                continue
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                extra = " (or, for handoffs, a function returning one)" * (attribute == "handoffs")
                raise UserError(f"{where}: {attribute} must be a list{extra}")
            kept = HandoffList(value) if attribute == "handoffs" else tuple(value)
            object.__setattr__(self, attribute, kept)
        for tool in self.tools:
            if not (hasattr(tool, "name") and hasattr(tool, "to_definition")):
                raise UserError(
                    f"{where}: tools must be function tools (decorate the function with "
                    f"@function_tool), got {tool!r}"
                )
        if not callable(self.handoffs):
            _check_handoffs(where, self.handoffs)
        if self.voice is not None and (not isinstance(self.voice, str) or not self.voice):
            raise UserError(f"{where}: voice must be a non-empty string or None")
        if self.handoff_description is not None and not isinstance(self.handoff_description, str):
            raise UserError(f"{where}: handoff_description must be a string or None")
        if self.provider is not None and not isinstance(self.provider, RealtimeProvider):
            raise UserError(f"{where}: provider must be a RealtimeProvider")

    def clone(self, **changes: Any) -> RealtimeAgent[TContext]:
        """A copy with some fields changed (validated like a new agent)."""
        try:
            return replace(self, **changes)
        except TypeError as exc:
            raise UserError(f"RealtimeAgent.clone: {exc}") from None

    def resolve_handoffs(self) -> tuple[RealtimeAgent[Any] | Handoff, ...]:
        """The handoffs now: the list, or what the ``handoffs`` function returns (called
        on every use, so it may name agents defined after this one).

        Raises:
            UserError: The function raised or returned something that is not a list of
                agents and ``handoff(...)`` objects.
        """
        handoffs = self.handoffs
        where = f"RealtimeAgent {self.name!r}"
        if not callable(handoffs):
            # Checked again: entries may have come in past append (``agent.handoffs[0] = x``).
            _check_handoffs(where, handoffs)
            return tuple(handoffs)
        try:
            value = handoffs()
        except Exception as exc:
            raise UserError(f"{where}: the handoffs function raised {exc!r}") from exc
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise UserError(f"{where}: the handoffs function must return a list, got {value!r}")
        _check_handoffs(where, value)
        return tuple(value)

    async def resolve_instructions(self, context: TContext) -> str | None:
        """The instructions to send now: the string, or the function's result."""
        instructions = self.instructions
        if instructions is None or isinstance(instructions, str):
            return instructions
        result = instructions(context, self)
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, str):
            raise UserError(
                f"RealtimeAgent {self.name!r}: the instructions function returned "
                f"{type(result).__name__}, not a string"
            )
        return result


def _check_handoffs(where: str, handoffs: Sequence[object]) -> None:
    for target in handoffs:
        if not (isinstance(target, RealtimeAgent) or hasattr(target, "tool_name")):
            raise UserError(
                f"{where}: handoffs must be RealtimeAgent or handoff(...) objects, got {target!r}"
            )
