"""The client implementations the drivers run, each through its public API only.

* ``floor``: a bare ``websockets.asyncio.client`` connection (``recv``, ``json.loads``,
  ``base64.b64decode``);
* ``rtvoice``: ``RealtimeRunner`` / ``RealtimeSession`` with :func:`bench_provider`;
* ``peer``: ``openai-agents``' ``agents.realtime`` (from its own venv).

Every one hands each audio chunk to a :class:`Sink`. Imports nothing from rtvoice at module
level, so the peer's venv can use it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any, ClassVar, Protocol

from benchmarks.wire import STAMP, StreamParams

# Audio chunks: 20 ms = one per 20 ms per session. A long paced run keeps every latency.
_unpack_stamp = STAMP.unpack_from
_monotonic = time.monotonic


class Sink:
    """Counts a session's audio chunks, checks their order, and keeps their latencies."""

    __slots__ = ("deltas", "expect", "gaps", "latencies", "seqs")

    def __init__(self, record_latency: bool) -> None:
        self.deltas = 0
        self.expect = -1
        self.gaps = 0
        self.latencies: list[float] | None = [] if record_latency else None
        self.seqs: list[int] = []

    def audio(self, data: bytes) -> None:
        now = _monotonic()
        seq, sent = _unpack_stamp(data)
        if seq != self.expect and self.expect >= 0:
            self.gaps += 1
        self.expect = seq + 1
        self.deltas += 1
        if self.latencies is not None:
            self.latencies.append(now - sent)
            self.seqs.append(seq)


class Client(Protocol):
    async def open(self) -> None: ...
    async def turn(self, sink: Sink) -> None: ...
    async def close(self) -> None: ...


# ---------------------------------------------------------------------------------------------
# The floor


_ITEM_CREATE = {
    "type": "conversation.item.create",
    "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
}
_RESPONSE_CREATE = {"type": "response.create"}
_SESSION_UPDATE = {
    "type": "session.update",
    "session": {"type": "realtime", "instructions": "Be brief."},
}


class FloorClient:
    """A bare websockets client: the least any client must do with the same frames."""

    def __init__(self, url: str, compression: str) -> None:
        from websockets.asyncio.client import connect

        self.connect = connect
        self.url = url
        self.compression = "deflate" if compression == "deflate" else None
        self.ws: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        ws = await self.connect(
            self.url,
            additional_headers={"Authorization": "Bearer sk-bench"},
            compression=self.compression,
        )
        self.ws = ws
        json.loads(await ws.recv())  # session.created
        # The same round trip every session makes before it is usable.
        await ws.send(json.dumps(_SESSION_UPDATE))
        while json.loads(await ws.recv())["type"] != "session.updated":
            pass

    def start_idle_reader(self) -> None:
        """An idle call still has a task waiting on its socket."""

        async def read() -> None:
            async for _ in self.ws:
                pass

        self._reader = asyncio.get_running_loop().create_task(read())

    async def turn(self, sink: Sink) -> None:
        ws = self.ws
        loads, b64decode, audio = json.loads, base64.b64decode, sink.audio
        await ws.send(json.dumps(_ITEM_CREATE))
        await ws.send(json.dumps(_RESPONSE_CREATE))
        while True:
            event = loads(await ws.recv())
            kind = event["type"]
            if kind == "response.output_audio.delta":
                audio(b64decode(event["delta"]))
            elif kind == "response.done":
                return

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader


# ---------------------------------------------------------------------------------------------
# rtvoice


def bench_provider(base_url: str, compression: str) -> Any:
    """An ``OpenAIProvider`` for the bench server whose sessions use ``compression``.

    The runner takes no transport options; a provider owns its model connector
    (``RealtimeProvider.model_connector``), so this one wraps the default connector and sets
    ``ConnectRequest.transport_options``.
    """
    from dataclasses import replace

    from rtvoice import OpenAIProvider
    from rtvoice.transport import TransportOptions

    options = TransportOptions(compression="deflate" if compression == "deflate" else None)

    class BenchProvider(OpenAIProvider):
        def model_connector(self) -> Any:
            connect = super().model_connector()

            async def connector(request: Any) -> Any:
                return await connect(replace(request, transport_options=options))

            return connector

    return BenchProvider(api_key="sk-bench", base_url=base_url)


class RtvoiceClient:
    """rtvoice through its public API; all sessions of a process and setting share a runner."""

    _runners: ClassVar[dict[tuple[str, str], Any]] = {}

    def __init__(self, base_url: str, compression: str) -> None:
        key = (base_url, compression)
        if key not in RtvoiceClient._runners:
            from rtvoice import RealtimeAgent, RealtimeRunner

            provider = bench_provider(base_url, compression)
            RtvoiceClient._runners[key] = RealtimeRunner(
                RealtimeAgent(name="bench"), provider=provider
            )
        self.runner = RtvoiceClient._runners[key]
        self.session: Any = None
        self.events: Any = None

    async def open(self) -> None:
        session = await self.runner.run()
        await session.__aenter__()
        self.session = session
        self.events = session.__aiter__()

    def start_idle_reader(self) -> None:
        pass  # the session reads its socket itself

    async def turn(self, sink: Sink) -> None:
        audio = sink.audio
        await self.session.send_message("go")
        async for event in self.events:
            kind = event.type
            if kind == "audio":
                audio(event.audio.data)
            elif kind == "agent_end":
                return
            elif kind == "error":
                raise RuntimeError(f"rtvoice error event: {event.error}")

    async def close(self) -> None:
        await self.session.__aexit__(None, None, None)


# ---------------------------------------------------------------------------------------------
# The peer: openai-agents


class PeerClient:
    """openai-agents' realtime session through its public API (one runner per session: its
    runner holds a single model connection)."""

    def __init__(self, url: str) -> None:
        from agents.realtime import RealtimeAgent, RealtimeRunner

        self.url = url
        self.runner = RealtimeRunner(starting_agent=RealtimeAgent(name="bench"))
        self.session: Any = None
        self.events: Any = None

    async def open(self) -> None:
        session = await self.runner.run(model_config={"url": self.url, "api_key": "sk-bench"})
        await session.__aenter__()
        self.session = session
        self.events = session.__aiter__()

    def start_idle_reader(self) -> None:
        pass  # the session has its own listener task

    async def turn(self, sink: Sink) -> None:
        audio = sink.audio
        await self.session.send_message("go")
        async for event in self.events:
            kind = event.type
            if kind == "audio":
                audio(event.audio.data)
            elif kind == "agent_end":
                return
            elif kind == "error":
                raise RuntimeError(f"peer error event: {event.error}")

    async def close(self) -> None:
        await self.session.__aexit__(None, None, None)


def make_client(impl: str, port: int, params: StreamParams, compression: str) -> Client:
    if impl == "floor":
        return FloorClient(params.realtime_url(port), compression)
    if impl == "rtvoice":
        return RtvoiceClient(params.base_url(port), compression)
    if impl == "peer":
        return PeerClient(params.realtime_url(port))
    raise ValueError(f"unknown impl {impl!r}")
