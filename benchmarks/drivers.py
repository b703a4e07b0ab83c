"""Client drivers: one process per run, one client implementation, one scenario.

Usage (the orchestrator, ``benchmarks/run.py``, does this)::

    python -m benchmarks.drivers '{"impl": "rtvoice", "scenario": "flood", "port": 8765, ...}'

prints one JSON object (the result) as the last line of stdout.

Implementations (:mod:`benchmarks.clients`), each through its public API only:

* ``floor``: a bare ``websockets.asyncio.client`` connection. Per turn it sends
  ``conversation.item.create`` and ``response.create``, then ``recv`` -> ``json.loads`` every
  frame, ``base64.b64decode`` every audio delta, until ``response.done``. The wire floor: what
  any client must do.
* ``rtvoice``: ``RealtimeRunner(RealtimeAgent(name="bench"), provider=BenchProvider(...))``,
  an ``OpenAIProvider`` whose connector passes the spec's ``TransportOptions(compression=...)``;
  ``async with session``; per turn ``await session.send_message("go")`` then
  ``async for event in session`` until ``agent_end``, reading ``event.audio.data``.
* ``peer``: the same with ``openai-agents`` (``agents.realtime``), run from its own venv. Its
  ``RealtimeRunner`` holds one model instance, so each session gets its own runner. It always
  offers permessage-deflate; the bench server's setting decides.

``compression`` (``"deflate"`` or ``"off"``) is what the floor and rtvoice offer; the bench
server they are pointed at is run with the same setting.

Every implementation hands each audio chunk to the same :class:`Sink`, which reads the stamp
(:mod:`benchmarks.wire`) and the receipt time. CPU is ``time.process_time()`` of this process
around the measured region only: connecting and warm-up turns are outside it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make "benchmarks" importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.clients import Client, Sink, make_client
from benchmarks.memory import allocations_by_caller, rss_bytes, top_allocations
from benchmarks.wire import StreamParams

# ---------------------------------------------------------------------------------------------
# Measuring


class GcTimer:
    """CPU spent in the cyclic garbage collector (``gc.callbacks``), while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.collections[info["generation"]] += 1

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


class Crew:
    """One task per session for its whole life, stepped through phases together.

    A real service runs each call in its own task, and rtvoice needs that: a session must be
    left in the task that entered it (its anyio task group). The coordinator hands every
    member the same order and waits until all have done it. Between orders a member waits on
    one event shared by the whole crew, so an idle member costs its task and one future.

    Args:
        clients: The sessions, not yet opened.
        open_limit: How many may be opening at once.
    """

    def __init__(self, clients: Sequence[Client], open_limit: int = 25) -> None:
        self.clients = list(clients)
        self._go = asyncio.Event()
        self._order: Callable[[Client], Awaitable[None]] | None = None
        self._reports: asyncio.Queue[BaseException | None] = asyncio.Queue()
        self._limit = asyncio.Semaphore(open_limit)
        self._tasks: list[asyncio.Task[None]] = []

    async def _life(self, client: Client) -> None:
        go = self._go
        try:
            async with self._limit:
                await client.open()
        except BaseException as exc:
            await self._reports.put(exc)
            return
        await self._reports.put(None)
        while True:
            await go.wait()
            order, go = self._order, self._go  # the next phase's event is already in place
            try:
                if order is None:
                    await client.close()
                else:
                    await order(client)
            except BaseException as exc:
                await self._reports.put(exc)
                return
            await self._reports.put(None)
            if order is None:
                return

    async def _collect(self) -> None:
        failure: BaseException | None = None
        for _ in self.clients:
            report = await self._reports.get()
            failure = failure or report
        if failure is not None:
            raise failure

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._life(c)) for c in self.clients]
        await self._collect()

    async def _step(self, order: Callable[[Client], Awaitable[None]] | None) -> None:
        self._order = order
        go, self._go = self._go, asyncio.Event()
        go.set()
        await self._collect()

    async def each(self, order: Callable[[Client], Awaitable[None]]) -> None:
        """Every member runs ``order(client)`` in its own task; return when all are done."""
        await self._step(order)

    async def close(self) -> None:
        await self._step(None)
        await asyncio.gather(*self._tasks)


def make_crew(spec: dict[str, Any], params: StreamParams, k: int) -> Crew:
    return Crew([client_for(spec, params) for _ in range(k)], spec.get("open_limit", 25))


def client_for(spec: dict[str, Any], params: StreamParams) -> Client:
    return make_client(spec["impl"], spec["port"], params, spec["compression"])


# ---------------------------------------------------------------------------------------------
# Scenarios


async def scenario_turns(spec: dict[str, Any]) -> dict[str, Any]:
    """K sessions, W warm-up turns each, then T measured turns each, all concurrently.

    Flood (``pace`` 0) gives CPU per delta and throughput; 1-delta responses give CPU per
    turn; a paced stream with a barrier gives added latency. With ``repeat`` R, the whole
    cycle (open, warm up, measure, close) runs R times one after another and the measured
    parts add up: many turns, none of them late in a long history.
    """
    params = StreamParams(**spec["params"])
    k, turns, warmup = spec["sessions"], spec["turns"], spec.get("warmup", 1)
    record = params.pace > 0
    totals = {"cpu_s": 0.0, "wall_s": 0.0, "gc_s": 0.0}
    collections = [0, 0, 0]
    sinks_list: list[Sink] = []
    for _ in range(spec.get("repeat", 1)):
        crew = make_crew(spec, params, k)
        await crew.open()
        sinks = {id(c): Sink(record) for c in crew.clients}

        async def warm(client: Client) -> None:
            for _ in range(warmup):
                await client.turn(Sink(False))

        async def run(client: Client, sinks: dict[int, Sink] = sinks) -> None:
            sink = sinks[id(client)]
            for _ in range(turns):
                await client.turn(sink)

        await crew.each(warm)
        gc.collect()
        with GcTimer() as gc_timer:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            await crew.each(run)
            cpu1, wall1 = time.process_time(), time.perf_counter()
        await crew.close()
        totals["cpu_s"] += cpu1 - cpu0
        totals["wall_s"] += wall1 - wall0
        totals["gc_s"] += gc_timer.seconds
        collections = [a + b for a, b in zip(collections, gc_timer.collections, strict=True)]
        sinks_list += sinks.values()
    result: dict[str, Any] = {
        **totals,
        "deltas": sum(s.deltas for s in sinks_list),
        "turns": k * turns * spec.get("repeat", 1),
        "gaps": sum(s.gaps for s in sinks_list),
        "gc_collections": collections,
    }
    if record:
        latencies = sorted(lat for s in sinks_list for lat in s.latencies or ())
        result["latency_ms"] = summarize_ms(latencies)
        result["latency_by_position_ms"] = by_position(sinks_list, params.deltas)
    return result


async def scenario_delta(spec: dict[str, Any]) -> dict[str, Any]:
    """CPU time per turn and per audio delta, from two sessions in one process.

    One session gets 1-delta responses, the other ``N + 1``-delta ones; after the warm-up
    their turns alternate (one of each, then the next pair), so both see the same machine
    load. Per delta: (CPU of an ``N + 1``-delta turn - CPU of a 1-delta turn) / N; per turn:
    the 1-delta turn's CPU.
    """
    short, long = StreamParams(**spec["short"]), StreamParams(**spec["long"])
    clients = {"short": client_for(spec, short), "long": client_for(spec, long)}
    sinks = {key: Sink(False) for key in clients}
    for client in clients.values():
        await client.open()
    for _ in range(spec["warmup"]):
        for key, client in clients.items():
            await client.turn(sinks[key])
    cpu = dict.fromkeys(clients, 0.0)
    wall_long = 0.0
    gc.collect()
    for _ in range(spec["turns"]):
        for key, client in clients.items():
            cpu0, wall0 = time.process_time(), time.perf_counter()
            await client.turn(sinks[key])
            cpu[key] += time.process_time() - cpu0
            if key == "long":
                wall_long += time.perf_counter() - wall0
    for client in reversed(clients.values()):  # rtvoice sessions of one task nest
        await client.close()
    turns, extra = spec["turns"], long.deltas - short.deltas
    return {
        "turn_cpu_s": cpu["short"] / turns,
        "delta_cpu_s": (cpu["long"] - cpu["short"]) / turns / extra,
        "deltas_per_s": long.deltas * turns / wall_long,
        "deltas": sum(s.deltas for s in sinks.values()),
        "gaps": sum(s.gaps for s in sinks.values()),
    }


def by_position(sinks: Sequence[Sink], deltas: int) -> dict[str, dict[str, float]]:
    """Latency of the first and last tenth of each response's deltas, and of the rest.

    Sequence numbers count a connection's deltas from 0 and every response has ``deltas``
    of them, so ``seq % deltas`` is the position in the response.
    """
    edge = max(1, deltas // 10)
    groups: dict[str, list[float]] = {"first": [], "middle": [], "last": []}
    for sink in sinks:
        for seq, lat in zip(sink.seqs, sink.latencies or (), strict=True):
            pos = seq % deltas
            key = "first" if pos < edge else "last" if pos >= deltas - edge else "middle"
            groups[key].append(lat)
    return {key: summarize_ms(sorted(values)) for key, values in groups.items() if values}


async def scenario_long(spec: dict[str, Any]) -> dict[str, Any]:
    """One session of T turns: does the cost of a turn grow with the history?

    The last tenth of the long session is measured turn by turn interleaved with the first
    tenth of a second, fresh session (B, A, A, B, ...), so both are measured under the same
    machine load: on a shared machine, load that drifts over the run would otherwise pass
    for growth. ``per_turn_cpu_s`` is the long session's whole series, in order.
    """
    params = StreamParams(**spec["params"])
    turns = spec["turns"]
    window = max(1, turns // 10)
    long, fresh = client_for(spec, params), client_for(spec, params)
    await long.open()
    await fresh.open()
    per_turn: list[float] = []
    first: list[float] = []
    sink, fresh_sink = Sink(False), Sink(False)

    async def timed(client: Client, sink: Sink) -> float:
        cpu0 = time.process_time()
        await client.turn(sink)
        return time.process_time() - cpu0

    try:
        for _ in range(spec.get("warmup", 3)):  # first-time paths are not growth
            await long.turn(sink)
            await fresh.turn(fresh_sink)
        gc.collect()
        with GcTimer() as gc_timer:
            for _ in range(turns - window):
                per_turn.append(await timed(long, sink))
            for i in range(window):
                if i % 2 == 0:
                    first.append(await timed(fresh, fresh_sink))
                    per_turn.append(await timed(long, sink))
                else:
                    per_turn.append(await timed(long, sink))
                    first.append(await timed(fresh, fresh_sink))
    finally:  # in reverse order: rtvoice sessions of one task nest (anyio cancel scopes)
        await fresh.close()
        await long.close()
    return {
        "per_turn_cpu_s": per_turn,
        "first_window_cpu_s": first,
        "last_window_cpu_s": per_turn[-window:],
        "deltas": sink.deltas + fresh_sink.deltas,
        "gaps": sink.gaps + fresh_sink.gaps,
        "gc_s": gc_timer.seconds,
    }


async def scenario_idle(spec: dict[str, Any]) -> dict[str, Any]:
    """K sessions connected, configured and idle: RSS and (optionally) traced heap per session."""
    params = StreamParams(**spec["params"])
    k = spec["sessions"]
    # Warm up: one full session life, so imports, caches and lazy singletons are not counted.
    warm = client_for(spec, params)
    await warm.open()
    await warm.turn(Sink(False))
    await warm.close()
    del warm
    trace = spec.get("tracemalloc", False)
    if trace:
        import tracemalloc

        tracemalloc.start(spec.get("frames", 1))
    await asyncio.sleep(0.2)
    gc.collect()
    rss0 = rss_bytes()
    snap0 = tracemalloc.take_snapshot() if trace else None
    heap0 = tracemalloc.get_traced_memory()[0] if trace else 0
    crew = make_crew(spec, params, k)
    await crew.open()
    await crew.each(start_idle_reader)
    await asyncio.sleep(spec.get("settle_s", 1.0))
    gc.collect()
    rss1 = rss_bytes()
    result: dict[str, Any] = {"sessions": k, "rss_bytes": rss1 - rss0}
    if trace:
        heap1 = tracemalloc.get_traced_memory()[0]
        snap1 = tracemalloc.take_snapshot()
        tracemalloc.stop()
        result["heap_bytes"] = heap1 - heap0
        result["top"] = top_allocations(snap1, snap0, k, spec.get("top", 30))
        if spec.get("attribute"):
            result["by_caller"] = allocations_by_caller(snap1, snap0, k, spec.get("top", 30))
    await crew.close()
    return result


async def start_idle_reader(client: Client) -> None:
    client.start_idle_reader()  # type: ignore[attr-defined]


async def scenario_open(spec: dict[str, Any]) -> dict[str, Any]:
    """The first session of a fresh process, then N opened one after another, then M at once.

    The first open is timed after what a program does before it: the floor's imports, or
    rtvoice's runner built (which loads what sessions need); for the floor it is the connect
    and the ``session.update`` round trip, for rtvoice ``await runner.run()`` and entering
    ``async with session:`` (which returns once the server confirmed the configuration).
    ``ready_ms`` is from the moment the orchestrator started this interpreter
    (``spawned_at``, its ``time.monotonic()``) to that first session usable.
    """
    params = StreamParams(**spec["params"])
    first_client = client_for(spec, params)
    t0 = time.perf_counter()
    await first_client.open()
    first = time.perf_counter() - t0
    ready = time.monotonic() - spec["spawned_at"]
    await first_client.close()
    serial: list[float] = []
    cpu_total = 0.0
    for _ in range(spec["serial"]):
        client = client_for(spec, params)
        cpu0, t0 = time.process_time(), time.perf_counter()
        await client.open()
        t1, cpu1 = time.perf_counter(), time.process_time()
        serial.append(t1 - t0)
        cpu_total += cpu1 - cpu0
        await client.close()

    clients = [client_for(spec, params) for _ in range(spec["concurrent"])]
    each: list[float] = []
    for client in clients:
        client.open = timed(client.open, each)  # type: ignore[method-assign]
    crew = Crew(clients, open_limit=len(clients))
    await crew.open()
    await crew.close()
    return {
        "first_open_ms": first * 1000,
        "ready_ms": ready * 1000,
        "serial_ms": summarize_ms(sorted(serial)),
        "serial_cpu_ms_per_open": cpu_total / len(serial) * 1000,
        "concurrent_ms": summarize_ms(sorted(each)),
    }


async def scenario_phases(spec: dict[str, Any]) -> dict[str, Any]:
    """Counted phases for :mod:`benchmarks.instructions`: one session per phase, all warmed
    up first, then each phase's turns between two calls of ``os.getppid()``.

    Run under ``valgrind --tool=callgrind --dump-before=getppid``, each call dumps the counts
    since the last one, so the dumps between the markers hold exactly each phase's turns
    (process start-up, imports, opening and warm-up are in the first dump, closing in the
    last). Sessions are closed in reverse order: rtvoice sessions of one task nest.
    """
    phases = [(StreamParams(**p["params"]), p["turns"], p["warmup"]) for p in spec["phases"]]
    clients = [client_for(spec, params) for params, _, _ in phases]
    sinks = [Sink(False) for _ in phases]
    for client, sink, (_, _, warmup) in zip(clients, sinks, phases, strict=True):
        await client.open()
        for _ in range(warmup):
            await client.turn(sink)
    gc.collect()
    os.getppid()
    for client, sink, (_, turns, _) in zip(clients, sinks, phases, strict=True):
        for _ in range(turns):
            await client.turn(sink)
        os.getppid()
    for client in reversed(clients):
        await client.close()
    return {"deltas": sum(s.deltas for s in sinks), "gaps": sum(s.gaps for s in sinks)}


def timed(open_: Callable[[], Awaitable[None]], into: list[float]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        t0 = time.perf_counter()
        await open_()
        into.append(time.perf_counter() - t0)

    return run


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def summarize_ms(sorted_seconds: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(sorted_seconds),
        "p50": percentile(sorted_seconds, 50) * 1000,
        "p90": percentile(sorted_seconds, 90) * 1000,
        "p99": percentile(sorted_seconds, 99) * 1000,
        "max": (sorted_seconds[-1] if sorted_seconds else float("nan")) * 1000,
        "mean": (statistics.fmean(sorted_seconds) if sorted_seconds else float("nan")) * 1000,
    }


SCENARIOS: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    "turns": scenario_turns,
    "delta": scenario_delta,
    "long": scenario_long,
    "idle": scenario_idle,
    "open": scenario_open,
    "phases": scenario_phases,
}


def main(argv: Sequence[str] | None = None) -> None:
    spec = json.loads((argv or sys.argv[1:])[0])
    os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
    result = asyncio.run(SCENARIOS[spec["scenario"]](spec))
    result["impl"] = spec["impl"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
