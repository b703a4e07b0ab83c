"""A scripted GPT-Live server on 127.0.0.1, for tests that play a server nobody here wrote.

It speaks just the Live frames a test writes, as plain dicts: ``session.started`` for
``session.start``, ``session.updated`` for ``session.update``, ``session.closed`` (reason
``close_requested``) for ``session.close``, and whatever the test's ``on_frame`` answers to the
other client frames. The test drives the conversation through :meth:`LiveConnection.send`
(``user_says``, ``assistant_says``, ``delegate`` build the frames). Nothing of rtvoice is
used, so a test over it checks rtvoice against the wire.

    async with live_server() as server:
        conn = await server.connection()
        await conn.send(*user_says("hello"))
        server.of_type("session.commentary.append")
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

Frame = dict[str, Any]
_ids = itertools.count(1)
WAIT = 3.0


def new_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


def session_resource(start: Frame | None = None) -> Frame:
    """The session a ``session.start`` asked for, as the server resolves it."""
    asked = dict((start or {}).get("session", {}))
    audio = asked.pop("audio", {})
    return {
        "id": "sess_live_scripted",
        "expires_at": 1_900_000_000,
        "model": asked.pop("model", "gpt-live-1.1"),
        "status": "active",
        "audio": {
            "format": audio.get("format", {"type": "audio/pcm", "rate": 24000}),
            "output": audio.get("output", {"voice": "marin"}),
        },
        **asked,
    }


def user_says(text: str, start_ms: int = 0) -> list[Frame]:
    """The input transcript of the user's speech, one fragment per word."""
    words = text.split(" ")
    return [
        {
            "type": "session.input_transcript.delta",
            "delta": (word if i == 0 else " " + word),
            "start_ms": start_ms + 200 * i,
            "end_ms": start_ms + 200 * (i + 1),
        }
        for i, word in enumerate(words)
    ]


def assistant_says(text: str, chunks: int = 2) -> list[Frame]:
    """The assistant speaking ``text``: its transcript, then ``chunks`` of 100 ms of audio."""
    audio = base64.b64encode(bytes(4800)).decode()
    frames: list[Frame] = [
        {"type": "session.output_transcript.delta", "delta": text, "start_ms": 0, "end_ms": 0}
    ]
    frames += [{"type": "session.output_audio.delta", "delta": audio} for _ in range(chunks)]
    return frames


def delegate(delegation_id: str, target: str = "client") -> Frame:
    return {
        "type": "session.delegation.created",
        "delegation": {"id": delegation_id, "target": target, "type": "delegation"},
        "offset_ms": 1000,
    }


OnFrame = Callable[["LiveConnection", Frame], Awaitable[None]]


async def ignore(conn: LiveConnection, frame: Frame) -> None:
    """The default script: nothing beyond the session frames."""


@dataclass
class LiveConnection:
    ws: ServerConnection
    received: list[Frame] = field(default_factory=list)
    started: Frame | None = None

    async def send(self, *frames: Frame) -> None:
        for frame in frames:
            frame.setdefault("event_id", new_id("event"))
            await self.ws.send(json.dumps(frame))

    async def send_text(self, text: str) -> None:
        await self.ws.send(text)


@dataclass
class LiveServer:
    port: int = 0
    connections: list[LiveConnection] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/live/sessions"

    @property
    def received(self) -> list[Frame]:
        return [frame for conn in self.connections for frame in conn.received]

    def of_type(self, kind: str) -> list[Frame]:
        return [frame for frame in self.received if frame.get("type") == kind]

    async def connection(self) -> LiveConnection:
        """The first connection, once its session started."""
        with anyio.fail_after(WAIT):
            while not self.connections or self.connections[0].started is None:  # noqa: ASYNC110
                await anyio.sleep(0.005)
        return self.connections[0]

    async def arrived(self, kind: str, count: int = 1) -> list[Frame]:
        """Wait until ``count`` frames of ``kind`` arrived; those frames."""
        with anyio.fail_after(WAIT):
            while len(self.of_type(kind)) < count:  # noqa: ASYNC110
                await anyio.sleep(0.005)
        return self.of_type(kind)


@asynccontextmanager
async def live_server(
    on_frame: OnFrame = ignore, *, answer_close: bool = True
) -> AsyncIterator[LiveServer]:
    """Serve GPT-Live on 127.0.0.1 (a free port) until the block ends.

    Args:
        on_frame: Answers each client frame other than the session frames.
        answer_close: Answer ``session.close`` with ``session.closed`` (else ignore it).
    """
    server = LiveServer()

    async def handle(ws: ServerConnection) -> None:
        conn = LiveConnection(ws)
        server.connections.append(conn)
        with contextlib.suppress(ConnectionClosed):
            async for message in ws:
                frame = json.loads(message)
                conn.received.append(frame)
                kind = frame.get("type")
                if kind == "session.start":
                    conn.started = frame
                    await conn.send({"type": "session.started", "session": session_resource(frame)})
                elif kind == "session.update":
                    await conn.send(
                        {
                            "type": "session.updated",
                            "session": session_resource(conn.started),
                            "client_event_id": frame.get("event_id"),
                        }
                    )
                elif kind == "session.close" and answer_close:
                    await conn.send(
                        {
                            "type": "session.closed",
                            "reason": "close_requested",
                            "session": session_resource(conn.started),
                            "usage": {"seconds": 3.0},
                        }
                    )
                elif kind != "session.close":
                    await on_frame(conn, frame)

    async with serve(handle, "127.0.0.1", 0) as listener:
        server.port = next(iter(listener.sockets)).getsockname()[1]
        yield server
