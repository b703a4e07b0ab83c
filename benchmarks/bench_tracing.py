"""Micro-benchmark: what rtvoice's OpenTelemetry instrumentation costs a session.

The case that matters is the default one: ``opentelemetry-api`` installed, **no SDK
configured** (the API's global no-op providers). Beside it: ``tracing_disabled`` (the
disabled telemetry) and, for reference only, an SDK tracer (spans exported to nowhere) and
an SDK meter with an in-memory reader.

Per audio delta the session calls nothing (``first_audio`` is called once per audio part, not
per delta), so the instrumentation adds no work there by construction; the benchmark also
shows what one call per delta *would* cost, next to decoding the delta's frame. Per turn,
per tool call and per session it times the calls the session makes, net of the cost of an
empty call (the baseline: no instrumentation), with the events the session has decoded anyway
(the ``ResponseInfo`` of ``response.done``) built beforehand.

Run: ``python benchmarks/bench_tracing.py`` (prints a table, writes
``benchmarks/results/tracing.json``). Never run it with a global SDK configured.
"""

from __future__ import annotations

import base64
import json
import platform
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from rtvoice.config import RunSettings, normalize_run_config
from rtvoice.model.events import ResponseInfo, Usage
from rtvoice.model.openai import OpenAICodec
from rtvoice.tracing import SessionTelemetry, session_telemetry

REPEATS = 7
RESULTS = Path(__file__).parent / "results" / "tracing.json"
DELTAS_PER_TURN = 50
"""A 5-second answer in 100 ms deltas: to spread the per-turn cost over its deltas."""

USAGE = Usage(
    total_tokens=420,
    input_tokens=300,
    output_tokens=120,
    input_text_tokens=200,
    input_audio_tokens=100,
    cached_tokens=128,
    cached_text_tokens=128,
    output_text_tokens=30,
    output_audio_tokens=90,
)


class DiscardingExporter(SpanExporter):
    """Exports every span to nowhere (an in-memory list would grow for the whole run)."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def per_call_ns(func: Callable[[], object]) -> float:
    """Median nanoseconds per call over ``REPEATS`` timing runs."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    runs = timer.repeat(repeat=REPEATS, number=number)
    return statistics.median(runs) / number * 1e9


def audio_delta_frame(num_bytes: int) -> str:
    """A GA ``response.output_audio.delta`` frame carrying ``num_bytes`` of PCM16."""
    pcm = bytes(i % 251 for i in range(num_bytes))
    return json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": "event_1",
            "response_id": "resp_1",
            "item_id": "item_1",
            "output_index": 0,
            "content_index": 0,
            "delta": base64.b64encode(pcm).decode("ascii"),
        }
    )


def started(settings: RunSettings) -> SessionTelemetry:
    telemetry = session_telemetry(settings)
    telemetry.session_started(model="gpt-realtime", provider_name="openai", agent_name="Assistant")
    telemetry.session_created("sess_1")
    return telemetry


def measure(settings: RunSettings, empty_ns: float) -> dict[str, float]:
    """Time each operation of one configuration, less the cost of an empty call; ns."""
    telemetry = started(settings)
    done = ResponseInfo(id="resp_1", status="completed", usage=USAGE)  # decoded anyway

    telemetry.turn_started("resp_open", agent_name="Assistant")
    telemetry.first_audio("resp_open")

    def repeat_first_audio() -> None:
        telemetry.first_audio("resp_open")

    def turn() -> None:
        telemetry.turn_started("resp_1", agent_name="Assistant")
        telemetry.first_transcript("resp_1")
        telemetry.first_audio("resp_1")
        telemetry.turn_ended(done)

    def tool_call() -> None:
        span = telemetry.tool_started(
            name="get_weather", call_id="call_1", arguments='{"city": "Paris"}'
        )
        span.end("Sunny in Paris")

    def session() -> None:
        each = started(settings)
        with each.connect():
            pass
        each.session_ended()

    return {
        name: max(per_call_ns(func) - empty_ns, 0.0)
        for name, func in (
            ("first_audio_repeat_ns", repeat_first_audio),
            ("turn_ns", turn),
            ("tool_call_ns", tool_call),
            ("session_ns", session),
        )
    }


def nothing() -> None:
    """No instrumentation: the baseline every figure is measured against."""


def main() -> None:
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        sys.exit("a global TracerProvider is configured: this benchmark needs none")
    if type(metrics.get_meter_provider()).__name__ != "_ProxyMeterProvider":
        sys.exit("a global MeterProvider is configured: this benchmark needs none")

    codec = OpenAICodec()
    frame = audio_delta_frame(4800)  # 100 ms of PCM16 at 24 kHz
    decode_ns = per_call_ns(lambda: codec.decode(frame))
    empty_ns = per_call_ns(nothing)

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(DiscardingExporter()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    configurations = {
        "no SDK (API no-op, default)": normalize_run_config(None),
        "tracing_disabled": normalize_run_config({"tracing_disabled": True}),
        "SDK, spans exported to nowhere (reference)": normalize_run_config(
            {"tracing": {"tracer_provider": tracer_provider, "meter_provider": meter_provider}}
        ),
    }
    rows: list[dict[str, object]] = []
    for label, settings in configurations.items():
        times = measure(settings, empty_ns)
        rows.append(
            {
                "configuration": label,
                "per_audio_delta_calls": 0,
                "per_audio_delta_added_ns": 0.0,
                "first_audio_if_called_per_delta_ns": round(times["first_audio_repeat_ns"], 1),
                "per_turn_us": round(times["turn_ns"] / 1000, 2),
                "per_turn_spread_over_deltas_ns": round(times["turn_ns"] / DELTAS_PER_TURN, 1),
                "per_tool_call_us": round(times["tool_call_ns"] / 1000, 2),
                "per_session_us": round(times["session_ns"] / 1000, 2),
            }
        )
    tracer_provider.shutdown()
    meter_provider.shutdown()

    print(f"decoding one 100 ms audio delta frame (the work per delta anyway): {decode_ns:,.0f} ns")
    print("audio hot path: the session calls the telemetry 0 times per delta -> +0 ns")
    print(f"figures below are net of an empty Python call ({empty_ns:.0f} ns)\n")
    width = max(len(str(row["configuration"])) for row in rows)
    header = (
        f"{'configuration':<{width}} {'1st-audio call':>14} {'turn':>9} {'turn/50 deltas':>15} "
        f"{'tool call':>10} {'session':>9}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['configuration']!s:<{width}} {row['first_audio_if_called_per_delta_ns']:>11} ns "
            f"{row['per_turn_us']:>6} µs {row['per_turn_spread_over_deltas_ns']:>12} ns "
            f"{row['per_tool_call_us']:>7} µs {row['per_session_us']:>6} µs"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "platform": platform.platform(),
                "repeats": REPEATS,
                "decode_audio_delta_100ms_ns": round(decode_ns, 1),
                "baseline_empty_call_ns": round(empty_ns, 1),
                "deltas_per_turn": DELTAS_PER_TURN,
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
