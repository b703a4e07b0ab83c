"""Session telemetry: span trees, parents, attributes, statuses and metrics, over the SDK's
in-memory exporters, driven the way the session drives it."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from opentelemetry import trace
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import StatusCode

import rtvoice.tracing
from rtvoice import AzureOpenAIProvider, OpenAIProvider
from rtvoice._tracing import _names
from rtvoice._tracing._metrics import DURATION_BUCKETS, Instruments
from rtvoice.config import normalize_run_config
from rtvoice.middleware import ApprovalDecision
from rtvoice.model.events import ErrorInfo, ResponseInfo, StatusDetails, Usage
from rtvoice.model.items import MessageItem, OutputAudio
from rtvoice.model.session_config import TracingConfig
from rtvoice.tracing import (
    REMEMBERED_TURNS,
    DisabledSessionTelemetry,
    OpenTelemetrySessionTelemetry,
    SessionTelemetry,
    gen_ai_provider_name,
    session_telemetry,
)
from rtvoice.usage import PriceTable

DOCS = Path(__file__).resolve().parent.parent / "docs" / "tracing.md"

USAGE = Usage(
    total_tokens=180,
    input_tokens=120,
    output_tokens=60,
    input_text_tokens=70,
    input_audio_tokens=50,
    cached_tokens=30,
    cached_text_tokens=30,
    output_text_tokens=15,
    output_audio_tokens=45,
)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Otel:
    """An SDK tracer and meter provider with in-memory exporters."""

    spans: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    metrics: InMemoryMetricReader = field(default_factory=InMemoryMetricReader)
    tracer_provider: TracerProvider = field(default_factory=TracerProvider)
    meter_provider: MeterProvider = field(init=False)

    def __post_init__(self) -> None:
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.meter_provider = MeterProvider(metric_readers=[self.metrics])

    def telemetry(
        self,
        clock: Clock,
        *,
        include_transcripts: bool = False,
        disabled: bool = False,
        price_table: PriceTable | None = None,
    ) -> SessionTelemetry:
        settings = normalize_run_config(
            {
                "tracing": {
                    "tracer_provider": self.tracer_provider,
                    "meter_provider": self.meter_provider,
                    "include_transcripts": include_transcripts,
                },
                "tracing_disabled": disabled,
            }
        )
        return session_telemetry(settings, clock=clock, price_table=price_table)

    def finished(self) -> tuple[ReadableSpan, ...]:
        return self.spans.get_finished_spans()

    def span(self, name: str, **attributes: object) -> ReadableSpan:
        """The one finished span with this name whose attributes include ``attributes``
        (keys with ``__`` for dots)."""
        wanted = {key.replace("__", "."): value for key, value in attributes.items()}
        found = [
            span
            for span in self.finished()
            if span.name == name
            and all((span.attributes or {}).get(k) == v for k, v in wanted.items())
        ]
        assert len(found) == 1, (name, wanted, [s.name for s in self.finished()])
        return found[0]

    def points(self, metric: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        if data is None:
            return []
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for m in scope.metrics
            if m.name == metric
            for point in m.data.data_points
        ]

    def metric_names(self) -> set[str]:
        data = self.metrics.get_metrics_data()
        if data is None:
            return set()
        return {
            m.name
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for m in scope.metrics
        }


@pytest.fixture
def otel() -> Iterator[Otel]:
    setup = Otel()
    yield setup
    setup.tracer_provider.shutdown()
    setup.meter_provider.shutdown()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def start(t: SessionTelemetry, **overrides: Any) -> None:
    arguments: dict[str, Any] = {
        "model": "gpt-realtime",
        "provider_name": "openai",
        "agent_name": "Triage",
        "server_tracing": TracingConfig(workflow_name="support", group_id="grp_42"),
        "url": "wss://api.openai.com/v1/realtime?model=gpt-realtime",
    }
    arguments.update(overrides)
    t.session_started(**arguments)
    with t.connect():
        pass
    t.session_created("sess_1")


def response(
    response_id: str,
    status: Any = "completed",
    *,
    reason: str | None = None,
    error: ErrorInfo | None = None,
    usage: Usage | None = USAGE,
    transcript: str = "Sure, it is sunny.",
) -> ResponseInfo:
    details = None
    if status != "completed" or reason is not None or error is not None:
        details = StatusDetails(type=status, reason=reason, error=error)
    output = (
        MessageItem(role="assistant", content=(OutputAudio(transcript=transcript),), id="item_a"),
    )
    return ResponseInfo(
        id=response_id, status=status, status_details=details, output=output, usage=usage
    )


def tree(spans: Sequence[ReadableSpan]) -> list[tuple[str, list[Any]]]:
    """The spans as nested ``(name, children)``, children sorted by name."""
    children: dict[int | None, list[ReadableSpan]] = defaultdict(list)
    for span in spans:
        children[span.parent.span_id if span.parent else None].append(span)

    def build(span: ReadableSpan) -> tuple[str, list[Any]]:
        assert span.context is not None
        kids = sorted(children[span.context.span_id], key=lambda s: s.name)
        return (span.name, [build(kid) for kid in kids])

    return [build(root) for root in sorted(children[None], key=lambda s: s.name)]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent else None


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


# ---------------------------------------------------------------------------------------------
# The whole tree


@pytest.mark.anyio
async def test_two_turns_tool_approval_handoff_and_guardrail_trip_make_the_expected_tree(
    otel: Otel, clock: Clock
) -> None:
    t = otel.telemetry(clock)
    start(t)

    # Turn 1: the model calls a tool that needs approval; the tool ends after the turn, in
    # another task.
    t.turn_started("resp_1", agent_name="Triage", requested_at=clock.now)
    clock.advance(0.25)
    t.first_transcript("resp_1")
    clock.advance(0.05)
    t.first_audio("resp_1")
    tool = t.tool_started(
        name="get_weather",
        call_id="call_1",
        arguments='{"city": "Paris"}',
        agent_name="Triage",
        response_id="resp_1",
    )
    tool.approval_requested()
    clock.advance(2.0)
    tool.approval_decided(ApprovalDecision.approve())
    t.turn_ended(response("resp_1"))

    async def finish_tool() -> None:
        clock.advance(0.5)
        tool.end("Sunny in Paris")

    async with anyio.create_task_group() as tg:
        tg.start_soon(finish_tool)

    # Turn 2: a handoff, then an output guardrail trips and the response is cut.
    t.turn_started("resp_2", agent_name="Triage")
    handoff = t.handoff_started(
        from_agent="Triage", to_agent="Billing", call_id="call_2", response_id="resp_2"
    )
    handoff.end(to_agent="Billing")
    t.agent_changed("Billing")
    guardrail = t.guardrail_started(
        name="no_prices", kind="output", text="That costs $5", response_id="resp_2"
    )
    guardrail.end(tripped=True)
    t.turn_interrupted("resp_2", played_ms=420)
    t.turn_ended(response("resp_2", "cancelled", reason="client_cancelled"))
    t.session_ended()

    spans = otel.finished()
    assert tree(spans) == [
        (
            "realtime.session",
            [
                ("realtime.connect", []),
                ("realtime.turn", [("realtime.tool", [])]),
                ("realtime.turn", [("realtime.guardrail", []), ("realtime.handoff", [])]),
            ],
        )
    ]
    assert len({span.context.trace_id for span in spans if span.context}) == 1

    session = otel.span("realtime.session")
    turn_1 = otel.span("realtime.turn", gen_ai__response__id="resp_1")
    turn_2 = otel.span("realtime.turn", gen_ai__response__id="resp_2")
    tool_span = otel.span("realtime.tool")
    assert parent_of(tool_span) == span_id(turn_1)
    assert tool_span.end_time is not None
    assert turn_1.end_time is not None
    assert tool_span.end_time > turn_1.end_time  # ended after its turn, still its child
    assert parent_of(otel.span("realtime.handoff")) == span_id(turn_2)
    assert parent_of(otel.span("realtime.guardrail")) == span_id(turn_2)

    assert dict(session.attributes or {}) == {
        "gen_ai.operation.name": "realtime",
        "gen_ai.provider.name": "openai",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-realtime",
        "gen_ai.conversation.id": "sess_1",
        "rtvoice.agent.names": ("Triage", "Billing"),
        "server.address": "api.openai.com",
        "rtvoice.server_tracing.enabled": True,
        "rtvoice.server_tracing.workflow_name": "support",
        "rtvoice.server_tracing.group_id": "grp_42",
        "rtvoice.session.turns": 2,
        "gen_ai.usage.input_tokens": 240,
        "gen_ai.usage.output_tokens": 120,
        "gen_ai.usage.cache_read.input_tokens": 60,
        "rtvoice.usage.total_tokens": 360,
        "rtvoice.usage.input_text_tokens": 140,
        "rtvoice.usage.input_audio_tokens": 100,
        "rtvoice.usage.input_image_tokens": 0,
        "rtvoice.usage.cached_text_tokens": 60,
        "rtvoice.usage.cached_audio_tokens": 0,
        "rtvoice.usage.cached_image_tokens": 0,
        "rtvoice.usage.output_text_tokens": 30,
        "rtvoice.usage.output_audio_tokens": 90,
    }
    assert dict(turn_1.attributes or {}) == {
        "gen_ai.operation.name": "realtime",
        "gen_ai.provider.name": "openai",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-realtime",
        "gen_ai.conversation.id": "sess_1",
        "gen_ai.response.id": "resp_1",
        "gen_ai.agent.name": "Triage",
        "rtvoice.turn.time_to_first_transcript_ms": 250.0,
        "rtvoice.turn.time_to_first_audio_ms": 300.0,
        "rtvoice.turn.status": "completed",
        "rtvoice.turn.interrupted": False,
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 60,
        "gen_ai.usage.cache_read.input_tokens": 30,
        "rtvoice.usage.total_tokens": 180,
        "rtvoice.usage.input_text_tokens": 70,
        "rtvoice.usage.input_audio_tokens": 50,
        "rtvoice.usage.input_image_tokens": 0,
        "rtvoice.usage.cached_text_tokens": 30,
        "rtvoice.usage.cached_audio_tokens": 0,
        "rtvoice.usage.cached_image_tokens": 0,
        "rtvoice.usage.output_text_tokens": 15,
        "rtvoice.usage.output_audio_tokens": 45,
    }
    turn_2_attributes = turn_2.attributes or {}
    assert turn_2_attributes["rtvoice.turn.status"] == "cancelled"
    assert turn_2_attributes["rtvoice.turn.status_reason"] == "client_cancelled"
    assert turn_2_attributes["rtvoice.turn.interrupted"] is True
    assert turn_2_attributes["rtvoice.turn.played_ms"] == 420
    assert "rtvoice.turn.time_to_first_audio_ms" not in turn_2_attributes
    assert [event.name for event in turn_2.events] == ["rtvoice.interruption"]

    assert dict(tool_span.attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.type": "function",
        "gen_ai.agent.name": "Triage",
        "rtvoice.tool.arguments_size": 17,
        "rtvoice.tool.approval.decision": "approved",
        "rtvoice.tool.approval.always": False,
        "rtvoice.tool.approval.wait_ms": 2000.0,
        "rtvoice.tool.outcome": "success",
        "rtvoice.tool.output_size": 14,
    }
    assert dict(otel.span("realtime.handoff").attributes or {}) == {
        "rtvoice.handoff.from_agent": "Triage",
        "rtvoice.handoff.to_agent": "Billing",
        "gen_ai.tool.call.id": "call_2",
    }
    assert dict(otel.span("realtime.guardrail").attributes or {}) == {
        "rtvoice.guardrail.name": "no_prices",
        "rtvoice.guardrail.kind": "output",
        "rtvoice.guardrail.text_length": 13,
        "rtvoice.guardrail.tripped": True,
    }
    # A trip, a cancelled turn and a rejected or interrupted thing are outcomes, not errors.
    assert {span.status.status_code for span in spans} == {StatusCode.UNSET}
    assert otel.span("realtime.turn", gen_ai__response__id="resp_1").kind == trace.SpanKind.CLIENT
    assert tool_span.kind == trace.SpanKind.INTERNAL


@pytest.mark.anyio
async def test_a_failed_response_marks_its_turn_error(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    error = ErrorInfo(type="server_error", code="internal_error", message="The server had an error")
    t.turn_ended(response("resp_1", "failed", error=error, usage=None))
    t.session_ended()

    turn = otel.span("realtime.turn")
    assert turn.status.status_code is StatusCode.ERROR
    assert turn.status.description == "The server had an error"
    assert (turn.attributes or {})["error.type"] == "internal_error"
    assert (turn.attributes or {})["rtvoice.turn.status"] == "failed"
    assert "gen_ai.usage.input_tokens" not in (turn.attributes or {})
    assert otel.span("realtime.session").status.status_code is StatusCode.UNSET


def test_a_failed_response_without_details_is_still_an_error(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_ended(response("resp_1", "failed", usage=None))  # start not seen: made now
    turn = otel.span("realtime.turn")
    assert turn.status.status_code is StatusCode.ERROR
    assert (turn.attributes or {})["error.type"] == "response_failed"
    assert (turn.attributes or {})["gen_ai.agent.name"] == "Triage"


def test_incomplete_and_cancelled_responses_are_not_errors(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    t.turn_ended(response("resp_1", "incomplete", reason="max_output_tokens"))
    t.turn_started("resp_2", agent_name="Triage")
    t.turn_ended(response("resp_2", "cancelled", reason="turn_detected"))
    for response_id, reason in (("resp_1", "max_output_tokens"), ("resp_2", "turn_detected")):
        turn = otel.span("realtime.turn", gen_ai__response__id=response_id)
        assert turn.status.status_code is StatusCode.UNSET
        assert (turn.attributes or {})["rtvoice.turn.status_reason"] == reason


# ---------------------------------------------------------------------------------------------
# Parents


@pytest.mark.anyio
async def test_a_tool_ended_from_another_task_after_later_turns_keeps_its_turn(
    otel: Otel, clock: Clock
) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    tool = t.tool_started(name="slow", call_id="call_1", arguments="{}", response_id="resp_1")
    t.turn_ended(response("resp_1"))
    tool_started_late = anyio.Event()

    async def background_tool() -> None:
        late = t.tool_started(name="late", call_id="call_2", arguments="{}", response_id="resp_1")
        tool_started_late.set()
        await anyio.lowlevel.checkpoint()
        late.end("done")
        tool.end("done")

    async with anyio.create_task_group() as tg:
        t.turn_started("resp_2", agent_name="Triage")  # the next turn is open meanwhile
        tg.start_soon(background_tool)
        await tool_started_late.wait()
    t.turn_ended(response("resp_2"))
    t.session_ended()

    turn_1 = otel.span("realtime.turn", gen_ai__response__id="resp_1")
    assert parent_of(otel.span("realtime.tool", gen_ai__tool__name="slow")) == span_id(turn_1)
    assert parent_of(otel.span("realtime.tool", gen_ai__tool__name="late")) == span_id(turn_1)


def test_without_a_response_id_children_go_to_the_open_turn_else_the_session(
    otel: Otel, clock: Clock
) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.guardrail_started(name="before", kind="input", text="hi").end()
    t.turn_started("resp_1", agent_name="Triage")
    t.guardrail_started(name="during", kind="input", text="hi").end()
    t.handoff_started(from_agent="Triage", to_agent="Billing").end()
    t.turn_ended(response("resp_1"))
    t.tool_started(name="after", call_id="c", arguments="{}").end("x")
    t.tool_started(name="unknown", call_id="d", arguments="{}", response_id="resp_9").end("x")
    t.session_ended()

    session = span_id(otel.span("realtime.session"))
    turn = span_id(otel.span("realtime.turn"))
    assert parent_of(otel.span("realtime.guardrail", rtvoice__guardrail__name="before")) == session
    assert parent_of(otel.span("realtime.guardrail", rtvoice__guardrail__name="during")) == turn
    assert parent_of(otel.span("realtime.handoff")) == turn
    assert parent_of(otel.span("realtime.tool", gen_ai__tool__name="after")) == session
    assert parent_of(otel.span("realtime.tool", gen_ai__tool__name="unknown")) == session


def test_ended_turns_are_remembered_as_parents_up_to_a_bound(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    for i in range(REMEMBERED_TURNS + 1):
        t.turn_started(f"resp_{i}", agent_name="Triage")
        t.turn_ended(response(f"resp_{i}"))
    t.tool_started(name="oldest", call_id="a", arguments="{}", response_id="resp_0").end()
    t.tool_started(name="kept", call_id="b", arguments="{}", response_id="resp_1").end()
    t.session_ended()

    assert parent_of(otel.span("realtime.tool", gen_ai__tool__name="oldest")) == span_id(
        otel.span("realtime.session")
    )
    assert parent_of(otel.span("realtime.tool", gen_ai__tool__name="kept")) == span_id(
        otel.span("realtime.turn", gen_ai__response__id="resp_1")
    )


def test_the_session_span_is_a_child_of_the_ambient_context(otel: Otel, clock: Clock) -> None:
    tracer = otel.tracer_provider.get_tracer("app")
    t = otel.telemetry(clock)
    with tracer.start_as_current_span("phone call"):
        start(t)
    t.session_ended()
    assert parent_of(otel.span("realtime.session")) == span_id(otel.span("phone call"))


def test_activate_makes_spans_opened_inside_children_of_the_tool(otel: Otel, clock: Clock) -> None:
    tracer = otel.tracer_provider.get_tracer("app")
    t = otel.telemetry(clock)
    start(t)
    tool = t.tool_started(name="lookup", call_id="c", arguments="{}")
    with tool.activate(), tracer.start_as_current_span("database query"):
        pass
    tool.end("ok")
    assert trace.get_current_span() is trace.INVALID_SPAN  # detached again
    assert parent_of(otel.span("database query")) == span_id(otel.span("realtime.tool"))


# ---------------------------------------------------------------------------------------------
# Tools, handoffs, guardrails


def test_tool_outcomes(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    failing = t.tool_started(name="failing", call_id="a", arguments="{}")
    failing.end("Error running failing: boom", error=ValueError("boom"))
    rejected = t.tool_started(name="rejected", call_id="b", arguments="{}")
    rejected.approval_requested()
    rejected.approval_decided(ApprovalDecision.reject("no", always=True))
    rejected.end("The call to rejected was not approved: no")
    cancelled = t.tool_started(name="cancelled", call_id="c", arguments="{}")
    cancelled.end(cancelled=True)
    cancelled.end("ignored: the first end wins")

    failed = otel.span("realtime.tool", gen_ai__tool__name="failing")
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "ValueError: boom"
    assert (failed.attributes or {})["error.type"] == "ValueError"
    assert (failed.attributes or {})["rtvoice.tool.outcome"] == "error"
    assert [event.name for event in failed.events] == ["exception"]

    refused = otel.span("realtime.tool", gen_ai__tool__name="rejected")
    assert refused.status.status_code is StatusCode.UNSET
    assert (refused.attributes or {})["rtvoice.tool.outcome"] == "rejected"
    assert (refused.attributes or {})["rtvoice.tool.approval.decision"] == "rejected"
    assert (refused.attributes or {})["rtvoice.tool.approval.always"] is True

    cut = otel.span("realtime.tool", gen_ai__tool__name="cancelled")
    assert (cut.attributes or {})["rtvoice.tool.outcome"] == "cancelled"
    assert (cut.attributes or {})["rtvoice.cancelled"] is True
    assert "rtvoice.tool.output_size" not in (cut.attributes or {})


def test_handoff_redirected_by_middleware_and_failed_handoff(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.handoff_started(from_agent="Triage", to_agent="Billing").end(to_agent="Support")
    t.handoff_started(from_agent="Triage", to_agent="Refunds").end(error=RuntimeError("no"))

    redirected = otel.span("realtime.handoff", rtvoice__handoff__requested_agent="Billing")
    assert (redirected.attributes or {})["rtvoice.handoff.to_agent"] == "Support"
    failed = otel.span("realtime.handoff", rtvoice__handoff__to_agent="Refunds")
    assert failed.status.status_code is StatusCode.ERROR
    assert "rtvoice.handoff.requested_agent" not in (failed.attributes or {})


def test_a_guardrail_that_failed_is_an_error_not_a_trip(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.guardrail_started(name="broken", kind="input", text="hello").end(
        tripped=False, error=TypeError("bad return")
    )
    span = otel.span("realtime.guardrail")
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["rtvoice.guardrail.tripped"] is False
    assert (span.attributes or {})["error.type"] == "TypeError"


def test_session_end_closes_everything_still_open_as_cancelled(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    tool = t.tool_started(name="slow", call_id="a", arguments="{}")
    t.guardrail_started(name="check", kind="output", text="x")
    t.handoff_started(from_agent="Triage", to_agent="Billing")
    t.session_ended(ConnectionResetError("lost"))
    tool.end("too late")  # ignored
    t.turn_ended(response("resp_1"))  # ignored
    assert t.tool_started(name="after", call_id="b", arguments="{}") is not None

    spans = otel.finished()
    assert sorted(span.name for span in spans) == [
        "realtime.connect",
        "realtime.guardrail",
        "realtime.handoff",
        "realtime.session",
        "realtime.tool",
        "realtime.turn",
    ]
    for span in spans:
        if span.name not in ("realtime.session", "realtime.connect"):
            assert (span.attributes or {})["rtvoice.cancelled"] is True, span.name
    assert (otel.span("realtime.tool").attributes or {})["rtvoice.tool.outcome"] == "cancelled"
    assert (otel.span("realtime.turn").attributes or {})["rtvoice.turn.status"] == "in_progress"
    session = otel.span("realtime.session")
    assert session.status.status_code is StatusCode.ERROR
    assert (session.attributes or {})["error.type"] == "ConnectionResetError"
    assert "gen_ai.usage.input_tokens" not in (session.attributes or {})


# ---------------------------------------------------------------------------------------------
# Session details


def test_connect_failure_marks_the_connect_span(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    t.session_started(model="gpt-realtime", provider_name="openai", agent_name="Triage")
    error = ConnectionRefusedError("refused")
    with pytest.raises(ConnectionRefusedError), t.connect():
        raise error
    t.session_ended(error)
    connect = otel.span("realtime.connect")
    assert connect.status.status_code is StatusCode.ERROR
    assert (connect.attributes or {})["error.type"] == "ConnectionRefusedError"
    assert parent_of(connect) == span_id(otel.span("realtime.session"))


@pytest.mark.parametrize(
    ("server_tracing", "expected"),
    [
        (None, {"rtvoice.server_tracing.enabled": False}),
        ("auto", {"rtvoice.server_tracing.enabled": True}),
        (
            TracingConfig(group_id="grp_1", metadata={"customer": "secret"}),
            {"rtvoice.server_tracing.enabled": True, "rtvoice.server_tracing.group_id": "grp_1"},
        ),
    ],
)
def test_server_tracing_is_recorded_for_joining_traces(
    otel: Otel, clock: Clock, server_tracing: Any, expected: dict[str, object]
) -> None:
    t = otel.telemetry(clock)
    t.session_started(
        model="gpt-realtime",
        provider_name="openai",
        agent_name="Triage",
        server_tracing=server_tracing,
    )
    t.session_ended()
    attributes = otel.span("realtime.session").attributes or {}
    recorded = {k: v for k, v in attributes.items() if k.startswith("rtvoice.server_tracing")}
    assert recorded == expected


def test_only_host_and_port_of_the_url_are_recorded(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    t.session_started(
        model="gpt-realtime",
        provider_name="azure.ai.openai",
        agent_name="Triage",
        url="wss://me.openai.azure.com:8443/openai/v1/realtime?model=gpt&api-key=SECRET",
    )
    t.session_ended()
    attributes = otel.span("realtime.session").attributes or {}
    assert attributes["server.address"] == "me.openai.azure.com"
    assert attributes["server.port"] == 8443
    assert not any("SECRET" in str(value) for value in attributes.values())


def test_provider_names() -> None:
    assert gen_ai_provider_name(OpenAIProvider(api_key="sk-test")) == "openai"
    azure = AzureOpenAIProvider(resource="me", deployment="gpt", api_key="key")
    assert gen_ai_provider_name(azure) == "azure.ai.openai"
    assert gen_ai_provider_name(None) == "openai"


def test_requested_at_starts_the_turn_earlier(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    requested = clock.now
    clock.advance(0.4)
    t.turn_started("resp_1", agent_name="Triage", requested_at=requested)
    clock.advance(0.1)
    t.first_audio("resp_1")
    t.turn_ended(response("resp_1"))
    turn = otel.span("realtime.turn")
    assert (turn.attributes or {})["rtvoice.turn.time_to_first_audio_ms"] == 500.0
    assert turn.start_time is not None
    assert turn.end_time is not None
    assert turn.end_time - turn.start_time >= 390_000_000  # back-dated by the 0.4 s waited


def test_an_interruption_after_the_turn_ended_is_a_session_event(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    t.turn_ended(response("resp_1"))
    t.turn_interrupted("resp_1", played_ms=1200)  # audio was still playing
    t.session_ended()
    assert (otel.span("realtime.turn").attributes or {})["rtvoice.turn.interrupted"] is False
    [event] = otel.span("realtime.session").events
    assert event.name == "rtvoice.interruption"
    assert dict(event.attributes or {}) == {
        "gen_ai.response.id": "resp_1",
        "rtvoice.turn.played_ms": 1200,
    }
    [point] = otel.points("rtvoice.turn.interruptions")
    assert point.value == 1
    assert dict(point.attributes or {})["gen_ai.agent.name"] == "Triage"


def test_the_cost_estimate_is_recorded_with_a_price_table(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock, price_table=PriceTable())
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    t.turn_ended(response("resp_1"))
    t.session_ended()
    # 40 text + 30 cached text at $5/M, 50 audio at $100/M, 15 text at $20/M, 45 audio at $200/M
    expected = (70 * 5 + 50 * 100 + 15 * 20 + 45 * 200) / 1e6
    turn = otel.span("realtime.turn").attributes or {}
    assert turn["rtvoice.usage.estimated_cost_usd"] == pytest.approx(expected)
    session = otel.span("realtime.session").attributes or {}
    assert session["rtvoice.usage.estimated_cost_usd"] == pytest.approx(expected)


def test_gpt_live_billed_time_and_its_cost_land_on_the_session_span(
    otel: Otel, clock: Clock
) -> None:
    t = otel.telemetry(clock, price_table=PriceTable(live_active_minute=0.06))
    start(t)
    t.session_time_billed(Usage(session_seconds=30.0))
    t.session_time_billed(Usage(session_seconds=60.0, session_paused_seconds=0.0))
    t.session_ended()
    session = otel.span("realtime.session").attributes or {}
    assert session["rtvoice.usage.session_seconds"] == 90.0
    assert session["rtvoice.usage.session_paused_seconds"] == 0.0
    assert session["rtvoice.usage.estimated_cost_usd"] == pytest.approx(0.09)


# ---------------------------------------------------------------------------------------------
# Content opt-in


def drive_with_content(t: SessionTelemetry) -> None:
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    t.input_transcribed("item_u", "what is the weather in Paris")
    t.tool_started(name="get_weather", call_id="c", arguments='{"city": "Paris"}').end("Sunny")
    t.guardrail_started(name="no_prices", kind="output", text="Sunny in Paris").end()
    t.turn_ended(response("resp_1", transcript="It is sunny in Paris."))
    t.session_ended()


CONTENT_ATTRIBUTES = {
    "rtvoice.turn.transcript",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "rtvoice.guardrail.text",
}


def test_no_transcripts_or_content_unless_opted_in(otel: Otel, clock: Clock) -> None:
    drive_with_content(otel.telemetry(clock))
    for span in otel.finished():
        assert not CONTENT_ATTRIBUTES & set(span.attributes or {}), span.name
        assert not span.events, span.name
        for value in (span.attributes or {}).values():
            assert "Paris" not in str(value), span.name


def test_transcripts_and_content_when_opted_in(otel: Otel, clock: Clock) -> None:
    drive_with_content(otel.telemetry(clock, include_transcripts=True))
    turn = otel.span("realtime.turn")
    assert (turn.attributes or {})["rtvoice.turn.transcript"] == "It is sunny in Paris."
    [event] = turn.events
    assert event.name == "rtvoice.input_transcript"
    assert dict(event.attributes or {}) == {
        "rtvoice.input_transcript.item_id": "item_u",
        "rtvoice.input_transcript.text": "what is the weather in Paris",
    }
    tool = otel.span("realtime.tool").attributes or {}
    assert tool["gen_ai.tool.call.arguments"] == '{"city": "Paris"}'
    assert tool["gen_ai.tool.call.result"] == "Sunny"
    assert (otel.span("realtime.guardrail").attributes or {})[
        "rtvoice.guardrail.text"
    ] == "Sunny in Paris"
    for span in otel.finished():
        for value in (span.attributes or {}).values():
            assert not isinstance(value, bytes)


# ---------------------------------------------------------------------------------------------
# Metrics


@pytest.mark.anyio
async def test_metrics_are_recorded(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage", requested_at=clock.now)
    clock.advance(0.3)
    t.first_audio("resp_1")
    t.first_audio("resp_1")  # repeats are ignored
    tool = t.tool_started(name="get_weather", call_id="c", arguments="{}")
    tool.approval_requested()
    clock.advance(5.0)  # waiting for a human: not tool time
    tool.approval_decided(ApprovalDecision.approve())
    clock.advance(0.2)
    tool.end("Sunny")
    clock.advance(0.5)
    t.turn_interrupted("resp_1", played_ms=100)
    t.turn_ended(response("resp_1", "cancelled", reason="turn_detected"))
    t.session_ended()

    common = {"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-realtime"}
    [ttfa] = otel.points("rtvoice.turn.time_to_first_audio")
    assert isinstance(ttfa, HistogramDataPoint)
    assert ttfa.count == 1
    assert ttfa.sum == pytest.approx(0.3)
    assert dict(ttfa.attributes or {}) == {**common, "gen_ai.agent.name": "Triage"}
    assert tuple(ttfa.explicit_bounds) == DURATION_BUCKETS

    [duration] = otel.points("rtvoice.turn.duration")
    assert duration.sum == pytest.approx(6.0)
    assert dict(duration.attributes)["rtvoice.turn.status"] == "cancelled"

    [tool_time] = otel.points("rtvoice.tool.duration")
    assert tool_time.sum == pytest.approx(0.2)
    assert dict(tool_time.attributes) == {
        **common,
        "gen_ai.tool.name": "get_weather",
        "rtvoice.tool.outcome": "success",
    }

    [interruptions] = otel.points("rtvoice.turn.interruptions")
    assert isinstance(interruptions, NumberDataPoint)
    assert interruptions.value == 1

    tokens = {
        (dict(p.attributes)["rtvoice.token.kind"], dict(p.attributes)["gen_ai.token.type"]): p.value
        for p in otel.points("rtvoice.usage.tokens")
    }
    assert tokens == {
        ("input_text", "input"): 40,
        ("input_audio", "input"): 50,
        ("cached_text", "input"): 30,
        ("output_text", "output"): 15,
        ("output_audio", "output"): 45,
    }
    assert sum(tokens.values()) == USAGE.total_tokens


def test_histograms_without_bucket_advice_on_an_older_api() -> None:
    created: list[dict[str, object]] = []

    class OldMeter:
        """A meter with the opentelemetry-api < 1.30 signature."""

        def create_histogram(self, name: str, unit: str = "", description: str = "") -> Any:
            created.append({"name": name, "unit": unit})
            return object()

        def create_counter(self, name: str, unit: str = "", description: str = "") -> Any:
            return object()

    meter: Meter = OldMeter()  # type: ignore[assignment]
    Instruments(meter)
    assert [c["unit"] for c in created] == ["s", "s", "s"]


# ---------------------------------------------------------------------------------------------
# Disabled, and no SDK


def test_disabled_telemetry_makes_no_spans_no_metrics_and_no_objects(
    otel: Otel, clock: Clock
) -> None:
    t = otel.telemetry(clock, disabled=True, include_transcripts=True)
    assert isinstance(t, DisabledSessionTelemetry)
    drive_with_content(t)
    tool_1 = t.tool_started(name="a", call_id="1", arguments="{}")
    tool_2 = t.tool_started(name="b", call_id="2", arguments="{}")
    assert tool_1 is tool_2  # one shared no-op handle, nothing made per call
    with tool_1.activate():
        assert trace.get_current_span() is trace.INVALID_SPAN
    assert t.connect() is t.connect()
    assert otel.finished() == ()
    assert otel.metric_names() == set()


def test_disabled_telemetry_never_touches_the_providers(clock: Clock) -> None:
    class Exploding:
        def get_tracer(self, *args: object, **kwargs: object) -> Any:
            raise AssertionError("tracing is disabled")

        def get_meter(self, *args: object, **kwargs: object) -> Any:
            raise AssertionError("tracing is disabled")

    settings = normalize_run_config(
        {
            "tracing": {"tracer_provider": Exploding(), "meter_provider": Exploding()},
            "tracing_disabled": True,
        }
    )
    drive_with_content(session_telemetry(settings, clock=clock))


def test_without_an_sdk_the_global_no_op_providers_are_used(clock: Clock) -> None:
    t = session_telemetry(normalize_run_config(None), clock=clock)
    assert isinstance(t, OpenTelemetrySessionTelemetry)
    drive_with_content(t)  # runs through the API's no-op tracer and meter


# ---------------------------------------------------------------------------------------------
# API and docs


def test_public_api_is_sorted_and_resolves() -> None:
    names = list(rtvoice.tracing.__all__)
    assert names == sorted(names)
    for name in names:
        assert hasattr(rtvoice.tracing, name)


def test_every_name_emitted_is_documented() -> None:
    docs = DOCS.read_text()
    documented = set(re.findall(r"`([a-z_][a-z0-9_.]*)`", docs))
    names = {
        value
        for key, value in vars(_names).items()
        if key.isupper() and isinstance(value, str) and "." in value
    }
    assert names - documented == set()


def test_the_protocol_and_both_implementations_agree() -> None:
    contract = {
        name for name in vars(SessionTelemetry) if not name.startswith("_") and name != "mro"
    }
    for implementation in (OpenTelemetrySessionTelemetry, DisabledSessionTelemetry):
        public = {name for name in vars(implementation) if not name.startswith("_")}
        assert public == contract, implementation


def test_metrics_are_recorded_when_spans_are_sampled_out(clock: Clock) -> None:
    otel = Otel(tracer_provider=TracerProvider(sampler=ALWAYS_OFF))
    t = otel.telemetry(clock)
    start(t)
    t.turn_started("resp_1", agent_name="Triage")
    t.first_audio("resp_1")
    t.turn_ended(response("resp_1", "failed"))
    t.tool_started(name="x", call_id="c", arguments="{}", response_id="resp_1").end("ok")
    t.session_ended()
    assert otel.finished() == ()
    assert sum(p.value for p in otel.points("rtvoice.usage.tokens")) == USAGE.total_tokens
    assert len(otel.points("rtvoice.turn.duration")) == 1
    otel.meter_provider.shutdown()


_PROXY_GROWTH_PROBE = """
from opentelemetry.metrics._internal import _PROXY_METER_PROVIDER
from rtvoice.config import normalize_run_config
from rtvoice.tracing import session_telemetry

settings = normalize_run_config(None)
session_telemetry(settings)
before = len(_PROXY_METER_PROVIDER._meters)
for _ in range(100):
    session_telemetry(settings)
print(before, len(_PROXY_METER_PROVIDER._meters))
"""


def test_sessions_without_an_sdk_do_not_pile_up_meters() -> None:
    # Without an SDK, the API's proxy meter provider keeps every meter made through it (to
    # forward it to an SDK installed later): one meter per session would never be freed.
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _PROXY_GROWTH_PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert before >= 1
    assert after == before


# ---------------------------------------------------------------------------------------------
# Tracing never raises


ODD = "a\ud800b\x00c\udfff"
"""Lone surrogates (which UTF-8 cannot encode) and a NUL."""


def every_string(spans: Sequence[ReadableSpan]) -> list[str]:
    """Every string recorded on ``spans``: attributes, event attributes, status messages."""
    found: list[str] = []
    for span in spans:
        groups = [span.attributes or {}] + [event.attributes or {} for event in span.events]
        for attributes in groups:
            for value in attributes.values():
                values = value if isinstance(value, tuple) else (value,)
                found += [v for v in values if isinstance(v, str)]
        if span.status.description:
            found.append(span.status.description)
    return found


def test_odd_strings_everywhere_are_recorded_clean(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock, include_transcripts=True)
    huge = "x" * 100_000
    start(t, model=ODD, agent_name=ODD)
    t.session_created(ODD)
    t.agent_changed(ODD + "2")
    t.turn_started("resp_1", agent_name=ODD)
    t.input_transcribed(ODD, ODD)
    tool = t.tool_started(name=ODD, call_id=ODD, arguments=ODD, agent_name=ODD, response_id="r")
    tool.end(ODD, error=RuntimeError(ODD))
    t.tool_started(name="big", call_id="c2", arguments=huge).end(huge)
    t.handoff_started(from_agent=ODD, to_agent=ODD, call_id=ODD).end(to_agent=ODD + "x")
    t.guardrail_started(name=ODD, kind="output", text=ODD).end(error=ValueError(ODD))
    failed = ErrorInfo(type="server_error", code=ODD, message=ODD)
    t.turn_ended(response("resp_1", "failed", reason=ODD, error=failed, transcript=ODD))
    t.session_ended(RuntimeError(ODD))

    strings = every_string(otel.finished())
    assert len(otel.finished()) == 7  # session, connect, turn, 2 tools, handoff, guardrail
    for text in strings:
        text.encode()  # every one is valid UTF-8 (an exporter can write it)
    assert "a\ufffdb\x00c\ufffd" in strings  # replaced, not dropped; NUL kept
    big = otel.span("realtime.tool", gen_ai__tool__call__id="c2").attributes or {}
    assert big["rtvoice.tool.arguments_size"] == 100_000  # the true size
    assert str(big["gen_ai.tool.call.arguments"]).endswith("…[truncated]")
    assert len(str(big["gen_ai.tool.call.result"])) < 20_000
    odd_tool = otel.span("realtime.tool", gen_ai__tool__call__id="a\ufffdb\x00c\ufffd")
    assert (odd_tool.attributes or {})["rtvoice.tool.arguments_size"] == len(
        ODD.encode("utf-8", "surrogatepass")
    )


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no words")


def test_an_error_that_cannot_be_printed_still_marks_its_span(otel: Otel, clock: Clock) -> None:
    t = otel.telemetry(clock)
    start(t)
    t.tool_started(name="lookup", call_id="c1", arguments="{}").end("x", error=Unprintable())
    t.session_ended()

    span = otel.span("realtime.tool")
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "Unprintable: <unprintable>"


class Exploding:
    """A span processor that raises wherever it is called: a broken exporter pipeline."""

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        raise RuntimeError("processor on_start")

    def on_end(self, span: Any) -> None:
        raise RuntimeError("processor on_end")

    def shutdown(self) -> None:
        return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def test_a_raising_span_processor_never_reaches_the_session(
    otel: Otel, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    otel.tracer_provider.add_span_processor(Exploding())  # type: ignore[arg-type]
    t = otel.telemetry(clock)

    with caplog.at_level("DEBUG", logger="rtvoice.tracing"):
        start(t)
        t.turn_started("resp_1", agent_name="Triage")
        tool = t.tool_started(name="lookup", call_id="c1", arguments="{}", response_id="resp_1")
        with tool.activate():
            tool.end("ok")
        t.guardrail_started(name="g", kind="output", text="t").end()
        t.turn_ended(response("resp_1"))
        t.session_ended()

    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1  # once per session; the rest at DEBUG
    assert "tracing failed" in warnings[0].getMessage()
    assert [r for r in caplog.records if r.levelname == "DEBUG"]
