"""Helpers for the GPT-Live simulator tests: the ``openai`` SDK's own Live client against
the simulator, and a record of every frame both ways, checked against the SDK's types."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import anyio
import openai
from openai.types.live import ClientEvent, ConnectServerEvent
from openai.types.responses import ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

from rtvoice.simulator import DEFAULT_API_KEY, Simulator, encode_speech

WAIT = 5.0
"""The longest any test waits for one frame."""

CLIENT_EVENT = TypeAdapter(ClientEvent)
SERVER_EVENT = TypeAdapter(ConnectServerEvent)
RESPONSE_STREAM_EVENT = TypeAdapter(ResponseStreamEvent)

SILENCE_MS = 400
"""Silence sent after an utterance: enough for the simulated model's 200 ms turn end."""


class Wire:
    """Every frame of a simulator's Live connections, as the server saw them."""

    def __init__(self) -> None:
        self.frames: list[tuple[Literal["client", "server"], str]] = []

    def __call__(self, sender: Literal["client", "server"], frame: str) -> None:
        self.frames.append((sender, frame))

    def sent(self, sender: Literal["client", "server"]) -> list[dict[str, Any]]:
        return [json.loads(frame) for who, frame in self.frames if who == sender]

    def check(self) -> None:
        """Each client frame is a valid ``ClientEvent``, each server frame a valid
        ``ConnectServerEvent``, each nested ``response.event`` a ``ResponseStreamEvent``,
        and no server frame has a field the SDK's types do not declare (they would accept
        one silently)."""
        for who, frame in self.frames:
            if who == "client":
                CLIENT_EVENT.validate_json(frame)
                continue
            assert_no_extras(SERVER_EVENT.validate_json(frame), frame)
            body = json.loads(frame)
            if body["type"] == "response.event":
                nested = RESPONSE_STREAM_EVENT.validate_python(body["event"])
                assert_no_extras(nested, frame)


def assert_no_extras(value: object, frame: str) -> None:
    """Fail when a validated SDK model (or one inside it) kept fields it does not declare."""
    if isinstance(value, BaseModel):
        extra = value.model_extra or {}
        assert not extra, f"undeclared fields {sorted(extra)} in {frame[:200]}"
        for name in type(value).model_fields:
            assert_no_extras(getattr(value, name), frame)
    elif isinstance(value, list | tuple):
        for element in value:
            assert_no_extras(element, frame)
    elif isinstance(value, dict):
        for element in value.values():
            assert_no_extras(element, frame)


def client_for(sim: Simulator) -> openai.AsyncOpenAI:
    """The SDK client, pointed at the simulator with the key it accepts."""
    return openai.AsyncOpenAI(
        base_url=sim.url.replace("ws://", "http://", 1),
        api_key=sim.api_key or DEFAULT_API_KEY,
        max_retries=0,
    )


@asynccontextmanager
async def live_session(sim: Simulator, session: dict[str, Any] | None = None) -> AsyncIterator[Any]:
    """An SDK Live connection whose ``session.start`` has been answered."""
    async with client_for(sim).live.connect() as connection:
        await connection.session.start(session=session or {"model": "gpt-live-1"})
        started = await next_event(connection, "session.started")
        assert started.session.model == (session or {"model": "gpt-live-1"})["model"]
        yield connection


async def next_event(connection: Any, event_type: str) -> Any:
    """The next event of ``event_type`` (others are skipped)."""
    with anyio.fail_after(WAIT):
        while True:
            event = await connection.recv()
            if event.type == event_type:
                return event


async def events_until(connection: Any, event_type: str) -> list[Any]:
    """Every event up to and including the next ``event_type``."""
    events = []
    with anyio.fail_after(WAIT):
        while True:
            event = await connection.recv()
            events.append(event)
            if event.type == event_type:
                return events


async def say(connection: Any, text: str) -> None:
    """Speak ``text`` to the session in the simulator's speech, then a turn-ending silence,
    in 100 ms appends as a microphone would."""
    audio = encode_speech(text) + bytes(48 * SILENCE_MS)
    for offset in range(0, len(audio), 4800):
        chunk = audio[offset : offset + 4800]
        await connection.session.input_audio.append(audio=base64.b64encode(chunk).decode())


def joined(events: list[Any], event_type: str) -> str:
    """The concatenated ``delta`` of every event of ``event_type``."""
    return "".join(event.delta for event in events if event.type == event_type)
