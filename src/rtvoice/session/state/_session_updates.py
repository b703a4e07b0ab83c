"""The ``session.update`` commands of a session, and what the server made of them.

:class:`SessionUpdates` builds each update from the run's settings and the agent (the full
configuration every time, so a handoff never drops back to the server's defaults), keeps the
voice once the server has locked it, matches ``session.updated`` answers
and refusals to the updates in flight (answers come in order; a refusal names the
update's ``event_id``), and keeps the server's effective configuration. Pure: no IO.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final, Literal, TypeAlias

from ...agent import RealtimeAgent
from ...config import ModelSettings
from ...model.commands import UpdateSession
from ...model.events import ErrorInfo
from ...model.session_config import SessionConfig, Tool, Unset

__all__ = ["VOICE_LOCKED_CODE", "ConfigurationStatus", "SessionUpdates"]

ConfigurationStatus: TypeAlias = Literal["unsent", "pending", "confirmed", "refused"]

VOICE_LOCKED_CODE: Final = "cannot_update_voice"
"""The server's error code for a voice change after assistant audio."""


class SessionUpdates:
    """The session's configuration updates and the server's answers.

    Args:
        settings: The run's model settings (formats, transcription, turn detection, ...).
    """

    __slots__ = (
        "_in_flight",
        "_initial",
        "_settings",
        "effective",
        "last_instructions",
        "refusal",
        "refused_voice",
        "status",
    )

    def __init__(self, settings: ModelSettings) -> None:
        self._settings = settings
        self._in_flight: dict[str, UpdateSession] = {}
        self._initial: str | None = None
        self.effective: SessionConfig | None = None
        """The session as the server last reported it (``session.created`` / ``updated``)."""
        self.last_instructions: str | None = None
        """The instructions of the latest update (a new connection restates them when the
        agent's instructions function fails then)."""
        self.status: ConfigurationStatus = "unsent"
        """Where the first ``session.update`` stands."""
        self.refusal: ErrorInfo | None = None
        """The server's error when it refused the first ``session.update``."""
        self.refused_voice: str | None = None
        """The last voice an update had to leave out: assistant audio existed, and the server
        refuses a voice change then."""

    def command(
        self,
        agent: RealtimeAgent[Any],
        instructions: str | None,
        *,
        tools: tuple[Tool, ...],
        event_id: str,
        voice_locked: bool,
    ) -> tuple[UpdateSession, str | None]:
        """The full ``session.update`` for ``agent`` (the first one makes :attr:`status`
        ``pending``).

        Args:
            agent: Its voice is sent.
            instructions: The agent's resolved instructions.
            tools: The agent's tool definitions (function tools and handoffs).
            event_id: The update's id, to match a refusal.
            voice_locked: Assistant audio exists: the voice is left out.

        Returns:
            The command, and the voice it had to leave out when that voice differs from the
            session's (``None`` when the voice does not change).
        """
        self.last_instructions = instructions
        config = self._settings.session_config(
            instructions=instructions, tools=tools, voice=agent.voice
        )
        left_out: str | None = None
        if voice_locked and config.voice is not None:
            if config.voice != self.current_voice:
                left_out = self.refused_voice = config.voice
            config = dataclasses.replace(config, voice=None)
        command = UpdateSession(session=config, event_id=event_id)
        self._in_flight[event_id] = command
        if self._initial is None:
            self._initial = event_id
            self.status = "pending"
        return command, left_out

    @property
    def started(self) -> bool:
        """Whether the first update was sent (or the server started configured)."""
        return self._initial is not None

    def assume_configured(self, instructions: str | None) -> None:
        """The server session starts with the configuration (a SIP accept carried it): no
        first update is sent, and the configuration counts as confirmed."""
        self.last_instructions = instructions
        self._initial = ""
        self.status = "confirmed"

    def reconnected(
        self,
        agent: RealtimeAgent[Any],
        instructions: str | None,
        *,
        tools: tuple[Tool, ...],
        event_id: str,
    ) -> UpdateSession:
        """The full ``session.update`` for a new connection: ``agent``'s configuration with
        the voice the user has been hearing (the new server session has not locked one), the
        updates in flight on the old connection forgotten."""
        voice = self.current_voice
        self.last_instructions = instructions
        config = self._settings.session_config(
            instructions=instructions, tools=tools, voice=agent.voice
        )
        if voice is not None:
            config = dataclasses.replace(config, voice=voice)
        command = UpdateSession(session=config, event_id=event_id)
        self._in_flight = {event_id: command}
        return command

    @property
    def current_voice(self) -> str | None:
        """The voice the server last reported, else the one configured."""
        if self.effective is not None and self.effective.voice is not None:
            return self.effective.voice
        return self._settings.voice

    def refused_for_voice(self, error: ErrorInfo) -> bool:
        """Whether ``error`` refused a later update of ours because it changed the voice
        after assistant audio (a race the session could not see coming)."""
        sent = self._in_flight.get(error.event_id or "")
        return (
            sent is not None
            and error.event_id != self._initial
            and sent.session.voice is not None
            and (error.code == VOICE_LOCKED_CODE or (error.param or "").endswith("voice"))
        )

    def retry_without_voice(self, error: ErrorInfo, event_id: str) -> UpdateSession | None:
        """For an update :meth:`refused_for_voice`: the same update without the voice, to
        send under ``event_id`` (a refused update changes nothing, so the instructions and
        tools must go again); ``None`` for any other error.
        """
        if not self.refused_for_voice(error):
            return None
        sent = self._in_flight.pop(error.event_id or "")
        self.refused_voice = sent.session.voice
        retry = UpdateSession(
            session=dataclasses.replace(sent.session, voice=None), event_id=event_id
        )
        self._in_flight[event_id] = retry
        return retry

    def created(self, session: SessionConfig) -> None:
        """``session.created``: the server's defaults."""
        self.effective = session

    def updated(self, session: SessionConfig) -> None:
        """``session.updated``: the oldest update in flight was applied."""
        self.effective = session
        if self._in_flight:
            oldest = next(iter(self._in_flight))
            del self._in_flight[oldest]
            if oldest == self._initial:
                self.status = "confirmed"

    def refused(self, error: ErrorInfo) -> bool:
        """Match an error to an update in flight.

        Returns:
            ``True`` when it refused the first update (the session then raises from entry,
            so the error is not an event); ``False`` otherwise (report it as usual).
        """
        event_id = error.event_id
        if event_id is None or event_id not in self._in_flight:
            return False
        del self._in_flight[event_id]
        if event_id == self._initial and self.status == "pending":
            self.status = "refused"
            self.refusal = error
            return True
        return False

    def server_interrupts(self) -> bool:
        """Whether the server cancels a response itself when speech starts."""
        turn_detection = self.effective.turn_detection if self.effective else Unset.UNSET
        if isinstance(turn_detection, Unset):
            turn_detection = self._settings.turn_detection
        if turn_detection is None:
            return False
        return turn_detection.interrupt_response is not False  # unset: the server's default, on
