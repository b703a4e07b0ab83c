"""``RealtimeRunConfig`` -> :class:`RunSettings`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Final, TypedDict

from ._checks import (
    child,
    invalid,
    read_bool,
    read_int,
    read_mapping,
    read_number,
    read_objects,
    reject_unknown_keys,
)
from ._continuity import (
    ReconnectSettings,
    RolloverSettings,
    SeedSettings,
    read_history_seed,
    read_reconnect,
    read_rollover,
)
from ._model import ModelSettings, normalize_model_settings
from ._types import (
    GuardrailsSettings,
    OpenTelemetryConfig,
    RealtimeRunConfig,
    SessionTimeoutsConfig,
)

__all__ = [
    "DEFAULT_DEBOUNCE_TEXT_LENGTH",
    "DEFAULT_MAX_CONCURRENT_TOOL_CALLS",
    "DEFAULT_TOOL_TIMEOUT",
    "RunSettings",
    "MAX_TIMEOUT",
    "SessionTimeouts",
    "normalize_run_config",
]

DEFAULT_DEBOUNCE_TEXT_LENGTH: Final = 100
"""Output guardrails run each time this many more characters of transcript arrived."""

# -- Bounds on tool calls ----------------------------------------------------------------------

DEFAULT_MAX_CONCURRENT_TOOL_CALLS: Final = 16
"""Tool calls one session runs at once by default. A response rarely holds more than a few
parallel calls, so 16 never queues a real conversation, and a runaway response (thousands of
calls) costs 16 tasks, not thousands (docs/agents.md, "Limits")."""

DEFAULT_TOOL_TIMEOUT: Final = 60.0
"""Seconds a tool without its own ``timeout`` may run by default: long for a voice turn
(the caller hears nothing meanwhile), short enough that a hung tool does not hold its
concurrency slot and its turn for good."""

_MAX_TOOL_TIMEOUT: Final = 24 * 3600.0


# -------------------------------------------------------------------------------------------
# Session timeouts (``timeouts``): every wait of a session, named, bounded and configurable.

MAX_TIMEOUT: Final = 86_400.0
"""The longest any session timeout may be (a day): a wait must end."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTimeouts:
    """How long a session waits for each thing it waits for, in seconds (``timeouts``).

    Each is a positive number up to :data:`MAX_TIMEOUT`.
    """

    configure: float = 10.0
    """Entering ``async with session`` waits this long for the server's ``session.updated``;
    then it raises ``ConnectTimeoutError``."""
    response_created: float = 15.0
    """A ``response.create`` of the session waits this long for ``response.created``; then
    it is given up (``error`` event, code ``response_created_timeout``) and the next
    request may go out."""
    response_idle: float = 60.0
    """A running response waits this long after its latest event (delta, item, part) for
    the next one or its ``response.done``; then it is given up (``response.cancel`` sent,
    ``error`` event with code ``response_done_timeout``, its turn ends)."""
    guardrail_verdicts: float = 10.0
    """``agent_end`` waits this long for the guardrail checks still deciding; then it comes
    anyway (``error`` event, code ``guardrail_verdict_timeout``), and a later trip still acts."""
    close: float = 10.0
    """:meth:`RealtimeSession.close` (and a graceful end) waits this long for the connection
    and the reader to end."""


def _timeouts(data: Mapping[str, object]) -> SessionTimeouts:
    section = _section(data, "timeouts", SessionTimeoutsConfig.__annotations__)
    defaults = SessionTimeouts()
    values = {
        key: read_number(
            section.get(key, getattr(defaults, key)), f"timeouts.{key}", low=0.0, high=MAX_TIMEOUT
        )
        for key in SessionTimeoutsConfig.__annotations__
    }
    for key, value in values.items():
        if value <= 0:
            raise invalid(f"timeouts.{key}", section[key], "a number of seconds above 0")
    return SessionTimeouts(**values)


# -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSettings:
    """A run's configuration, normalised and validated (see :mod:`rtvoice.config`).

    Built by :func:`normalize_run_config`. Guardrails, the tool error formatter and the
    middleware are kept exactly as given (checked only to be objects, or callable); their
    own modules build them into the session.
    """

    model: ModelSettings = field(default_factory=ModelSettings)
    """The model settings (``model_settings``)."""
    output_guardrails: tuple[object, ...] = ()
    """Checks over the assistant's transcript, in order."""
    input_guardrails: tuple[object, ...] = ()
    """Checks over the user's transcribed input, in order."""
    debounce_text_length: int = DEFAULT_DEBOUNCE_TEXT_LENGTH
    """Characters of new transcript between two runs of the output guardrails."""
    async_tool_calls: bool = True
    """Run tool calls in the background, so audio and events keep flowing meanwhile."""
    tool_error_formatter: Callable[..., object] | None = None
    """Turns a tool failure into the text the model sees; ``None``: rtvoice's default."""
    tracer_provider: object | None = None
    """The OpenTelemetry ``TracerProvider``; ``None``: the global one."""
    meter_provider: object | None = None
    """The OpenTelemetry ``MeterProvider``; ``None``: the global one."""
    include_transcripts: bool = False
    """Whether spans carry transcripts and message text (they may hold personal data)."""
    tracing_disabled: bool = False
    """Turn rtvoice's OpenTelemetry spans and metrics off for this run."""
    middleware: tuple[object, ...] = ()
    """The middleware chain, outermost first."""
    reconnect: ReconnectSettings | None = field(default_factory=ReconnectSettings)
    """Reconnecting after an abnormal close; ``None``: off."""
    rollover: RolloverSettings | None = field(default_factory=RolloverSettings)
    """Moving to a fresh connection before the server's time limit; ``None``: off."""
    history_seed: SeedSettings = field(default_factory=SeedSettings)
    """How much history a new connection is seeded with."""
    event_buffer_size: int = 256
    """Events that may wait for the application before the session stops reading the socket."""

    # -- Bounds on tool calls ------------------------------------------------------------------
    max_concurrent_tool_calls: int = DEFAULT_MAX_CONCURRENT_TOOL_CALLS
    """Tool calls of one session that run at once (``async_tool_calls``); later calls wait,
    in arrival order, for a running one to end."""
    tool_timeout: float | None = DEFAULT_TOOL_TIMEOUT
    """Seconds a tool may run when it sets no ``timeout`` of its own; ``None``: no limit."""
    timeouts: SessionTimeouts = field(default_factory=SessionTimeouts)
    """Every wait of a session (``timeouts``)."""


def normalize_run_config(config: RealtimeRunConfig | Mapping[str, object] | None) -> RunSettings:
    """Validate a run config dict and resolve it, defaults filled in, into :class:`RunSettings`.

    Called once, when the runner is built, so that a bad config fails there and not at the
    first connect.

    Args:
        config: The user's :class:`~rtvoice.config.RealtimeRunConfig`; ``None`` or ``{}``
            gives the defaults.

    Raises:
        UserError: An unknown key (naming its full dotted path and the closest valid key), or
            a value of the wrong type or out of range (naming the path, the value and what is
            allowed).
    """
    if config is None:
        return RunSettings()
    data = read_mapping(config, "", "a dict (RealtimeRunConfig) or None")
    reject_unknown_keys(data, "", RealtimeRunConfig.__annotations__)
    defaults = RunSettings()
    guardrails = _section(data, "guardrails_settings", GuardrailsSettings.__annotations__)
    telemetry = _section(data, "tracing", OpenTelemetryConfig.__annotations__)
    formatter = data.get("tool_error_formatter")
    if "tool_error_formatter" in data and not callable(formatter):
        raise invalid("tool_error_formatter", formatter, "a callable")
    return RunSettings(
        model=normalize_model_settings(
            read_mapping(data["model_settings"], "model_settings"), path="model_settings"
        )
        if "model_settings" in data
        else defaults.model,
        output_guardrails=read_objects(
            data.get("output_guardrails", ()), "output_guardrails", what="guardrail"
        ),
        input_guardrails=read_objects(
            data.get("input_guardrails", ()), "input_guardrails", what="guardrail"
        ),
        debounce_text_length=read_int(
            guardrails.get("debounce_text_length", defaults.debounce_text_length),
            "guardrails_settings.debounce_text_length",
            low=1,
        ),
        async_tool_calls=read_bool(
            data.get("async_tool_calls", defaults.async_tool_calls), "async_tool_calls"
        ),
        tool_error_formatter=formatter if callable(formatter) else None,
        tracer_provider=_provider(telemetry, "tracer_provider", "get_tracer"),
        meter_provider=_provider(telemetry, "meter_provider", "get_meter"),
        include_transcripts=read_bool(
            telemetry.get("include_transcripts", defaults.include_transcripts),
            "tracing.include_transcripts",
        ),
        tracing_disabled=read_bool(
            data.get("tracing_disabled", defaults.tracing_disabled), "tracing_disabled"
        ),
        middleware=read_objects(data.get("middleware", ()), "middleware", what="middleware"),
        reconnect=read_reconnect(data["reconnect"]) if "reconnect" in data else defaults.reconnect,
        rollover=read_rollover(data["rollover"]) if "rollover" in data else defaults.rollover,
        history_seed=read_history_seed(data["history_seed"])
        if "history_seed" in data
        else defaults.history_seed,
        event_buffer_size=read_int(
            data.get("event_buffer_size", defaults.event_buffer_size), "event_buffer_size", low=1
        ),
        **_tool_bounds(data),
        timeouts=_timeouts(data),
    )


# -- Bounds on tool calls ----------------------------------------------------------------------


class _ToolBounds(TypedDict):
    max_concurrent_tool_calls: int
    tool_timeout: float | None


def _tool_bounds(data: Mapping[str, object]) -> _ToolBounds:
    timeout = data.get("tool_timeout", DEFAULT_TOOL_TIMEOUT)
    return {
        "max_concurrent_tool_calls": read_int(
            data.get("max_concurrent_tool_calls", DEFAULT_MAX_CONCURRENT_TOOL_CALLS),
            "max_concurrent_tool_calls",
            low=1,
        ),
        "tool_timeout": None
        if timeout is None
        else _positive_seconds(timeout, "tool_timeout", high=_MAX_TOOL_TIMEOUT),
    }


def _positive_seconds(value: object, path: str, *, high: float) -> float:
    expected = f"a number of seconds above 0 and at most {high:g}, or None (no limit)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid(path, value, expected)
    seconds = float(value)
    if not 0 < seconds <= high:  # also refuses NaN
        raise invalid(path, value, expected)
    return seconds


def _section(
    data: Mapping[str, object], key: str, allowed: Collection[str]
) -> Mapping[str, object]:
    if key not in data:
        return {}
    section = read_mapping(data[key], key)
    reject_unknown_keys(section, key, allowed)
    return section


def _provider(telemetry: Mapping[str, object], key: str, method: str) -> object | None:
    # Duck-typed, so that rtvoice does not need opentelemetry-sdk to check it.
    if key not in telemetry:
        return None
    provider = telemetry[key]
    if not callable(getattr(provider, method, None)):
        raise invalid(child("tracing", key), provider, f"an OpenTelemetry provider with {method}()")
    return provider
