"""One response at a time: the library never provokes ``conversation_already_has_active_response``.

Only one response may write to the default conversation at a time.
:class:`ResponseSequencer` knows when one is running (from ``response.created`` to
``response.done``, whoever started it: the client or server VAD) and when a
``response.create`` of ours is on its way (from sending it until ``response.created`` or its
error). A request made meanwhile is remembered, and one ``response.create`` goes out when the
running response ends, however many inputs asked for one. If the server still refuses ours
(a VAD-started response won the race), the refusal is swallowed and the request queued
again.

It also bounds its two waits (``timeouts.response_created`` and ``timeouts.response_idle``),
without a clock: arming a wait returns a :class:`~._waits.Timer`, and :meth:`create_expired`
and :meth:`idle_expired` say, when one fires, whether the wait is given up. A create given up
is forgotten (a late ``response.created`` then counts as a response the server started); a
response given up is forgotten too, and remembered as ended, so that its late events change
nothing here. :meth:`reset` (an interruption) forgets every request, and
:meth:`server_idle` (the server said no response runs) every running response.
"""

from __future__ import annotations

from typing import Final

from ...model.commands import CreateResponse
from ._guardrail_watch import RecentIds
from ._waits import Timer

__all__ = ["ALREADY_ACTIVE", "CREATE_ID_PREFIX", "ResponseSequencer"]

CREATE_ID_PREFIX: Final = "rtv_resp_"
"""``event_id`` prefix of every ``response.create`` the session sends."""

ALREADY_ACTIVE: Final = "conversation_already_has_active_response"
"""The error code of a ``response.create`` made while a response is running."""

_MAX_IMMEDIATE_RETRIES: Final = 3


class ResponseSequencer:
    """Decides when a ``response.create`` may be sent. Pure: no IO, no clock.

    Call :meth:`request` whenever an input wants an answer, and feed it ``response.created``,
    ``response.done`` and the errors of its own creates; each method returns the
    :class:`~rtvoice.model.commands.CreateResponse` to send now, if any. Every create sent
    must be followed by its :meth:`created_timer` being armed, and each event of a running
    response must set :attr:`last_event_at`.

    Args:
        created_timeout: Seconds a create waits for ``response.created``.
        idle_timeout: Seconds a running response may go without an event.
    """

    __slots__ = (
        "_active",
        "_counter",
        "_create_token",
        "_created_timeout",
        "_ended",
        "_idle_armed",
        "_idle_timeout",
        "_in_flight",
        "_pending",
        "_rejections",
        "_tokens",
        "last_event_at",
    )

    def __init__(self, created_timeout: float = 15.0, idle_timeout: float = 60.0) -> None:
        self._active: set[str] = set()
        self._in_flight: str | None = None
        self._pending = False
        self._counter = 0
        self._rejections = 0
        self._created_timeout = created_timeout
        self._idle_timeout = idle_timeout
        self._tokens = 0
        self._create_token = 0
        self._idle_armed: int | None = None
        """The token of the armed idle timer, while responses run."""
        self._ended = RecentIds()
        """Responses that ended (done, or given up): their late events start nothing."""
        self.last_event_at = 0.0
        """When the latest event of a running response arrived (monotonic seconds): set by
        the state for each one, deltas included (a plain store, no call)."""

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

    def ended(self, response_id: str) -> bool:
        """Whether ``response_id`` ended already (its ``response.done`` came, or it was given
        up): a repeated or late event of it."""
        return response_id in self._ended

    def response_created(self, response_id: str, now: float) -> Timer | None:
        """A response started (ours or the server's): the idle timer to arm, if none is.

        A ``response.created`` of a response that already ended changes nothing.
        """
        if response_id in self._ended:
            return None
        self._active.add(response_id)
        # The server answers commands in order: a ``response.created`` that arrives while ours
        # is in flight is ours, or it came first and ours will be refused (then the refusal
        # names our event id, and :meth:`create_failed` queues the request again).
        self._in_flight = None
        self.last_event_at = now
        if self._idle_armed is not None:
            return None
        self._idle_armed = self._next_token()
        return Timer("response_idle", self._idle_timeout, self._idle_armed)

    def response_done(self, response_id: str) -> CreateResponse | None:
        """A response ended: the waiting create to send now, if any."""
        self._ended.add(response_id)
        self._active.discard(response_id)
        self._rejections = 0
        if not self._active:
            self._idle_armed = None
        if self._pending and not self._active and self._in_flight is None:
            self._pending = False
            return self._create()
        return None

    # -----------------------------------------------------------------------------------------
    # Bounded waits

    def created_timer(self) -> Timer:
        """The timer bounding the create in flight (arm it right after sending the create)."""
        return Timer("response_created", self._created_timeout, self._create_token)

    @property
    def waits_for_create(self) -> str | None:
        """The event id of the create in flight, if any."""
        return self._in_flight

    def create_expired(self, timer: Timer) -> str | None:
        """A created timer fired: the event id of the create given up now, or ``None`` if its
        answer came meanwhile. A request waiting behind it is not dropped: take it with
        :meth:`take_pending`."""
        if self._in_flight is None or timer.token != self._create_token:
            return None
        given_up, self._in_flight = self._in_flight, None
        return given_up

    def idle_expired(self, timer: Timer, now: float) -> tuple[Timer | None, tuple[str, ...]]:
        """The idle timer fired at ``now``.

        Returns:
            ``(rearm, given_up)``: the timer for the rest of the window when a running
            response had an event within it, else the responses given up now (forgotten,
            and remembered as ended); both empty if the timer is stale.
        """
        if timer.token != self._idle_armed or not self._active:
            return None, ()
        left = self.last_event_at + self._idle_timeout - now
        if left > 0:
            return Timer("response_idle", left, timer.token), ()
        return None, self.server_idle()

    def server_idle(self) -> tuple[str, ...]:
        """No response runs on the server (it said so, or they were given up): forget the
        running ones; returns their ids, oldest first."""
        given_up = tuple(self._active)
        for response_id in given_up:
            self._ended.add(response_id)
        self._active.clear()
        self._idle_armed = None
        return given_up

    def take_pending(self) -> CreateResponse | None:
        """The waiting request's create, if one waits and nothing runs or is on its way."""
        if self._pending and not self._active and self._in_flight is None:
            self._pending = False
            return self._create()
        return None

    def reset(self) -> bool:
        """Forget every request (an interruption): the waiting one, and the create on its way
        (its response, should it still start, counts as the server's). Returns whether a
        response may be running or about to (then it needs a ``response.cancel``)."""
        busy = bool(self._active) or self._in_flight is not None
        self._pending = False
        self._in_flight = None
        self._rejections = 0
        return busy

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
        self._create_token = self._next_token()
        return CreateResponse(event_id=self._in_flight)

    def _next_token(self) -> int:
        self._tokens += 1
        return self._tokens
