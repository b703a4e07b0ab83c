"""Handles for spans that start and end at different moments: tools, handoffs, guardrails.

Each kind is a :class:`~typing.Protocol` with two implementations: a live one over an
OpenTelemetry span, and a disabled one (a shared instance whose methods return at once). A
live handle may be ended from any task of the session's event loop, also after its turn
ended: its parent was fixed when it started. Ending twice is harmless; the first end wins.
No method of a live handle raises: a tracing failure is logged once (see ``_safe``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from . import _names as n
from ._metrics import Instruments
from ._safe import (
    FailureLog,
    clean_text,
    error_text,
    exception_attributes,
    never_raises,
    utf8_size,
)

if TYPE_CHECKING:
    from ..middleware import ApprovalDecision

__all__ = [
    "DISABLED_GUARDRAIL",
    "DISABLED_HANDOFF",
    "DISABLED_TOOL",
    "GuardrailSpan",
    "HandoffSpan",
    "LiveGuardrailSpan",
    "LiveHandoffSpan",
    "LiveToolSpan",
    "Recorder",
    "ToolOutcome",
    "ToolSpan",
    "mark_error",
]

ToolOutcome: TypeAlias = Literal["success", "error", "rejected", "cancelled"]
"""How a tool call ended: it ran and returned (``success``) or failed (``error``: it raised,
timed out or got invalid arguments), the approver said no (``rejected``: it did not run), or
it was cut short (``cancelled``: the session closed, or the call was cancelled)."""

_NULL_CONTEXT: AbstractContextManager[object] = contextlib.nullcontext()


def mark_error(span: Span, error: BaseException) -> None:
    """Mark ``span`` failed with ``error``: ERROR status, ``error.type``, an exception event.

    The status says ``"<type>: <message>"`` cleaned (see :func:`~._safe.error_text`); the
    status and ``error.type`` are set first, so an exception that cannot be recorded (its
    ``str()`` raises inside the SDK) still leaves the span marked.
    """
    span.set_attribute(n.ERROR_TYPE, type(error).__qualname__)
    span.set_status(Status(StatusCode.ERROR, error_text(error)))
    span.record_exception(error, attributes=exception_attributes(error))


class Recorder:
    """What every live handle of one session shares: the clock, the instruments, the metric
    attributes, the content opt-in, and the set of handles still open."""

    __slots__ = (
        "clock",
        "failures",
        "include_content",
        "instruments",
        "metric_attributes",
        "open",
    )

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        instruments: Instruments,
        metric_attributes: dict[str, AttributeValue],
        include_content: bool,
    ) -> None:
        self.clock = clock
        self.instruments = instruments
        self.metric_attributes = metric_attributes
        self.include_content = include_content
        self.open: set[_LiveHandle] = set()
        self.failures = FailureLog()
        """Where the session's telemetry logs its own failures (once at WARNING)."""


class _LiveHandle:
    __slots__ = ("_ended", "_failures", "_recorder", "_span")

    def __init__(self, span: Span, recorder: Recorder) -> None:
        self._span = span
        self._recorder = recorder
        self._failures = recorder.failures
        self._ended = False
        recorder.open.add(self)

    @never_raises(_NULL_CONTEXT)
    def activate(self) -> AbstractContextManager[object]:
        return trace.use_span(
            self._span, end_on_exit=False, record_exception=False, set_status_on_exception=False
        )

    def _finish(self) -> bool:
        """Claim the end; ``False`` if it was ended already."""
        if self._ended:
            return False
        self._ended = True
        self._recorder.open.discard(self)
        return True

    @never_raises(None)
    def cancel(self) -> None:
        """End the span as cut short (the session is ending with it still open)."""
        if self._finish():
            self._span.set_attribute(n.CANCELLED, True)
            self._span.end()


# ---------------------------------------------------------------------------------------------
# Tools


class ToolSpan(Protocol):
    """A ``realtime.tool`` span, from the moment the call is known to its output.

    Call order: optionally :meth:`approval_requested` then :meth:`approval_decided` (when the
    tool needs approval), then :meth:`end` exactly once. Any task of the session's event loop
    may call them, also after the turn ended.
    """

    def activate(self) -> AbstractContextManager[object]:
        """Make this span current in the calling task for the ``with`` block, so that spans
        the tool or a middleware opens are its children. Use it around the middleware chain,
        in the task that runs the call."""
        ...

    def approval_requested(self) -> None:
        """The call now waits for an approval decision (the approval chain starts)."""
        ...

    def approval_decided(self, decision: ApprovalDecision) -> None:
        """The decision came: records it, ``always``, and the wait since
        :meth:`approval_requested`."""
        ...

    def end(
        self,
        output: str | None = None,
        *,
        error: BaseException | None = None,
        cancelled: bool = False,
    ) -> None:
        """End the span and record the tool duration (approval wait excluded).

        The outcome is ``cancelled`` if ``cancelled``, else ``rejected`` if the approval was
        refused, else ``error`` if ``error``, else ``success``. Only ``error`` marks the span
        ERROR. Later calls are ignored.

        Args:
            output: What the model was sent (its size is recorded; the text only with
                ``include_transcripts``).
            error: The tool's failure (``ToolResult.error``).
            cancelled: The call was cancelled before it produced an output.
        """
        ...


class LiveToolSpan(_LiveHandle):
    """A live :class:`ToolSpan`."""

    __slots__ = ("_approval_asked_at", "_approval_wait", "_name", "_rejected", "_started_at")

    def __init__(self, span: Span, recorder: Recorder, name: str) -> None:
        super().__init__(span, recorder)
        self._name = name
        self._started_at = recorder.clock()
        self._approval_asked_at: float | None = None
        self._approval_wait = 0.0
        self._rejected = False

    @never_raises(None)
    def approval_requested(self) -> None:
        if not self._ended:
            self._approval_asked_at = self._recorder.clock()

    @never_raises(None)
    def approval_decided(self, decision: ApprovalDecision) -> None:
        if self._ended:
            return
        if self._approval_asked_at is not None:
            self._approval_wait = self._recorder.clock() - self._approval_asked_at
            self._approval_asked_at = None
        self._rejected = not decision.approved
        span = self._span
        span.set_attribute(
            n.TOOL_APPROVAL_DECISION, "approved" if decision.approved else "rejected"
        )
        span.set_attribute(n.TOOL_APPROVAL_ALWAYS, decision.always)
        span.set_attribute(n.TOOL_APPROVAL_WAIT_MS, round(self._approval_wait * 1000, 3))

    @never_raises(None)
    def end(
        self,
        output: str | None = None,
        *,
        error: BaseException | None = None,
        cancelled: bool = False,
    ) -> None:
        if not self._finish():
            return
        span = self._span
        try:
            outcome: ToolOutcome
            if cancelled:
                outcome = "cancelled"
                span.set_attribute(n.CANCELLED, True)
            elif self._rejected:
                outcome = "rejected"
            elif error is not None:
                outcome = "error"
                mark_error(span, error)
            else:
                outcome = "success"
            span.set_attribute(n.TOOL_OUTCOME, outcome)
            if output is not None:
                text = output if isinstance(output, str) else clean_text(output)
                span.set_attribute(n.TOOL_OUTPUT_SIZE, utf8_size(text))
                if self._recorder.include_content:
                    span.set_attribute(n.GEN_AI_TOOL_CALL_RESULT, clean_text(text))
            recorder = self._recorder
            ran = recorder.clock() - self._started_at - self._approval_wait
            recorder.instruments.tool_duration.record(
                max(ran, 0.0),
                {
                    **recorder.metric_attributes,
                    n.GEN_AI_TOOL_NAME: self._name,
                    n.TOOL_OUTCOME: outcome,
                },
            )
        finally:  # whatever failed above, the span is ended
            span.end()

    def cancel(self) -> None:
        self.end(cancelled=True)  # never raises


class _DisabledToolSpan:
    __slots__ = ()

    def activate(self) -> AbstractContextManager[object]:
        return _NULL_CONTEXT

    def approval_requested(self) -> None:
        return

    def approval_decided(self, decision: ApprovalDecision) -> None:
        return

    def end(
        self,
        output: str | None = None,
        *,
        error: BaseException | None = None,
        cancelled: bool = False,
    ) -> None:
        return


DISABLED_TOOL: ToolSpan = _DisabledToolSpan()

# ---------------------------------------------------------------------------------------------
# Handoffs


class HandoffSpan(Protocol):
    """A ``realtime.handoff`` span, around the handoff chain and the agent switch.

    Call :meth:`end` once, when the new agent is in place (or the handoff failed).
    """

    def activate(self) -> AbstractContextManager[object]:
        """Make this span current in the calling task for the ``with`` block (see
        :meth:`ToolSpan.activate`)."""
        ...

    def end(self, *, to_agent: str | None = None, error: BaseException | None = None) -> None:
        """End the span. Later calls are ignored.

        Args:
            to_agent: The agent actually switched to, when a middleware chose another than
                the one requested (``rtvoice.handoff.requested_agent`` then keeps the request).
            error: Why the handoff failed (the span is marked ERROR).
        """
        ...


class LiveHandoffSpan(_LiveHandle):
    """A live :class:`HandoffSpan`."""

    __slots__ = ("_requested",)

    def __init__(self, span: Span, recorder: Recorder, requested: str) -> None:
        super().__init__(span, recorder)
        self._requested = requested

    @never_raises(None)
    def end(self, *, to_agent: str | None = None, error: BaseException | None = None) -> None:
        if not self._finish():
            return
        span = self._span
        try:
            if to_agent is not None and to_agent != self._requested:
                span.set_attribute(n.HANDOFF_TO_AGENT, clean_text(to_agent))
                span.set_attribute(n.HANDOFF_REQUESTED_AGENT, clean_text(self._requested))
            if error is not None:
                mark_error(span, error)
        finally:  # whatever failed above, the span is ended
            span.end()


class _DisabledHandoffSpan:
    __slots__ = ()

    def activate(self) -> AbstractContextManager[object]:
        return _NULL_CONTEXT

    def end(self, *, to_agent: str | None = None, error: BaseException | None = None) -> None:
        return


DISABLED_HANDOFF: HandoffSpan = _DisabledHandoffSpan()

# ---------------------------------------------------------------------------------------------
# Guardrails


class GuardrailSpan(Protocol):
    """A ``realtime.guardrail`` span, around one guardrail check (its middleware chain).

    Call :meth:`end` once, with the result.
    """

    def activate(self) -> AbstractContextManager[object]:
        """Make this span current in the calling task for the ``with`` block (see
        :meth:`ToolSpan.activate`)."""
        ...

    def end(
        self, *, tripped: bool = False, error: BaseException | None = None, cancelled: bool = False
    ) -> None:
        """End the span. Later calls are ignored.

        Args:
            tripped: The tripwire fired (``GuardrailResult.tripwire_triggered``). A trip is
                an outcome, not a failure: the span is not marked ERROR for it.
            error: The check failed (``GuardrailResult.error``, or what the chain raised);
                the span is marked ERROR.
            cancelled: The check was cancelled before it finished.
        """
        ...


class LiveGuardrailSpan(_LiveHandle):
    """A live :class:`GuardrailSpan`."""

    __slots__ = ()

    @never_raises(None)
    def end(
        self, *, tripped: bool = False, error: BaseException | None = None, cancelled: bool = False
    ) -> None:
        if not self._finish():
            return
        span = self._span
        try:
            span.set_attribute(n.GUARDRAIL_TRIPPED, bool(tripped))
            if cancelled:
                span.set_attribute(n.CANCELLED, True)
            if error is not None:
                mark_error(span, error)
        finally:  # whatever failed above, the span is ended
            span.end()


class _DisabledGuardrailSpan:
    __slots__ = ()

    def activate(self) -> AbstractContextManager[object]:
        return _NULL_CONTEXT

    def end(
        self, *, tripped: bool = False, error: BaseException | None = None, cancelled: bool = False
    ) -> None:
        return


DISABLED_GUARDRAIL: GuardrailSpan = _DisabledGuardrailSpan()
