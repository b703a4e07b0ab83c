"""One session's telemetry over the OpenTelemetry API, and the factory that picks it.

:class:`OpenTelemetrySessionTelemetry` implements the
:class:`~._contract.SessionTelemetry` contract with spans and metrics;
:func:`session_telemetry` returns it, or the
:class:`~._contract.DisabledSessionTelemetry` when ``tracing_disabled``. The call points are
tabled in :mod:`rtvoice.tracing`.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal, cast

from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.util.types import AttributeValue

from .._version import __version__
from ..model.events import ResponseInfo, Usage
from ..model.session_config import TracingConfig
from ..providers import AzureOpenAIProvider
from ..usage import PriceTable, UsageTotals, tokens_by_kind
from . import _names as n
from ._contract import REMEMBERED_TURNS, DisabledSessionTelemetry, SessionTelemetry
from ._handles import (
    DISABLED_GUARDRAIL,
    DISABLED_HANDOFF,
    DISABLED_TOOL,
    GuardrailSpan,
    HandoffSpan,
    LiveGuardrailSpan,
    LiveHandoffSpan,
    LiveToolSpan,
    Recorder,
    ToolSpan,
    mark_error,
)
from ._metrics import Instruments
from ._records import USAGE_ATTRIBUTES, AgentMetrics, Turn, server_attributes, transcript_of
from ._safe import clean_text, never_raises, utf8_size

if TYPE_CHECKING:
    from ..config import RunSettings
    from ..guardrails import GuardrailKind

__all__ = ["OpenTelemetrySessionTelemetry", "gen_ai_provider_name", "session_telemetry"]


def gen_ai_provider_name(provider: object | None) -> str:
    """The ``gen_ai.provider.name`` of a provider: ``azure.ai.openai`` for
    :class:`~rtvoice.AzureOpenAIProvider`, else ``openai`` (the protocol spoken, also by the
    simulator and compatible servers)."""
    return "azure.ai.openai" if isinstance(provider, AzureOpenAIProvider) else "openai"


def session_telemetry(
    settings: RunSettings,
    *,
    clock: Callable[[], float] = time.monotonic,
    price_table: PriceTable | None = None,
) -> SessionTelemetry:
    """The telemetry for one session, as the run settings ask.

    Args:
        settings: ``tracing_disabled`` gives a :class:`DisabledSessionTelemetry`; otherwise
            ``tracer_provider`` / ``meter_provider`` (``None``: the global ones, resolved
            lazily, so a provider set later is still used) and ``include_transcripts``.
        clock: The session's monotonic clock, in seconds.
        price_table: Prices for the ``rtvoice.usage.estimated_cost_usd`` attribute; ``None``:
            no cost attribute.

    Returns:
        The telemetry; create one per session.
    """
    if settings.tracing_disabled:
        return DisabledSessionTelemetry()
    tracer_provider = cast("TracerProvider | None", settings.tracer_provider)
    meter_provider = cast("MeterProvider | None", settings.meter_provider)
    try:
        tracer, instruments = _instrumentation(tracer_provider, meter_provider)
    except TypeError:  # a provider that cannot be a cache key (unhashable): build them afresh
        tracer, instruments = _instrumentation.__wrapped__(tracer_provider, meter_provider)
    return OpenTelemetrySessionTelemetry(
        tracer=tracer,
        instruments=instruments,
        clock=clock,
        include_transcripts=settings.include_transcripts,
        price_table=price_table,
    )


@functools.lru_cache(maxsize=16)
def _instrumentation(
    tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None
) -> tuple[trace.Tracer, Instruments]:
    """The tracer and the instruments for a pair of providers (``None``: the global ones),
    made once and shared by every session that uses them.

    Made per session, they would pile up: without an SDK, the API's global proxy meter
    provider keeps every meter and instrument ever created (so that it can forward them
    once an SDK is installed), a few hundred bytes per session that are never freed. The
    proxies still forward to a global provider installed after they were made.
    """
    version = __version__  # not importlib.metadata: it costs ~40 ms (email, zipfile) to load
    tracer = trace.get_tracer(n.SCOPE, version, tracer_provider=tracer_provider)
    meter = metrics.get_meter(n.SCOPE, version, meter_provider=meter_provider)
    return tracer, Instruments(meter)


class OpenTelemetrySessionTelemetry:
    """:class:`SessionTelemetry` over the OpenTelemetry API.

    With no SDK configured the API's no-op tracer and meter make this cheap, not free: a
    few microseconds per turn (``benchmarks/bench_tracing.py``). The audio hot path calls
    nothing.

    No method raises for tracing's sake (a span processor or exporter that raises, an odd
    string): the failure is logged, the first at WARNING, and the call returns as if tracing
    were off. Every text recorded is cleaned first (:func:`~._safe.clean_text`: lone
    surrogates replaced, at most :data:`~._safe.MAX_RECORDED_CHARS` characters).

    Args:
        tracer: Where spans go.
        instruments: Where metrics go.
        clock: Monotonic clock in seconds.
        include_transcripts: Record transcripts, tool arguments and results, and guardrail
            text (they may hold personal data).
        price_table: Prices for a cost estimate attribute; ``None``: none.
    """

    def __init__(
        self,
        *,
        tracer: trace.Tracer,
        instruments: Instruments,
        clock: Callable[[], float] = time.monotonic,
        include_transcripts: bool = False,
        price_table: PriceTable | None = None,
    ) -> None:
        self._tracer = tracer
        self._instruments = instruments
        self._clock = clock
        self._include = include_transcripts
        self._prices = price_table
        self._metric_attributes: dict[str, AttributeValue] = {}
        self._recorder = Recorder(
            clock=clock,
            instruments=instruments,
            metric_attributes=self._metric_attributes,
            include_content=include_transcripts,
        )
        self._failures = self._recorder.failures
        self._session_span: Span | None = None
        self._session_context: Context | None = None
        self._session_recording = False
        self._turn_attributes: dict[str, AttributeValue] = {}
        self._agent_names: list[str] = []
        self._agent = ""
        self._turns: dict[str, Turn] = {}
        self._ended_turns: OrderedDict[str, Turn] = OrderedDict()
        self._agent_metrics: dict[str, AgentMetrics] = {}
        self._usage = UsageTotals()
        self._turn_count = 0
        self._ended = False

    # -----------------------------------------------------------------------------------------
    # Session

    @never_raises(None)
    def session_started(
        self,
        *,
        model: str,
        provider_name: str,
        agent_name: str,
        server_tracing: Literal["auto"] | TracingConfig | None = None,
        url: str | None = None,
    ) -> None:
        if self._session_span is not None or self._ended:
            return
        # Metrics leave out gen_ai.system, the deprecated twin of gen_ai.provider.name: every
        # attribute of a measurement costs the SDK time, and it would add nothing.
        provider_name, model = clean_text(provider_name), clean_text(model)
        agent_name = clean_text(agent_name)
        self._metric_attributes.update(
            {n.GEN_AI_PROVIDER_NAME: provider_name, n.GEN_AI_REQUEST_MODEL: model}
        )
        self._agent_metrics.clear()
        self._turn_attributes = {
            n.GEN_AI_OPERATION_NAME: n.OPERATION_REALTIME,
            n.GEN_AI_PROVIDER_NAME: provider_name,
            n.GEN_AI_SYSTEM: provider_name,
            n.GEN_AI_REQUEST_MODEL: model,
        }
        self._agent = agent_name
        self._agent_names = [agent_name]
        attributes = {**self._turn_attributes, n.AGENT_NAMES: (agent_name,)}
        attributes.update(server_attributes(url))
        attributes[n.SERVER_TRACING_ENABLED] = server_tracing is not None
        if isinstance(server_tracing, TracingConfig):
            if server_tracing.workflow_name is not None:
                attributes[n.SERVER_TRACING_WORKFLOW_NAME] = clean_text(
                    server_tracing.workflow_name
                )
            if server_tracing.group_id is not None:
                attributes[n.SERVER_TRACING_GROUP_ID] = clean_text(server_tracing.group_id)
        span = self._tracer.start_span(
            n.SPAN_SESSION, kind=SpanKind.INTERNAL, attributes=attributes
        )
        self._session_span = span
        self._session_context = trace.set_span_in_context(span)
        self._session_recording = span.is_recording()

    @contextlib.contextmanager
    def connect(self) -> Iterator[None]:
        span = None if self._ended else self._connect_span()
        try:
            yield
        except BaseException as exc:
            if span is not None:
                self._failed_connect(span, exc)
            raise
        finally:
            if span is not None:
                self._end_connect(span)

    def _connect_span(self) -> Span | None:
        try:
            return self._tracer.start_span(
                n.SPAN_CONNECT,
                context=self._session_context,
                kind=SpanKind.CLIENT,
                attributes=dict(self._turn_attributes),
            )
        except Exception as exc:
            self._failures.report("OpenTelemetrySessionTelemetry.connect", exc)
            return None

    @never_raises(None)
    def _failed_connect(self, span: Span, error: BaseException) -> None:
        mark_error(span, error)

    @never_raises(None)
    def _end_connect(self, span: Span) -> None:
        span.end()

    @never_raises(None)
    def session_created(self, session_id: str | None) -> None:
        if self._ended or session_id is None:
            return
        session_id = clean_text(session_id)
        self._turn_attributes[n.GEN_AI_CONVERSATION_ID] = session_id
        if self._session_span is not None:
            self._session_span.set_attribute(n.GEN_AI_CONVERSATION_ID, session_id)

    @never_raises(None)
    def agent_changed(self, agent_name: str) -> None:
        if self._ended:
            return
        agent_name = clean_text(agent_name)
        self._agent = agent_name
        if agent_name in self._agent_names:
            return
        self._agent_names.append(agent_name)
        if self._session_span is not None:
            self._session_span.set_attribute(n.AGENT_NAMES, tuple(self._agent_names))

    @never_raises(None)
    def session_ended(self, error: BaseException | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        for turn in self._turns.values():
            self._cancel_turn(turn)
        self._turns.clear()
        for handle in list(self._recorder.open):
            handle.cancel()  # never raises
        span = self._session_span
        if span is None:
            return
        try:
            span.set_attribute(n.SESSION_TURNS, self._turn_count)
            if self._usage.responses:
                span.set_attributes(self._usage_attributes(self._usage.total))
            if error is not None:
                mark_error(span, error)
        finally:
            span.end()

    @never_raises(None)
    def _cancel_turn(self, turn: Turn) -> None:
        try:
            turn.span.set_attribute(n.TURN_STATUS, "in_progress")
            turn.span.set_attribute(n.TURN_INTERRUPTED, turn.interrupted)
            turn.span.set_attribute(n.CANCELLED, True)
        finally:
            turn.span.end()

    @never_raises(None)
    def session_time_billed(self, usage: Usage) -> None:
        if not self._ended and self._session_recording:
            self._usage.add(usage)

    # -----------------------------------------------------------------------------------------
    # Turns

    @never_raises(None)
    def turn_started(
        self, response_id: str, *, agent_name: str, requested_at: float | None = None
    ) -> None:
        if self._ended or response_id in self._turns:
            return
        agent_name = clean_text(agent_name)
        now = self._clock()
        start_time: int | None = None
        reference = now
        if requested_at is not None and requested_at < now:
            reference = requested_at
            start_time = time.time_ns() - int((now - requested_at) * 1e9)
        attributes = {
            **self._turn_attributes,
            n.GEN_AI_RESPONSE_ID: clean_text(response_id),
            n.GEN_AI_AGENT_NAME: agent_name,
        }
        span = self._tracer.start_span(
            n.SPAN_TURN,
            context=self._session_context,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=start_time,
        )
        metrics = self._agent_metrics.get(agent_name)
        if metrics is None:
            metrics = self._agent_metrics[agent_name] = AgentMetrics(
                self._metric_attributes, agent_name
            )
        self._turns[response_id] = Turn(span, reference, metrics)
        self._turn_count += 1

    @never_raises(None)
    def first_audio(self, response_id: str) -> None:
        turn = self._turns.get(response_id)
        if turn is None or turn.first_audio_seen:
            return
        turn.first_audio_seen = True
        elapsed = self._clock() - turn.reference
        turn.span.set_attribute(n.TURN_TIME_TO_FIRST_AUDIO_MS, round(elapsed * 1000, 3))
        self._instruments.time_to_first_audio.record(elapsed, turn.metrics.base)

    @never_raises(None)
    def first_transcript(self, response_id: str) -> None:
        turn = self._turns.get(response_id)
        if turn is None or turn.first_transcript_seen:
            return
        turn.first_transcript_seen = True
        elapsed = self._clock() - turn.reference
        turn.span.set_attribute(n.TURN_TIME_TO_FIRST_TRANSCRIPT_MS, round(elapsed * 1000, 3))

    @never_raises(None)
    def input_transcribed(self, item_id: str, transcript: str) -> None:
        if not self._include or self._ended:
            return
        span = self._latest_open_span()
        if span is not None:
            span.add_event(
                n.EVENT_INPUT_TRANSCRIPT,
                {
                    n.INPUT_TRANSCRIPT_ITEM_ID: clean_text(item_id),
                    n.INPUT_TRANSCRIPT_TEXT: clean_text(transcript),
                },
            )

    @never_raises(None)
    def turn_interrupted(self, response_id: str, *, played_ms: int | None = None) -> None:
        if self._ended:
            return
        event: dict[str, AttributeValue] = {n.GEN_AI_RESPONSE_ID: clean_text(response_id)}
        if played_ms is not None:
            event[n.TURN_PLAYED_MS] = played_ms
        turn = self._turns.get(response_id)
        if turn is not None:
            turn.interrupted = True
            if played_ms is not None:
                turn.span.set_attribute(n.TURN_PLAYED_MS, played_ms)
            turn.span.add_event(n.EVENT_INTERRUPTION, event)
            self._instruments.interruptions.add(1, turn.metrics.base)
            return
        # The turn ended already (audio outruns playback): an ended span takes no more events.
        if self._session_span is not None:
            self._session_span.add_event(n.EVENT_INTERRUPTION, event)
        ended = self._ended_turns.get(response_id)
        self._instruments.interruptions.add(
            1, self._metric_attributes if ended is None else ended.metrics.base
        )

    @never_raises(None)
    def turn_ended(self, response: ResponseInfo) -> None:
        if self._ended:
            return
        if response.id not in self._turns:
            self.turn_started(response.id, agent_name=self._agent)
        turn = self._turns.pop(response.id)
        span = turn.span
        usage = response.usage
        if usage is not None:
            if self._session_recording:
                self._usage.add(usage)
            tokens, by_kind = self._instruments.tokens, turn.metrics.tokens
            for kind, count in tokens_by_kind(usage):
                if count:
                    tokens.add(count, by_kind[kind])
        self._ended_turns[response.id] = turn  # first: still a parent, whatever fails below
        try:
            if span.is_recording():  # else (no SDK, or sampled out) attributes would be dropped
                self._describe_end(span, response, turn.interrupted)
            self._instruments.turn_duration.record(
                self._clock() - turn.reference, turn.metrics.status(response.status)
            )
        finally:
            span.end()
        if len(self._ended_turns) > REMEMBERED_TURNS:
            self._ended_turns.popitem(last=False)

    def _describe_end(self, span: Span, response: ResponseInfo, interrupted: bool) -> None:
        span.set_attribute(n.TURN_STATUS, clean_text(response.status))
        details = response.status_details
        if details is not None and details.reason is not None:
            span.set_attribute(n.TURN_STATUS_REASON, clean_text(details.reason))
        span.set_attribute(n.TURN_INTERRUPTED, interrupted)
        if response.usage is not None:
            span.set_attributes(self._usage_attributes(response.usage))
        if self._include:
            transcript = transcript_of(response)
            if transcript:
                span.set_attribute(n.TURN_TRANSCRIPT, clean_text(transcript))
        if response.status == "failed":
            error = details.error if details is not None else None
            span.set_attribute(
                n.ERROR_TYPE,
                clean_text(error.code or error.type) if error is not None else "response_failed",
            )
            message = error.message if error is not None else "the response failed"
            span.set_status(Status(StatusCode.ERROR, clean_text(message)))

    # -----------------------------------------------------------------------------------------
    # Tools, handoffs, guardrails

    @never_raises(DISABLED_TOOL)
    def tool_started(
        self,
        *,
        name: str,
        call_id: str,
        arguments: str,
        agent_name: str | None = None,
        response_id: str | None = None,
    ) -> ToolSpan:
        if self._ended:
            return DISABLED_TOOL
        name = clean_text(name)
        text = arguments if isinstance(arguments, str) else clean_text(arguments)
        attributes: dict[str, AttributeValue] = {
            n.GEN_AI_OPERATION_NAME: n.OPERATION_EXECUTE_TOOL,
            n.GEN_AI_TOOL_NAME: name,
            n.GEN_AI_TOOL_CALL_ID: clean_text(call_id),
            n.GEN_AI_TOOL_TYPE: "function",
            n.TOOL_ARGUMENTS_SIZE: utf8_size(text),
        }
        if agent_name is not None:
            attributes[n.GEN_AI_AGENT_NAME] = clean_text(agent_name)
        if self._include:
            attributes[n.GEN_AI_TOOL_CALL_ARGUMENTS] = clean_text(text)
        span = self._child_span(n.SPAN_TOOL, response_id, attributes)
        return LiveToolSpan(span, self._recorder, name)

    @never_raises(DISABLED_HANDOFF)
    def handoff_started(
        self,
        *,
        from_agent: str,
        to_agent: str,
        call_id: str | None = None,
        response_id: str | None = None,
    ) -> HandoffSpan:
        if self._ended:
            return DISABLED_HANDOFF
        to_agent = clean_text(to_agent)
        attributes: dict[str, AttributeValue] = {
            n.HANDOFF_FROM_AGENT: clean_text(from_agent),
            n.HANDOFF_TO_AGENT: to_agent,
        }
        if call_id is not None:
            attributes[n.GEN_AI_TOOL_CALL_ID] = clean_text(call_id)
        span = self._child_span(n.SPAN_HANDOFF, response_id, attributes)
        return LiveHandoffSpan(span, self._recorder, to_agent)

    @never_raises(DISABLED_GUARDRAIL)
    def guardrail_started(
        self, *, name: str, kind: GuardrailKind, text: str, response_id: str | None = None
    ) -> GuardrailSpan:
        if self._ended:
            return DISABLED_GUARDRAIL
        text = text if isinstance(text, str) else clean_text(text)
        attributes: dict[str, AttributeValue] = {
            n.GUARDRAIL_NAME: clean_text(name),
            n.GUARDRAIL_KIND: clean_text(kind),
            n.GUARDRAIL_TEXT_LENGTH: len(text),
        }
        if self._include:
            attributes[n.GUARDRAIL_TEXT] = clean_text(text)
        span = self._child_span(n.SPAN_GUARDRAIL, response_id, attributes)
        return LiveGuardrailSpan(span, self._recorder)

    # -----------------------------------------------------------------------------------------
    # Internals

    def _child_span(
        self, name: str, response_id: str | None, attributes: dict[str, AttributeValue]
    ) -> Span:
        return self._tracer.start_span(
            name,
            context=self._parent_context(response_id),
            kind=SpanKind.INTERNAL,
            attributes=attributes,
        )

    def _parent_context(self, response_id: str | None) -> Context | None:
        if response_id is not None:
            turn = self._turns.get(response_id)
            if turn is not None:
                return trace.set_span_in_context(turn.span)
            ended = self._ended_turns.get(response_id)
            if ended is not None:
                return trace.set_span_in_context(ended.span)
        if self._turns:
            return trace.set_span_in_context(next(reversed(self._turns.values())).span)
        return self._session_context

    def _latest_open_span(self) -> Span | None:
        if self._turns:
            return next(reversed(self._turns.values())).span
        return self._session_span

    def _usage_attributes(self, usage: Usage) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {
            name: getattr(usage, field) for name, field in USAGE_ATTRIBUTES
        }
        if usage.session_seconds:  # GPT-Live: billed by time
            attributes[n.USAGE_SESSION_SECONDS] = usage.session_seconds
            attributes[n.USAGE_SESSION_PAUSED_SECONDS] = usage.session_paused_seconds
        if self._prices is not None:
            attributes[n.USAGE_ESTIMATED_COST_USD] = round(
                self._prices.estimate_cost(usage).total_usd, 6
            )
        return attributes
