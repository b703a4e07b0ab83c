"""What the session refuses on a model whose protocol cannot do it (GPT-Live: the model owns
turn-taking and the voice is fixed when the session starts), with the error that says what
to do instead. The Realtime protocol can do everything, and nothing here is checked for it."""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from ..agent import RealtimeAgent
from ..errors import UserError
from ..handoffs import handoff_for
from ..model._base import CapabilityReport, ModelCapabilities, RealtimeModel
from .state._machine import ConversationState

__all__ = [
    "FULL",
    "LIVE_DEFAULT_VOICE",
    "adopt",
    "capabilities_of",
    "check_fixed_voice",
    "refuse",
]

LIVE_DEFAULT_VOICE: Final = "marin"
"""The voice GPT-Live speaks with when the session names none."""

FULL: Final = ModelCapabilities()
"""What a model that does not say can do: everything (the Realtime protocol)."""

_WHY: Final = {
    "manual_turns": "GPT-Live takes turns by itself (it listens while it speaks, and answers "
    "when the user stops): there is no commit, response request or cancel",
    "truncate": "GPT-Live stops speaking by itself when the user talks over it, and has no "
    "truncate",
}


def capabilities_of(model: RealtimeModel) -> ModelCapabilities:
    """What ``model``'s protocol lets the session do."""
    return model.capabilities if isinstance(model, CapabilityReport) else FULL


def adopt(
    model: RealtimeModel, state: ConversationState, session_voice: str | None
) -> ModelCapabilities:
    """What ``model``'s protocol can do, told to ``state``; agents it could not serve are
    refused (the caller closes the model).

    Raises:
        UserError: See :func:`check_fixed_voice`.
    """
    capabilities = capabilities_of(model)
    state.adopt(capabilities)
    if not capabilities.voice_change:
        check_fixed_voice(state.agent, session_voice)
    return capabilities


def refuse(method: str, missing: str, instead: str) -> UserError:
    """The error for calling ``method`` on a model that lacks ``missing``."""
    return UserError(f"session.{method}() is not available on GPT-Live: {_WHY[missing]}; {instead}")


def check_fixed_voice(start: RealtimeAgent[Any], session_voice: str | None) -> None:
    """Refuse, before the conversation starts, agents the session could hand off to whose
    voice differs from the one the session starts with (GPT-Live fixes it at start).

    Agents behind a ``handoffs`` function are checked as far as the function can be called
    now; one that appears later gets the session's voice and a ``voice_locked`` warning.

    Raises:
        UserError: An agent wants another voice; the message names it and both voices.
    """
    voice = start.voice or session_voice or LIVE_DEFAULT_VOICE
    seen = {id(start)}
    queue: deque[RealtimeAgent[Any]] = deque([start])
    while queue:
        agent = queue.popleft()
        if agent.voice is not None and voice is not None and agent.voice != voice:
            raise UserError(
                f"agent {agent.name!r} speaks with voice {agent.voice!r}, but GPT-Live fixes "
                f"the voice when the session starts ({voice!r}, from agent {start.name!r} or "
                "the run config): give every agent the same voice or none, or run that agent "
                "in a session of its own"
            )
        try:
            targets = agent.resolve_handoffs()
        except UserError:
            continue  # the function cannot tell yet: checked when it hands off
        for target in targets:
            nxt = handoff_for(target).agent
            if id(nxt) not in seen:
                seen.add(id(nxt))
                queue.append(nxt)
