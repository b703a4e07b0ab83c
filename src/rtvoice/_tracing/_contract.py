"""The contract between a session and its telemetry, and the implementation that does nothing.

:class:`SessionTelemetry` is what the session calls; :class:`DisabledSessionTelemetry` is the
implementation for ``tracing_disabled``. The OpenTelemetry one is in ``_session``.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Final, Literal, Protocol

from ..model.events import ResponseInfo, Usage
from ..model.session_config import TracingConfig
from ._handles import (
    DISABLED_GUARDRAIL,
    DISABLED_HANDOFF,
    DISABLED_TOOL,
    GuardrailSpan,
    HandoffSpan,
    ToolSpan,
)

if TYPE_CHECKING:
    from ..guardrails import GuardrailKind

__all__ = ["REMEMBERED_TURNS", "DisabledSessionTelemetry", "SessionTelemetry"]

REMEMBERED_TURNS: Final = 32
"""Ended turns whose span stays known as a parent, for tool calls and guardrail checks that
start after their turn ended."""

_NULL_CONNECT: AbstractContextManager[None] = contextlib.nullcontext()


class SessionTelemetry(Protocol):
    """What a session reports to its telemetry, at well-defined moments.

    Every method returns at once and never raises for telemetry's sake. Call them from the
    session's event loop thread (any task); they are not thread-safe. Calls after
    :meth:`session_ended` are ignored (handles returned then are disabled ones).

    Timing uses the clock the telemetry was made with (the session's monotonic clock), read
    at the moment of each call; ``requested_at`` must come from that same clock.

    Parents are explicit, never the ambient context: the session span is a child of the
    context current when :meth:`session_started` is called (a root span if none); connect and
    turn spans are children of the session span; tool, handoff and guardrail spans are
    children of the turn named by ``response_id`` (open, or one of the last
    :data:`REMEMBERED_TURNS` ended), else of the latest turn still open, else of the session.
    """

    def session_started(
        self,
        *,
        model: str,
        provider_name: str,
        agent_name: str,
        server_tracing: Literal["auto"] | TracingConfig | None = None,
        url: str | None = None,
    ) -> None:
        """Open the ``realtime.session`` span. Call once, first.

        Args:
            model: The model name requested (``ModelSettings.model_name``).
            provider_name: ``gen_ai.provider.name``: see :func:`gen_ai_provider_name`.
            agent_name: The starting agent.
            server_tracing: ``ModelSettings.tracing``, OpenAI's server-side tracing as sent in
                ``session.update``; its group id and workflow name are recorded so that both
                traces can be joined.
            url: The WebSocket URL; only its host and port are recorded (never its query).
        """
        ...

    def connect(self) -> AbstractContextManager[None]:
        """The ``realtime.connect`` span, as a ``with`` block around connecting and waiting
        for the configuration to be confirmed. An exception escaping it marks it ERROR (and
        propagates)."""
        ...

    def session_created(self, session_id: str | None) -> None:
        """The server's ``session.created``: records its id (``gen_ai.conversation.id``)."""
        ...

    def agent_changed(self, agent_name: str) -> None:
        """The current agent is now ``agent_name`` (after a handoff or ``update_agent``)."""
        ...

    def turn_started(
        self, response_id: str, *, agent_name: str, requested_at: float | None = None
    ) -> None:
        """Open the ``realtime.turn`` span of a response (``response.created``).

        Args:
            response_id: The response's id.
            agent_name: The agent speaking in it.
            requested_at: When the response was asked for (the session clock): when the
                session sent ``response.create``, or when ``speech_stopped`` arrived for a
                response the server's VAD creates. The span starts then, and the time to
                first audio and the turn latency count from it. ``None``: from now.
        """
        ...

    def first_audio(self, response_id: str) -> None:
        """The first audio delta of a response arrived. Repeats are ignored, but call it once
        per audio part at most (never per delta): the audio hot path calls nothing."""
        ...

    def first_transcript(self, response_id: str) -> None:
        """The first transcript (or text) delta of a response arrived. Repeats are ignored."""
        ...

    def input_transcribed(self, item_id: str, transcript: str) -> None:
        """The user's final transcription of an item. Recorded (a span event on the open turn,
        else on the session) only with ``include_transcripts``."""
        ...

    def turn_interrupted(self, response_id: str, *, played_ms: int | None = None) -> None:
        """The session told the application to stop playing a response's audio
        (``audio_interrupted``). Counts an interruption; marks the turn interrupted if it is
        still open, else records the interruption as an event of the session span.

        Args:
            response_id: The interrupted response.
            played_ms: How much of the item the user heard.
        """
        ...

    def turn_ended(self, response: ResponseInfo) -> None:
        """Close a response's turn span (``response.done``): status, reason, usage, and ERROR
        for a failed response. A response whose start was not seen gets a turn span now."""
        ...

    def session_time_billed(self, usage: Usage) -> None:
        """The server billed more session time (GPT-Live): ``usage`` holds the seconds since
        its previous report; the session span's usage and cost estimate include them."""
        ...

    def tool_started(
        self,
        *,
        name: str,
        call_id: str,
        arguments: str,
        agent_name: str | None = None,
        response_id: str | None = None,
    ) -> ToolSpan:
        """Open a ``realtime.tool`` span for a function call about to be handled.

        Args:
            name: The tool's name.
            call_id: The function call's id.
            arguments: The model's JSON arguments; their size is recorded, the text only with
                ``include_transcripts``.
            agent_name: The agent that made the call.
            response_id: The response that made the call (its turn is the parent).

        Returns:
            The handle to end, from any task, whenever the call is done.
        """
        ...

    def handoff_started(
        self,
        *,
        from_agent: str,
        to_agent: str,
        call_id: str | None = None,
        response_id: str | None = None,
    ) -> HandoffSpan:
        """Open a ``realtime.handoff`` span when the model asks for a handoff.

        Args:
            from_agent: The current agent.
            to_agent: The agent the handoff names.
            call_id: The handoff function call's id.
            response_id: The response that made the call (its turn is the parent).

        Returns:
            The handle to end once the new agent is in place.
        """
        ...

    def guardrail_started(
        self, *, name: str, kind: GuardrailKind, text: str, response_id: str | None = None
    ) -> GuardrailSpan:
        """Open a ``realtime.guardrail`` span for one guardrail check.

        Args:
            name: The guardrail's name.
            kind: ``input`` or ``output``.
            text: The text checked; its length is recorded, the text only with
                ``include_transcripts``.
            response_id: For an output guardrail, the response whose transcript is checked;
                for an input guardrail, the response answering the input, if known.

        Returns:
            The handle to end with the result.
        """
        ...

    def session_ended(self, error: BaseException | None = None) -> None:
        """Close everything: turns, tools, handoffs and guardrails still open are ended as
        cancelled (``rtvoice.cancelled``), then the session span, with the session's usage
        totals. Idempotent; the first call wins.

        Args:
            error: Why the session ended, if it failed (the session span is marked ERROR).
        """
        ...


class DisabledSessionTelemetry:
    """:class:`SessionTelemetry` that does nothing (``tracing_disabled``): every method returns
    at once, no span or metric object is ever made, and the handles are shared no-ops."""

    __slots__ = ()

    def session_started(
        self,
        *,
        model: str,
        provider_name: str,
        agent_name: str,
        server_tracing: Literal["auto"] | TracingConfig | None = None,
        url: str | None = None,
    ) -> None:
        return

    def connect(self) -> AbstractContextManager[None]:
        return _NULL_CONNECT

    def session_created(self, session_id: str | None) -> None:
        return

    def agent_changed(self, agent_name: str) -> None:
        return

    def session_ended(self, error: BaseException | None = None) -> None:
        return

    def turn_started(
        self, response_id: str, *, agent_name: str, requested_at: float | None = None
    ) -> None:
        return

    def first_audio(self, response_id: str) -> None:
        return

    def first_transcript(self, response_id: str) -> None:
        return

    def input_transcribed(self, item_id: str, transcript: str) -> None:
        return

    def turn_interrupted(self, response_id: str, *, played_ms: int | None = None) -> None:
        return

    def turn_ended(self, response: ResponseInfo) -> None:
        return

    def session_time_billed(self, usage: Usage) -> None:
        return

    def tool_started(
        self,
        *,
        name: str,
        call_id: str,
        arguments: str,
        agent_name: str | None = None,
        response_id: str | None = None,
    ) -> ToolSpan:
        return DISABLED_TOOL

    def handoff_started(
        self,
        *,
        from_agent: str,
        to_agent: str,
        call_id: str | None = None,
        response_id: str | None = None,
    ) -> HandoffSpan:
        return DISABLED_HANDOFF

    def guardrail_started(
        self, *, name: str, kind: GuardrailKind, text: str, response_id: str | None = None
    ) -> GuardrailSpan:
        return DISABLED_GUARDRAIL
