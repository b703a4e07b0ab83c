"""What one step of the conversation state machine asks the session to do: :class:`Effects`."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...model.commands import ModelCommand
from ...model.events import ErrorInfo
from ..events import RealtimeSessionEvent
from ..history import ToolCallItem
from ._guardrail_watch import InputCheck, OutputCheck
from ._notes import Note
from ._waits import Timer

__all__ = ["Effects"]


@dataclass(slots=True)
class Effects:
    """What one step of the state machine asks the session to do, in order.

    Attributes:
        events: Public events to emit to the application.
        commands: Model commands to send.
        fatal: A fatal server error: emit ``events``, then end iteration with
            ``ProviderError``.
        function_calls: Tool calls that just completed: run each, then hand its output to
            ``ConversationState.tool_output`` (or ``ConversationState.handoff``).
        calls_response: The response that made ``function_calls``, when known: the parent
            of their spans.
        output_checks: Assistant texts due for the output guardrails.
        input_checks: User inputs due for the input guardrails.
        notes: What the telemetry needs to know of the step, in order (usually nothing):
            hand them to it once the step's events and commands are queued and its work
            launched.
        timers: Waits to bound (usually none): arm each once the step's commands are
            queued; when one fires, step ``ConversationState.wait_expired``.
    """

    events: list[RealtimeSessionEvent] = field(default_factory=list)
    commands: list[ModelCommand] = field(default_factory=list)
    fatal: ErrorInfo | None = None
    function_calls: list[ToolCallItem] = field(default_factory=list)
    calls_response: str | None = None
    output_checks: list[OutputCheck] = field(default_factory=list)
    input_checks: list[InputCheck] = field(default_factory=list)
    notes: tuple[Note, ...] = ()
    timers: tuple[Timer, ...] = ()

    def add(self, other: Effects) -> Effects:
        """Append ``other``'s effects after these (its ``fatal`` and ``calls_response``, if
        set, win); return self."""
        self.events += other.events
        self.commands += other.commands
        self.function_calls += other.function_calls
        self.output_checks += other.output_checks
        self.input_checks += other.input_checks
        self.notes += other.notes
        self.timers += other.timers
        self.fatal = other.fatal or self.fatal
        self.calls_response = other.calls_response or self.calls_response
        return self

    @property
    def work(self) -> bool:
        """Whether there are tool calls or guardrail checks to launch."""
        return bool(self.function_calls or self.output_checks or self.input_checks)
