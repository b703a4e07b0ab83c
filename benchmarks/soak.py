"""Soak: many short rtvoice sessions against one simulator, looking for leaks.

Run from the repository root::

    .venv/bin/python -m benchmarks.soak                               # 10,000 then 500
    .venv/bin/python -m benchmarks.soak --sequential 500 --concurrent 50  # a quick run

Each session is what a call bridge does in the small: ``RealtimeRunner.run()``, enter the
session, one short text turn (``send_message`` until ``agent_end``), leave. First
``--sequential`` sessions one after another, then ``--concurrent`` sessions at once (all of
them open and past their turn at the same moment, then all closed).

The simulator runs in a **subprocess** (``python -m benchmarks.soak --serve``), so that
this process holds only what rtvoice holds: its file descriptors, tasks, threads and RSS
are the figures a user's server would see, not mixed with the server's, and on a
two-core machine the server gets a core of its own. The subprocess reports its own
figures when asked (one JSON line per ``stats`` line on its stdin), so a leak on either
side shows, and is told apart.

Figures, for this process and for the simulator's: open file descriptors, asyncio tasks,
threads and RSS at the start (after a warm-up), after the sequential sessions, at the peak
of the concurrent ones, and after them; RSS growth per sequential session; wall time. The
verdict is ``flat`` when descriptors, tasks and threads are back at their start values.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.memory import rss_bytes  # noqa: E402

WARMUP = 50
"""Sessions run before the start figures are taken (imports, caches, the allocator's pools)."""

SAMPLE_EVERY = 0.05
"""Seconds between samples of this process while the concurrent sessions run."""


@dataclass(frozen=True)
class Figures:
    """What one process holds at one moment."""

    fds: int
    tasks: int
    threads: int
    rss: int


def figures() -> Figures:
    """This process, now (call it from the event loop's thread)."""
    return Figures(
        fds=len(os.listdir("/proc/self/fd")),
        tasks=len(asyncio.all_tasks()),
        threads=threading.active_count(),
        rss=rss_bytes(),
    )


def peak(a: Figures, b: Figures) -> Figures:
    return Figures(
        fds=max(a.fds, b.fds),
        tasks=max(a.tasks, b.tasks),
        threads=max(a.threads, b.threads),
        rss=max(a.rss, b.rss),
    )


# ---------------------------------------------------------------------------------------------
# The simulator's side (the subprocess)


async def serve() -> None:
    """Run a simulator; print its URL; answer each ``stats`` line on stdin with its figures
    as one JSON line; stop at end of input."""
    from rtvoice.simulator import Simulator

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with Simulator() as sim:
        print(json.dumps({"url": sim.url}), flush=True)
        while line := await reader.readline():
            if line.strip() == b"stats":
                gc.collect()
                now = asdict(figures())
                now["served"] = sim.connections_served
                print(json.dumps(now), flush=True)


class ServerProcess:
    """The simulator subprocess, and the line protocol to ask it for its figures."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.soak", "--serve"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url: str = self._read()["url"]

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the simulator subprocess ended")
        return dict(json.loads(line))

    def stats(self) -> tuple[Figures, int]:
        """The subprocess's figures and how many sessions it served (blocks for the answer,
        a few milliseconds, only between phases: no executor thread to skew the count)."""
        assert self._process.stdin is not None
        self._process.stdin.write("stats\n")
        self._process.stdin.flush()
        answer = self._read()
        served = answer.pop("served")
        return Figures(**answer), served

    def stop(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


# ---------------------------------------------------------------------------------------------
# rtvoice's side (this process)


class Hold:
    """Keeps finished turns open until every session has reached that point."""

    def __init__(self, count: int) -> None:
        self.waiting = 0
        self.count = count
        self.released = asyncio.Event()

    async def wait(self) -> None:
        self.waiting += 1
        await self.released.wait()


async def one_session(runner: Any, text: str, hold: Hold | None = None) -> None:
    """Open a session, run one text turn to ``agent_end``, (wait for ``hold``,) close."""
    session = await runner.run()
    async with session:
        await session.send_message(text)
        async for event in session:
            if event.type == "agent_end":
                break
        if hold is not None:
            await hold.wait()


async def sequential(runner: Any, count: int) -> None:
    for index in range(count):
        await one_session(runner, f"caller {index}")


async def concurrent(runner: Any, count: int) -> Figures:
    """``count`` sessions at once; returns this process's peak while they ran."""
    hold = Hold(count)
    highest = figures()
    tasks = [asyncio.ensure_future(one_session(runner, f"caller {i}", hold)) for i in range(count)]
    waiting = asyncio.ensure_future(asyncio.gather(*tasks))
    while not waiting.done():
        highest = peak(highest, figures())
        if not hold.released.is_set() and hold.waiting == count:
            hold.released.set()  # every session is open and past its turn: let them close
        await asyncio.sleep(SAMPLE_EVERY)
    await waiting
    return highest


def report_line(name: str, here: Figures, there: Figures | None) -> str:
    def pair(mine: float, theirs: float | None, width: int, unit: float = 1.0) -> str:
        other = "-" if theirs is None else f"{theirs / unit:.{1 if unit > 1 else 0}f}"
        return f"{mine / unit:>{width}.{1 if unit > 1 else 0}f} / {other:>{width}}"

    return (
        f"{name:<24} fds {pair(here.fds, there and there.fds, 5)}   "
        f"tasks {pair(here.tasks, there and there.tasks, 5)}   "
        f"threads {pair(here.threads, there and there.threads, 3)}   "
        f"RSS {pair(here.rss, there and there.rss, 7, 2**20)} MiB"
    )


async def soak(sequential_count: int, concurrent_count: int) -> dict[str, Any]:
    from rtvoice import OpenAIProvider, RealtimeAgent, RealtimeRunner
    from rtvoice.simulator import DEFAULT_API_KEY

    server = ServerProcess()
    try:
        provider = OpenAIProvider(api_key=DEFAULT_API_KEY, base_url=server.url)
        runner = RealtimeRunner(RealtimeAgent(name="Assistant"), provider=provider)
        await sequential(runner, WARMUP)

        async def settled() -> tuple[Figures, Figures, int]:
            await asyncio.sleep(0.2)  # the server's side of the last close
            gc.collect()
            there, served = server.stats()
            return figures(), there, served

        start_here, start_there, served0 = await settled()
        began = time.perf_counter()
        await sequential(runner, sequential_count)
        sequential_s = time.perf_counter() - began
        seq_here, seq_there, served1 = await settled()

        began = time.perf_counter()
        peak_here = await concurrent(runner, concurrent_count)
        concurrent_s = time.perf_counter() - began
        end_here, end_there, served2 = await settled()
        # The server's peak is not sampled: its figures at the end say whether it leaked.
    finally:
        server.stop()

    assert served1 - served0 == sequential_count, (served0, served1)
    assert served2 - served1 == concurrent_count, (served1, served2)
    flat = all(
        (getattr(end_here, name), getattr(end_there, name))
        == (getattr(start_here, name), getattr(start_there, name))
        for name in ("fds", "tasks", "threads")
    )
    result = {
        "sequential": sequential_count,
        "concurrent": concurrent_count,
        "here": {
            "start": asdict(start_here),
            "after_sequential": asdict(seq_here),
            "peak_concurrent": asdict(peak_here),
            "after_concurrent": asdict(end_here),
        },
        "simulator": {
            "start": asdict(start_there),
            "after_sequential": asdict(seq_there),
            "after_concurrent": asdict(end_there),
        },
        "rss_per_sequential_session_bytes": {
            "here": (seq_here.rss - start_here.rss) / max(sequential_count, 1),
            "simulator": (seq_there.rss - start_there.rss) / max(sequential_count, 1),
        },
        "wall_s": {"sequential": sequential_s, "concurrent": concurrent_s},
        "flat": flat,
    }
    print(f"{'':<28}rtvoice / simulator")
    print(report_line("start", start_here, start_there))
    print(report_line(f"after {sequential_count} sequential", seq_here, seq_there))
    print(report_line(f"peak of {concurrent_count} concurrent", peak_here, None))
    print(report_line(f"after {concurrent_count} concurrent", end_here, end_there))
    per = result["rss_per_sequential_session_bytes"]
    print(
        f"RSS growth per sequential session: rtvoice {per['here']:.0f} B, "
        f"simulator {per['simulator']:.0f} B"
    )
    print(
        f"wall: {sequential_count} sequential in {sequential_s:.1f} s "
        f"({sequential_s / max(sequential_count, 1) * 1000:.1f} ms each), "
        f"{concurrent_count} concurrent in {concurrent_s:.1f} s"
    )
    print("verdict:", "flat (no descriptor, task or thread left behind)" if flat else "LEAK")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sequential", type=int, default=10_000, metavar="N")
    parser.add_argument("--concurrent", type=int, default=500, metavar="M")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    result = asyncio.run(soak(args.sequential, args.concurrent))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if not result["flat"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
