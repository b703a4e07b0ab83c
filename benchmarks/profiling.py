"""Where rtvoice's time and memory go: the to-do list behind the suite's table.

Run from the repository root (``py-spy`` in the venv for the sampled profiles; without it
only the cProfile call counts are given)::

    .venv/bin/python -m benchmarks.profiling [--ref HEAD] [--only flood,turn,idle,import]

* ``flood``: py-spy samples the rtvoice driver (and the floor's) in a long flood K=50 (20 ms
  chunks, transcripts on) and splits client CPU by where it is spent (self time, by module;
  time inside each rtvoice function, inclusive), in % and in µs per audio delta. cProfile
  then counts Python calls per audio delta inside rtvoice (K=1).
* ``turn``: the same for 1-delta responses, in µs per turn.
* ``long``: cProfile of the first and the last tenth of a 300-turn session: what grows.
* ``idle``: tracemalloc over 200 idle sessions, each allocation charged to the innermost
  rtvoice line that caused it (else websockets', else the driver's).
* ``import``: ``-X importtime``: the modules whose own execution costs most.

Everything runs with compression off (the bench server's default). Writes
``benchmarks/results/profile.json``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.run import BenchServer, export_source  # noqa: E402
from benchmarks.wire import StreamParams  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_SKIP_FUNCS = {"open", "close"}


def short(path: str) -> str:
    for marker in ("/site-packages/", "/src/", "/lib/python3.11/", "/lib/python3"):
        if marker in path:
            return path.split(marker, 1)[1]
    if "/benchmarks/" in path:
        return "benchmarks/" + path.split("/benchmarks/", 1)[1]
    return path


def parse_frame(frame: str) -> tuple[str, str, str]:
    match = _FRAME.match(frame)
    if not match:
        return frame, "?", ""
    return match["func"], short(match["file"]), match["line"] or ""


def package_of(file: str) -> str:
    if file.startswith("rtvoice/"):
        return file
    if file.startswith("benchmarks/"):
        return "driver (benchmarks/)"
    top = file.split("/", 1)[0]
    if top in ("asyncio", "selectors.py", "selectors", "socket.py"):
        return "asyncio event loop"
    return top


# ---------------------------------------------------------------------------------------------
# py-spy


def pyspy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def sample(
    spy: str, python: str, spec: dict[str, Any], env: dict[str, str], rate: int = 400
) -> tuple[dict[str, Any], list[tuple[list[tuple[str, str, str]], int]]]:
    """Run one driver under ``py-spy record``; its result and its parsed stacks.

    Blocking mode (py-spy pauses the process for each sample): slower by a few percent, but
    stacks are consistent (non-blocking samples charge socket writes to their callers).
    """
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        proc = subprocess.run(
            [spy, "record", "-r", str(rate), "-f", "raw", "-o", out.name,
             "--", python, "-m", "benchmarks.drivers", json.dumps(spec)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"py-spy failed:\n{proc.stderr[-3000:]}")
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if not lines:
            raise RuntimeError(f"no driver result under py-spy:\n{proc.stdout[-2000:]}")
        result = json.loads(lines[-1])
        stacks = []
        for line in Path(out.name).read_text().splitlines():
            body, _, count = line.rpartition(" ")
            if not body:
                continue
            frames = [parse_frame(f) for f in body.split(";")]
            if frames[-1][0].startswith("scenario_"):
                continue  # the driver's own gc.collect() between measured regions
            if any((func in _SKIP_FUNCS and file.startswith("benchmarks/"))
                   or func == "_find_and_load" for func, file, _ in frames):  # fmt: skip
                continue  # imports, opening and closing sessions: outside the measured region
            stacks.append((frames, int(count)))
    return result, stacks


def breakdown(
    stacks: list[tuple[list[tuple[str, str, str]], int]], per_unit_us: float, top: int = 25
) -> dict[str, Any]:
    """Self time by module and by line, inclusive time by rtvoice function."""
    total = sum(count for _, count in stacks) or 1
    by_module: collections.Counter[str] = collections.Counter()
    by_line: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for frames, count in stacks:
        func, file, _line = frames[-1]
        by_module[package_of(file)] += count
        # Self time charged to the innermost rtvoice frame (C calls and library code it made).
        for f_func, f_file, f_line in reversed(frames):
            if f_file.startswith("rtvoice/"):
                by_line[f"{f_file}:{f_line} {f_func}"] += count
                break
        else:
            by_line[f"(outside rtvoice) {package_of(file)}: {func}"] += count
        seen = set()
        for f_func, f_file, _ in frames:
            if f_file.startswith("rtvoice/"):
                key = f"{f_file}:{f_func}"
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += count

    def rows(counter: collections.Counter[str]) -> list[dict[str, Any]]:
        return [
            {
                "where": key,
                "percent": round(count / total * 100, 1),
                "us": round(count / total * per_unit_us, 2),
            }
            for key, count in counter.most_common(top)
        ]

    return {
        "samples": total,
        "self_by_module": rows(by_module),
        "self_by_rtvoice_line": rows(by_line),
        "inclusive_by_rtvoice_function": rows(inclusive),
    }


# ---------------------------------------------------------------------------------------------
# cProfile call counts


_CPROFILE_DRIVER = r"""
import asyncio, cProfile, json, pstats, sys, time
from benchmarks import drivers, memory

spec = json.loads(sys.argv[1])
profiler = cProfile.Profile()
real_process_time = time.process_time
state = {"calls": 0}

# Profile exactly the measured regions: scenario_turns reads process_time() right before and
# right after each (GcTimer's own reads are switched off below).
class Clock:
    def __call__(self):
        state["calls"] += 1
        value = real_process_time()
        if state["calls"] % 2:
            profiler.enable()
        else:
            profiler.disable()
        return value

drivers.time.process_time = Clock()
gc_timer = drivers.GcTimer  # process_time inside GcTimer would also tick: disable it
drivers.GcTimer.__call__ = lambda self, phase, info: None
result = asyncio.run(drivers.scenario_turns(spec))
stats = pstats.Stats(profiler)
rows = []
for (file, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
    rows.append({"file": file, "line": line, "func": func, "ncalls": nc, "tottime": tt,
                 "cumtime": ct})
print(json.dumps({"result": result, "rows": rows}))
"""


def call_counts(python: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [python, "-c", _CPROFILE_DRIVER, json.dumps({"impl": "rtvoice", **spec})],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"cProfile driver failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    deltas = data["result"]["deltas"]
    rows = data["rows"]
    total_calls = sum(r["ncalls"] for r in rows)
    rt = [r for r in rows if "/rtvoice/" in r["file"]]
    rt_calls = sum(r["ncalls"] for r in rt)
    top = sorted(rt, key=lambda r: r["ncalls"], reverse=True)[:25]
    return {
        "deltas": deltas,
        "turns": data["result"]["turns"],
        "python_calls_per_delta_all": round(total_calls / deltas, 1),
        "python_calls_per_delta_rtvoice": round(rt_calls / deltas, 1),
        "top_rtvoice_by_calls": [
            {
                "where": f"{short(r['file'])}:{r['line']} {r['func']}",
                "calls_per_delta": round(r["ncalls"] / deltas, 2),
            }
            for r in top
        ],
    }


_LONG_DRIVER = r"""
import asyncio, cProfile, json, pstats, sys, time
from benchmarks import drivers, memory
from benchmarks.wire import StreamParams

spec = json.loads(sys.argv[1])

async def main():
    params = StreamParams(**spec["params"])
    client = drivers.make_client("rtvoice", spec["port"], params, "off")
    await client.open()
    turns, window = spec["turns"], spec["window"]
    # CPU time, not wall time: the waits for the server must not count.
    first, last = cProfile.Profile(time.process_time), cProfile.Profile(time.process_time)
    sink = drivers.Sink(False)
    for _ in range(3):  # warm-up: first-time paths are not growth
        await client.turn(sink)
    for turn in range(turns):
        profiler = first if turn < window else last if turn >= turns - window else None
        if profiler is not None:
            profiler.enable()
        await client.turn(sink)
        if profiler is not None:
            profiler.disable()
    await client.close()
    out = {}
    for name, profiler in (("first", first), ("last", last)):
        stats = pstats.Stats(profiler)
        out[name] = {f"{memory.shorten(file)}:{func}": [nc, tt, ct]
                     for (file, line, func), (cc, nc, tt, ct, callers) in stats.stats.items()}
    print(json.dumps(out))

asyncio.run(main())
"""


def section_long(server: BenchServer, env: dict[str, str], turns: int = 300) -> dict[str, Any]:
    """cProfile of the first and the last tenth of a long session: what grows with history.

    cProfile inflates small functions, so only the difference between the two windows is
    meaningful (both carry the same instrumentation).
    """
    window = max(1, turns // 10)
    spec = {"port": server.port, "compression": "off", "params": asdict(StreamParams(deltas=10)),
            "turns": turns, "window": window}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", _LONG_DRIVER, json.dumps(spec)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    first, last = data["first"], data["last"]
    total_first = sum(v[1] for v in first.values()) / window * 1e6
    total_last = sum(v[1] for v in last.values()) / window * 1e6
    grown = []
    for key in set(first) | set(last):
        f = first.get(key, [0, 0.0, 0.0])
        lst = last.get(key, [0, 0.0, 0.0])
        grown.append(
            {
                "where": key,
                "self_us_per_turn_first": round(f[1] / window * 1e6, 1),
                "self_us_per_turn_last": round(lst[1] / window * 1e6, 1),
                "growth_us": round((lst[1] - f[1]) / window * 1e6, 1),
                "calls_per_turn_first": round(f[0] / window, 1),
                "calls_per_turn_last": round(lst[0] / window, 1),
                "cumulative_us_per_turn_last": round(lst[2] / window * 1e6, 1),
            }
        )
    grown.sort(key=lambda r: r["growth_us"], reverse=True)
    return {
        "turns": turns,
        "window": window,
        "profiled_us_per_turn_first": round(total_first, 1),
        "profiled_us_per_turn_last": round(total_last, 1),
        "grown": grown[:15],
    }


# ---------------------------------------------------------------------------------------------
# Sections


def section_cpu(
    name: str, server: BenchServer, env: dict[str, str], params: StreamParams, spec: dict[str, Any]
) -> dict[str, Any]:
    spy = pyspy()
    out: dict[str, Any] = {}
    if spy is None:
        out["note"] = "py-spy not found: pip install py-spy into the venv for sampled profiles"
    else:
        for impl in ("floor", "rtvoice"):
            full = {
                "impl": impl,
                "port": server.port,
                "compression": "off",
                "params": asdict(params),
                **spec,
            }
            result, stacks = sample(spy, sys.executable, full, env)
            unit = "deltas" if name == "flood" else "turns"
            per_unit_us = result["cpu_s"] / result[unit] * 1e6
            out[impl] = {
                "cpu_us_per_" + unit[:-1]: round(per_unit_us, 2),
                **breakdown(stacks, per_unit_us),
            }
    count_spec = {
        "scenario": "turns",
        "port": server.port,
        "compression": "off",
        "params": asdict(params),
        "sessions": 1,
        "turns": 50,
        "warmup": 2,
        "repeat": 1 if name == "flood" else 6,
    }
    out["call_counts"] = call_counts(sys.executable, count_spec, env)
    return out


def section_idle(server: BenchServer, env: dict[str, str]) -> dict[str, Any]:
    out = {}
    for impl in ("floor", "rtvoice"):
        spec = {
            "impl": impl,
            "port": server.port,
            "compression": "off",
            "scenario": "idle",
            "params": asdict(StreamParams(deltas=1)),
            "sessions": 200,
            "tracemalloc": True,
            "frames": 12,
            "top": 30,
            "attribute": True,
        }
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.drivers", json.dumps(spec)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        out[impl] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def section_import(env: dict[str, str], runs: int = 5) -> dict[str, Any]:
    totals: collections.defaultdict[str, list[int]] = collections.defaultdict(list)
    packages: collections.defaultdict[str, list[int]] = collections.defaultdict(list)
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import rtvoice"],
            cwd="/", env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        per_package: collections.Counter[str] = collections.Counter()
        for line in proc.stderr.splitlines():
            match = _IMPORT_LINE.match(line)
            if match:
                own, name = int(match[1]), match[4]
                totals[name].append(own)
                per_package[name.split(".")[0]] += own
        for name, own in per_package.items():
            packages[name].append(own)

    def median_ms(values: list[int]) -> float:
        values = sorted(values)
        return round(values[len(values) // 2] / 1000, 1)

    modules = sorted(((median_ms(v), k) for k, v in totals.items()), reverse=True)
    by_package = sorted(((median_ms(v), k) for k, v in packages.items()), reverse=True)
    return {
        "self_ms_by_package": [{"package": k, "ms": ms} for ms, k in by_package[:12]],
        "self_ms_by_module": [{"module": k, "ms": ms} for ms, k in modules[:30]],
    }


# ---------------------------------------------------------------------------------------------
# Printing


def print_cpu(name: str, data: dict[str, Any]) -> None:
    unit = "delta" if name == "flood" else "turn"
    for impl in ("floor", "rtvoice"):
        if impl not in data:
            continue
        d = data[impl]
        print(f"\n== {name}: {impl}, {d[f'cpu_us_per_{unit}']} µs CPU per {unit}, "
              f"{d['samples']} samples")  # fmt: skip
        print("-- self time by module (% of client CPU, µs per " + unit + ")")
        for r in d["self_by_module"][:12]:
            print(f"  {r['percent']:5.1f}%  {r['us']:8.2f}  {r['where']}")
        if impl == "rtvoice":
            print("-- self time by innermost rtvoice line (C calls and libraries it called)")
            for r in d["self_by_rtvoice_line"][:20]:
                print(f"  {r['percent']:5.1f}%  {r['us']:8.2f}  {r['where']}")
            print("-- inclusive time by rtvoice function")
            for r in d["inclusive_by_rtvoice_function"][:20]:
                print(f"  {r['percent']:5.1f}%  {r['us']:8.2f}  {r['where']}")
    counts = data.get("call_counts")
    if counts:
        print(f"-- cProfile (K=1): {counts['python_calls_per_delta_all']} Python calls per "
              f"audio delta, {counts['python_calls_per_delta_rtvoice']} of them in rtvoice "
              f"({counts['deltas']} deltas, {counts['turns']} turns; with 1-delta responses, "
              "per delta = per turn)")  # fmt: skip
        for r in counts["top_rtvoice_by_calls"][:15]:
            print(f"  {r['calls_per_delta']:6.2f}/delta  {r['where']}")


def print_idle(data: dict[str, Any]) -> None:
    for impl in ("floor", "rtvoice"):
        d = data[impl]
        print(f"\n== idle: {impl}, {d['heap_bytes'] / d['sessions'] / 1024:.1f} KB Python heap "
              f"per session")  # fmt: skip
        for r in d.get("by_caller", [])[:20]:
            print(f"  {r['bytes_per_session']:8.0f} B  {r['blocks_per_session']:6.1f} blocks"
                  f"  {r['where']}")  # fmt: skip


def print_long(data: dict[str, Any]) -> None:
    print(f"\n== {data['turns']}-turn session (cProfile, first vs last {data['window']} turns): "
          f"{data['profiled_us_per_turn_first']} -> {data['profiled_us_per_turn_last']} "
          "profiled µs per turn")  # fmt: skip
    print("   growth  first->last self µs/turn   calls/turn   where")
    for r in data["grown"][:12]:
        print(f"  {r['growth_us']:+7.1f}  {r['self_us_per_turn_first']:7.1f} -> "
              f"{r['self_us_per_turn_last']:7.1f}   {r['calls_per_turn_first']:5.1f} -> "
              f"{r['calls_per_turn_last']:5.1f}   {r['where']}")  # fmt: skip


def print_import(data: dict[str, Any]) -> None:
    print("\n== import rtvoice: own execution time by package (median ms)")
    for r in data["self_ms_by_package"]:
        print(f"  {r['ms']:7.1f}  {r['package']}")
    print("-- by module")
    for r in data["self_ms_by_module"][:20]:
        print(f"  {r['ms']:7.1f}  {r['module']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling")
    parser.add_argument("--only", default="flood,turn,long,idle,import")
    parser.add_argument("--ref", help="profile rtvoice as of this git commit")
    parser.add_argument("--seconds", type=float, default=1.0, help="scale of the sampled runs")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    snapshot = tempfile.TemporaryDirectory(prefix="rtvoice-prof-") if args.ref else None
    if snapshot is not None:
        env["PYTHONPATH"] = export_source(args.ref, Path(snapshot.name))
    wanted = args.only.split(",")
    report: dict[str, Any] = {"ref": args.ref or "working tree"}
    server = BenchServer()
    try:
        if "flood" in wanted:
            turns = max(2, round(12 * args.seconds))
            report["flood"] = section_cpu(
                "flood", server, env, StreamParams(deltas=100, size=960),
                {"scenario": "turns", "sessions": 50, "turns": turns, "warmup": 1},
            )  # fmt: skip
            print_cpu("flood", report["flood"])
        if "turn" in wanted:
            report["turn"] = section_cpu(
                "turn", server, env, StreamParams(deltas=1, size=960),
                {"scenario": "turns", "sessions": 1, "turns": 50, "warmup": 3,
                 "repeat": max(1, round(40 * args.seconds))},
            )  # fmt: skip
            print_cpu("turn", report["turn"])
        if "long" in wanted:
            report["long"] = section_long(server, env)
            print_long(report["long"])
        if "idle" in wanted:
            report["idle"] = section_idle(server, env)
            print_idle(report["idle"])
        if "import" in wanted:
            report["import"] = section_import(env)
            print_import(report["import"])
    finally:
        server.stop()
        if snapshot is not None:
            snapshot.cleanup()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "profile.json"
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
