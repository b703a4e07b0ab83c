"""Instructions per audio delta and per turn under callgrind, in both compression settings.

CPU-time ratios on a shared machine move by 10-20 % between runs; instruction counts hardly
move (a run of 1-delta turns repeats within about 0.1 %, of flood turns within about 1.5 %, as
frames coalesce into reads differently). One driver process per implementation and setting
runs under ``valgrind --tool=callgrind --dump-before=getppid`` (the bench server runs outside
it): two sessions, one answered with 1-delta responses and one with ``N + 1``-delta ones, are
opened and warmed up, then the driver calls ``os.getppid()`` before the first session's turns,
between the two sessions' turns and after them (``drivers.scenario_phases``), and each call
dumps the counts since the previous one. So::

    per turn  = (1-delta phase) / its turns
    per delta = ((N + 1-delta phase) / its turns - per turn) / N

A per-delta figure carries half a transcript delta (the server sends one after every second
audio delta). Kernel work (system calls) is not counted: a change that saves a ``write``
shows in the suite's CPU time, not here. Needs valgrind (``apt-get install valgrind``). From
the repository root::

    .venv/bin/python -m benchmarks.instructions [--turns 100,10] [--extra 100]
    .venv/bin/python -m benchmarks.instructions --ref HEAD~1   # rtvoice as of another commit
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.run import SETTINGS, BenchServer, export_source  # noqa: E402
from benchmarks.wire import StreamParams  # noqa: E402

_TOTALS = re.compile(r"^totals: (\d+)", re.MULTILINE)
PER_DELTA_LIMIT = 1.2
"""Budget line 1: rtvoice's instructions per audio delta against the floor's."""

Counts = dict[str, dict[str, dict[str, float]]]
"""setting -> impl -> {"per_turn": instructions, "per_delta": instructions}"""


def phases(
    port: int,
    impl: str,
    compression: str,
    turns: tuple[int, int],
    extra: int,
    env: Mapping[str, str],
) -> list[int]:
    """Instructions of each counted phase of one driver process under callgrind."""
    spec = {
        "scenario": "phases",
        "impl": impl,
        "port": port,
        "compression": compression,
        "phases": [
            {"params": asdict(StreamParams(deltas=1)), "turns": turns[0], "warmup": 30},
            {"params": asdict(StreamParams(deltas=1 + extra)), "turns": turns[1], "warmup": 3},
        ],
    }
    with tempfile.TemporaryDirectory(prefix="rtvoice-callgrind-") as scratch:
        out = Path(scratch) / "cg"
        command = [
            "valgrind", "--tool=callgrind", "--cache-sim=no", "--dump-before=getppid",
            "--dump-line=no", f"--callgrind-out-file={out}",
            sys.executable, "-m", "benchmarks.drivers", json.dumps(spec),
        ]  # fmt: skip
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{impl} under valgrind failed:\n{proc.stderr[-2000:]}")
        # cg.1 runs up to the first marker, cg.2 .. cg.N+1 are the phases, cg the rest.
        counted = []
        for part in range(2, len(spec["phases"]) + 2):
            found = _TOTALS.search(Path(f"{out}.{part}").read_text())
            if found is None:
                raise RuntimeError(f"no totals in callgrind dump {part} of {impl}")
            counted.append(int(found.group(1)))
        if Path(f"{out}.{len(spec['phases']) + 2}").exists():
            raise RuntimeError(f"{impl}: something else called getppid(): phases are off")
    return counted


def measure(
    ports: Mapping[str, int],
    env: Mapping[str, str],
    *,
    impls: tuple[str, ...] = ("floor", "rtvoice"),
    turns: tuple[int, int] = (100, 10),
    extra: int = 100,
) -> Counts:
    """Per-turn and per-delta instructions of each implementation in each setting of
    ``ports`` (setting -> its bench server's port)."""
    counts: Counts = {}
    for setting, port in ports.items():
        counts[setting] = {}
        for impl in impls:
            short, long = phases(port, impl, setting, turns, extra, env)
            per_turn = short / turns[0]
            per_delta = (long / turns[1] - per_turn) / extra
            counts[setting][impl] = {"per_turn": per_turn, "per_delta": per_delta}
    return counts


def report(counts: Counts) -> str:
    """The per-delta and per-turn lines, floor against rtvoice, in each setting."""
    lines = [
        f"{'line':4}  {'setting':8}  {'metric':30}  {'floor':>9}  {'rtvoice':>9}  "
        f"{'vs floor':>16}  {'budget':8}"
    ]
    for setting, by_impl in counts.items():
        floor, ours = by_impl.get("floor"), by_impl.get("rtvoice")
        if floor is None or ours is None:
            continue
        ratio = ours["per_delta"] / floor["per_delta"]
        verdict = "pass" if ratio <= PER_DELTA_LIMIT else "MISS"
        lines.append(
            f"{'1':4}  {setting:8}  {'instructions per audio delta':30}  "
            f"{floor['per_delta'] / 1000:8,.1f}k  {ours['per_delta'] / 1000:8,.1f}k  "
            f"{ratio:15.3f}x  <= {PER_DELTA_LIMIT:g}x  {verdict}"
        )
        extra = ours["per_turn"] - floor["per_turn"]
        lines.append(
            f"{'2':4}  {setting:8}  {'instructions per 1-delta turn':30}  "
            f"{floor['per_turn'] / 1000:8,.0f}k  {ours['per_turn'] / 1000:8,.0f}k  "
            f"{extra / 1000:+9,.0f}k {ours['per_turn'] / floor['per_turn']:.2f}x  "
            "(the suite turns this into ms)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", default="100,10", help="1-delta turns, N + 1-delta turns")
    parser.add_argument("--extra", type=int, default=100, help="N: the deltas a turn adds")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="off,deflate")
    parser.add_argument("--impls", default="floor,rtvoice", help="comma-separated")
    parser.add_argument("--ref", help="measure rtvoice as of this commit (git archive)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    short, long = (int(x) for x in args.turns.split(","))
    env = dict(os.environ)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        if args.ref:
            env["PYTHONPATH"] = export_source(args.ref, Path(scratch))
        servers = {setting: BenchServer(setting) for setting in args.settings.split(",")}
        try:
            counts = measure(
                {setting: server.port for setting, server in servers.items()},
                env,
                impls=tuple(args.impls.split(",")),
                turns=(short, long),
                extra=args.extra,
            )
        finally:
            for server in servers.values():
                server.stop()
    print(report(counts))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
