"""A provider whose sessions each talk to a simulator of their own.

:class:`SimulatorProvider` is how an application chooses the simulator explicitly without
running one itself: every session started through it starts a :class:`~._server.Simulator`
on a free loopback port, connects to it, and stops it when the session closes. ``rtvoice
demo`` uses it when no ``OPENAI_API_KEY`` is set, and a runner uses it when the
``RTVOICE_SIMULATOR`` environment variable asks for it (see :mod:`rtvoice.runner`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..model._base import (
    BatchSender,
    CapabilityReport,
    CloseReport,
    ConnectRequest,
    EventFilter,
    ModelCapabilities,
    ModelConnector,
    RealtimeModel,
)
from ..model._live_settings import is_live_model
from ..providers import RealtimeProvider
from ._server import DEFAULT_API_KEY, Simulator

if TYPE_CHECKING:
    from ..model.commands import ModelCommand
    from ..model.events import ModelEvent

__all__ = ["SimulatorProvider"]


class SimulatorProvider(RealtimeProvider):
    """Each session gets its own simulator, started with the session and stopped with it.

    Args:
        **simulator_options: Keyword arguments for each :class:`~rtvoice.simulator.Simulator`
            (``pace``, ``options``, ``responder``, ``faults``, ...); ``host`` stays loopback
            and ``port`` is picked per session.
    """

    def __init__(self, **simulator_options: Any) -> None:
        self._options = simulator_options

    def build_url(self, model: str) -> str:
        """A placeholder: each session's simulator listens on a port chosen when it starts,
        and the connector connects there."""
        return f"ws://127.0.0.1/v1/realtime?model={model or 'gpt-realtime'}"

    def build_headers(self) -> dict[str, str]:
        """The key every simulator accepts."""
        return {"Authorization": f"Bearer {DEFAULT_API_KEY}"}

    def model_connector(self) -> ModelConnector:
        """Start a simulator, connect the provider's model to it (to ``/v1/live/sessions``
        for a ``gpt-live*`` model, else to ``/v1/realtime``), and hand back a model whose
        ``close`` also stops the simulator."""
        return _SessionSimulator(super().model_connector(), self._options)

    def __repr__(self) -> str:
        return "SimulatorProvider()"


class _SessionSimulator:
    """A connector that starts a simulator for the session it connects."""

    def __init__(self, connector: ModelConnector, options: dict[str, Any]) -> None:
        self._connector = connector
        self._options = options

    async def __call__(self, request: ConnectRequest) -> RealtimeModel:
        simulator = Simulator(**self._options)
        await simulator.start()
        name = request.model_name or "gpt-realtime"
        # GPT-Live names its model in session.start, not in the URL.
        url = simulator.live_url() if is_live_model(name) else simulator.realtime_url(name)
        try:
            model = await self._connector(
                replace(request, url=url, headers=simulator.provider().build_headers())
            )
        except BaseException:
            await simulator.close()
            raise
        return _SimulatorOwningModel(model, simulator)


class _SimulatorOwningModel:
    """A model whose ``close`` also stops the simulator it talks to; it passes the optional
    batch sending and event filtering on to the model it wraps."""

    def __init__(self, model: RealtimeModel, simulator: Simulator) -> None:
        self._model = model
        self._simulator = simulator

    def events(self) -> AsyncIterator[ModelEvent]:
        return self._model.events()

    async def send(self, command: ModelCommand) -> None:
        await self._model.send(command)

    async def send_batch(self, commands: Sequence[ModelCommand]) -> None:
        if isinstance(self._model, BatchSender):
            await self._model.send_batch(commands)
            return
        for command in commands:
            await self._model.send(command)

    def ignore_events(self, kinds: Collection[type[ModelEvent]]) -> None:
        if isinstance(self._model, EventFilter):
            self._model.ignore_events(kinds)

    @property
    def capabilities(self) -> ModelCapabilities:
        """What the wrapped model's protocol can do (GPT-Live's, on a ``gpt-live-*`` model)."""
        if isinstance(self._model, CapabilityReport):
            return self._model.capabilities
        return ModelCapabilities()

    @property
    def close_code(self) -> int | None:
        return self._model.close_code if isinstance(self._model, CloseReport) else None

    @property
    def close_reason(self) -> str:
        return self._model.close_reason if isinstance(self._model, CloseReport) else ""

    async def close(self) -> None:
        try:
            await self._model.close()
        finally:
            await self._simulator.close()

    def __repr__(self) -> str:
        return f"<model on a session's own simulator at {self._simulator.host}>"
