"""Instructions per turn under callgrind: a deterministic A/B measure for CPU work.

CPU-time ratios on a shared machine move by 10-20 % between runs; instruction counts do not
(two runs of the same code agree within 0.1 %). Each implementation's driver runs twice under
``valgrind --tool=callgrind`` (the bench server runs outside it), once with the warm-up turns
only and once with ``--turns`` more; the difference over ``--turns`` is the count per turn.
Kernel work (system calls) is not counted, so a change that saves a ``write`` shows in the
suite's CPU time but not here.

Needs valgrind (``apt-get install valgrind``). From the repository root::

    .venv/bin/python -m benchmarks.instructions [--deltas 1] [--turns 150] [--pace 0]
    .venv/bin/python -m benchmarks.instructions --ref HEAD~1   # rtvoice as of another commit

A 1-delta turn takes about 20 s per implementation; ``--pace 1 --deltas 50`` (a paced
response, one delta per read) about a minute with ``--turns 10``.
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
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.run import BenchServer, export_source  # noqa: E402
from benchmarks.wire import StreamParams  # noqa: E402

_COLLECTED = re.compile(r"Collected : (\d+)")


def count(impl: str, port: int, params: StreamParams, turns: int, env: dict[str, str]) -> int:
    """Instructions of one driver process that runs the warm-up and ``turns`` turns."""
    spec = {
        "scenario": "turns",
        "impl": impl,
        "port": port,
        "params": asdict(params),
        "sessions": 1,
        "turns": turns,
        "warmup": 30 if params.pace == 0 else 2,
    }
    command = [
        "valgrind",
        "--tool=callgrind",
        "--cache-sim=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.drivers",
        json.dumps(spec),
    ]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    found = _COLLECTED.search(proc.stderr)
    if proc.returncode != 0 or found is None:
        raise RuntimeError(f"{impl} under valgrind failed:\n{proc.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deltas", type=int, default=1, help="audio deltas per response")
    parser.add_argument("--turns", type=int, default=150, help="measured turns")
    parser.add_argument("--pace", type=float, default=0.0, help="0: flood; 1: real time")
    parser.add_argument("--impls", default="floor,rtvoice", help="comma-separated")
    parser.add_argument("--ref", help="measure rtvoice as of this commit (git archive)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as scratch:
        if args.ref:
            env["PYTHONPATH"] = export_source(args.ref, Path(scratch))
        params = StreamParams(deltas=args.deltas, size=960, pace=args.pace)
        server = BenchServer()
        try:
            per_turn: dict[str, float] = {}
            for impl in args.impls.split(","):
                base = count(impl, server.port, params, 0, env)
                more = count(impl, server.port, params, args.turns, env)
                per_turn[impl] = (more - base) / args.turns
                print(f"{impl:8s} {per_turn[impl] / 1000:10,.0f} k instructions per turn")
        finally:
            server.stop()
    if "floor" in per_turn and "rtvoice" in per_turn:
        print(f"rtvoice / floor: {per_turn['rtvoice'] / per_turn['floor']:.3f}")


if __name__ == "__main__":
    main()
