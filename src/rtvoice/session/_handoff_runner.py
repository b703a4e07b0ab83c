"""Running a handoff call: the middleware chain, the switch, and the new agent's first answer.

:class:`HandoffRunner` runs a call to a ``transfer_to_<agent>`` tool through the handoff chain,
whose innermost handler is the session's own behaviour: validate the input and run the
handoff's ``on_handoff`` callback, then return the target agent. The chain's answer is the
agent to switch to. The switch itself is one state step (:meth:`ConversationState.handoff
<.state._machine.ConversationState.handoff>`): the ``handoff`` event, the ``session.update``
with the new agent's instructions and tools (the audio formats, transcription and turn
detection as configured; the voice only while the server allows it), the call's output, and a
response, so that the new agent speaks next.

A handoff that cannot happen (invalid input, a callback or middleware that raised, a target
that is not an agent or has clashing tool names) does not switch: the model gets an error
output (and answers), the application an ``error`` event.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ..agent import RealtimeAgent
from ..config import RunSettings
from ..errors import UserError
from ..handoffs import Handoff, HandoffInputError
from ..middleware import HandoffRequest, build_chain
from ..model.events import ErrorInfo
from ._link import SessionLink
from .events import ErrorSessionEvent
from .history import ToolCallItem
from .state._agent_tools import agent_tools

__all__ = ["HandoffRunner"]

logger = logging.getLogger("rtvoice.session")


class HandoffRunner:
    """Runs the handoff calls of one session.

    Args:
        link: Applies state steps to the live session.
        settings: The run settings (the middleware).
        context: The application's run context, for callbacks and instructions.
    """

    __slots__ = ("_chain", "_context", "_link", "_running")

    def __init__(self, *, link: SessionLink, settings: RunSettings, context: Any) -> None:
        self._link = link
        self._context = context
        self._running: dict[str, Handoff] = {}
        self._chain = build_chain(settings.middleware, "on_handoff", self._innermost)

    async def run(
        self,
        call: ToolCallItem,
        agent: RealtimeAgent[Any],
        handoff: Handoff,
        response_id: str | None = None,
    ) -> None:
        """Run ``call``, a call of ``agent``'s to ``handoff``, to its end (switched or not).

        The effects are queued; the caller sends them. ``response_id``: the response that made
        the call (the parent of the handoff span), if known.
        """
        request: HandoffRequest[RealtimeAgent[Any]] = HandoffRequest(
            from_agent=agent,
            to_agent=handoff.agent,
            arguments=call.arguments,
            call_id=call.call_id,
            context=self._context,
        )
        telemetry = self._link.telemetry
        span = telemetry.handoff_started(
            from_agent=agent.name,
            to_agent=handoff.agent.name,
            call_id=call.call_id,
            response_id=response_id,
        )
        self._running[call.call_id] = handoff
        try:
            with span.activate():
                target = await self._chain(request)
                if not isinstance(target, RealtimeAgent):
                    raise UserError(f"the handoff chain returned {target!r}, not a RealtimeAgent")
                agent_tools(target)  # clashing names fail here, before anything changes
                instructions = await target.resolve_instructions(self._context)
        except HandoffInputError as exc:
            span.end(error=exc)
            self._fail(call, str(exc), exc)
        except Exception as exc:
            span.end(error=exc)
            logger.warning("handoff %s failed", call.name, exc_info=exc)
            self._fail(call, f"Error running {call.name}: {exc}", exc)
        else:
            output = json.dumps({"assistant": target.name})
            self._link.apply(self._link.state.handoff(call.call_id, target, instructions, output))
            span.end(to_agent=target.name)
        finally:
            self._running.pop(call.call_id, None)

    def _fail(self, call: ToolCallItem, output: str, error: BaseException) -> None:
        message = f"handoff {call.name} did not happen: {type(error).__name__}: {error}"
        self._link.emit(ErrorSessionEvent(error=ErrorInfo(type="handoff_error", message=message)))
        self._link.apply(self._link.state.tool_output(call.call_id, output))

    async def _innermost(self, request: HandoffRequest[Any]) -> Any:
        """The session's own behaviour: validate the input, run ``on_handoff``, and hand
        over to the agent the request names."""
        handoff = self._running[request.call_id]
        await handoff.run_callback(request.context, request.arguments)
        return request.to_agent
