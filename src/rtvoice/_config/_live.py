"""``model_settings.live`` -> :class:`LiveOptions`, and back.

GPT-Live (``gpt-live-*`` models, OpenAI's second voice protocol) takes a few settings the
Realtime protocol has no place for: who does the delegated work, the hosted Responses model,
the acknowledgement delay, storage. They are validated here, key by key, when the run config
is normalised; whether the rest of the model settings suit GPT-Live is decided per session
by :mod:`._live_checks`, which also turns these options into the connector's
:class:`~rtvoice.model._live_settings.LiveSettings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from ._checks import (
    child,
    invalid,
    read_bool,
    read_choice,
    read_int,
    read_mapping,
    read_str,
    read_strings,
    reject_unknown_keys,
)
from ._types import LiveConfig, LiveResponsesConfig

__all__ = ["LiveOptions", "live_to_config", "read_live"]

Delegation = Literal["client", "responses", "decisions"]

_DELEGATIONS: Final[dict[str, Delegation]] = {
    "client": "client",
    "responses": "responses",
    "decisions": "decisions",
}
_MAX_TURN_END_MS: Final = 60_000
_RESPONSES_EXPLAINED: Final = {
    "reasoning": "rtvoice does not send the hosted model's reasoning settings yet; leave it out",
    "tools": "the hosted model calls the agent's tools: RealtimeAgent(..., tools=[...])",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveOptions:
    """``model_settings.live``, validated key by key (see
    :class:`~rtvoice.config.LiveConfig` for what each key means).

    ``delegation`` keeps GPT-Live's ``"decisions"`` so that refusing it is the per-session
    check's job, with the other things GPT-Live cannot do; ``None`` fields are left to the
    defaults of :class:`~rtvoice.model._live_settings.LiveSettings` or the server.
    """

    delegation: Delegation = "client"
    responses_model: str | None = None
    responses_instructions: str | None = None
    acknowledgement_delay_ms: int | None = None
    silent_tools: tuple[str, ...] = ()
    store: bool | None = None
    safety_identifier: str | None = None
    turn_end_ms: int | None = None
    backend: object | None = field(default=None, compare=False)
    """Kept as given (checked only to have a ``plan`` method), like middleware."""


def read_live(value: object, path: str) -> LiveOptions:
    """Validate ``model_settings.live``.

    Raises:
        UserError: Not a dict, an unknown key (naming the closest valid one), a value of the
            wrong type or range, ``responses`` without ``delegation: "responses"`` (or that
            delegation without ``responses.model``), or ``silent_tools`` with a delegation
            other than ``"client"``.
    """
    data = read_mapping(value, path, "a dict of GPT-Live settings (LiveConfig)")
    reject_unknown_keys(data, path, LiveConfig.__annotations__)
    delegation = read_choice(
        data.get("delegation", "client"), child(path, "delegation"), _DELEGATIONS
    )
    model, instructions = _read_responses(data, path, delegation)
    silent = _read_silent_tools(data, path, delegation)
    delay = data.get("acknowledgement_delay_ms")
    backend = data.get("backend")
    if backend is not None and not callable(getattr(backend, "plan", None)):
        raise invalid(
            child(path, "backend"), backend, "a client-delegation backend with a plan() method"
        )
    return LiveOptions(
        delegation=delegation,
        responses_model=model,
        responses_instructions=instructions,
        acknowledgement_delay_ms=None
        if delay is None
        else read_int(delay, child(path, "acknowledgement_delay_ms"), low=0),
        silent_tools=silent,
        store=read_bool(data["store"], child(path, "store")) if "store" in data else None,
        safety_identifier=read_str(data["safety_identifier"], child(path, "safety_identifier"))
        if "safety_identifier" in data
        else None,
        turn_end_ms=read_int(
            data["turn_end_ms"], child(path, "turn_end_ms"), low=1, high=_MAX_TURN_END_MS
        )
        if "turn_end_ms" in data
        else None,
        backend=backend,
    )


def _read_responses(
    data: Mapping[str, object], path: str, delegation: Delegation
) -> tuple[str | None, str | None]:
    where = child(path, "responses")
    if "responses" not in data:
        if delegation == "responses":
            raise invalid(
                where,
                None,
                "a dict naming the hosted model, e.g. {'model': 'gpt-5.1'}, "
                "with delegation 'responses'",
            )
        return None, None
    if delegation != "responses":
        raise invalid(
            child(path, "delegation"),
            delegation,
            "'responses' when 'responses' is given (or leave 'responses' out)",
        )
    section = read_mapping(data["responses"], where, "a dict such as {'model': 'gpt-5.1'}")
    reject_unknown_keys(
        section, where, LiveResponsesConfig.__annotations__, explained=_RESPONSES_EXPLAINED
    )
    if "model" not in section:
        raise invalid(where, section, "a dict with the hosted model's 'model'")
    model = read_str(section["model"], child(where, "model"))
    instructions = section.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise invalid(child(where, "instructions"), instructions, "a string")
    return model, instructions


def _read_silent_tools(
    data: Mapping[str, object], path: str, delegation: Delegation
) -> tuple[str, ...]:
    if "silent_tools" not in data:
        return ()
    names = read_strings(
        data["silent_tools"],
        child(path, "silent_tools"),
        "a list of tool names, without repeats",
        each="a tool name",
        unique=True,
    )
    if names and delegation != "client":
        raise invalid(
            child(path, "delegation"),
            delegation,
            "'client' with silent_tools (the hosted model's results are its own to speak)",
        )
    return names


def live_to_config(options: LiveOptions) -> LiveConfig:
    """``options`` as a canonical ``model_settings.live`` dict (``read_live`` of it gives
    ``options`` back)."""
    out: LiveConfig = {}
    if options.delegation != "client":
        out["delegation"] = options.delegation  # type: ignore[typeddict-item]  # "decisions"
    if options.responses_model is not None:
        responses: LiveResponsesConfig = {"model": options.responses_model}
        if options.responses_instructions is not None:
            responses["instructions"] = options.responses_instructions
        out["responses"] = responses
    if options.acknowledgement_delay_ms is not None:
        out["acknowledgement_delay_ms"] = options.acknowledgement_delay_ms
    if options.silent_tools:
        out["silent_tools"] = list(options.silent_tools)
    if options.store is not None:
        out["store"] = options.store
    if options.safety_identifier is not None:
        out["safety_identifier"] = options.safety_identifier
    if options.turn_end_ms is not None:
        out["turn_end_ms"] = options.turn_end_ms
    if options.backend is not None:
        out["backend"] = options.backend
    return out
