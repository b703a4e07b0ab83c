"""The contract between a session and its model connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from .._dialect import Dialect

# Only annotations use these: the runner builds a ConnectRequest before any session connects,
# and importing them would load websockets and the whole event vocabulary.
if TYPE_CHECKING:
    from ..transport import TransportOptions
    from ._live_settings import LiveSettings
    from .commands import ModelCommand
    from .events import ModelEvent

__all__ = [
    "BatchSender",
    "CapabilityReport",
    "CloseReport",
    "ConnectRequest",
    "EventFilter",
    "ModelCapabilities",
    "ModelConnector",
    "RealtimeModel",
]


@runtime_checkable
class RealtimeModel(Protocol):
    """One live connection to one realtime backend, in the neutral vocabulary.

    A session owns exactly one model. The model is connected when the session receives it and
    lives until :meth:`close`. Guarantees every implementation gives:

    * :meth:`events` yields the backend's events in arrival order, starting with
      ``SessionCreated``. It may be iterated once. It ends normally when the backend closes
      cleanly, and raises a :class:`~rtvoice.errors.TransportError` subclass when the
      connection fails. A malformed frame is a ``DecodeError`` event, never an exception.
    * :meth:`send` may be called from any task, concurrently with iteration; commands go out
      in call order. It raises :class:`~rtvoice.errors.TransportClosedError` once closed.
    * :meth:`close` is idempotent and safe under cancellation; afterwards :meth:`events`
      ends.
    """

    def events(self) -> AsyncIterator[ModelEvent]:
        """The backend's events, in order, until the connection ends."""
        ...

    async def send(self, command: ModelCommand) -> None:
        """Send one command to the backend."""
        ...

    async def close(self) -> None:
        """Close the connection and release its resources."""
        ...


@runtime_checkable
class BatchSender(Protocol):
    """A model that can send several commands together (an optional addition to
    :class:`RealtimeModel`): the session hands it each batch of commands a step decided,
    e.g. a message's ``conversation.item.create`` and its ``response.create``."""

    async def send_batch(self, commands: Sequence[ModelCommand]) -> None:
        """Send ``commands`` in order, as ``send`` would one by one. If an exception other
        than ``TransportClosedError`` is raised, none of them was sent."""
        ...


@runtime_checkable
class EventFilter(Protocol):
    """A model that can leave out events its session ignores (an optional addition to
    :class:`RealtimeModel`), and so need not decode the frames they come from."""

    def ignore_events(self, kinds: Collection[type[ModelEvent]]) -> None:
        """From now on :meth:`RealtimeModel.events` may leave out events of ``kinds`` (and a
        frame that could only give such an event is not read further: a malformed one gives
        no ``DecodeError`` either)."""
        ...


@runtime_checkable
class CloseReport(Protocol):
    """A model that says how its connection ended (an optional addition to
    :class:`RealtimeModel`): a session reconnects after a clean-looking close that still
    ended the server session early, such as code 1001 at the server's time limit."""

    @property
    def close_code(self) -> int | None:
        """The WebSocket close code, or ``None`` while open (or if the backend has none)."""
        ...

    @property
    def close_reason(self) -> str:
        """The close reason that came with :attr:`close_code` (``""`` if none)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelCapabilities:
    """What a model connection's protocol lets a client do, beyond streaming audio in and
    events out. The OpenAI Realtime protocol can do all of it (the defaults); GPT-Live, where
    the model owns turn-taking and the voice is fixed at start, cannot.

    Attributes:
        protocol: ``"realtime"`` or ``"live"``.
        manual_turns: The client may commit input audio, ask for and cancel responses.
        truncate: The client may cut an assistant item to what the listener heard.
        text_input: The client may add user text messages to the conversation.
        voice_change: The voice may change after the session started.
        instructions_change: ``"replace"``: new instructions replace the old;
            ``"append"``: they can only be appended to the conversation.
        conversation_edits: The client may add, fetch or delete conversation items (other
            than tool results).
    """

    protocol: Literal["realtime", "live"] = "realtime"
    manual_turns: bool = True
    truncate: bool = True
    text_input: bool = True
    voice_change: bool = True
    instructions_change: Literal["replace", "append"] = "replace"
    conversation_edits: bool = True


@runtime_checkable
class CapabilityReport(Protocol):
    """A model that says what its protocol can do (an optional addition to
    :class:`RealtimeModel`); a model without it can do everything in
    :class:`ModelCapabilities`."""

    @property
    def capabilities(self) -> ModelCapabilities:
        """What this connection can do."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectRequest:
    """Everything needed to open one model connection; built by the runner per session.

    Attributes:
        url: The WebSocket URL (from the provider, or the per-session override).
        headers: The upgrade headers. May hold secrets: never log them.
        dialect: The protocol shape the server speaks.
        model_name: The model the session asked for (already in ``url`` for OpenAI).
        transport_options: Timeouts and limits for the socket.
        provider_name: Who serves the session, as OpenTelemetry's ``gen_ai.provider.name``
            (``openai``, ``azure.ai.openai``; see :func:`rtvoice.tracing.gen_ai_provider_name`).
        call_id: The call the session attaches to (a SIP or WebRTC call), whose conversation
            lives on the server whatever happens to this socket: a reconnect re-attaches and
            restates the configuration, and seeds nothing.
        live: GPT-Live's own settings (``None`` for a Realtime session).
    """

    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    dialect: Dialect = "ga"
    model_name: str = ""
    transport_options: TransportOptions | None = None
    provider_name: str = "openai"
    call_id: str | None = None
    live: LiveSettings | None = None

    def __repr__(self) -> str:
        # The URL may carry a key in its query; the headers are never shown.
        from ..transport._redaction import redact_url

        return (
            f"ConnectRequest(url={redact_url(self.url)!r}, dialect={self.dialect!r}, "
            f"model_name={self.model_name!r}, transport_options={self.transport_options!r}, "
            f"provider_name={self.provider_name!r})"
        )


@runtime_checkable
class ModelConnector(Protocol):
    """Opens a connected :class:`RealtimeModel` for a request; one call per session."""

    async def __call__(self, request: ConnectRequest) -> RealtimeModel:
        """Connect and return the model (raises a ``TransportError`` on failure)."""
        ...
