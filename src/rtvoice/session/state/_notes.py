"""What the conversation state tells the session's telemetry: :data:`Note`, the facts it
decided, and :class:`StreamStarts`, told when a response's streams begin.

A step's :class:`~._effects.Effects` carries, beside its events and commands, the notes the
telemetry needs (``Effects.notes``, in the order they happened): a turn started, answering a
request of ours or not; a response was asked for; the user stopped speaking; an interruption
at so many milliseconds; a turn ended. Each is known to the state at the moment it decides
it, so the telemetry never has to look at the state, before a step or after. Most steps
have none: ``notes`` stays the empty tuple, which costs nothing to make or to test.

Notes carry no time: the session stamps them as it applies the step (the step is applied
in the same synchronous run that decided it).

The streamed deltas are the exception. Their steps are the hot path, and their outcome is
one event (or none), not :class:`~._effects.Effects`: so the one fact they hold for the
telemetry, that a response's audio (per part) or text has begun, goes to a
:class:`StreamStarts` given to the state, once per part or response, never per delta.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol, TypeAlias

from ...model.events import ResponseInfo, Usage

__all__ = [
    "RESPONSE_REQUESTED",
    "USER_STOPPED_SPEAKING",
    "AgentChanged",
    "InputTranscribed",
    "Interrupted",
    "Note",
    "ResponseRequested",
    "SessionIdentified",
    "SessionTimeBilled",
    "StreamStarts",
    "TurnEnded",
    "TurnStarted",
    "UserStoppedSpeaking",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionIdentified:
    """The server created the session (``session.created``).

    Attributes:
        session_id: Its id (``sess_...``), when the server said.
    """

    session_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentChanged:
    """Another agent speaks from now on (``update_agent`` or a handoff; also the same agent
    again).

    Attributes:
        agent_name: The agent's name.
    """

    agent_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseRequested:
    """The step sends a ``response.create`` of ours (use :data:`RESPONSE_REQUESTED`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserStoppedSpeaking:
    """The server's turn detection heard the user stop (use :data:`USER_STOPPED_SPEAKING`):
    the moment a response it then creates answers."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnStarted:
    """A response started (``response.created``).

    Attributes:
        response_id: The response.
        agent_name: The agent speaking in it.
        answers_request: Whether it answers a ``response.create`` of ours (one was on its
            way, and the server answers in order); else the server's turn detection made
            it, answering the user's speech.
    """

    response_id: str
    agent_name: str
    answers_request: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscribed:
    """The user's speech in an item was transcribed (final).

    Attributes:
        item_id: The user item.
        transcript: The transcription.
    """

    item_id: str
    transcript: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Interrupted:
    """Assistant audio was interrupted (the step emits ``audio_interrupted``).

    Attributes:
        response_id: The response whose audio it was (it may have ended already: audio
            arrives faster than it plays).
        played_ms: Milliseconds the user heard.
    """

    response_id: str
    played_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnEnded:
    """A response ended (``response.done``).

    Attributes:
        response: The response as the server reported it (status, usage, output).
    """

    response: ResponseInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTimeBilled:
    """The server billed more session time (GPT-Live's ``session.usage.updated``).

    Attributes:
        usage: The seconds billed since the previous report (``session_seconds``, of which
            ``session_paused_seconds`` at the standby rate).
    """

    usage: Usage


Note: TypeAlias = (
    TurnStarted
    | TurnEnded
    | ResponseRequested
    | UserStoppedSpeaking
    | InputTranscribed
    | Interrupted
    | AgentChanged
    | SessionIdentified
    | SessionTimeBilled
)
"""One fact of a step for the telemetry (those of every turn first)."""

RESPONSE_REQUESTED: Final = ResponseRequested()
"""The one :class:`ResponseRequested` note (it has no fields)."""

USER_STOPPED_SPEAKING: Final = UserStoppedSpeaking()
"""The one :class:`UserStoppedSpeaking` note (it has no fields)."""


class StreamStarts(Protocol):
    """Told, from within a streamed delta's step, that a response's stream began (the
    session's telemetry is one). Each call must return at once and change nothing of the
    state."""

    def first_audio(self, response_id: str) -> None:
        """Assistant audio of a new part of the response arrived (once per part; not for a
        part whose audio is dropped because its item was interrupted)."""

    def first_transcript(self, response_id: str) -> None:
        """The first streamed text of the response (audio transcript or text) arrived."""
