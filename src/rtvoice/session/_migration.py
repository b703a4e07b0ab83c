"""Second spellings for code written against openai-agents' ``agents.realtime``.

Each name here is a thin door onto rtvoice's own implementation (``docs/migrating.md`` maps
them): ``session.enter()`` is ``async with session``'s entry, ``session.model.send_event(
RealtimeModelSendRawMessage(...))`` is ``session.send_raw(...)``, and ``session.info`` gives
the run context and the current agent, as openai-agents' ``event.info`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..errors import UserError
from .events import SessionInfo

if TYPE_CHECKING:
    from ._session import RealtimeSession

__all__ = ["MigrationAliases", "RealtimeModelSendRawMessage", "SessionModel"]


@dataclass(frozen=True, slots=True)
class RealtimeModelSendRawMessage:
    """A raw client event for :meth:`SessionModel.send_event`, in openai-agents' shape.

    Attributes:
        message: ``{"type": ..., "other_data": {...}}``: the event's ``type`` and the rest of
            its fields (a flat ``{"type": ..., **fields}`` works too).
    """

    message: Mapping[str, Any]

    def to_event(self) -> dict[str, Any]:
        """The client event as it goes on the wire.

        Raises:
            UserError: ``message`` has no string ``type`` or its ``other_data`` is not a dict.
        """
        message = self.message
        if not isinstance(message, Mapping) or not isinstance(message.get("type"), str):
            raise UserError("RealtimeModelSendRawMessage needs message={'type': ..., ...}")
        other = message.get("other_data", {})
        if not isinstance(other, Mapping):
            raise UserError("RealtimeModelSendRawMessage: 'other_data' must be a dict")
        rest = {key: value for key, value in message.items() if key != "other_data"}
        return {**rest, **other}


class SessionModel:
    """``session.model``: the door openai-agents code uses to send raw client events.

    Only :meth:`send_event` is offered; everything else the session does itself.
    """

    __slots__ = ("_session",)

    def __init__(self, session: RealtimeSession) -> None:
        self._session = session

    async def send_event(self, event: RealtimeModelSendRawMessage | Mapping[str, Any]) -> None:
        """Send a raw client event: ``session.send_raw(event)`` under another name.

        Raises:
            UserError: ``event`` is neither a :class:`RealtimeModelSendRawMessage` nor a dict
                with a string ``type`` (the message names the session method to use).
            TransportClosedError: The session is closed.
        """
        if isinstance(event, RealtimeModelSendRawMessage):
            await self._session.send_raw(event.to_event())
        elif isinstance(event, Mapping):
            await self._session.send_raw(event)
        else:
            raise UserError(
                f"session.model.send_event takes RealtimeModelSendRawMessage or a dict, not "
                f"{type(event).__name__}; for messages, audio, tool outputs and interruptions "
                "call session.send_message, send_audio, approve_tool_call or interrupt"
            )


class MigrationAliases:
    """The session's openai-agents spellings (mixed into :class:`RealtimeSession`)."""

    __slots__ = ()

    async def enter(self) -> RealtimeSession:
        """``await session.__aenter__()``: connect and configure without ``async with``.

        Prefer ``async with session:``; after ``enter()``, call :meth:`close` yourself.
        """
        return await cast("RealtimeSession", self).__aenter__()

    @property
    def model(self) -> SessionModel:
        """A handle with ``send_event(...)`` for raw client events (see :class:`SessionModel`)."""
        return SessionModel(cast("RealtimeSession", self))

    @property
    def info(self) -> SessionInfo:
        """The run context, the current agent and the usage so far, read now.

        openai-agents puts this on every event (``event.info.context``); rtvoice keeps events
        small and offers it here, on the session that yielded them.
        """
        session = cast("RealtimeSession", self)
        return SessionInfo(
            context=session._context, agent=session.current_agent, usage=session.usage
        )
