"""Entering a session: configuring the first connection and resuming from a snapshot; and the
error every send raises once the connection ended.

Functions over the session's parts (the state, the link, the tool runner), so that
:mod:`._session` keeps to moving things between the model and the application.
"""

from __future__ import annotations

import contextlib

import anyio

from ..config import SeedSettings
from ..errors import ConnectTimeoutError, TransportClosedError, TransportError
from ._link import SessionLink
from ._reader import Connection, fatal_error
from ._snapshot import INTERRUPTED_CALL_OUTPUT, Resumed
from ._tool_runner import ToolCallRunner
from .history import ToolCallItem
from .state._machine import ConversationState

__all__ = ["carry_on", "configure", "ended"]


async def configure(
    live: Connection,
    state: ConversationState,
    instructions: str | None,
    within: float,
    seed_budget: SeedSettings | None = None,
) -> None:
    """Send the first ``session.update`` and wait for the server's confirmation (with a
    resumed session's ``seed_budget``, the history goes in it where the protocol takes one
    only at start).

    Raises:
        TransportError: The connection ended first (the reader's failure).
        ProviderError: The server refused the configuration.
        ConnectTimeoutError: No confirmation within ``within`` seconds.
        TransportClosedError: The server closed cleanly before confirming.
    """
    live.commands.put_one(state.configure(instructions, seed_budget))
    with contextlib.suppress(TransportClosedError):
        await live.commands.flush()  # if the server closed already, the reader learns why
    with anyio.move_on_after(within):
        await live.configured.wait()
    if live.failure is not None:
        raise live.failure
    status = state.configuration
    refusal = state.configuration_refusal
    if status == "refused" and refusal is not None:
        raise fatal_error(refusal, "the server refused the session configuration")
    if status == "pending" and not live.reader_done.is_set():
        raise ConnectTimeoutError(
            f"the server did not confirm the session configuration within "
            f"{within:g} s (configure_timeout)"
        )
    if status != "confirmed":
        raise TransportClosedError(
            "the server closed the connection before confirming the session configuration"
        )


async def carry_on(
    state: ConversationState,
    link: SessionLink,
    tools: ToolCallRunner,
    live: Connection,
    resumed: Resumed,
    budget: SeedSettings,
) -> None:
    """A resumed session, just configured: seed the server session with the history, ask
    again for the approvals that were waiting, and tell the model that the calls that were
    running were interrupted (running them again could do their work twice)."""
    seed, _, _ = state.seed(budget)
    live.commands.put(seed)
    calls = {item.call_id: item for item in state.history if isinstance(item, ToolCallItem)}
    for record in resumed.pending:
        call = calls[record["call_id"]]
        if record["awaiting_approval"]:
            tools.dispatch(call, state.agent)
        else:
            link.apply(state.tool_output(call.call_id, INTERRUPTED_CALL_OUTPUT))
    await live.commands.flush()


def ended(live: Connection) -> TransportClosedError:
    """The error of a send after the connection ended, with its close code and reason."""
    why = live.failure
    code, reason = (why.code, why.reason) if isinstance(why, TransportError) else (None, "")
    detail = f": {why}" if why is not None else " (closed cleanly)"
    return TransportClosedError(f"the connection ended{detail}", code=code, reason=reason)
