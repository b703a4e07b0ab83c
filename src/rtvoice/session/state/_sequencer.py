"""One response at a time: the library never provokes ``conversation_already_has_active_response``.

Only one response may write to the default conversation at a time (PROTOCOL.md §0.12, §7.f).
:class:`ResponseSequencer` knows when one is running (from ``response.created`` to
``response.done``, whoever started it: the client or server VAD) and when a
``response.create`` of ours is on its way (from sending it until ``response.created`` or its
error). A request made meanwhile is remembered, and one ``response.create`` goes out when the
running response ends, however many inputs asked for one. If the server still refuses ours
(a VAD-started response won the race, §7.c), the refusal is swallowed and the request queued
again.
"""

from __future__ import annotations

from typing import Final

from ...model.commands import CreateResponse

__all__ = ["ALREADY_ACTIVE", "CREATE_ID_PREFIX", "ResponseSequencer"]

CREATE_ID_PREFIX: Final = "rtv_resp_"
"""``event_id`` prefix of every ``response.create`` the session sends."""

ALREADY_ACTIVE: Final = "conversation_already_has_active_response"
"""The error code of a ``response.create`` made while a response is running (§8)."""

_MAX_IMMEDIATE_RETRIES: Final = 3


class ResponseSequencer:
    """Decides when a ``response.create`` may be sent. Pure: no IO, no clock.

    Call :meth:`request` whenever an input wants an answer, and feed it ``response.created``,
    ``response.done`` and the errors of its own creates; each method returns the
    :class:`~rtvoice.model.commands.CreateResponse` to send now, if any.
    """

    __slots__ = ("_active", "_counter", "_in_flight", "_pending", "_rejections")

    def __init__(self) -> None:
        self._active: set[str] = set()
        self._in_flight: str | None = None
        self._pending = False
        self._counter = 0
        self._rejections = 0

    @property
    def active(self) -> frozenset[str]:
        """Ids of the responses running now (normally zero or one)."""
        return frozenset(self._active)

    @property
    def response_active(self) -> bool:
        """Whether a response is running."""
        return bool(self._active)

    @property
    def create_in_flight(self) -> bool:
        """Whether a ``response.create`` of ours awaits its ``response.created`` (or error)."""
        return self._in_flight is not None

    @property
    def pending(self) -> bool:
        """Whether a response was asked for and will be created when the current one ends."""
        return self._pending

    @property
    def settled(self) -> bool:
        """Nothing running, nothing on its way, nothing waiting: the turn is over."""
        return not self._active and self._in_flight is None and not self._pending

    @staticmethod
    def owns(event_id: str | None) -> bool:
        """Whether ``event_id`` is one of this sequencer's ``response.create`` ids."""
        return event_id is not None and event_id.startswith(CREATE_ID_PREFIX)

    def request(self) -> CreateResponse | None:
        """Ask for a response: the create to send now, or ``None`` if it has to wait."""
        if self._active or self._in_flight is not None:
            self._pending = True
            return None
        return self._create()

    def drop_pending(self) -> bool:
        """Forget a waiting request (its input was blocked); whether there was one."""
        pending, self._pending = self._pending, False
        return pending

    def connection_lost(self) -> bool:
        """The connection ended: a create on its way will never be answered. Whether a
        response was running or on its way (the running ones stay :attr:`active` until the
        session ends them)."""
        lost = bool(self._active) or self._in_flight is not None
        self._in_flight = None
        self._rejections = 0
        return lost

    def response_created(self, response_id: str) -> None:
        """A response started (ours or the server's)."""
        self._active.add(response_id)
        # The server answers commands in order: a ``response.created`` that arrives while ours
        # is in flight is ours, or it came first and ours will be refused (then the refusal
        # names our event id, and :meth:`create_failed` queues the request again).
        self._in_flight = None

    def response_done(self, response_id: str) -> CreateResponse | None:
        """A response ended: the waiting create to send now, if any."""
        self._active.discard(response_id)
        self._rejections = 0
        if self._pending and not self._active and self._in_flight is None:
            self._pending = False
            return self._create()
        return None

    def create_failed(self, event_id: str, code: str | None) -> tuple[bool, CreateResponse | None]:
        """The server refused one of our creates (``event_id`` is :meth:`owns`).

        Returns:
            ``(swallow, retry)``: whether the error is the expected race (not the
            application's business), and a create to send at once. A refused create is
            queued again behind the running response; when none is known to run, it is
            retried at once, at most a few times in a row before the error is let through.
        """
        if event_id == self._in_flight:
            self._in_flight = None
        if code != ALREADY_ACTIVE:
            return False, None
        if self._active or self._in_flight is not None:
            self._pending = True
            return True, None
        self._rejections += 1
        if self._rejections > _MAX_IMMEDIATE_RETRIES:
            return False, None
        self._pending = False
        return True, self._create()

    def _create(self) -> CreateResponse:
        self._counter += 1
        self._in_flight = f"{CREATE_ID_PREFIX}{self._counter}"
        return CreateResponse(event_id=self._in_flight)
