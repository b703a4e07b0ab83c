"""The benchmark suite: rtvoice against the wire floor, in both compression settings.

Run from the repository root::

    .venv/bin/python -m benchmarks                 # the whole suite
    .venv/bin/python -m benchmarks --quick         # a smoke run
    .venv/bin/python -m benchmarks --only delta,paced100 --rounds 3 --settings off
    .venv/bin/python -m benchmarks --peer-python /path/to/venv/bin/python
    .venv/bin/python -m benchmarks --ref HEAD      # measure a commit, not the working tree

It starts one bench server (:mod:`benchmarks.server`) per compression setting, each in its
own process, then runs every scenario (:mod:`benchmarks.scenarios`) in each setting: the
drivers (:mod:`benchmarks.drivers`) run in fresh processes, the implementations interleaved
round by round so that noise hits them alike, and the instruction counts run under callgrind
(:mod:`benchmarks.instructions`). It prints one table (budget line, scenario, setting,
floor, rtvoice, peer, rtvoice against the floor, budget, verdict), the wire bytes of both
settings (:mod:`benchmarks.compression`), and writes everything, raw rounds included, to
``benchmarks/results/<name>.json``. docs/performance.md says how to read it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.lines import Rounds, Table, med  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
IMPLS = ("floor", "rtvoice", "peer")
SETTINGS = ("off", "deflate")


@dataclass(frozen=True)
class Plan:
    """Sizes of every scenario (the whole suite; :func:`quick_plan` shrinks them)."""

    settings: tuple[str, ...] = SETTINGS
    rounds: int = 5
    slow_rounds: int = 3  # idle, open, long: seconds of wall time each
    delta_extra: int = 100  # per delta: (turn of N + 1 deltas - turn of 1 delta) / N
    delta_turns: int = 100  # of each kind, alternating, per round
    flood50_sessions: int = 50
    flood50_turns: int = 4
    idle_sessions: int = 200
    open_serial: int = 30
    open_concurrent: int = 50
    paced_deltas: int = 50  # 1 s of audio per response
    paced100_sessions: int = 100
    paced100_turns: int = 2
    staggered_rounds: int = 5
    synchronised_rounds: int = 3
    long_turns: int = 300
    long_deltas: int = 10
    import_runs: int = 9
    peer_rounds: int = 3
    trace_heap: bool = True  # a tracemalloc run for the Python heap per idle session
    instruction_turns: tuple[int, int] = (100, 10)  # 1-delta turns, N + 1-delta turns


def quick_plan() -> Plan:
    return Plan(
        rounds=1,
        slow_rounds=1,
        delta_turns=20,
        flood50_turns=1,
        open_serial=5,
        open_concurrent=20,
        paced_deltas=25,
        paced100_turns=1,
        staggered_rounds=1,
        synchronised_rounds=1,
        long_turns=100,
        long_deltas=5,
        import_runs=3,
        trace_heap=False,
        instruction_turns=(20, 3),
    )


class BenchServer:
    """The bench server in its own process (its CPU is not the client's)."""

    def __init__(self, compression: str = "off") -> None:
        self.compression = compression
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", "--compression", compression],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"the bench server did not start: {line!r}")
        self.port = int(line.split()[1])

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class Context:
    servers: dict[str, BenchServer]  # compression setting -> its server
    plan: Plan
    pythons: dict[str, str]  # impl -> interpreter
    env: dict[str, str]  # the drivers' environment (PYTHONPATH for --ref)
    raw: dict[str, Any] = field(default_factory=dict)
    table: Table = field(default_factory=Table)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # further tables, printed after
    ref: str | None = None

    @property
    def impls(self) -> list[str]:
        return [impl for impl in IMPLS if impl in self.pythons]

    def drive(self, impl: str, spec: dict[str, Any]) -> dict[str, Any]:
        """One driver process; its JSON result, plus the load on the machine while it ran."""
        server = self.servers[spec.get("compression", "off")]
        spec = {"impl": impl, "port": server.port, "compression": server.compression, **spec}
        env = dict(self.env, PYTHONHASHSEED="0")
        if impl == "peer":
            env.pop("PYTHONPATH", None)
        server0, wall0 = server.cpu_seconds(), time.perf_counter()
        busy0, children0 = busy_cpu_seconds(), children_cpu_seconds()
        spec["spawned_at"] = time.monotonic()
        proc = subprocess.run(
            [self.pythons[impl], "-m", "benchmarks.drivers", json.dumps(spec)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        server1, wall1 = server.cpu_seconds(), time.perf_counter()
        busy1, children1 = busy_cpu_seconds(), children_cpu_seconds()
        if proc.returncode != 0:
            raise RuntimeError(f"{impl} driver failed ({spec['scenario']}):\n{proc.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        wall = wall1 - wall0
        result["server_busy"] = (server1 - server0) / wall
        # Whatever else ran on the machine meanwhile, in cores (our driver and server excluded).
        ours = (children1 - children0) + (server1 - server0)
        result["foreign_cores"] = max(0.0, (busy1 - busy0 - ours) / wall)
        return result

    def rounds(self, name: str, n: int, spec: Callable[[str], dict[str, Any]]) -> Rounds:
        """``n`` rounds of every implementation, the order rotated each round."""
        impls = self.impls
        out: Rounds = {impl: [] for impl in impls}
        for r in range(n):
            for impl in impls[r % len(impls) :] + impls[: r % len(impls)]:
                if impl == "peer" and r >= self.plan.peer_rounds:
                    continue  # a reference, not judged: fewer rounds keep the suite short
                out[impl].append(self.drive(impl, spec(impl)))
        self.raw[name] = out
        foreign = med([r["foreign_cores"] for results in out.values() for r in results])
        if foreign is not None and foreign > 0.25:
            self.notes.append(
                f"{name}: other processes on this machine kept {foreign:.2f} cores busy "
                f"(median) while it ran, of {os.cpu_count()}"
            )
        for impl, results in out.items():
            gaps = sum(r.get("gaps", 0) for r in results)
            if gaps:
                self.notes.append(f"{name}: {impl} saw {gaps} out-of-order or missing deltas")
        return out


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def environment(ctx: Context, started: float) -> dict[str, Any]:
    def version(python: str, module: str) -> str:
        code = f"import importlib.metadata as m; print(m.version({module!r}))"
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True)
        return proc.stdout.strip() or "?"

    ref = ctx.ref or "HEAD"
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True, text=True
    ).stdout.strip()
    dirty = ""
    if ctx.ref is None:
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    env: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "loadavg_end": os.getloadavg(),
        "duration_s": round(time.perf_counter() - started, 1),
        "rtvoice": (f"git archive of {ref} ({commit})" if ctx.ref else commit)
        + (" + uncommitted changes in src/" if dirty else ""),
        "websockets": version(sys.executable, "websockets"),
    }
    if "peer" in ctx.pythons:
        env["peer"] = f"openai-agents {version(ctx.pythons['peer'], 'openai-agents')}"
        env["peer_websockets"] = version(ctx.pythons["peer"], "websockets")
    return env


def export_source(ref: str, into: Path) -> str:
    """``git archive <ref> src`` into ``into``; the directory to put on PYTHONPATH."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return str(into / "src")


def find_peer(explicit: str | None) -> tuple[str | None, str]:
    """The interpreter that can ``import agents.realtime``, and why (or why not)."""
    candidates = [explicit] if explicit else []
    if not explicit:
        env = os.environ.get("RTVOICE_BENCH_PEER_PYTHON")
        candidates = [env] if env else [sys.executable]
    for python in candidates:
        if python is None:
            continue
        ok = subprocess.run(
            [python, "-c", "import agents.realtime, websockets"],
            capture_output=True,
            env=dict(os.environ, OPENAI_AGENTS_DISABLE_TRACING="1"),
        )
        if ok.returncode == 0:
            return python, f"peer: openai-agents via {python}"
    return None, "peer: openai-agents is not installed (see --peer-python); skipped"


def main(argv: list[str] | None = None) -> None:
    from benchmarks.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="rtvoice's performance suite."
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--only", help=f"comma-separated scenarios: {', '.join(SCENARIOS)}")
    parser.add_argument("--settings", help="compression settings: off,deflate (both)")
    parser.add_argument("--rounds", type=int, help="rounds per scenario")
    parser.add_argument("--name", help="results/<name>.json (default: suite or quick)")
    parser.add_argument("--peer-python", help="an interpreter with openai-agents installed")
    parser.add_argument("--no-peer", action="store_true", help="leave the peer out")
    parser.add_argument(
        "--ref",
        help="measure rtvoice as of this git commit (a 'git archive' of src/ put first on "
        "PYTHONPATH) instead of the working tree",
    )
    args = parser.parse_args(argv)

    plan = quick_plan() if args.quick else Plan()
    if args.rounds:
        plan = replace(
            plan,
            rounds=args.rounds,
            slow_rounds=args.rounds,
            staggered_rounds=args.rounds,
            synchronised_rounds=args.rounds,
            peer_rounds=args.rounds,
        )
    if args.settings:
        plan = replace(plan, settings=tuple(args.settings.split(",")))
    names = list(SCENARIOS) if not args.only else args.only.split(",")
    unknown = [n for n in names if n not in SCENARIOS]
    unknown += [s for s in plan.settings if s not in SETTINGS]
    if unknown:
        parser.error(f"unknown {unknown}; scenarios: {', '.join(SCENARIOS)}; settings: off,deflate")

    pythons = {"floor": sys.executable, "rtvoice": sys.executable}
    notes: list[str] = []
    if not (args.no_peer or (args.quick and not args.peer_python)):
        peer, why = find_peer(args.peer_python)
        notes.append(why)
        if peer is not None:
            pythons["peer"] = peer

    started = time.perf_counter()
    env = dict(os.environ, OPENAI_AGENTS_DISABLE_TRACING="1")
    snapshot = tempfile.TemporaryDirectory(prefix="rtvoice-bench-") if args.ref else None
    if snapshot is not None:
        env["PYTHONPATH"] = export_source(args.ref, Path(snapshot.name))
    servers = {setting: BenchServer(setting) for setting in plan.settings}
    ctx = Context(servers=servers, plan=plan, pythons=pythons, env=env, notes=notes, ref=args.ref)
    try:
        for name in names:
            t0 = time.perf_counter()
            print(f"[{name}] ...", end=" ", flush=True, file=sys.stderr)
            SCENARIOS[name](ctx)
            print(f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    finally:
        for server in servers.values():
            server.stop()
        if snapshot is not None:
            snapshot.cleanup()
    ctx.table.settle()

    print()
    print(ctx.table.render(ctx.impls))
    for title, text in ctx.extra.items():
        print(f"\n{title}\n{text}")
    print()
    for note in ctx.notes:
        print(f"* {note}")
    misses = [r for r in ctx.table.rows if r.verdict == "MISS"]
    print(f"{len(misses)} budget line(s) missed." if misses else "Every judged line passed.")

    name = args.name or ("quick" if args.quick else "suite")
    if args.only and not args.name:
        name += "-" + "-".join(names)  # a partial run does not replace the whole suite's file
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "environment": environment(ctx, started),
        "plan": asdict(plan),
        "rows": [asdict(r) for r in ctx.table.rows],
        "extra": ctx.extra,
        "notes": ctx.notes,
        "raw": ctx.raw,
    }
    path.write_text(json.dumps(document, indent=1) + "\n")
    print(f"written to {path.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
