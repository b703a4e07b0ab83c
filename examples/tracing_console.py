"""Trace a voice agent with OpenTelemetry: spans and metrics to the console, and to OTLP.

rtvoice itself depends only on ``opentelemetry-api``; this example also needs the SDK
(``pip install opentelemetry-sdk``), and for ``--otlp`` the OTLP exporter
(``pip install "rtvoice[otlp]"``), which sends to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (default
``http://localhost:4318``, e.g. a local Jaeger or OpenTelemetry Collector).

With no ``OPENAI_API_KEY`` it talks to the built-in simulator. Run:
``python examples/tracing_console.py`` or ``python examples/tracing_console.py --otlp``.
"""

from __future__ import annotations

import argparse
import os
import sys

import anyio
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from rtvoice import RealtimeAgent, RealtimeRunner, function_tool
from rtvoice.simulator import SimulatorProvider


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


agent: RealtimeAgent[None] = RealtimeAgent(
    name="Assistant", instructions="Keep answers short.", tools=[get_weather]
)


def make_providers(otlp: bool) -> tuple[TracerProvider, MeterProvider]:
    """An SDK tracer and meter provider exporting to the console, and to OTLP if asked."""
    resource = Resource.create({"service.name": "rtvoice-tracing-example"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    readers: list[MetricReader] = [PeriodicExportingMetricReader(ConsoleMetricExporter())]
    if otlp:
        try:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
                OTLPMetricExporter,
            )
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            sys.exit('--otlp needs the OTLP exporter: pip install "rtvoice[otlp]"')
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    return tracer_provider, MeterProvider(resource=resource, metric_readers=readers)


async def converse(runner: RealtimeRunner[None]) -> None:
    """Two turns: a plain answer, then a tool call."""
    session = await runner.run()
    async with session:
        for message in ("Hello there!", 'call get_weather {"city": "Paris"}'):
            await session.send_message(message)
            with anyio.fail_after(30):
                async for event in session:
                    if event.type == "history_added":
                        print(f"# {event.item.type}: {event.item}", file=sys.stderr)
                    elif event.type == "error":
                        print(f"# error: {event.error}", file=sys.stderr)
                    elif event.type == "agent_end":
                        break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--otlp", action="store_true", help="also export over OTLP/HTTP")
    args = parser.parse_args()
    tracer_provider, meter_provider = make_providers(args.otlp)
    runner = RealtimeRunner(
        starting_agent=agent,
        # With a key the runner connects to OpenAI; without one, say so: the simulator.
        provider=None if os.environ.get("OPENAI_API_KEY") else SimulatorProvider(),
        config={
            "model_settings": {
                "model_name": "gpt-realtime",
                # OpenAI's own (server-side) trace of the session: the group id is recorded on
                # the realtime.session span, so that both traces can be joined.
                "tracing": {"workflow_name": "tracing example", "group_id": "example-group"},
            },
            "tracing": {
                "tracer_provider": tracer_provider,
                "meter_provider": meter_provider,
                "include_transcripts": True,  # off by default: transcripts may be personal data
            },
        },
    )
    try:
        anyio.run(converse, runner)
    finally:
        tracer_provider.shutdown()  # flushes the spans
        meter_provider.shutdown()  # exports the metrics once more


if __name__ == "__main__":
    main()
