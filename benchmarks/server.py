"""The bench server: a small, fast realtime server (GA dialect) built for load, not fidelity.

It is not the simulator (which synthesises speech and validates everything: far too slow to
flood a client). It speaks just enough of the protocol for a client session to work, as fast as it
can: every frame is written straight onto the
socket as a prebuilt WebSocket frame, a whole flood response in one write, and each audio
delta costs one 18-byte stamp and one 24-character base64 encode on top of payloads encoded
once per process (:mod:`benchmarks.audio`: the simulator's speech, or noise).

With ``--compression deflate`` it accepts permessage-deflate (websockets' default server
parameters) when a client offers it, and compresses every frame it writes through the
connection's negotiated extension, as websockets itself would; with ``off`` it refuses the
offer. Run it in its own process, so its CPU is not counted with the client's::

    python -m benchmarks.server [--port 0] [--compression off|deflate]   # prints "PORT <n>"

What it answers (anything else is ignored):

* connect -> ``session.created`` (a full GA session object);
* ``session.update`` -> ``session.updated`` (the session with the update merged in);
* ``conversation.item.create`` -> ``conversation.item.added`` + ``conversation.item.done``;
* ``response.create`` -> ``response.created``, ``response.output_item.added``,
  ``conversation.item.added`` (assistant, content ``[]``), ``response.content_part.added``,
  N x ``response.output_audio.delta`` (each second one followed by a
  ``response.output_audio_transcript.delta``), ``response.output_audio.done``,
  ``response.output_audio_transcript.done``, ``response.content_part.done``,
  ``conversation.item.done``, ``response.output_item.done``, ``response.done`` (with usage),
  ``rate_limits.updated``.

How many deltas, how big, how fast: :class:`~benchmarks.wire.StreamParams`, read from the
URL path of each connection.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import functools
import itertools
import json
import signal
import time
from collections.abc import Iterable
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode

try:
    from .audio import b64_chunks
    from .wire import HEADER, PCM_BYTES_PER_MS, StreamParams
except ImportError:  # run as a script
    from audio import b64_chunks  # type: ignore[no-redef]
    from wire import HEADER, PCM_BYTES_PER_MS, StreamParams  # type: ignore[no-redef]

_event_ids = itertools.count()
_connection_ids = itertools.count(1)
_tasks: set[asyncio.Task[None]] = set()
_barriers: dict[str, list[tuple[Conversation, float]]] = {}

WORDS = (
    "Hello ",
    "there, ",
    "this ",
    "is ",
    "a ",
    "benchmark ",
    "answer ",
    "that ",
    "goes ",
    "on. ",
)
OBFUSCATION = "x7Qp2LmK9"
dumps = functools.partial(json.dumps, separators=(",", ":"))

SESSION: dict[str, Any] = {
    "type": "realtime",
    "object": "realtime.session",
    "id": "sess_000000000000000000000",
    "expires_at": 0,
    "model": "gpt-realtime",
    "instructions": "You are a helpful, friendly and concise voice assistant.",
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
        "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy", "speed": 1.0},
    },
    "tools": [],
    "tool_choice": "auto",
    "max_output_tokens": "inf",
    "truncation": "auto",
}

USAGE = {
    "total_tokens": 127,
    "input_tokens": 120,
    "output_tokens": 7,
    "input_token_details": {
        "text_tokens": 120,
        "audio_tokens": 0,
        "image_tokens": 0,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 64, "audio_tokens": 0, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 7, "audio_tokens": 0},
}


def event_id() -> str:
    """A fresh id of the real server's shape: ``event_`` + 21 alphanumerics."""
    return f"event_{next(_event_ids):021d}"


def ws_frame(text: str) -> bytes:
    """One unmasked, unfragmented, uncompressed server text frame (RFC 6455 §5.2)."""
    payload = text.encode()
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def audio_delta(rid: str, iid: str, b64: str) -> str:
    """A ``response.output_audio.delta`` frame's text (GA shape) carrying ``b64``."""
    return (
        '{"type":"response.output_audio.delta","event_id":"'
        + event_id()
        + '","response_id":"'
        + rid
        + '","item_id":"'
        + iid
        + '","output_index":0,"content_index":0,"delta":"'
        + b64
        + '"}'
    )


def transcript_delta(rid: str, iid: str, word: str) -> str:
    """A ``response.output_audio_transcript.delta`` frame's text (GA shape)."""
    return (
        '{"type":"response.output_audio_transcript.delta","event_id":"'
        + event_id()
        + '","response_id":"'
        + rid
        + '","item_id":"'
        + iid
        + '","output_index":0,"content_index":0,"delta":"'
        + word
        + '","obfuscation":"'
        + OBFUSCATION
        + '"}'
    )


def merge(into: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``into`` with ``update`` merged in, recursively (``session.update``'s patch semantics)."""
    out = dict(into)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


class Conversation:
    """One connection's state: ids, the last item, the audio sequence, its framing."""

    def __init__(self, ws: ServerConnection, params: StreamParams) -> None:
        self.ws = ws
        self.params = params
        extensions = ws.protocol.extensions  # what the handshake negotiated
        self.frame = (
            functools.partial(_deflated_frame, extensions=extensions) if extensions else ws_frame
        )
        self.prefix = f"{next(_connection_ids):06d}"
        self._ids = itertools.count(1)
        self.last_item: str | None = None
        self.seq = 0
        self.session = copy.deepcopy(SESSION)
        self.session["id"] = self.new_id("sess")
        self.session["expires_at"] = int(time.time()) + 3600
        self.conversation_id = self.new_id("conv")
        # Each chunk's PCM after the stamp, base64-encoded once per process.
        self.rests = b64_chunks(params.audio, params.size, HEADER.size)

    def new_id(self, kind: str) -> str:
        return f"{kind}_{self.prefix}{next(self._ids):015d}"

    def write(self, texts: Iterable[str]) -> bool:
        """Write frames in one go; ``False`` once the client has gone."""
        transport = self.ws.transport
        if transport.is_closing():
            return False
        try:
            transport.write(b"".join(self.frame(t) for t in texts))
        except RuntimeError:  # the client closed: websockets has half-closed the socket
            return False
        return True

    # -- frames ---------------------------------------------------------------------------

    def audio_delta(self, rid: str, iid: str) -> str:
        seq = self.seq
        self.seq = seq + 1
        rests = self.rests
        b64 = base64.b64encode(HEADER.pack(seq, time.monotonic())).decode()
        return audio_delta(rid, iid, b64 + rests[seq % len(rests)])

    def item_created(self, item: dict[str, Any], previous: str | None) -> list[str]:
        item = dict(item)
        iid = item.get("id") or self.new_id("item")
        item["id"] = iid
        item.setdefault("status", "completed")
        self.last_item = iid
        return [
            dumps(
                {
                    "type": kind,
                    "event_id": event_id(),
                    "previous_item_id": previous,
                    "item": item,
                }
            )
            for kind in ("conversation.item.added", "conversation.item.done")
        ]

    def response_opening(self) -> tuple[str, str, str | None, list[str]]:
        rid, iid = self.new_id("resp"), self.new_id("item")
        previous = self.last_item
        self.last_item = iid
        response = {
            "object": "realtime.response",
            "id": rid,
            "status": "in_progress",
            "status_details": None,
            "output": [],
            "conversation_id": self.conversation_id,
            "output_modalities": ["audio"],
            "audio": {"output": {"voice": "alloy"}},
            "max_output_tokens": "inf",
            "usage": None,
            "metadata": None,
        }
        item = {"id": iid, "type": "message", "status": "in_progress", "role": "assistant"}
        item["content"] = []
        where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
        frames = [
            {"type": "response.created", "response": response},
            {"type": "response.output_item.added", "response_id": rid, "output_index": 0},
            {"type": "conversation.item.added", "previous_item_id": previous, "item": item},
            {"type": "response.content_part.added", **where},
        ]
        frames[1]["item"] = item
        frames[3]["part"] = {"type": "audio", "transcript": ""}
        texts = [dumps({"type": f.pop("type"), "event_id": event_id(), **f}) for f in frames]
        return rid, iid, previous, texts

    def response_closing(self, rid: str, iid: str, previous: str | None, text: str) -> list[str]:
        where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
        item = {
            "id": iid,
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_audio", "transcript": text}],
        }
        response = {
            "object": "realtime.response",
            "id": rid,
            "status": "completed",
            "status_details": None,
            "output": [item],
            "conversation_id": self.conversation_id,
            "output_modalities": ["audio"],
            "audio": {"output": {"voice": "alloy"}},
            "max_output_tokens": "inf",
            "usage": USAGE,
            "metadata": None,
        }
        limits = [{"name": "tokens", "limit": 40000, "remaining": 39873, "reset_seconds": 0.19}]
        frames: list[dict[str, Any]] = [
            {"type": "response.output_audio.done", **where},
            {"type": "response.output_audio_transcript.done", **where, "transcript": text},
            {"type": "response.content_part.done", **where},
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item},
            {"type": "response.output_item.done", "response_id": rid, "output_index": 0},
            {"type": "response.done", "response": response},
            {"type": "rate_limits.updated", "rate_limits": limits},
        ]
        frames[2]["part"] = {"type": "audio", "transcript": text}
        frames[4]["item"] = item
        return [dumps({"type": f.pop("type"), "event_id": event_id(), **f}) for f in frames]

    def deltas(self, rid: str, iid: str, index: int, words: list[str]) -> list[str]:
        """Audio delta ``index`` of a response, with its transcript delta when one is due."""
        out = [self.audio_delta(rid, iid)]
        if self.params.transcripts and (index % 2 == 1 or index == self.params.deltas - 1):
            word = WORDS[len(words) % len(WORDS)]
            words.append(word)
            out.append(transcript_delta(rid, iid, word))
        return out

    # -- responses --------------------------------------------------------------------------

    async def flood(self) -> None:
        """A whole response in one write, then wait for the socket to drain."""
        rid, iid, previous, texts = self.response_opening()
        words: list[str] = []
        for index in range(self.params.deltas):
            texts += self.deltas(rid, iid, index, words)
        texts += self.response_closing(rid, iid, previous, "".join(words))
        if self.write(texts):
            await self.ws.drain()

    async def paced(self, start: float) -> None:
        """Each delta when its audio would start playing (``pace`` x real time)."""
        loop = asyncio.get_running_loop()
        await _sleep_until(loop, start)
        rid, iid, previous, texts = self.response_opening()
        if not self.write(texts):
            return
        params = self.params
        period = params.size / PCM_BYTES_PER_MS / 1000.0 / params.pace
        words: list[str] = []
        for index in range(params.deltas):
            await _sleep_until(loop, start + index * period)
            if not self.write(self.deltas(rid, iid, index, words)):
                return
        self.write(self.response_closing(rid, iid, previous, "".join(words)))

    async def respond(self, start: float | None = None) -> None:
        if self.params.pace > 0:
            await self.paced(asyncio.get_running_loop().time() if start is None else start)
        else:
            if start is not None:
                await _sleep_until(asyncio.get_running_loop(), start)
            await self.flood()


def _deflated_frame(text: str, extensions: list[Any]) -> bytes:
    """A server text frame compressed by the connection's negotiated extension."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=extensions)


async def _sleep_until(loop: asyncio.AbstractEventLoop, when: float) -> None:
    delay = when - loop.time()
    if delay > 0:
        await asyncio.sleep(delay)


def _spawn(coro: Any) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _arrive(conversation: Conversation) -> None:
    """A ``response.create`` on a barrier: release the group once it is complete."""
    params = conversation.params
    waiting = _barriers.setdefault(params.group, [])
    waiting.append((conversation, time.monotonic()))
    if len(waiting) < params.barrier:
        return
    del _barriers[params.group]
    now = asyncio.get_running_loop().time()
    for index, (member, _) in enumerate(waiting):
        offset = index / len(waiting) * member.params.spread_ms / 1000.0
        _spawn(member.respond(now + offset))


async def handle(ws: ServerConnection) -> None:
    """Serve one connection until the client closes it."""
    assert ws.request is not None
    params = StreamParams.from_path(ws.request.path)
    conversation = Conversation(ws, params)
    created = {"type": "session.created", "event_id": event_id(), "session": conversation.session}
    conversation.write([dumps(created)])
    async for message in ws:
        if not isinstance(message, str):
            continue
        try:
            event = json.loads(message)
        except ValueError:
            continue
        kind = event.get("type") if isinstance(event, dict) else None
        if kind == "session.update":
            update = event.get("session")
            if isinstance(update, dict):
                conversation.session = merge(conversation.session, update)
            updated = {
                "type": "session.updated",
                "event_id": event_id(),
                "session": conversation.session,
            }
            conversation.write([dumps(updated)])
        elif kind == "conversation.item.create":
            previous = event.get("previous_item_id", conversation.last_item)
            conversation.write(conversation.item_created(event.get("item") or {}, previous))
        elif kind == "response.create":
            if params.barrier > 0:
                _arrive(conversation)
            elif params.pace > 0:
                _spawn(conversation.respond())
            else:
                await conversation.flood()
        # Everything else (audio appends, cancels, ...) is ignored: not what is measured.


async def serve_forever(port: int, compression: str) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    async with serve(
        handle,
        "127.0.0.1",
        port,
        compression="deflate" if compression == "deflate" else None,
        ping_interval=None,  # no keepalive traffic in the measurements
        max_size=None,
        backlog=2048,
    ) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"PORT {bound}", flush=True)
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--compression", choices=("off", "deflate"), default="off")
    args = parser.parse_args()
    asyncio.run(serve_forever(args.port, args.compression))


if __name__ == "__main__":
    main()
