"""What a session's telemetry measures from its state steps, over a model the test drives
(an injected clock, the SDK's in-memory exporters): when a turn counts from, interruptions,
and the parent of a tool call's span."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from session_kit import FakeModel, events_until, fake_session
from state_kit import audio, audio_done, created, finished

from rtvoice import RealtimeAgent, function_tool
from rtvoice._tracing import _names as n
from rtvoice.model.events import SpeechStarted, SpeechStopped
from rtvoice.model.items import FunctionCallItem

pytestmark = pytest.mark.anyio

PCM16_MS = 48
"""Bytes of PCM16 audio per millisecond."""


class Clock:
    """The session's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Otel:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def config(self, **extra: Any) -> dict[str, Any]:
        tracing = {"tracer_provider": self.tracer_provider, "meter_provider": self.meter_provider}
        return {"tracing": tracing, **extra}

    def turns(self) -> list[ReadableSpan]:
        spans = self.exporter.get_finished_spans()
        turns = [span for span in spans if span.name == n.SPAN_TURN]
        return sorted(turns, key=lambda span: span.start_time or 0)

    def counted(self, metric: str) -> int:
        data = self.reader.get_metrics_data()
        assert data is not None
        return sum(
            int(point.value)  # type: ignore[union-attr]
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for found in scope.metrics
            if found.name == metric
            for point in found.data.data_points
        )


def attributes(spans: Sequence[ReadableSpan], name: str) -> list[Any]:
    return [(span.attributes or {}).get(name) for span in spans]


async def test_a_turn_counts_from_our_request_or_from_the_end_of_the_users_speech() -> None:
    model, clock, otel = FakeModel(), Clock(), Otel()
    async with fake_session(model, config=otel.config(), clock=clock) as session:
        clock.now = 110.0
        await session.send_message("hi")  # response.create sent at 110.0
        clock.now = 110.5
        model.push(created("r1"))
        await events_until(session, "agent_start")
        clock.now = 111.0
        model.push(audio("a1", 10 * PCM16_MS, "r1"))
        await events_until(session, "audio")
        model.push(audio_done("a1", "r1"), finished("r1"))
        await events_until(session, "agent_end")

        clock.now = 120.0  # the user speaks; the server's turn detection answers
        model.push(
            SpeechStarted(audio_start_ms=0, item_id="u2"),
            SpeechStopped(audio_end_ms=900, item_id="u2"),
        )
        await events_until(session, "speech_stopped")
        clock.now = 120.3
        model.push(created("r2"))
        await events_until(session, "agent_start")
        clock.now = 120.8
        model.push(audio("a2", 10 * PCM16_MS, "r2"))
        await events_until(session, "audio")
        model.push(audio_done("a2", "r2"), finished("r2"))
        await events_until(session, "agent_end")
    turns = otel.turns()
    assert attributes(turns, n.GEN_AI_RESPONSE_ID) == ["r1", "r2"]
    assert attributes(turns, n.TURN_TIME_TO_FIRST_AUDIO_MS) == [1000.0, 800.0]
    assert attributes(turns, n.TURN_INTERRUPTED) == [False, False]


async def test_an_interruption_marks_its_turn_with_what_was_heard() -> None:
    model, clock, otel = FakeModel(), Clock(), Otel()
    async with fake_session(model, config=otel.config(), clock=clock) as session:
        model.push(created("r1"))
        await events_until(session, "agent_start")
        clock.now = 130.0
        model.push(audio("a1", 1000 * PCM16_MS, "r1"))  # one second
        await events_until(session, "audio")
        clock.now = 130.25
        model.push(SpeechStarted(audio_start_ms=0, item_id="u2"))
        (*_, stopped) = await events_until(session, "audio_interrupted")
        assert stopped.type == "audio_interrupted"
        assert stopped.played_ms == 250
        model.push(finished("r1", status="cancelled"))
        await events_until(session, "agent_end")
    (turn,) = otel.turns()
    assert attributes([turn], n.TURN_INTERRUPTED) == [True]
    assert attributes([turn], n.TURN_PLAYED_MS) == [250]
    assert otel.counted(n.METRIC_INTERRUPTIONS) == 1


@function_tool
def lookup(key: str) -> str:
    """Look a key up."""
    return f"value of {key}"


async def test_a_call_first_seen_in_response_done_is_a_child_of_that_turn() -> None:
    model, otel = FakeModel(), Otel()
    agent = RealtimeAgent(name="Assistant", tools=[lookup])
    async with fake_session(model, agent=agent, config=otel.config()) as session:
        model.push(created("r0"), finished("r0"))  # an earlier turn: the parent is not "the last"
        await events_until(session, "agent_end")
        call = FunctionCallItem(
            id="f1", call_id="call_1", name="lookup", arguments='{"key": "a"}', status="completed"
        )
        model.push(created("r1"), finished("r1", output=(call,)))
        await events_until(session, "tool_end")  # the span ended before tool_end
    spans = otel.exporter.get_finished_spans()
    (tool,) = [span for span in spans if span.name == n.SPAN_TOOL]
    r1 = next(turn for turn in otel.turns() if attributes([turn], n.GEN_AI_RESPONSE_ID) == ["r1"])
    assert tool.parent is not None
    assert r1.context is not None
    assert tool.parent.span_id == r1.context.span_id
