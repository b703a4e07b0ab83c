"""The suite's scenarios: each runs its drivers in every compression setting and adds rows.

The budget lines (docs/performance.md says what sets each):

1. per audio delta: <= 1.2x the floor's instructions (CPU time: second opinion);
2. per turn: <= +0.5 ms CPU over the floor (1-delta responses); a 300-turn session flat
   within 10 % (last tenth / first tenth);
3. the first session of a fresh process <= 2x the floor's first connection;
   ``import rtvoice`` <= 150 ms;
4. an idle session <= 25 KB RSS over the floor's;
5. paced K=100, streams staggered over a 20 ms chunk period: p99 added latency <= 2x the
   floor's (synchronised streams: reported, not judged);
6. the compression default: no budget; the figures that decide it.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from benchmarks import compression, instructions
from benchmarks.lines import Rounds, med, per_impl
from benchmarks.run import Context
from benchmarks.wire import StreamParams

KB = 1024


def each_setting(scenario: Callable[[Context, str], None]) -> Callable[[Context], None]:
    def run(ctx: Context) -> None:
        for setting in ctx.plan.settings:
            scenario(ctx, setting)

    run.__doc__ = scenario.__doc__
    return run


# ---------------------------------------------------------------------------------------------
# Lines 1 and 2: CPU


def scenario_instructions(ctx: Context) -> None:
    """Instructions per audio delta and per 1-delta turn under callgrind (one process per
    implementation and setting; see :mod:`benchmarks.instructions`)."""
    if shutil.which("valgrind") is None:
        ctx.notes.append("instructions: valgrind is not installed; line 1 is judged by CPU time")
        return
    impls = tuple(impl for impl in ctx.impls if impl != "peer")
    counts = instructions.measure(
        {setting: ctx.servers[setting].port for setting in ctx.plan.settings},
        ctx.env,
        impls=impls,
        turns=ctx.plan.instruction_turns,
        extra=ctx.plan.delta_extra,
    )
    ctx.raw["instructions"] = counts
    for setting, by_impl in counts.items():
        ctx.table.add(
            {impl: [c["per_delta"] / 1000] for impl, c in by_impl.items()},
            line="1", scenario="flood K=1, 20 ms", compression=setting,
            metric="instructions per audio delta", unit="k", how="ratio",
            limit=instructions.PER_DELTA_LIMIT, by="instructions",
        )  # fmt: skip
        ctx.table.add(
            {impl: [c["per_turn"] / 1000] for impl, c in by_impl.items()},
            scenario="turns, 1-delta responses", compression=setting,
            metric="instructions per turn", unit="k",
        )  # fmt: skip


@each_setting
def scenario_delta(ctx: Context, setting: str) -> None:
    """CPU time per audio delta and per 1-delta turn: two sessions in one driver process,
    their turns alternating (see ``drivers.scenario_delta``)."""
    plan = ctx.plan
    rounds = ctx.rounds(
        f"delta/{setting}",
        plan.rounds,
        lambda impl: {
            "scenario": "delta",
            "compression": setting,
            "short": asdict(StreamParams(deltas=1)),
            "long": asdict(StreamParams(deltas=1 + plan.delta_extra)),
            "turns": plan.delta_turns,
            "warmup": 5,
        },
    )
    ctx.table.add(
        per_impl(rounds, lambda r: r["delta_cpu_s"] * 1e6),
        line="1", scenario="flood K=1, 20 ms", compression=setting,
        metric="CPU time per audio delta", unit="µs", how="ratio", limit=1.2, by="cpu",
    )  # fmt: skip
    turn = per_impl(rounds, lambda r: r["turn_cpu_s"] * 1000)
    ctx.table.add(
        turn, line="2", scenario="turns, 1-delta responses", compression=setting,
        metric="CPU time per turn", unit="ms", how="difference", limit=0.5, by="cpu",
    )  # fmt: skip
    counts = ctx.raw.get("instructions", {}).get(setting, {})
    floor_ms = med(turn.get("floor", []))
    if "floor" in counts and floor_ms:
        # The instruction counts, in ms at the floor's own rate on this machine.
        ms_each = floor_ms / counts["floor"]["per_turn"]
        ctx.table.add(
            {impl: [c["per_turn"] * ms_each] for impl, c in counts.items()},
            line="2", scenario="turns, 1-delta responses", compression=setting,
            metric="per turn, instructions at floor's ms/instr", unit="ms",
            how="difference", limit=0.5, by="instructions",
        )  # fmt: skip
    ctx.table.add(
        per_impl(rounds, lambda r: r["deltas_per_s"]),
        scenario="flood K=1, 20 ms", compression=setting,
        metric="audio deltas per second (wall)", unit="/s",
    )  # fmt: skip


@each_setting
def scenario_long(ctx: Context, setting: str) -> None:
    """One session of 300 turns; its last tenth measured interleaved with the first tenth of
    a fresh session, so that drifting machine load cannot pass for growth."""
    plan = ctx.plan
    params = StreamParams(deltas=plan.long_deltas)
    rounds = ctx.rounds(
        f"long/{setting}",
        plan.slow_rounds,
        lambda impl: {
            "scenario": "long",
            "compression": setting,
            "params": asdict(params),
            "turns": plan.long_turns,
        },
    )

    def growth(r: dict[str, Any]) -> float:
        return statistics.median(r["last_window_cpu_s"]) / statistics.median(
            r["first_window_cpu_s"]
        )

    ctx.table.add(
        per_impl(rounds, growth), line="2", scenario=f"{plan.long_turns}-turn session",
        compression=setting, metric="CPU per turn, last 10% / first 10%", unit="x",
        how="own", limit=1.10,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Line 3: opening and importing


@each_setting
def scenario_open(ctx: Context, setting: str) -> None:
    """The first session of a fresh process, then serial and concurrent opens."""
    plan = ctx.plan
    rounds = ctx.rounds(
        f"open/{setting}",
        plan.slow_rounds,
        lambda impl: {
            "scenario": "open",
            "compression": setting,
            "params": asdict(StreamParams(deltas=1)),
            "serial": plan.open_serial,
            "concurrent": plan.open_concurrent,
        },
    )
    add = ctx.table.add
    add(per_impl(rounds, lambda r: r["first_open_ms"]), line="3", scenario="session open",
        compression=setting, metric="first session of a fresh process", unit="ms",
        how="ratio", limit=2.0)  # fmt: skip
    add(per_impl(rounds, lambda r: r["ready_ms"]), scenario="session open", compression=setting,
        metric="interpreter start to first session usable", unit="ms")  # fmt: skip
    add(per_impl(rounds, lambda r: r["serial_ms"]["p50"]), scenario="session open",
        compression=setting, metric="serial open p50", unit="ms")  # fmt: skip
    add(per_impl(rounds, lambda r: r["concurrent_ms"]["p99"]), scenario="session open",
        compression=setting, metric=f"{plan.open_concurrent} at once, p99", unit="ms")  # fmt: skip


IMPORT_STATEMENTS = {
    "floor": "import json, base64, websockets.asyncio.client",
    "rtvoice": "import rtvoice",
    "peer": "import agents.realtime",
}
"""The budget line: the package itself."""

EXAMPLE_IMPORTS = {
    "floor": IMPORT_STATEMENTS["floor"],
    "rtvoice": "from rtvoice import RealtimeAgent, RealtimeRunner, function_tool",
    "peer": "from agents import function_tool; from agents.realtime import RealtimeAgent, "
    "RealtimeRunner",
}
"""What the README's example imports: the names a program really uses."""

_IMPORT_PROBE = "import time\nw = time.perf_counter()\n{stmt}\nprint(time.perf_counter() - w)\n"


def scenario_import(ctx: Context) -> None:
    """In-process import time (interpreter start-up excluded), median of fresh processes."""

    def probe(impl: str, stmt: str) -> float:
        env = dict(ctx.env)
        if impl == "peer":
            env.pop("PYTHONPATH", None)
        proc = subprocess.run(
            [ctx.pythons[impl], "-c", _IMPORT_PROBE.format(stmt=stmt)], cwd="/", env=env,
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return float(proc.stdout) * 1000

    impls = ctx.impls
    for label, statements in (("package", IMPORT_STATEMENTS), ("example", EXAMPLE_IMPORTS)):
        for impl in impls:  # once each, so that byte code is compiled and cached first
            probe(impl, statements[impl])
        wall: dict[str, list[float]] = {impl: [] for impl in impls}
        for i in range(ctx.plan.import_runs):
            for impl in impls[i % len(impls) :] + impls[: i % len(impls)]:
                wall[impl].append(probe(impl, statements[impl]))
        ctx.raw[f"import/{label}"] = wall
        if label == "package":
            ctx.table.add(wall, line="3", scenario="import", metric="import rtvoice (wall)",
                          unit="ms", how="own", limit=150)  # fmt: skip
        else:
            ctx.table.add(wall, scenario="import", metric="README example's names (wall)",
                          unit="ms")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Line 4: memory


@each_setting
def scenario_idle(ctx: Context, setting: str) -> None:
    """K sessions connected, configured and idle in one process: RSS (and, once, the traced
    Python heap) per session."""
    k = ctx.plan.idle_sessions
    params = asdict(StreamParams(deltas=1))

    def spec(trace: bool) -> Callable[[str], dict[str, Any]]:
        return lambda impl: {
            "scenario": "idle", "compression": setting, "params": params, "sessions": k,
            "tracemalloc": trace, "frames": 1, "top": 20,
        }  # fmt: skip

    rounds = ctx.rounds(f"idle/{setting}", ctx.plan.slow_rounds, spec(False))
    ctx.table.add(
        per_impl(rounds, lambda r: r["rss_bytes"] / r["sessions"] / KB), line="4",
        scenario=f"idle K={k}", compression=setting, metric="RSS per idle session", unit="KB",
        how="difference", limit=25,
    )  # fmt: skip
    if ctx.plan.trace_heap:
        traced = ctx.rounds(f"idle_heap/{setting}", 1, spec(True))
        ctx.table.add(
            per_impl(traced, lambda r: r["heap_bytes"] / r["sessions"] / KB),
            scenario=f"idle K={k}", compression=setting, metric="Python heap per idle session",
            unit="KB",
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Flood K=50: information


@each_setting
def scenario_flood50(ctx: Context, setting: str) -> None:
    """50 concurrent sessions flooded with 101-delta responses: CPU and GC under load."""
    plan = ctx.plan
    params = StreamParams(deltas=1 + plan.delta_extra)
    rounds = ctx.rounds(
        f"flood50/{setting}",
        plan.rounds,
        lambda impl: {
            "scenario": "turns", "compression": setting, "params": asdict(params),
            "sessions": plan.flood50_sessions, "turns": plan.flood50_turns, "warmup": 1,
        },
    )  # fmt: skip
    scenario = f"flood K={plan.flood50_sessions}, 20 ms"
    ctx.table.add(
        per_impl(rounds, lambda r: r["cpu_s"] / r["deltas"] * 1e6), scenario=scenario,
        compression=setting, metric="CPU per audio delta, turn cost included", unit="µs",
    )  # fmt: skip
    ctx.table.add(
        per_impl(rounds, lambda r: r["gc_s"] / r["cpu_s"] * 100), scenario=scenario,
        compression=setting, metric="GC share of CPU", unit="%",
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Line 5: paced K=100


def paced(ctx: Context, name: str, setting: str, spread_ms: float, rounds: int) -> Rounds:
    """K sessions whose responses a server-side barrier releases together, each stream
    starting ``i / K * spread_ms`` after the release, every delta at real time."""
    plan = ctx.plan
    k = plan.paced100_sessions

    def spec(impl: str) -> dict[str, Any]:
        params = StreamParams(
            deltas=plan.paced_deltas, pace=1.0, barrier=k, group=uuid.uuid4().hex[:12],
            spread_ms=spread_ms,
        )  # fmt: skip
        return {
            "scenario": "turns", "compression": setting, "params": asdict(params),
            "sessions": k, "turns": plan.paced100_turns, "warmup": 1,
        }  # fmt: skip

    return ctx.rounds(f"{name}/{setting}", rounds, spec)


@each_setting
def scenario_paced100(ctx: Context, setting: str) -> None:
    """Paced K=100, streams staggered over one 20 ms chunk period (the budget line) and
    synchronised (reported)."""
    plan = ctx.plan
    k = plan.paced100_sessions
    for name, spread, n in (
        ("staggered", 20.0, plan.staggered_rounds),
        ("synchronised", 0.0, plan.synchronised_rounds),
    ):
        rounds = paced(ctx, f"paced100_{name}", setting, spread, n)
        scenario = f"paced K={k}, {name}"

        def p99(where: str) -> Callable[[dict[str, Any]], float]:
            return lambda r: r["latency_by_position_ms"][where]["p99"]

        judged = name == "staggered"
        ctx.table.add(
            per_impl(rounds, lambda r: r["latency_ms"]["p99"]), line="5" if judged else "",
            scenario=scenario, compression=setting, metric="added latency p99", unit="ms",
            how="ratio" if judged else "info", limit=2.0 if judged else None,
        )  # fmt: skip
        for where in ("first", "middle", "last"):
            ctx.table.add(
                per_impl(rounds, p99(where)), scenario=scenario, compression=setting,
                metric=f"p99, {where} {'tenth of' if where != 'middle' else 'of'} a response",
                unit="ms",
            )  # fmt: skip
        ratios = [
            f"{o['latency_ms']['p99'] / f['latency_ms']['p99']:.2f}"
            for o, f in zip(rounds.get("rtvoice", []), rounds.get("floor", []), strict=False)
        ]
        ctx.notes.append(f"paced K={k} {name}, {setting}: p99 ratio by round {', '.join(ratios)}")


# ---------------------------------------------------------------------------------------------
# Line 6: the compression default


def scenario_compression(ctx: Context) -> None:
    """Bytes on the wire per second of audio in both settings, and what deflate costs."""
    wire = compression.measure()
    ctx.raw["compression"] = wire
    ctx.extra["Bytes on the wire per second of 20 ms PCM16 audio (line 6)"] = compression.report(
        wire
    )
    counts = ctx.raw.get("instructions", {})
    if "off" in counts and "deflate" in counts:
        ctx.table.add(
            {
                impl: [counts["deflate"][impl]["per_delta"] / counts["off"][impl]["per_delta"]]
                for impl in counts["off"]
                if impl in counts["deflate"]
            },
            line="6", scenario="flood K=1, 20 ms", metric="instructions per delta, deflate/off",
            unit="x",
        )  # fmt: skip


SCENARIOS: dict[str, Callable[[Context], None]] = {
    "import": scenario_import,
    "instructions": scenario_instructions,
    "delta": scenario_delta,
    "long": scenario_long,
    "open": scenario_open,
    "idle": scenario_idle,
    "flood50": scenario_flood50,
    "paced100": scenario_paced100,
    "compression": scenario_compression,
}
