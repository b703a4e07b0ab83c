"""OpenTelemetry spans and metrics of a session, through ``opentelemetry-api`` only.

A session makes one :class:`SessionTelemetry` with :func:`session_telemetry` and reports to it
at fixed moments. Spans::

    realtime.session                      the whole session
    ├── realtime.connect                  connecting until the configuration is confirmed
    └── realtime.turn                     one per response (response.created -> response.done)
        ├── realtime.tool                 a function call, also when it ends after the turn
        ├── realtime.handoff              the model asked for another agent
        └── realtime.guardrail            one guardrail check

Metrics: ``rtvoice.turn.time_to_first_audio``, ``rtvoice.turn.duration`` (turn latency),
``rtvoice.tool.duration`` (histograms, seconds), ``rtvoice.turn.interruptions`` and
``rtvoice.usage.tokens`` by ``rtvoice.token.kind`` (counters). ``docs/tracing.md`` tables every
span, attribute and metric.

Where the session calls what (``t`` is the session's telemetry, ``span`` / ``h`` / ``g`` the
handles it returns). The moments of the conversation come from the session's state, once per
step, as it decides them (a response created while a ``response.create`` of the session was
on its way answers that request; otherwise the server's turn detection made it):

* ``RealtimeSession.__init__``: ``t = session_telemetry(settings, clock=self._clock)``.
* ``__aenter__``, before connecting: ``t.session_started(model=settings.model.model_name,
  provider_name=gen_ai_provider_name(provider), agent_name=agent.name,
  server_tracing=settings.model.tracing, url=request.url or None)``.
* ``__aenter__``, around connecting and ``_configure`` (until ``session.updated``):
  ``with t.connect(): ...``.
* Model event ``SessionCreated``: ``t.session_created(event.session_id)``.
* Model event ``ResponseCreated``: ``t.turn_started(event.response.id,
  agent_name=state.agent.name, requested_at=...)``, ``requested_at`` being when the session
  sent that ``response.create`` (or when ``speech_stopped`` arrived, for a VAD response).
* The first ``AudioDelta`` of an audio part (where the audio ledger opens a new part):
  ``t.first_audio(event.response_id)``. Never per delta.
* The first ``AudioTranscriptDelta`` / ``TextDelta`` of each response:
  ``t.first_transcript(event.response_id)``.
* ``InputTranscriptionCompleted``: ``t.input_transcribed(event.item_id, event.transcript)``.
* Every ``audio_interrupted`` event the session emits:
  ``t.turn_interrupted(event.response_id, played_ms=event.played_ms)``.
* Model event ``ResponseDone``: ``t.turn_ended(event.response)``.
* A function call to a tool is complete: ``span = t.tool_started(name=call.name,
  call_id=call.call_id, arguments=call.arguments, agent_name=call.agent_name,
  response_id=...)``; in the task that handles it, ``with span.activate():`` around the
  approval and middleware chains; ``span.approval_requested()`` before the approval chain and
  ``span.approval_decided(decision)`` after it; ``span.end(result.output,
  error=result.error)`` once the result is known, or ``span.end(cancelled=True)`` when the
  call is cancelled.
* A function call to a handoff is complete: ``h = t.handoff_started(from_agent=...,
  to_agent=..., call_id=..., response_id=...)``, ``with h.activate():`` around the handoff
  chain; once the new agent is in place, ``h.end(to_agent=new.name)`` (or ``h.end(error=exc)``).
* The current agent changes (a handoff, or ``update_agent``): ``t.agent_changed(agent.name)``.
* A guardrail check starts, before its middleware chain: ``g = t.guardrail_started(
  name=guardrail.name, kind=guardrail.kind, text=text, response_id=...)``; with its result,
  ``g.end(tripped=result.tripwire_triggered, error=result.error)`` (or ``g.end(cancelled=True)``).
* ``close()``, or the reader ended: ``t.session_ended(failure)`` (``None`` for a clean end).

The audio hot path (every ``AudioDelta`` after the first of its part) calls nothing. Parents
are explicit (:class:`SessionTelemetry` says how), so a tool that finishes after its turn, in
another task, is still that turn's child. Nothing here ever records audio bytes or headers;
transcripts, tool arguments and results and guardrail text only with
``tracing.include_transcripts``.
"""

from __future__ import annotations

from ._tracing._contract import REMEMBERED_TURNS, DisabledSessionTelemetry, SessionTelemetry
from ._tracing._handles import GuardrailSpan, HandoffSpan, ToolOutcome, ToolSpan
from ._tracing._session import (
    OpenTelemetrySessionTelemetry,
    gen_ai_provider_name,
    session_telemetry,
)

__all__ = [
    "DisabledSessionTelemetry",
    "GuardrailSpan",
    "HandoffSpan",
    "OpenTelemetrySessionTelemetry",
    "REMEMBERED_TURNS",
    "SessionTelemetry",
    "ToolOutcome",
    "ToolSpan",
    "gen_ai_provider_name",
    "session_telemetry",
]
