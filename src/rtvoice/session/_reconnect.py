"""Carrying a session across connections: a reconnect after a drop, a rollover before the
server's time limit.

:class:`Continuity` is the reader's helper for both. A reconnect takes the state's
:meth:`~.state._machine.ConversationState.connection_lost` step (the audio stops where it was
heard, the reply in flight is kept as far as it was heard), then tries to connect with
backoff and jitter, and seeds the new connection (:meth:`ConversationState.reseed`); a
rollover does the seeding alone, at a turn boundary, before the old connection is closed.
Either way the commands the application queued meanwhile (audio, messages, tool outputs) go
out on the new connection after the seed, in their order, so nothing the user said is lost.
The application's iteration never ends in between: it sees ``connection_lost`` and
``reconnected``.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable
from typing import Any, Final, Literal

import anyio

from ..agent import RealtimeAgent
from ..audio import bytes_for_ms
from ..config import RunSettings
from ..errors import (
    ConnectionLostError,
    ConnectTimeoutError,
    MessageTooBigError,
    ProviderError,
    TransportClosedError,
    TransportError,
)
from ..model._base import ConnectRequest, EventFilter, ModelConnector, RealtimeModel
from ..model.commands import (
    AppendInputAudio,
    CancelResponse,
    ClearOutputAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    ModelCommand,
    RetrieveItem,
    TruncateItem,
)
from ..model.events import ModelEvent
from ..model.items import FunctionCallOutputItem
from ._link import SessionLink
from ._outbox import CommandOutbox
from ._reader import EXPIRED_REASON, Connection
from .events import ConnectionLostEvent, ReconnectedEvent
from .state._machine import ConversationState

__all__ = ["Continuity", "LostReason", "lost_reason"]

logger = logging.getLogger("rtvoice.session")

RETRYABLE_CLOSE_CODES: Final = frozenset({1001, 1006, 1011, 1012, 1013, 1014})
"""Close codes after which the same request may well succeed: going away, an abnormal close,
a server error, a restart, try again later, a bad gateway."""

REPLAYED_AUDIO_MS: Final = 10_000
"""User audio a new connection is given again: what the old server had not committed yet,
at most this many milliseconds of it (the start of an utterance cut by the drop)."""

KEPT_UTTERANCES: Final = 3
"""Latest committed user items whose audio is kept for a seed."""

STABLE_AFTER_S: Final = 10.0
"""A connection that lasted this long earns the next drop a fresh set of attempts."""

LostReason = Literal["dropped", "expired"]

_STALE_COMMANDS: Final = (CancelResponse, TruncateItem, RetrieveItem, DeleteItem, ClearOutputAudio)
"""Commands about the old server session's responses and items: meaningless on a new one
(the seed already holds each item as it was heard)."""


def lost_reason(error: BaseException) -> LostReason | None:
    """Whether a connection's end is worth a reconnect, and why it ended; ``None``: it is not
    (bad credentials, a refused request, a message too big, a fatal server error other than
    the time limit)."""
    if isinstance(error, ProviderError):
        return "expired" if error.code == "session_expired" else None
    if not isinstance(error, TransportError) or isinstance(
        error, MessageTooBigError | TransportClosedError
    ):
        return None
    if EXPIRED_REASON in (error.reason or ""):
        return "expired"
    if isinstance(error, ConnectionLostError | ConnectTimeoutError):
        return "dropped"
    if type(error) is TransportError and error.code in RETRYABLE_CLOSE_CODES:
        return "dropped"
    return None


class Continuity:
    """Replaces a session's connection, keeping its conversation.

    Args:
        state: The conversation state.
        link: The session's link (events and commands of the state's steps).
        settings: The run's settings: ``reconnect``, ``rollover``, ``history_seed``.
        connector: Opens a model connection.
        request: Where and how.
        context: The run context (the agent's instructions function gets it).
        clock: Monotonic seconds.
        ignored: The model events the session does not read (``None``: it reads them all).
        close_timeout: Seconds to wait for an old connection to close.
        jitter: A uniform random number in [0, 1) (for tests).
    """

    def __init__(
        self,
        *,
        state: ConversationState,
        link: SessionLink,
        settings: RunSettings,
        connector: ModelConnector,
        request: ConnectRequest,
        context: Any,
        clock: Callable[[], float],
        ignored: frozenset[type[ModelEvent]] | None,
        close_timeout: float,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._state = state
        self._link = link
        self._settings = settings
        self._connector = connector
        self._request = request
        self._context = context
        self._clock = clock
        self._ignored = ignored
        self._close_timeout = close_timeout
        self._jitter = jitter
        self.opened_at = clock()
        """When the current connection opened (a rollover counts from it)."""
        self._rollover_retry_at = 0.0
        self._attempts = 0
        """Attempts since the last connection that lasted :data:`STABLE_AFTER_S`: one that
        drops sooner does not earn a fresh set of attempts (no reconnect storm)."""
        self._recent: deque[AppendInputAudio] = deque()
        self._recent_bytes = 0
        self._utterances: dict[str, bytes] = {}
        """The audio of the latest user items the server committed: a new connection is
        seeded with it where the history has no transcript of the item."""
        self._recent_limit = bytes_for_ms(REPLAYED_AUDIO_MS, settings.model.input_format)

    @property
    def reconnects(self) -> bool:
        """Whether a drop is followed by a reconnect (``reconnect`` is not off)."""
        return self._settings.reconnect is not None

    def audio_sent(self, append: AppendInputAudio) -> None:
        """User audio went (or is about to go) to the server: kept, the last
        :data:`REPLAYED_AUDIO_MS` of it, until the server commits or clears its buffer, so
        that a new connection hears what the old one had not taken yet."""
        self._recent.append(append)
        self._recent_bytes += len(append.audio)
        while self._recent_bytes > self._recent_limit and len(self._recent) > 1:
            self._recent_bytes -= len(self._recent.popleft().audio)

    def audio_committed(self, item_id: str) -> None:
        """The server made its input buffer user item ``item_id``: that audio is the item's."""
        self._utterances[item_id] = b"".join(append.audio for append in self._recent)
        while len(self._utterances) > KEPT_UTTERANCES:
            del self._utterances[next(iter(self._utterances))]
        self.audio_cleared()

    def audio_cleared(self) -> None:
        """The server's input buffer is empty: nothing sent so far is replayed."""
        self._recent.clear()
        self._recent_bytes = 0

    def rollover_due(self, now: float) -> bool:
        """Whether the current connection has lived long enough to be replaced at the next
        turn boundary."""
        rollover = self._settings.rollover
        return (
            rollover is not None
            and now - self.opened_at >= rollover.after_s
            and now >= self._rollover_retry_at
        )

    async def recover(self, connection: Connection, error: BaseException) -> bool:
        """Reconnect after ``error`` ended the connection: ``True`` once a new connection
        carries the conversation on, ``False`` (and ``connection.failure`` set) when the
        error is not worth a reconnect or the attempts ran out."""
        policy = self._settings.reconnect
        reason = lost_reason(error)
        if policy is None or reason is None:
            connection.failure = error
            return False
        connection.failure = None
        if self._clock() - self.opened_at >= STABLE_AFTER_S:
            self._attempts = 0
        connection.commands.hold()
        if self._request.call_id is None:
            # A response.create that did not go out is the one the state asks for again now.
            unsent = connection.commands.take_all()
            connection.commands.put([c for c in unsent if not isinstance(c, CreateResponse)])
            self._link.apply(self._state.connection_lost(self._clock()))
        # else a call's conversation (and its audio, over the phone line) goes on at the
        # server: the session only attaches again.
        await self._close_quietly(connection.model)
        while self._attempts < policy.max_attempts:
            self._attempts += 1
            attempt = self._attempts
            self._link.emit(ConnectionLostEvent(error=error, attempt=attempt, reason=reason))
            await connection.events.deliver()
            await anyio.sleep(policy.delay(attempt, self._jitter()))
            try:
                model = await self._connector(self._request)
            except TransportError as exc:
                if lost_reason(exc) is None:
                    connection.failure = exc
                    return False
                error = exc
                continue
            try:
                await self._switch(connection, model, reason, attempt)
            except TransportError as exc:
                error = exc
                continue
            return True
        logger.warning("gave up reconnecting after %d attempts: %s", policy.max_attempts, error)
        connection.failure = error
        return False

    async def roll_over(self, connection: Connection) -> None:
        """Move to a fresh connection now (at a turn boundary). If the new connection cannot
        be made, the old one carries on and the next try comes a minute later."""
        connection.commands.hold()
        try:
            model = await self._connector(self._request)
        except TransportError as exc:
            logger.warning("rollover: could not open the next connection: %s", exc)
            self._rollover_retry_at = self._clock() + 60.0
            connection.commands = self._handed_over(connection.commands, connection.model)
            with contextlib.suppress(TransportClosedError):  # then the reader learns why
                await connection.commands.flush()
            return
        old = connection.model
        try:
            await self._switch(connection, model, "rollover", 1)
        except TransportError as exc:
            # The new connection failed while being seeded: reading it tells the reader, which
            # then reconnects as after any drop (what waited is still queued).
            logger.warning("rollover: the next connection failed at once: %s", exc)
        finally:
            await self._close_quietly(old)

    async def _switch(
        self,
        connection: Connection,
        model: RealtimeModel,
        reason: Literal["dropped", "expired", "rollover"],
        attempt: int,
    ) -> None:
        """Make ``model`` the connection: seed it, then send what waited."""
        if self._ignored is not None and isinstance(model, EventFilter):
            model.ignore_events(self._ignored)
        instructions = await self._instructions()
        budget = self._settings.history_seed
        attach = self._request.call_id is not None  # the server kept the call's conversation
        seed, replayed, left_out = self._state.reseed(
            instructions, None if attach else budget, self._utterances
        )
        known = {item.item_id for item in self._state.history}
        lost = [
            audio
            for item_id, audio in self._utterances.items()
            if item_id not in known and not attach
        ]
        seeded_outputs = {
            command.item.call_id
            for command in seed
            if isinstance(command, CreateItem) and isinstance(command.item, FunctionCallOutputItem)
        }
        waiting: list[ModelCommand] = [
            command
            for command in connection.commands.take_all()
            if not isinstance(command, _STALE_COMMANDS)
            and not (
                isinstance(command, CreateItem)
                and isinstance(command.item, FunctionCallOutputItem)
                and command.item.call_id in seeded_outputs
            )
        ]
        # Committed by the old server but never reached the history: heard again, whole.
        replayed_audio: list[ModelCommand] = [AppendInputAudio(audio=audio) for audio in lost]
        if self._request.call_id is None:
            replayed_audio += self._recent
        queued = {id(command) for command in replayed_audio}
        waiting = [command for command in waiting if id(command) not in queued]
        outbox = CommandOutbox(model)
        outbox.put(seed)
        outbox.put(replayed_audio)
        outbox.put(waiting)
        connection.model = model
        connection.commands = outbox
        self.opened_at = self._clock()
        try:
            await outbox.flush()  # one batch: a closed transport sends none of it
        except TransportError:
            # Dead already: the next connection is seeded afresh, and gets what waited.
            held = CommandOutbox(model)
            held.hold()
            held.put(waiting)
            connection.commands = held
            raise
        self._utterances.clear()
        self._link.emit(
            ReconnectedEvent(reason=reason, attempt=attempt, replayed=replayed, left_out=left_out)
        )

    def _handed_over(self, held: CommandOutbox, model: RealtimeModel) -> CommandOutbox:
        outbox = CommandOutbox(model)
        outbox.put(held.take_all())
        return outbox

    async def _instructions(self) -> str | None:
        agent: RealtimeAgent[Any] = self._state.agent
        try:
            return await agent.resolve_instructions(self._context)
        except Exception as exc:  # the previous instructions are better than none
            logger.warning(
                "agent %r: the instructions function failed on reconnect (%s: %s); "
                "the previous instructions are sent again",
                agent.name,
                type(exc).__name__,
                exc,
            )
            return self._state.last_instructions

    async def _close_quietly(self, model: RealtimeModel) -> None:
        with anyio.move_on_after(self._close_timeout, shield=True):
            try:
                await model.close()
            except Exception as exc:  # it is gone either way
                logger.debug("closing the old connection failed: %s", exc)
