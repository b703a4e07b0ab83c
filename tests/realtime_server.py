"""A scripted Realtime server on 127.0.0.1 for tests that play a server nobody here wrote.

It speaks just the GA protocol's frames a test writes, as plain dicts: ``session.created`` on
connect, ``session.updated`` for each ``session.update`` (the test may change what it
echoes), and whatever the test's ``on_frame`` answers to the other client frames. Nothing of
rtvoice's simulator or codec is used, so a test over it checks rtvoice against the wire.

    async with scripted_server(on_frame=answer) as server:
        runner = RealtimeRunner(agent, provider=server.provider())
        ...
        server.received            # every client frame, decoded
        await server.close(1011)   # the server drops the connection with a close frame
        server.abort()             # ... or without one (TCP reset)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request

from rtvoice import OpenAIProvider
from rtvoice.simulator._connection import DroppableConnection

Frame = dict[str, Any]
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


def session_object(**overrides: Any) -> dict[str, Any]:
    """A GA ``realtime.session`` as the server states it (audio in and out, server VAD)."""
    session: dict[str, Any] = {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_scripted",
        "model": "gpt-realtime",
        "instructions": "",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "noise_reduction": None,
                "transcription": None,
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 200,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
        },
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
    }
    session.update(overrides)
    return session


def merged_session(update: dict[str, Any]) -> dict[str, Any]:
    """The session a ``session.update`` asked for, as a server would echo it (shallow)."""
    session = session_object()
    asked = dict(update.get("session", {}))
    audio = asked.pop("audio", None)
    session.update(asked)
    if isinstance(audio, dict):
        for side in ("input", "output"):
            if isinstance(audio.get(side), dict):
                session["audio"][side].update(audio[side])
    return session


def response_object(rid: str, status: str = "in_progress", **overrides: Any) -> dict[str, Any]:
    response: dict[str, Any] = {
        "object": "realtime.response",
        "id": rid,
        "status": status,
        "status_details": None,
        "output": [],
        "conversation_id": "conv_scripted",
        "output_modalities": ["text"],
        "max_output_tokens": "inf",
        "usage": None,
        "metadata": None,
    }
    response.update(overrides)
    return response


def usage_object(input_tokens: int = 2, output_tokens: int = 3) -> dict[str, Any]:
    return {
        "total_tokens": input_tokens + output_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_token_details": {"text_tokens": input_tokens, "audio_tokens": 0},
        "output_token_details": {"text_tokens": output_tokens, "audio_tokens": 0},
    }


def user_item_echo(frame: Frame, previous: str | None) -> tuple[str, list[Frame]]:
    """``conversation.item.added`` / ``.done`` for a client's ``conversation.item.create``."""
    item = dict(frame["item"])
    item.setdefault("id", new_id("item"))
    item.setdefault("status", "completed")
    added = {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
    return item["id"], [added, {**added, "type": "conversation.item.done"}]


def text_response(
    text: str, previous: str | None, *, rid: str | None = None, item_id: str | None = None
) -> tuple[str, list[Frame]]:
    """Every frame of a text reply, ``response.created`` to ``response.done``."""
    rid = rid or new_id("resp")
    iid = item_id or new_id("item")
    where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
    opening = {"id": iid, "type": "message", "status": "in_progress", "role": "assistant"}
    done_item = {
        **opening,
        "status": "completed",
        "content": [{"type": "output_text", "text": text}],
    }
    frames: list[Frame] = [
        {"type": "response.created", "response": response_object(rid)},
        {"type": "response.output_item.added", "response_id": rid, "output_index": 0,
         "item": {**opening, "content": []}},
        {"type": "conversation.item.added", "previous_item_id": previous,
         "item": {**opening, "content": []}},
        {"type": "response.content_part.added", **where, "part": {"type": "text", "text": ""}},
        {"type": "response.output_text.delta", **where, "delta": text},
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.content_part.done", **where, "part": {"type": "text", "text": text}},
        {"type": "conversation.item.done", "previous_item_id": previous, "item": done_item},
        {"type": "response.output_item.done", "response_id": rid, "output_index": 0,
         "item": done_item},
        {"type": "response.done", "response": response_object(
            rid, "completed", output=[done_item], usage=usage_object())},
    ]  # fmt: skip
    return iid, frames


OnFrame = Callable[["ScriptedConnection", Frame], Awaitable[None]]


@dataclass
class ScriptedConnection:
    """One client connection: what it sent, and a way to answer."""

    ws: DroppableConnection
    received: list[Frame] = field(default_factory=list)
    last_item: str | None = None
    """The id of the newest item in the conversation (``previous_item_id`` for the next)."""

    async def send(self, *frames: Frame) -> None:
        for frame in frames:
            frame.setdefault("event_id", new_id("event"))
            await self.ws.send(json.dumps(frame))

    async def reply(self, text: str) -> list[Frame]:
        """Answer with a whole text response after the newest item."""
        iid, frames = text_response(text, self.last_item)
        self.last_item = iid
        await self.send(*frames)
        return frames


async def echo_and_reply(conn: ScriptedConnection, frame: Frame) -> None:
    """The default script: echo user items, answer each ``response.create`` with "ok"."""
    if frame["type"] == "conversation.item.create":
        iid, frames = user_item_echo(frame, conn.last_item)
        conn.last_item = iid
        await conn.send(*frames)
    elif frame["type"] == "response.create":
        await conn.reply("ok")


@dataclass
class ScriptedServer:
    port: int = 0
    connections: list[ScriptedConnection] = field(default_factory=list)
    session_updated: Callable[[Frame], dict[str, Any]] = merged_session
    """What ``session.updated`` carries for a ``session.update``."""

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1"

    def provider(self) -> OpenAIProvider:
        return OpenAIProvider(api_key="sk-scripted", base_url=self.url)

    @property
    def received(self) -> list[Frame]:
        """Every client frame on every connection, in order per connection."""
        return [frame for conn in self.connections for frame in conn.received]

    def of_type(self, kind: str) -> list[Frame]:
        return [frame for frame in self.received if frame.get("type") == kind]

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close every connection from the server's side, with a close frame."""
        for conn in self.connections:
            await conn.ws.close(code, reason)

    def abort(self) -> None:
        """Drop every connection without a close frame (the client sees 1006)."""
        for conn in self.connections:
            conn.ws.drop()


@asynccontextmanager
async def scripted_server(
    on_frame: OnFrame = echo_and_reply,
    *,
    max_size: int | None = 2**20,
    handshake_delay: Callable[[int], float] | None = None,
) -> AsyncIterator[ScriptedServer]:
    """Serve on 127.0.0.1 (a free port) until the block ends.

    Args:
        on_frame: Answers each client frame other than ``session.update``.
        max_size: The largest client frame accepted, in bytes (websockets' default 1 MiB);
            a larger one fails the connection with close code 1009, as OpenAI's server does
            past its limit (15 MiB per event, PROTOCOL.md §10).
        handshake_delay: Seconds to hold the upgrade of connection *n* (from 0) before
            answering it: a slow reconnect.
    """
    server = ScriptedServer()
    upgrades = itertools.count()

    async def hold(connection: ServerConnection, request: Request) -> None:
        if handshake_delay is not None:
            await asyncio.sleep(handshake_delay(next(upgrades)))

    async def handle(ws: ServerConnection) -> None:
        assert isinstance(ws, DroppableConnection)
        conn = ScriptedConnection(ws)
        server.connections.append(conn)
        with contextlib.suppress(ConnectionClosed):  # a test that drops it is done with it
            await conn.send({"type": "session.created", "session": session_object()})
            await serve_frames(conn)

    async def serve_frames(conn: ScriptedConnection) -> None:
        async for message in conn.ws:
            frame = json.loads(message)
            conn.received.append(frame)
            if frame.get("type") == "session.update":
                await conn.send(
                    {"type": "session.updated", "session": server.session_updated(frame)}
                )
            else:
                await on_frame(conn, frame)

    async with serve(
        handle,
        "127.0.0.1",
        0,
        create_connection=DroppableConnection,
        max_size=max_size,
        process_request=hold,
    ) as listener:
        server.port = next(iter(listener.sockets)).getsockname()[1]
        yield server
