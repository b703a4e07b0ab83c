"""Helpers for session tests over the simulator (real loopback sockets, no mocks)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from rtvoice.agent import RealtimeAgent
from rtvoice.audio import AudioFormatName, bytes_for_ms, from_pcm16
from rtvoice.config import normalize_run_config
from rtvoice.errors import TransportClosedError
from rtvoice.model import (
    ConnectRequest,
    ModelCommand,
    ModelEvent,
    OpenAIRealtimeModel,
    RealtimeModel,
)
from rtvoice.model.commands import UpdateSession
from rtvoice.model.events import SessionUpdated
from rtvoice.session import RealtimeSession, RealtimeSessionEvent
from rtvoice.simulator import Simulator, encode_speech

WAIT = 15.0
"""Seconds any one test waits for the events it expects."""

ASSISTANT = RealtimeAgent(name="Assistant", instructions="Keep answers short.")


class Recorder:
    """A connector like ``OpenAIRealtimeModel.connect`` that records every command sent."""

    def __init__(self) -> None:
        self.sent: list[ModelCommand] = []
        self.connects = 0

    async def connect(self, request: ConnectRequest) -> RealtimeModel:
        self.connects += 1
        return _RecordingModel(await OpenAIRealtimeModel.connect(request), self.sent)

    def of(self, kind: type[Any]) -> list[Any]:
        """The commands sent of one type, in order."""
        return [command for command in self.sent if isinstance(command, kind)]


class _RecordingModel:
    def __init__(self, model: RealtimeModel, sent: list[ModelCommand]) -> None:
        self._model = model
        self._sent = sent

    def events(self) -> AsyncIterator[ModelEvent]:
        return self._model.events()

    async def send(self, command: ModelCommand) -> None:
        self._sent.append(command)
        await self._model.send(command)

    async def close(self) -> None:
        await self._model.close()


def open_session(
    sim: Simulator,
    *,
    agent: RealtimeAgent[Any] = ASSISTANT,
    config: dict[str, Any] | None = None,
    url: str | None = None,
    recorder: Recorder | None = None,
    **kwargs: Any,
) -> RealtimeSession:
    """A session to ``sim``, built as the runner builds it, not yet entered."""
    return RealtimeSession(
        agent=agent,
        settings=normalize_run_config(config),
        connector=recorder.connect if recorder is not None else OpenAIRealtimeModel.connect,
        request=ConnectRequest(
            url=url or sim.realtime_url(), headers=sim.provider().build_headers()
        ),
        **kwargs,
    )


async def events_until(
    session: RealtimeSession,
    stop: str | Callable[[RealtimeSessionEvent], bool],
    *,
    limit: float = WAIT,
) -> list[RealtimeSessionEvent]:
    """Events up to and including the first that matches ``stop`` (a type, or a predicate)."""
    matches = (lambda event: event.type == stop) if isinstance(stop, str) else stop
    seen: list[RealtimeSessionEvent] = []
    with anyio.fail_after(limit):
        async for event in session:
            seen.append(event)
            if matches(event):
                return seen
    raise AssertionError(f"iteration ended before {stop!r}; saw {[e.type for e in seen]}")


def speech(text: str, fmt: AudioFormatName = "pcm16", *, silence_ms: int = 600) -> bytes:
    """User speech the simulator understands, followed by silence so server VAD ends the turn."""
    silence = from_pcm16(bytes(bytes_for_ms(silence_ms, "pcm16")), 24_000, fmt)
    return encode_speech(text, fmt) + silence


def chunks(audio: bytes, fmt: AudioFormatName = "pcm16", ms: int = 40) -> list[bytes]:
    size = bytes_for_ms(ms, fmt)
    return [audio[offset : offset + size] for offset in range(0, len(audio), size)]


def kinds(events: list[RealtimeSessionEvent]) -> list[str]:
    """Event types, with consecutive repeats collapsed (``audio`` x 12 -> ``audio``)."""
    out: list[str] = []
    for event in events:
        if not out or out[-1] != event.type:
            out.append(event.type)
    return out


class FakeModel:
    """A model connection the test drives by hand: it records every command, and yields the
    events the test pushes (``push``) until ``end`` (clean) or ``fail`` (an exception)."""

    def __init__(self) -> None:
        self.sent: list[ModelCommand] = []
        self.closed = False
        self._send, self._receive = anyio.create_memory_object_stream[
            "ModelEvent | BaseException | None"
        ](100)

    async def connect(self, request: ConnectRequest) -> FakeModel:
        return self

    def push(self, *events: ModelEvent) -> None:
        for event in events:
            self._send.send_nowait(event)

    def end(self) -> None:
        self._send.send_nowait(None)

    def fail(self, error: BaseException) -> None:
        self._send.send_nowait(error)

    async def events(self) -> AsyncIterator[ModelEvent]:
        async for event in self._receive:
            if event is None:
                return
            if isinstance(event, BaseException):
                raise event
            yield event

    async def send(self, command: ModelCommand) -> None:
        if self.closed:
            raise TransportClosedError("closed")
        self.sent.append(command)
        if isinstance(command, UpdateSession) and self.auto_confirm:
            self.push(SessionUpdated(session=command.session))

    auto_confirm = True

    async def close(self) -> None:
        self.closed = True
        self._send.close()


def fake_session(model: FakeModel, **kwargs: Any) -> RealtimeSession:
    return RealtimeSession(
        agent=kwargs.pop("agent", ASSISTANT),
        settings=normalize_run_config(kwargs.pop("config", None)),
        connector=model.connect,
        request=ConnectRequest(url="ws://fake.invalid/v1/realtime"),
        **kwargs,
    )
