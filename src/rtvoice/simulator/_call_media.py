"""A SIP call's media path in the simulator: the phone line between the caller and the model.

On a real SIP call the audio travels as RTP between the phone network and OpenAI; the
application's ``?call_id=`` socket (the sideband) carries events only, no audio deltas. The
simulator keeps that split: :class:`CallMedia` is the phone line (what the caller says goes
to the call's model, what the model says goes to the caller's ear), and
:class:`CallSession` is the call's model, configured by the accept, with its audio deltas
routed to the line instead of the socket.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable

import anyio

from ..model.commands import ModelCommand, UpdateSession
from ..model.events import AudioDelta, ModelEvent, SessionCreated
from ._defaults import SimulatorOptions
from ._engine import SimulatedSession
from ._ids import IdSource
from ._responder import Responder
from ._step import Step

__all__ = ["CallMedia", "CallSession"]

_MAX_INBOUND_CHUNKS = 2000
"""Caller audio waiting for the call's model (no socket attached yet): about 40 s of 20 ms
chunks; older chunks are dropped beyond it, as a jitter buffer would."""


class CallMedia:
    """The phone line of one call: caller audio in, model audio out."""

    def __init__(self) -> None:
        self._inbound: deque[bytes] = deque(maxlen=_MAX_INBOUND_CHUNKS)
        self._inbound_ready = anyio.Event()
        self.heard = bytearray()
        """Everything the model said to the caller, in the session's output format."""
        self.first_audio_at: float | None = None
        """``time.perf_counter()`` when the first model audio reached the caller."""
        self._heard_changed = anyio.Event()

    # The caller's side

    def speak(self, audio: bytes) -> None:
        """The caller says ``audio`` (in the session's input format) into the line."""
        self._inbound.append(audio)
        self._inbound_ready.set()

    async def wait_heard(self, size: int) -> None:
        """Wait until the caller heard at least ``size`` bytes in all."""
        while len(self.heard) < size:
            changed = self._heard_changed
            await changed.wait()

    async def changed(self) -> None:
        """Wait until the caller hears something new."""
        await self._heard_changed.wait()

    # The model's side

    async def next_inbound(self) -> bytes:
        """The next chunk the caller said (waits for one)."""
        while not self._inbound:
            self._inbound_ready = anyio.Event()
            await self._inbound_ready.wait()
        return self._inbound.popleft()

    def hear(self, audio: bytes) -> None:
        """The model's audio reaches the caller."""
        if self.first_audio_at is None:
            self.first_audio_at = time.perf_counter()
        self.heard += audio
        changed, self._heard_changed = self._heard_changed, anyio.Event()
        changed.set()


class CallSession(SimulatedSession):
    """The model of one accepted call: starts with the accept's configuration (so its
    ``session.created`` already carries it) and plays its audio on the phone line.

    Args:
        media: The call's line.
        accepted: The session configuration the accept carried.
        model: The model the accept named.
        now, ids, options, responder: As for :class:`SimulatedSession`.
    """

    def __init__(
        self,
        *,
        media: CallMedia,
        accepted: UpdateSession | None,
        model: str,
        now: float,
        ids: IdSource,
        options: SimulatorOptions,
        responder: Responder | None,
    ) -> None:
        super().__init__(
            model=model, now=now, ids=ids, options=options, responder=responder, webrtc=True
        )
        self._media = media
        self._accepted = accepted
        self._now = now

    def start(self) -> list[ModelEvent]:
        created = super().start()
        if self._accepted is None:
            return created
        self.handle(self._accepted, self._now)  # validated when the call was accepted
        return [
            SessionCreated(
                session=self.session, session_id=self.session_id, expires_at=int(self.expires_at)
            )
        ]

    def handle(self, command: ModelCommand, now: float) -> list[ModelEvent]:
        return self._to_line(super().handle(command, now))

    def next_step(self, now: float) -> Step | None:
        step = super().next_step(now)
        if step is None or step.audio_ms == 0:
            return step
        return Step(events=tuple(self._to_line(step.events)), audio_ms=step.audio_ms)

    def tick(self, now: float) -> list[ModelEvent]:
        return self._to_line(super().tick(now))

    def _to_line(self, events: Iterable[ModelEvent]) -> list[ModelEvent]:
        kept: list[ModelEvent] = []
        for event in events:
            if isinstance(event, AudioDelta):
                self._media.hear(event.audio)
            else:
                kept.append(event)
        return kept
