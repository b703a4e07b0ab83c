"""The runner: one configuration, many sessions.

``RealtimeRunner(starting_agent, config=...)`` validates the configuration once; each
``await runner.run()`` builds a new, unconnected :class:`~rtvoice.RealtimeSession` with its own
model connection, so one runner serves any number of concurrent sessions.

Where a session connects, first match wins:

1. ``run(model_config={"url": ...})``: that URL, with ``model_config["headers"]`` if given
   (then no ``Authorization`` header is added), else a bearer ``api_key``, else the
   provider's headers.
2. ``run(model_config={"call_id": ...})``: the provider's call-attach URL.
3. The starting agent's ``provider``, else the runner's ``provider``.
4. ``OPENAI_API_KEY`` (or ``model_config["api_key"]``): OpenAI.
5. The runner's own ``model`` connector (e.g. a ``ScriptedModel``), called with an empty URL.
6. The built-in simulator, one per session, when the ``RTVOICE_SIMULATOR`` environment
   variable is ``1`` (or ``true``, ``yes``, ``on``).

The model name picks the protocol: a ``gpt-live-*`` model speaks GPT-Live (the provider's
``/live/sessions`` URL, and the ``model_settings.live`` settings in the request's
:attr:`~rtvoice.model.ConnectRequest.live`), any other the Realtime protocol. ``run()``
refuses, with a :class:`~rtvoice.UserError` naming the key and what to do instead, the model
settings a GPT-Live session cannot honour (see :mod:`rtvoice._config._live_checks`), ``live``
settings with a Realtime model, a GPT-Live session attached to a call (``call_id``) or given a
``playback_tracker`` (it has no truncate), and a
GPT-Live session whose agents have tools for the built-in client-delegation backend when the
``openai`` package it needs is missing.

Otherwise ``run()`` raises a :class:`~rtvoice.UserError` naming ``OPENAI_API_KEY``: a
service with a missing secret fails closed instead of answering real callers with a
simulated model. The simulator is always an explicit choice: that variable,
``provider=SimulatorProvider()``, ``provider=Simulator().provider()``, ``rtvoice demo``, or
the ``realtime_simulator`` test fixture.

Importing this module loads the configuration, not the connection; constructing a runner
loads what its sessions need (the session machinery, the OpenAI model with websockets and the
codec, tracing), so the first session of a process starts as quickly as the next.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypedDict

from typing_extensions import NotRequired, TypeVar

from ._config._live_checks import live_settings
from ._config._model import TransportConfig, normalize_transport_config
from .agent import RealtimeAgent
from .audio import PlaybackTracker
from .config import (
    RealtimeRunConfig,
    RealtimeSessionModelSettings,
    RunSettings,
    normalize_run_config,
)
from .errors import UserError
from .model._base import ConnectRequest
from .providers import ApiKey, OpenAIProvider, RealtimeProvider, is_live_model, resolve_api_key

if TYPE_CHECKING:
    from .middleware import Middleware
    from .model import ModelConnector
    from .model._live_settings import LiveSettings
    from .session import RealtimeSession

__all__ = ["RealtimeModelConfig", "RealtimeRunner"]

logger = logging.getLogger("rtvoice")

SIMULATOR_SWITCH = "RTVOICE_SIMULATOR"
"""The environment variable that sends sessions with nowhere else to go to the simulator."""

_TRUE = frozenset({"1", "true", "yes", "on"})

TContext = TypeVar("TContext", default=Any)
"""The run context's type; ``Any`` when not given, so an agent or runner built without one
needs no annotation."""


class RealtimeModelConfig(TypedDict, total=False):
    """Per-session connection overrides for :meth:`RealtimeRunner.run`."""

    url: NotRequired[str]
    """Connect here instead of the provider's URL."""
    headers: NotRequired[Mapping[str, str]]
    """Use exactly these upgrade headers (no ``Authorization`` is added)."""
    api_key: NotRequired[ApiKey]
    """A key for this session (sent as ``Authorization: Bearer``), or a sync or async function
    returning one, called once by ``run()``."""
    initial_model_settings: NotRequired[RealtimeSessionModelSettings]
    """Model settings for this session only, over the run config's ``model_settings`` (a key
    given here replaces that key there). openai-agents' name; the same keys."""
    call_id: NotRequired[str]
    """Attach to an existing WebRTC or SIP call instead of starting a conversation."""
    playback_tracker: NotRequired[PlaybackTracker]
    """Reports what the application actually played, for exact truncation."""
    transport: NotRequired[TransportConfig]
    """The socket's timeouts and limits (``open_timeout``, ``close_timeout``,
    ``ping_interval``, ``ping_timeout``, ``max_size``, ...; see docs/transport.md)."""
    preconfigured: NotRequired[bool]
    """The server session already has this run's configuration for the agent (a SIP
    accept carried it): entering sends no ``session.update`` and waits for no
    confirmation, which saves a round trip before the first audio."""


_MODEL_CONFIG_KEYS = frozenset(RealtimeModelConfig.__annotations__)


class RealtimeRunner(Generic[TContext]):
    """Starts sessions of a starting agent with one configuration.

    Args:
        starting_agent: The agent that speaks first in every session.
        config: The run configuration (see :mod:`rtvoice.config`), validated here.
        provider: Where sessions connect, unless the agent or ``run`` says otherwise.
        model: Opens each session's model connection (default:
            :meth:`rtvoice.model.OpenAIRealtimeModel.connect`); pass
            ``rtvoice.testing.ScriptedModel`` in unit tests.
        middleware: Middleware for tool calls, approvals, handoffs and guardrails, outermost
            first; they run inside (after) any given in ``config["middleware"]``.

    Raises:
        UserError: The configuration is invalid (the message names the key).
    """

    def __init__(
        self,
        starting_agent: RealtimeAgent[TContext],
        *,
        config: RealtimeRunConfig | None = None,
        provider: RealtimeProvider | None = None,
        model: ModelConnector | None = None,
        middleware: Sequence[Middleware] = (),
    ) -> None:
        if not isinstance(starting_agent, RealtimeAgent):
            raise UserError("RealtimeRunner needs a RealtimeAgent as starting_agent")
        if provider is not None and not isinstance(provider, RealtimeProvider):
            raise UserError("RealtimeRunner: provider must be a RealtimeProvider")
        self.starting_agent = starting_agent
        self._config: RealtimeRunConfig = config or {}
        settings = normalize_run_config(config)
        if middleware:
            if isinstance(middleware, (str, bytes)) or not isinstance(middleware, Sequence):
                raise UserError("RealtimeRunner: middleware must be a list of Middleware")
            settings = replace(settings, middleware=(*settings.middleware, *middleware))
        self.settings: RunSettings = settings
        self.provider = provider
        self._model = model
        # What every session needs, loaded now rather than by the first session of the
        # process (a call would wait for it there): the session machinery, tracing, and the
        # modules of the connectors the sessions will use.
        from .session import RealtimeSession
        from .tracing import gen_ai_provider_name

        _load_async_backend()
        self._warned_simulator = False
        self._session_type = RealtimeSession
        self._provider_name = gen_ai_provider_name
        if model is None:
            for known in (starting_agent.provider, provider, _DEFAULT_PROTOCOL):
                if known is not None:
                    known.model_connector()
            if is_live_model(settings.model.model_name):
                _load_live_model()

    async def run(
        self,
        context: TContext | None = None,
        model_config: RealtimeModelConfig | None = None,
        *,
        resume: Mapping[str, Any] | None = None,
        agent: RealtimeAgent[Any] | None = None,
    ) -> RealtimeSession:
        """A new session, not yet connected: enter it with ``async with session:``.

        Args:
            context: Your run context, handed to instructions functions, tools and guardrails.
            model_config: Per-session connection overrides.
            resume: A ``session.snapshot()`` to carry on from (in this process or another):
                the session starts with the agent it names (the starting agent or one reached
                through handoffs), its history and usage, and seeds the new server session
                with the history once entered.
            agent: Start with this agent instead of the starting agent (a SIP call accepted
                for another agent, say).

        Raises:
            UserError: ``model_config`` has an unknown key (or an unknown or invalid
                ``transport`` option), no URL can be built, ``resume`` is not a snapshot
                or names an agent this runner cannot reach, or the session's model settings
                do not suit its protocol (GPT-Live's refusals, see the module docstring).
        """
        overrides: Mapping[str, Any] = model_config or {}
        unknown = set(overrides) - _MODEL_CONFIG_KEYS
        if unknown:
            raise UserError(
                f"Unknown model_config key {sorted(unknown)[0]!r}; valid keys: "
                + ", ".join(sorted(_MODEL_CONFIG_KEYS))
            )
        settings = self.settings
        if "initial_model_settings" in overrides:
            settings = self._with_model_settings(overrides["initial_model_settings"])
        if "api_key" in overrides and not isinstance(overrides["api_key"], str):
            key = await resolve_api_key(overrides["api_key"], "model_config['api_key']")
            overrides = {**overrides, "api_key": key}
        live = live_settings(settings.model)
        if live is not None and overrides.get("call_id"):
            raise UserError(
                "model_config['call_id'] attaches to a Realtime call; rtvoice cannot attach a "
                f"GPT-Live session ({settings.model.model_name!r}) to a call yet: leave "
                "call_id out, or use a Realtime model"
            )
        if live is not None and overrides.get("playback_tracker") is not None:
            raise UserError(
                "model_config['playback_tracker'] tells the session what was played so that it "
                "can truncate interrupted speech; GPT-Live has no truncate (it stops by itself "
                "when the user talks over it): leave playback_tracker out"
            )
        request, connector = self._connection(overrides, settings, live)
        if agent is not None and not isinstance(agent, RealtimeAgent):
            raise UserError(f"run(agent=...) needs a RealtimeAgent, not {type(agent).__name__}")
        if agent is None:
            agent = self.starting_agent if resume is None else self._agent_named(resume)
        if live is not None:
            _check_live_backend(live, agent)
        return self._session_type(
            agent=agent,
            settings=settings,
            connector=connector,
            request=request,
            context=context,
            playback_tracker=overrides.get("playback_tracker"),
            event_buffer_size=settings.event_buffer_size,
            resume=resume,
            preconfigured=bool(overrides.get("preconfigured", False)),
        )

    def _agent_named(self, snapshot: Mapping[str, Any]) -> RealtimeAgent[Any]:
        """The agent a snapshot names, among the starting agent and those its handoffs reach."""
        name = snapshot.get("agent") if isinstance(snapshot, Mapping) else None
        seen: dict[int, RealtimeAgent[Any]] = {}
        queue: list[RealtimeAgent[Any]] = [self.starting_agent]
        while queue:
            agent = queue.pop(0)
            if id(agent) in seen:
                continue
            seen[id(agent)] = agent
            if agent.name == name:
                return agent
            for target in agent.resolve_handoffs():
                queue.append(target if isinstance(target, RealtimeAgent) else target.agent)
        names = ", ".join(sorted({agent.name for agent in seen.values()}))
        raise UserError(
            f"the snapshot's agent {name!r} is not one this runner reaches (agents: {names})"
        )

    def _with_model_settings(self, initial: RealtimeSessionModelSettings) -> RunSettings:
        """The run settings with ``initial`` over the run config's ``model_settings``."""
        if not isinstance(initial, Mapping):
            raise UserError(
                "model_config['initial_model_settings'] must be a dict of model settings"
            )
        merged = merge_model_settings(self._config.get("model_settings", {}), initial)
        model = normalize_run_config({"model_settings": merged}).model
        return replace(self.settings, model=model)

    def _connection(
        self, overrides: Mapping[str, Any], settings: RunSettings, live: LiveSettings | None
    ) -> tuple[ConnectRequest, ModelConnector]:
        model_name = settings.model.model_name
        options = (
            normalize_transport_config(overrides["transport"]) if "transport" in overrides else None
        )
        provider = self.starting_agent.provider or self.provider
        api_key = overrides.get("api_key")
        if provider is None and (api_key or os.environ.get("OPENAI_API_KEY")):
            provider = OpenAIProvider(api_key=api_key)
        url = overrides.get("url")
        call_id = overrides.get("call_id")
        if url is None and call_id is None and provider is None:
            if self._model is not None:  # e.g. a ScriptedModel: it needs no server at all
                return ConnectRequest(url="", model_name=model_name, live=live), self._model
            provider = self._simulator_or_fail()

        if url is None:
            if provider is None:
                raise UserError("model_config['call_id'] needs a provider (or OPENAI_API_KEY)")
            url = provider.build_call_url(call_id) if call_id else provider.build_url(model_name)
        headers: Mapping[str, str]
        if "headers" in overrides:
            headers = dict(overrides["headers"])
        elif api_key:
            headers = {"Authorization": f"Bearer {api_key}"}
        elif provider is not None:
            headers = provider.build_headers()
        else:
            headers = {}
        request = ConnectRequest(
            url=url,
            headers=headers,
            dialect=provider.dialect if provider is not None else "ga",
            model_name=model_name,
            transport_options=options,
            provider_name=self._provider_name(provider),
            call_id=call_id or None,
            live=live,
        )
        if self._model is not None:
            return request, self._model
        if provider is None:  # a URL of the caller's own: the OpenAI Realtime protocol
            provider = _DEFAULT_PROTOCOL
        return request, provider.model_connector()

    def _simulator_or_fail(self) -> RealtimeProvider:
        """The simulator when the environment asks for it; else fail closed."""
        if os.environ.get(SIMULATOR_SWITCH, "").strip().lower() in _TRUE:
            from .simulator import SimulatorProvider

            if not self._warned_simulator:
                self._warned_simulator = True
                logger.warning(
                    "%s is set: sessions talk to the built-in simulator, not to a real model",
                    SIMULATOR_SWITCH,
                )
            return SimulatorProvider()
        raise UserError(
            "no credentials: set the OPENAI_API_KEY environment variable, or pass "
            "provider=... (OpenAIProvider, AzureOpenAIProvider, your own) to the runner or "
            "the agent, or model_config={'api_key': ...} to run(); to talk to the built-in "
            f"simulator instead, pass provider=SimulatorProvider() or set {SIMULATOR_SWITCH}=1"
        )


_SPELLINGS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("audio", "input", "format"), ("input_audio_format",)),
    (("audio", "output", "format"), ("output_audio_format",)),
    (("audio", "output", "voice"), ("voice",)),
    (("audio", "output", "speed"), ("speed",)),
    (("audio", "input", "transcription"), ("input_audio_transcription",)),
    (("audio", "input", "noise_reduction"), ("input_audio_noise_reduction",)),
    (("audio", "input", "turn_detection"), ("turn_detection",)),
    (("output_modalities",), ("modalities",)),
    (("max_output_tokens",), ("max_response_output_tokens",)),
)
"""The settings that have two spellings (nested GA, flat alias), as key paths."""


def merge_model_settings(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: a setting ``over`` gives, in either of its spellings,
    replaces that setting in ``base`` in both (so a flat ``turn_detection`` wins over a
    nested ``audio.input.turn_detection``); ``audio``, ``audio.input`` and ``audio.output``
    merge key by key; other keys replace."""

    def has(data: Mapping[str, Any], path: tuple[str, ...]) -> bool:
        for key in path[:-1]:
            data = data.get(key)  # type: ignore[assignment]
            if not isinstance(data, Mapping):
                return False
        return path[-1] in data

    def copy(data: Mapping[str, Any], depth: int) -> dict[str, Any]:
        return {
            key: copy(value, depth - 1) if depth and isinstance(value, Mapping) else value
            for key, value in data.items()
        }

    result = copy(base, 2)
    for spellings in _SPELLINGS:
        if any(has(over, path) for path in spellings):
            for path in spellings:
                holder: Any = result
                for key in path[:-1]:
                    holder = holder.get(key) if isinstance(holder, dict) else None
                if isinstance(holder, dict):
                    holder.pop(path[-1], None)

    def overlay(into: dict[str, Any], data: Mapping[str, Any], depth: int) -> None:
        for key, value in data.items():
            if depth and isinstance(value, Mapping) and isinstance(into.get(key), dict):
                overlay(into[key], value, depth - 1)
            else:
                into[key] = copy(value, depth) if isinstance(value, Mapping) else value

    overlay(result, over, 2)
    return result


def _may_delegate(agent: RealtimeAgent[Any]) -> bool:
    """Whether a GPT-Live model talking as ``agent`` has work to delegate: a tool, or a
    handoff (the backend picks the transfer too). Every other agent of the session is
    behind a handoff of this one, so this one decides; a handoffs function is not called."""
    return bool(agent.tools) or callable(agent.handoffs) or bool(agent.handoffs)


def _check_live_backend(live: LiveSettings, agent: RealtimeAgent[Any]) -> None:
    """A GPT-Live session with client delegation and no backend of its own uses the built-in
    one, which needs the ``openai`` package: refuse now, not at the first delegated task,
    if the session's agent has tools or handoffs and the package is missing."""
    if live.delegation != "client" or live.backend is not None:
        return
    if not _may_delegate(agent):
        return  # nothing to delegate to: the backend is never asked
    try:
        found = importlib.util.find_spec("openai") is not None
    except (ImportError, ValueError):  # a broken or half-imported installation
        found = False
    if not found:
        raise UserError(
            "GPT-Live client delegation runs the agents' tools through the built-in Responses "
            "backend, which needs the openai package: pip install 'rtvoice[live]', or pass "
            "your own backend as model_settings['live']['backend']"
        )


def _load_live_model() -> None:
    """Load the GPT-Live model now, as the Realtime one is (see ``RealtimeRunner``); a
    missing one is reported when a session connects."""
    with contextlib.suppress(ImportError):
        importlib.import_module("rtvoice.model.live")


def _load_async_backend() -> None:
    """Have anyio load its event loop backend now; it does on first use otherwise, which would
    be the first session (about 8 ms). Inside a running loop it loads that loop's backend;
    outside one, anyio 4.12 and later can load every backend it has."""
    import anyio

    try:
        anyio.get_cancelled_exc_class()
    except Exception:  # no event loop running (anyio's NoEventLoopError, a RuntimeError)
        load_all = getattr(anyio, "get_available_backends", None)
        if load_all is not None:
            load_all()


class _OpenAIProtocol(RealtimeProvider):
    """The connector for a session given only a URL: the OpenAI Realtime protocol."""

    def build_url(self, model: str) -> str:
        raise AssertionError("never asked: the session has a URL")

    def build_headers(self) -> dict[str, str]:
        return {}


_DEFAULT_PROTOCOL = _OpenAIProtocol()
