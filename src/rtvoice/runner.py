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
5. Otherwise the built-in simulator, started for the session and stopped with it (a warning is
   logged once per runner, so a production service with a missing key notices), unless the
   runner was given its own ``model`` connector, which is then called with an empty URL.

Importing this module loads the configuration, not the connection: the session machinery,
the default OpenAI model (websockets, the codec, pydantic), tracing (OpenTelemetry) and the
simulator are imported by :meth:`RealtimeRunner.run`, the first time a session is made.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

from typing_extensions import NotRequired

from .agent import RealtimeAgent
from .audio import PlaybackTracker
from .config import RealtimeRunConfig, RunSettings, normalize_run_config
from .errors import UserError
from .model._base import ConnectRequest
from .providers import OpenAIProvider, RealtimeProvider

if TYPE_CHECKING:
    from .middleware import Middleware
    from .model import ModelCommand, ModelConnector, ModelEvent
    from .model import RealtimeModel as _RealtimeModel
    from .session import RealtimeSession
    from .simulator import Simulator

__all__ = ["RealtimeModelConfig", "RealtimeRunner"]

logger = logging.getLogger("rtvoice")

TContext = TypeVar("TContext")


class RealtimeModelConfig(TypedDict, total=False):
    """Per-session connection overrides for :meth:`RealtimeRunner.run`."""

    url: NotRequired[str]
    """Connect here instead of the provider's URL."""
    headers: NotRequired[Mapping[str, str]]
    """Use exactly these upgrade headers (no ``Authorization`` is added)."""
    api_key: NotRequired[str]
    """A key for this session (sent as ``Authorization: Bearer``)."""
    call_id: NotRequired[str]
    """Attach to an existing WebRTC or SIP call instead of starting a conversation."""
    playback_tracker: NotRequired[PlaybackTracker]
    """Reports what the application actually played, for exact truncation."""


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
        settings = normalize_run_config(config)
        if middleware:
            if isinstance(middleware, (str, bytes)) or not isinstance(middleware, Sequence):
                raise UserError("RealtimeRunner: middleware must be a list of Middleware")
            settings = replace(settings, middleware=(*settings.middleware, *middleware))
        self.settings: RunSettings = settings
        self.provider = provider
        self._model = model
        self._warned_simulator = False

    async def run(
        self, context: TContext | None = None, model_config: RealtimeModelConfig | None = None
    ) -> RealtimeSession:
        """A new session, not yet connected: enter it with ``async with session:``.

        Args:
            context: Your run context, handed to instructions functions, tools and guardrails.
            model_config: Per-session connection overrides.

        Raises:
            UserError: ``model_config`` has an unknown key, or no URL can be built.
        """
        from .session import RealtimeSession  # the session machinery loads with the first session

        overrides: Mapping[str, Any] = model_config or {}
        unknown = set(overrides) - _MODEL_CONFIG_KEYS
        if unknown:
            raise UserError(
                f"Unknown model_config key {sorted(unknown)[0]!r}; valid keys: "
                + ", ".join(sorted(_MODEL_CONFIG_KEYS))
            )
        request, connector = self._connection(overrides)
        return RealtimeSession(
            agent=self.starting_agent,
            settings=self.settings,
            connector=connector,
            request=request,
            context=context,
            playback_tracker=overrides.get("playback_tracker"),
        )

    def _connection(self, overrides: Mapping[str, Any]) -> tuple[ConnectRequest, ModelConnector]:
        from .tracing import gen_ai_provider_name  # tracing loads OpenTelemetry

        model_name = self.settings.model.model_name
        provider = self.starting_agent.provider or self.provider
        api_key = overrides.get("api_key")
        if provider is None and (api_key or os.environ.get("OPENAI_API_KEY")):
            provider = OpenAIProvider(api_key=api_key)
        url = overrides.get("url")
        call_id = overrides.get("call_id")
        if url is None and call_id is None and provider is None:
            if self._model is not None:  # e.g. a ScriptedModel: it needs no server at all
                return ConnectRequest(url="", model_name=model_name), self._model
            if not self._warned_simulator:
                self._warned_simulator = True
                logger.warning(
                    "OPENAI_API_KEY is not set and no provider was given: sessions use the "
                    "built-in simulator (pass provider=... to reach a real server)"
                )
            request = ConnectRequest(url="", model_name=model_name)
            return request, _EmbeddedSimulator(self._connector())

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
        dialect = provider.dialect if provider is not None else "ga"
        request = ConnectRequest(
            url=url,
            headers=headers,
            dialect=dialect,
            model_name=model_name,
            provider_name=gen_ai_provider_name(provider),
        )
        return request, self._connector()

    def _connector(self) -> ModelConnector:
        """The runner's ``model``, else :meth:`OpenAIRealtimeModel.connect`, imported here, when
        a session first needs it: it loads websockets and the OpenAI codec."""
        if self._model is not None:
            return self._model
        from .model import OpenAIRealtimeModel

        return OpenAIRealtimeModel.connect


class _EmbeddedSimulator:
    """A connector that starts a simulator for the session and stops it with the session."""

    def __init__(self, connector: ModelConnector) -> None:
        self._connector = connector

    async def __call__(self, request: ConnectRequest) -> _RealtimeModel:
        from .simulator import Simulator  # imported on first use: it is heavy

        simulator = Simulator()
        await simulator.start()
        try:
            provider = simulator.provider()
            model = await self._connector(
                replace(
                    request,
                    url=simulator.realtime_url(request.model_name or "gpt-realtime"),
                    headers=provider.build_headers(),
                )
            )
        except BaseException:
            await simulator.close()
            raise
        return _SimulatorOwningModel(model, simulator)


class _SimulatorOwningModel:
    """A model whose ``close`` also stops the simulator it talks to."""

    def __init__(self, model: _RealtimeModel, simulator: Simulator) -> None:
        self._model = model
        self._simulator = simulator

    def events(self) -> AsyncIterator[ModelEvent]:
        return self._model.events()

    async def send(self, command: ModelCommand) -> None:
        await self._model.send(command)

    async def close(self) -> None:
        try:
            await self._model.close()
        finally:
            await self._simulator.close()

    def __repr__(self) -> str:
        return f"<model on the built-in simulator at {self._simulator.host}>"
