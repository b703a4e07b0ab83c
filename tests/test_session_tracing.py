"""The session's spans and metrics, end to end: a scripted conversation over the simulator (a
real loopback socket), traced with the SDK's in-memory exporters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import rtvoice
from rtvoice import RealtimeAgent, RealtimeRunner, function_tool
from rtvoice._tracing import _names as n
from rtvoice.guardrails import GuardrailFunctionOutput, output_guardrail
from rtvoice.session import RealtimeSession, RealtimeSessionEvent
from rtvoice.simulator import (
    ResponderView,
    ResponsePlan,
    Simulator,
    default_responder,
)
from rtvoice.simulator._responder import latest_user_text

pytestmark = pytest.mark.anyio

WAIT = 15.0


@function_tool
def lookup(key: str) -> str:
    """Look a key up."""
    return f"value of {key}"


@function_tool(needs_approval=True)
def secret() -> str:
    """Something that needs approval."""
    return "granted"


class TripOnce:
    """An output guardrail that trips the first time it sees "forbidden"."""

    def __init__(self) -> None:
        self.tripped = False

    def __call__(self, context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        trip = "forbidden" in text and not self.tripped
        self.tripped = self.tripped or trip
        return GuardrailFunctionOutput(tripwire_triggered=trip)


def responder(view: ResponderView) -> ResponsePlan:
    """The default model, except that "explode" makes the response fail."""
    if latest_user_text(view.items) == "explode":
        raise RuntimeError("the model exploded")
    return default_responder(view)


@dataclass
class Otel:
    exporter: InMemorySpanExporter
    tracer_provider: TracerProvider
    reader: InMemoryMetricReader
    meter_provider: MeterProvider

    def spans(self) -> list[ReadableSpan]:
        return sorted(self.exporter.get_finished_spans(), key=lambda span: span.start_time or 0)

    def metric_names(self) -> set[str]:
        data = self.reader.get_metrics_data()
        if data is None:
            return set()
        return {
            metric.name
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
        }


@pytest.fixture
def otel() -> Otel:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    return Otel(exporter, tracer_provider, reader, MeterProvider(metric_readers=[reader]))


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(responder=responder) as simulator:
        yield simulator


BILLING: RealtimeAgent[None] = RealtimeAgent(name="Billing", instructions="You handle billing.")


async def open_session(
    sim: Simulator, otel: Otel, *, tracing: dict[str, Any] | None = None, **config: Any
) -> tuple[RealtimeSession, TripOnce]:
    """A session to ``sim`` built by the runner, with a run-level output guardrail."""
    trip = TripOnce()
    agent: RealtimeAgent[None] = RealtimeAgent(
        name="Assistant",
        instructions="Keep answers short.",
        tools=[lookup, secret],
        handoffs=[BILLING],
    )
    run_config: Any = {
        "tracing": tracing
        or {"tracer_provider": otel.tracer_provider, "meter_provider": otel.meter_provider},
        "output_guardrails": [output_guardrail(name="no_forbidden")(trip)],
        **config,
    }
    runner: RealtimeRunner[None] = RealtimeRunner(agent, config=run_config)
    session = await runner.run(
        model_config={"url": sim.realtime_url(), "headers": sim.provider().build_headers()}
    )
    return session, trip


async def until(
    session: RealtimeSession,
    done: Callable[[RealtimeSessionEvent, list[RealtimeSessionEvent]], bool],
    on_event: Callable[[RealtimeSessionEvent], Any] | None = None,
) -> list[RealtimeSessionEvent]:
    """Events up to the one ``done`` accepts (given the events so far)."""
    seen: list[RealtimeSessionEvent] = []
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if on_event is not None:
                await on_event(event)
            if done(event, seen):
                return seen
    raise AssertionError(f"the session ended early: {[e.type for e in seen]}")


def agent_end(event: RealtimeSessionEvent, seen: Sequence[RealtimeSessionEvent]) -> bool:
    return event.type == "agent_end"


async def converse(session: RealtimeSession) -> list[RealtimeSessionEvent]:
    """Two plain turns, a tool call, an approved call, a guardrail trip, a handoff, and a
    response that fails; every event, in order."""
    events: list[RealtimeSessionEvent] = []

    async def approve(event: RealtimeSessionEvent) -> None:
        if event.type == "tool_approval_required":
            await session.approve_tool_call(event.call_id)

    def tripped_then_end(event: RealtimeSessionEvent, seen: Sequence[RealtimeSessionEvent]) -> bool:
        return event.type == "agent_end" and any(e.type == "guardrail_tripped" for e in seen)

    for message in ("Hello", 'call lookup {"key": "a"}', "call secret"):
        await session.send_message(message)
        events += await until(session, agent_end, approve)
    await session.send_message("forbidden")
    events += await until(session, tripped_then_end)
    for message in ("transfer to billing", "explode"):
        await session.send_message(message)
        events += await until(session, agent_end)
    return events


def by_name(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


async def test_a_conversation_gives_the_expected_span_tree(sim: Simulator, otel: Otel) -> None:
    session, trip = await open_session(sim, otel)
    async with session:
        events = await converse(session)
    assert trip.tripped
    spans = otel.spans()
    responses = [e.response_id for e in events if e.type == "usage"]

    # One root, the session; connect and one turn per response under it.
    (root,) = by_name(spans, n.SPAN_SESSION)
    assert root.parent is None
    assert root.instrumentation_scope is not None
    assert (root.instrumentation_scope.name, root.instrumentation_scope.version) == (
        "rtvoice",
        rtvoice.__version__,
    )
    trace_ids = {span.context.trace_id for span in spans if span.context is not None}
    assert root.context is not None
    assert trace_ids == {root.context.trace_id}
    (connect,) = by_name(spans, n.SPAN_CONNECT)
    turns = by_name(spans, n.SPAN_TURN)
    assert parent_of(connect) == span_id(root)
    assert all(parent_of(turn) == span_id(root) for turn in turns)
    assert [turn.attributes[n.GEN_AI_RESPONSE_ID] for turn in turns] == responses  # type: ignore[index]
    assert {span.name for span in spans} == {
        n.SPAN_SESSION,
        n.SPAN_CONNECT,
        n.SPAN_TURN,
        n.SPAN_TOOL,
        n.SPAN_HANDOFF,
        n.SPAN_GUARDRAIL,
    }

    attrs = root.attributes or {}
    assert attrs[n.GEN_AI_PROVIDER_NAME] == "openai"
    assert attrs[n.GEN_AI_REQUEST_MODEL] == "gpt-realtime"
    assert attrs[n.GEN_AI_OPERATION_NAME] == "realtime"
    assert attrs[n.SERVER_ADDRESS] == "127.0.0.1"
    assert attrs[n.SERVER_PORT] == sim.port
    assert str(attrs[n.GEN_AI_CONVERSATION_ID]).startswith("sess_")
    assert attrs[n.AGENT_NAMES] == ("Assistant", "Billing")
    assert attrs[n.SESSION_TURNS] == len(turns)
    assert attrs[n.USAGE_TOTAL_TOKENS] == session.usage.total_tokens > 0
    assert attrs[n.GEN_AI_USAGE_INPUT_TOKENS] == session.usage.input_tokens
    usage_totals = [e.total for e in events if e.type == "usage"]
    assert session.usage == usage_totals[-1]
    assert root.status.status_code is StatusCode.UNSET
    assert connect.status.status_code is StatusCode.UNSET

    # The children of each turn, in conversation order.
    def children(turn: ReadableSpan) -> list[tuple[str, str]]:
        kids = [span for span in spans if parent_of(span) == span_id(turn)]
        return [
            (
                kid.name,
                str(
                    (kid.attributes or {}).get(n.GEN_AI_TOOL_NAME)
                    or (kid.attributes or {}).get(n.HANDOFF_TO_AGENT)
                    or (kid.attributes or {}).get(n.GUARDRAIL_NAME)
                ),
            )
            for kid in kids
        ]

    guard = (n.SPAN_GUARDRAIL, "no_forbidden")
    assert [children(turn) for turn in turns] == [
        [guard],  # "You said: Hello"
        [(n.SPAN_TOOL, "lookup")],
        [guard],  # "lookup returned: ..."
        [(n.SPAN_TOOL, "secret")],  # approved after this turn ended
        [guard],  # "secret returned: granted"
        [guard],  # "You said: forbidden": tripped
        [guard],  # the replacement
        [(n.SPAN_HANDOFF, "Billing")],
        [guard],  # Billing speaks
        [],  # "explode": failed
    ]
    assert len(spans) == 2 + len(turns) + sum(len(children(turn)) for turn in turns)
    agents = [(turn.attributes or {})[n.GEN_AI_AGENT_NAME] for turn in turns]
    assert agents == ["Assistant"] * 8 + ["Billing"] * 2
    for turn in turns[:-1]:
        attrs = turn.attributes or {}
        assert turn.status.status_code is StatusCode.UNSET, attrs
        assert attrs[n.GEN_AI_PROVIDER_NAME] == "openai"
        assert attrs[n.GEN_AI_REQUEST_MODEL] == "gpt-realtime"
        assert attrs[n.TURN_STATUS] in ("completed", "cancelled")
        assert attrs[n.USAGE_TOTAL_TOKENS] > 0  # type: ignore[operator]
        assert n.TURN_TRANSCRIPT not in attrs
    for index in (0, 2, 4, 8):  # spoken answers: audio and transcript timings
        attrs = turns[index].attributes or {}
        assert attrs[n.TURN_TIME_TO_FIRST_AUDIO_MS] >= 0  # type: ignore[operator]
        assert attrs[n.TURN_TIME_TO_FIRST_TRANSCRIPT_MS] >= 0  # type: ignore[operator]
        assert attrs[n.TURN_STATUS] == "completed"

    # The error turn.
    failed = turns[-1]
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})[n.TURN_STATUS] == "failed"
    assert n.ERROR_TYPE in (failed.attributes or {})

    # Tools: names, call ids, the approval, outcomes.
    calls = {e.tool_name: e.call_id for e in events if e.type == "tool_end"}
    lookup_span, secret_span = by_name(spans, n.SPAN_TOOL)
    for span, name in ((lookup_span, "lookup"), (secret_span, "secret")):
        attrs = span.attributes or {}
        assert attrs[n.GEN_AI_TOOL_NAME] == name
        assert attrs[n.GEN_AI_TOOL_CALL_ID] == calls[name]
        assert attrs[n.GEN_AI_OPERATION_NAME] == "execute_tool"
        assert attrs[n.GEN_AI_AGENT_NAME] == "Assistant"
        assert attrs[n.TOOL_OUTCOME] == "success"
        assert n.GEN_AI_TOOL_CALL_ARGUMENTS not in attrs
        assert n.GEN_AI_TOOL_CALL_RESULT not in attrs
        assert span.status.status_code is StatusCode.UNSET
    assert n.TOOL_APPROVAL_DECISION not in (lookup_span.attributes or {})
    assert (secret_span.attributes or {})[n.TOOL_APPROVAL_DECISION] == "approved"
    assert (secret_span.attributes or {})[n.TOOL_APPROVAL_ALWAYS] is False
    assert (secret_span.end_time or 0) > (turns[3].end_time or 0)  # ended after its turn

    # The handoff and the guardrails.
    (handoff,) = by_name(spans, n.SPAN_HANDOFF)
    assert (handoff.attributes or {})[n.HANDOFF_FROM_AGENT] == "Assistant"
    assert (handoff.attributes or {})[n.HANDOFF_TO_AGENT] == "Billing"
    assert handoff.status.status_code is StatusCode.UNSET
    checks = by_name(spans, n.SPAN_GUARDRAIL)
    tripped = [(check.attributes or {})[n.GUARDRAIL_TRIPPED] for check in checks]
    assert tripped == [False, False, False, True, False, False]
    for check in checks:
        attrs = check.attributes or {}
        assert attrs[n.GUARDRAIL_KIND] == "output"
        assert n.GUARDRAIL_TEXT not in attrs
        assert check.status.status_code is StatusCode.UNSET

    assert {
        n.METRIC_TIME_TO_FIRST_AUDIO,
        n.METRIC_TURN_DURATION,
        n.METRIC_TOOL_DURATION,
        n.METRIC_TOKENS,
    } <= otel.metric_names()


async def test_tracing_disabled_makes_no_spans(sim: Simulator, otel: Otel) -> None:
    session, _ = await open_session(sim, otel, tracing_disabled=True)
    async with session:
        await session.send_message('call lookup {"key": "a"}')
        await until(session, agent_end)
    assert session.usage.total_tokens > 0
    assert otel.spans() == []
    assert otel.metric_names() == set()


async def test_transcripts_are_recorded_only_when_asked(sim: Simulator, otel: Otel) -> None:
    tracing = {
        "tracer_provider": otel.tracer_provider,
        "meter_provider": otel.meter_provider,
        "include_transcripts": True,
    }
    session, _ = await open_session(sim, otel, tracing=tracing)
    async with session:
        await session.send_message('call lookup {"key": "a"}')
        await until(session, agent_end)
    spans = otel.spans()
    (tool,) = by_name(spans, n.SPAN_TOOL)
    assert (tool.attributes or {})[n.GEN_AI_TOOL_CALL_ARGUMENTS] == '{"key": "a"}'
    assert (tool.attributes or {})[n.GEN_AI_TOOL_CALL_RESULT] == "value of a"
    _, answer = by_name(spans, n.SPAN_TURN)
    assert (answer.attributes or {})[n.TURN_TRANSCRIPT] == "lookup returned: value of a"
    (check,) = by_name(spans, n.SPAN_GUARDRAIL)
    assert (check.attributes or {})[n.GUARDRAIL_TEXT] == "lookup returned: value of a"
