"""The session configuration a call is accepted with (and a client secret is minted with).

The same configuration the session sends in its first ``session.update``: the run's model
settings combined with the agent's instructions, tools, handoffs and voice
(:meth:`rtvoice.config.ModelSettings.session_config`), written by the client codec as the GA
``session`` object, plus the model (a call has no URL to carry it).
"""

from __future__ import annotations

import json
from typing import Any

from ...agent import RealtimeAgent
from ...handoffs import handoff_for
from ...model.commands import UpdateSession
from ...model.openai import OpenAICodec
from ...runner import RealtimeRunner
from ...tools import check_unique_tool_names

__all__ = ["session_configuration"]


async def session_configuration(
    runner: RealtimeRunner[Any],
    agent: RealtimeAgent[Any] | None = None,
    context: Any = None,
) -> dict[str, Any]:
    """The GA ``session`` object for ``agent`` (default: the runner's starting agent).

    Args:
        runner: Its model settings (formats, voice, transcription, turn detection, ...).
        agent: Whose instructions, tools, handoffs and voice go in.
        context: Handed to the agent's instructions function.

    Returns:
        A JSON-ready dict with ``type: "realtime"`` and ``model``: the body of
        ``POST /v1/realtime/calls/{call_id}/accept``, or the ``session`` of a client secret.

    Raises:
        UserError: Two of the agent's tools and handoffs share a name, or the instructions
            function failed with a ``UserError``.
    """
    agent = agent or runner.starting_agent
    handoffs = [handoff_for(target) for target in agent.resolve_handoffs()]
    check_unique_tool_names(
        [tool.name for tool in agent.tools] + [entry.tool_name for entry in handoffs]
    )
    tools = (
        *(tool.to_definition() for tool in agent.tools),
        *(entry.to_definition() for entry in handoffs),
    )
    model = runner.settings.model
    config = model.session_config(
        instructions=await agent.resolve_instructions(context), tools=tools, voice=agent.voice
    )
    frame = json.loads(OpenAICodec("ga").encode(UpdateSession(session=config)))
    session: dict[str, Any] = frame["session"]
    session["model"] = model.model_name
    return session
