"""Audio first across sessions: one call's end-of-response bookkeeping does not hold up another
call's audio that arrived at the same moment.

Two sessions of one process talk to a raw realtime server on 127.0.0.1 that writes both
sockets in one step, so both readers wake in the same pass of the event loop: session A
with the frames that close its response, session B with an audio delta. The order in which
things happen across the two sessions is what is asserted: B's application gets its audio
before A's reader closes A's turn (A's turn span ends) and before A's application hears
``agent_end``; each session still sees all of its own events, in order.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from session_kit import WAIT

from rtvoice import RealtimeAgent, RealtimeRunner
from rtvoice._backlog import loop_backlog
from rtvoice._tracing import _names as n
from rtvoice.session import RealtimeSession

pytestmark = pytest.mark.anyio

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PCM = base64.b64encode(b"\x01\x00" * 480).decode()  # 20 ms of 24 kHz PCM16


def text_frame(value: str) -> bytes:
    payload = value.encode()
    size = len(payload)
    if size < 126:
        head = bytes([0x81, size])
    elif size < 1 << 16:
        head = bytes([0x81, 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x81, 127]) + size.to_bytes(8, "big")
    return head + payload


def client_texts(buffer: bytearray) -> list[str | None]:
    """Take the complete (masked) client frames off ``buffer``: text payloads, ``None`` for a
    close frame."""
    out: list[str | None] = []
    while len(buffer) >= 2:
        size, start = buffer[1] & 0x7F, 2
        if size == 126:
            size, start = int.from_bytes(buffer[2:4], "big"), 4
        elif size == 127:
            size, start = int.from_bytes(buffer[2:10], "big"), 10
        if len(buffer) < start + 4 + size:
            break
        key = buffer[start : start + 4]
        body = buffer[start + 4 : start + 4 + size]
        if buffer[0] & 0x0F == 0x1:
            out.append(bytes(b ^ key[i % 4] for i, b in enumerate(body)).decode())
        elif buffer[0] & 0x0F == 0x8:
            out.append(None)
        del buffer[: start + 4 + size]
    return out


@dataclass
class Line:
    """The server's side of one client connection."""

    writer: asyncio.StreamWriter
    counter: int = 0

    def frames(self, *events: dict[str, Any]) -> bytes:
        out = b""
        for event in events:
            self.counter += 1
            out += text_frame(json.dumps({"event_id": f"event_{self.counter}", **event}))
        return out


@dataclass
class RawRealtime:
    """Answers the upgrade and ``session.update``; everything else the test writes."""

    url: str = ""
    lines: list[Line] = field(default_factory=list)
    arrived: anyio.Event = field(default_factory=anyio.Event)


SESSION = {"type": "realtime", "object": "realtime.session", "id": "sess_1"}


@asynccontextmanager
async def raw_realtime(expected: int) -> AsyncIterator[RawRealtime]:
    server = RawRealtime()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        found = re.search(rb"(?i)sec-websocket-key: *(\S+)", head)
        assert found is not None
        accept = base64.b64encode(hashlib.sha1(found.group(1) + _GUID).digest())
        line = Line(writer)
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
            + accept
            + b"\r\n\r\n"
            + line.frames({"type": "session.created", "session": SESSION})
        )
        server.lines.append(line)
        if len(server.lines) == expected:
            server.arrived.set()
        buffer = bytearray()
        while chunk := await reader.read(65536):
            buffer += chunk
            for message in client_texts(buffer):
                if message is None:  # close: answer it and end the TCP stream, as servers do
                    writer.write(b"\x88\x02\x03\xe8")
                    writer.close()
                    return
                if json.loads(message).get("type") == "session.update":
                    writer.write(line.frames({"type": "session.updated", "session": SESSION}))
        writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"ws://127.0.0.1:{port}/v1/realtime?model=gpt-realtime"
    try:
        yield server
    finally:
        listener.close()


def opening(line: Line, rid: str, iid: str) -> bytes:
    """A response's first frames, up to and with its first audio delta."""
    item = {"id": iid, "type": "message", "status": "in_progress", "role": "assistant"}
    response = {"object": "realtime.response", "id": rid, "status": "in_progress", "output": []}
    where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
    return line.frames(
        {"type": "response.created", "response": response},
        {
            "type": "response.output_item.added",
            "response_id": rid,
            "output_index": 0,
            "item": {**item, "content": []},
        },
        {
            "type": "conversation.item.added",
            "previous_item_id": None,
            "item": {**item, "content": []},
        },
        {"type": "response.output_audio.delta", **where, "delta": PCM},
    )


def audio(line: Line, rid: str, iid: str) -> bytes:
    where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
    return line.frames({"type": "response.output_audio.delta", **where, "delta": PCM})


def closing(line: Line, rid: str, iid: str) -> bytes:
    """The frames that close a response that played audio."""
    item = {
        "id": iid,
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_audio", "transcript": "hi"}],
    }
    where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
    response = {"object": "realtime.response", "id": rid, "status": "completed", "output": [item]}
    return line.frames(
        {"type": "response.output_audio.done", **where},
        {"type": "conversation.item.done", "previous_item_id": None, "item": item},
        {"type": "response.output_item.done", "response_id": rid, "output_index": 0, "item": item},
        {"type": "response.done", "response": response},
    )


class Log(SpanProcessor):
    """What happened across both sessions, in the order it happened."""

    def __init__(self) -> None:
        self.entries: list[str] = []

    def on_end(self, span: ReadableSpan) -> None:
        if span.name == n.SPAN_TURN:
            self.entries.append("A turn span ended")


def traced() -> tuple[Log, TracerProvider]:
    """A log and a tracer provider that logs the turn spans ending into it."""
    log = Log()
    provider = TracerProvider()
    provider.add_span_processor(log)
    return log, provider


async def open_session(url: str, tracer_provider: TracerProvider | None) -> RealtimeSession:
    config: Any = {"tracing": {"tracer_provider": tracer_provider}} if tracer_provider else {}
    runner: RealtimeRunner[None] = RealtimeRunner(RealtimeAgent(name="Voice"), config=config)
    return await runner.run(model_config={"url": url, "api_key": "sk-test"})


async def follow(
    session: RealtimeSession, name: str, log: Log, seen: dict[str, anyio.Event]
) -> None:
    """Log the session's audio, history and turn ends; ``seen["audio 2"]`` is set at its
    second audio event, ``seen["agent_end"]`` at its first ``agent_end``."""
    audio = 0
    async for event in session:
        if event.type == "audio":
            log.entries.append(f"{name} audio")
            audio += 1
            seen[f"audio {audio}"].set()
        elif event.type in ("history_added", "agent_end"):
            log.entries.append(f"{name} {event.type}")
            if event.type == "agent_end":
                seen["agent_end"].set()
                return


def milestones() -> dict[str, anyio.Event]:
    return {name: anyio.Event() for name in ("audio 1", "audio 2", "agent_end")}


async def test_another_sessions_audio_goes_before_a_responses_closing_work() -> None:
    log, provider = traced()
    async with raw_realtime(expected=2) as server:
        a = await open_session(server.url, provider)
        async with a:
            b = await open_session(server.url, None)
            async with b:
                with anyio.fail_after(WAIT):
                    await server.arrived.wait()
                line_a, line_b = server.lines
                seen_a, seen_b = milestones(), milestones()
                async with anyio.create_task_group() as tg:
                    tg.start_soon(follow, a, "A", log, seen_a)
                    tg.start_soon(follow, b, "B", log, seen_b)
                    with anyio.fail_after(WAIT):
                        line_a.writer.write(opening(line_a, "resp_a", "item_a"))
                        line_b.writer.write(opening(line_b, "resp_b", "item_b"))
                        await seen_a["audio 1"].wait()
                        await seen_b["audio 1"].wait()
                        await anyio.wait_all_tasks_blocked()  # both sessions idle again
                        assert loop_backlog().waiting == 0
                        log.entries.clear()
                        # One step: A's response closes as B's next audio arrives.
                        line_a.writer.write(closing(line_a, "resp_a", "item_a"))
                        line_b.writer.write(audio(line_b, "resp_b", "item_b"))
                        await seen_a["agent_end"].wait()
                        await seen_b["audio 2"].wait()
                    tg.cancel_scope.cancel()
    entries = log.entries
    assert entries.index("B audio") < entries.index("A turn span ended")
    assert entries.index("B audio") < entries.index("A agent_end")
    # A's own events: nothing lost, the span ended before its application heard agent_end.
    assert entries.index("A turn span ended") < entries.index("A agent_end")
    assert loop_backlog().waiting == 0


async def test_a_session_alone_does_not_give_way_to_its_own_application() -> None:
    """Its application woken by the response's last audio is no reason to pass the loop
    before each closing event (that cost a tenth of a turn's instructions, for nothing)."""
    log, provider = traced()
    async with raw_realtime(expected=1) as server:
        a = await open_session(server.url, provider)
        async with a:
            with anyio.fail_after(WAIT):
                await server.arrived.wait()
            (line,) = server.lines
            seen = milestones()
            async with anyio.create_task_group() as tg:
                tg.start_soon(follow, a, "A", log, seen)
                with anyio.fail_after(WAIT):
                    line.writer.write(opening(line, "resp_a", "item_a"))
                    await seen["audio 1"].wait()
                    await anyio.wait_all_tasks_blocked()
                    log.entries.clear()
                    # The last audio and the closing frames in one write: one read.
                    line.writer.write(
                        audio(line, "resp_a", "item_a") + closing(line, "resp_a", "item_a")
                    )
                    await seen["agent_end"].wait()
    assert log.entries[:2] == ["A turn span ended", "A audio"]
    assert log.entries[-1] == "A agent_end"
    assert loop_backlog().waiting == 0
