"""The local realtime server: the GA protocol over real WebSockets on loopback.

Two ways to run it:

* ``async with Simulator() as sim:`` in the current event loop;
* ``with SimulatorThread() as sim:`` in a background thread with its own loop, for synchronous
  code, pytest fixtures that must not care which async framework a test uses, and clients
  that block.

Either way ``sim.url`` is the base URL (``ws://127.0.0.1:<port>/v1``) and ``sim.provider()``
an :class:`~rtvoice.OpenAIProvider` pointing at it.

The same port serves GPT-Live on ``/v1/live/sessions`` (:meth:`Simulator.live_url`; the
model is named in ``session.start``, see :mod:`rtvoice.simulator.live`) and the simulator's
Responses model on ``POST /v1/responses``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Collection
from http import HTTPStatus
from types import TracebackType

import anyio
from typing_extensions import Self
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from ..errors import UserError
from ..model.commands import AppendInputAudio, UpdateSession
from ..model.events import ErrorEvent
from ..model.live.server import LiveEventWriter, LiveServerCodec
from ..model.openai.server import OpenAIServerCodec
from ..providers import OpenAIProvider
from ._call_media import CallSession
from ._calls import CallBook, CallState, RestAnswer, SimulatedCallRecord
from ._connection import SimulatedConnection
from ._defaults import SimulatorOptions
from ._engine import SimulatedSession
from ._faults import Faults
from ._handshake import (
    Accepted,
    call_not_attachable,
    check_handshake,
    check_live_handshake,
    is_live_path,
    is_realtime_path,
    model_supported,
)
from ._ids import SeededIds
from ._responder import Responder
from ._rest import rest_connection_type
from .live import FrameObserver, LiveConnection, LiveSimulatedSession, ResponsesEndpoint

__all__ = ["DEFAULT_API_KEY", "Simulator", "SimulatorThread"]

DEFAULT_API_KEY = "sk-simulator"
"""The key :meth:`Simulator.provider` presents when the simulator was given no ``api_key``
(it then accepts any non-empty key)."""

_MAX_FRAME = 16 * 2**20 + 4096  # a 15 MiB append in base64 plus its envelope


class Simulator:
    """A protocol-faithful realtime server on loopback.

    Args:
        host: Interface to listen on. Loopback by default; the server is for local use.
        port: Port to listen on; ``0`` picks a free one (read it from :attr:`port`).
        api_key: The only key accepted. ``None`` accepts any non-empty key; a missing
            ``Authorization`` header is refused either way (close 3000).
        models: Accepted model names; ``None`` accepts every ``gpt-realtime*``,
            ``gpt-4o-realtime-preview*`` and ``gpt-4o-mini-realtime-preview*`` name.
        pace: ``None`` (the default, for tests) streams responses as fast as possible;
            ``1.0`` at real time, as a person would hear them; ``4.0`` four times faster.
        options: Session behaviour (maximum duration, delta sizes, default voice, seed).
        responder: Replaces the deterministic model's rules (see ``default_responder``).
        faults: Misbehaviour to inject into every connection.
        beta_mode: Accept ``OpenAI-Beta: realtime=v1`` and speak the beta dialect to such
            clients, instead of refusing them as today's server does.
        seed: Seed of the id source shared by all sessions (ids are reproducible).
        clock: Wall clock in seconds (``expires_at`` and the idle timeout use it).
        frame_observer: Called with ``("client", frame)`` for every text frame a GPT-Live
            client sends and ``("server", frame)`` for every frame the server sends it, in
            order, on the server's loop (for tests that check the wire both ways). It must
            not block or raise.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        models: Collection[str] | None = None,
        pace: float | None = None,
        options: SimulatorOptions | None = None,
        responder: Responder | None = None,
        faults: Faults | None = None,
        beta_mode: bool = False,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
        frame_observer: FrameObserver | None = None,
    ) -> None:
        if pace is not None and pace <= 0:
            raise UserError(f"pace must be > 0 (or None for as fast as possible), got {pace}")
        self.host = host
        self._port = port
        self.api_key = api_key
        self.models = models
        self.pace = pace
        self.options = options or SimulatorOptions()
        self.responder = responder
        self.faults = faults or Faults()
        self.beta_mode = beta_mode
        self._clock = clock
        self._frame_observer = frame_observer
        self._ids = SeededIds(seed)
        self._responses = ResponsesEndpoint(responder, self._ids, clock)
        self._server: Server | None = None
        self.calls = CallBook(
            self._ids.new_id, clock, lambda model: model_supported(model, self.models)
        )
        """The SIP calls and client secrets of the REST endpoints (see
        :mod:`rtvoice.simulator.sip`)."""
        self.connections_served = 0
        """How many sessions were opened (rejected upgrades not counted)."""

    # -------------------------------------------------------------------------------------
    # Addresses

    @property
    def port(self) -> int:
        """The listening port (known once started)."""
        if self._server is None:
            raise UserError("the simulator is not running: use 'async with Simulator() as sim'")
        return int(next(iter(self._server.sockets)).getsockname()[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``ws://127.0.0.1:8765/v1``; ``/realtime?model=...`` goes after it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/v1"

    def realtime_url(self, model: str = "gpt-realtime") -> str:
        """The full session URL for ``model``."""
        return f"{self.url}/realtime?model={model}"

    def live_url(self) -> str:
        """The GPT-Live session URL, ``ws://127.0.0.1:<port>/v1/live/sessions`` (no query:
        GPT-Live names the model in ``session.start``)."""
        return f"{self.url}/live/sessions"

    def provider(self) -> OpenAIProvider:
        """An :class:`~rtvoice.OpenAIProvider` for this server, with a key it accepts."""
        return OpenAIProvider(api_key=self.api_key or DEFAULT_API_KEY, base_url=self.url)

    # -------------------------------------------------------------------------------------
    # Lifecycle

    async def start(self) -> None:
        """Start listening. Prefer ``async with``."""
        if self._server is not None:
            raise UserError("the simulator is already running")
        self._server = await serve(
            self._serve_connection,
            self.host,
            self._port,
            process_request=self._process_request,
            max_size=_MAX_FRAME,
            ping_interval=20.0,
            ping_timeout=20.0,
            create_connection=rest_connection_type(self.calls, self._answer_responses),
        )

    async def close(self) -> None:
        """Stop listening and close every connection (code 1001). Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -------------------------------------------------------------------------------------
    # Connections

    def _answer_responses(self, body: bytes, credentials: dict[str, str]) -> RestAnswer:
        """``POST /v1/responses``: the same key check as the sockets (401 when it fails),
        then the simulator's Responses model."""
        rejected = check_live_handshake(
            credentials, api_key=self.api_key, client_secret=self.calls.secret_valid
        )
        if rejected is not None:
            error = rejected.error
            return RestAnswer(
                401,
                {
                    "error": {
                        "message": error.message,
                        "type": error.type,
                        "param": None,
                        "code": error.code,
                    }
                },
            )
        return self._responses.answer(body)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if is_realtime_path(request.path) or is_live_path(request.path):
            return None
        return connection.respond(
            HTTPStatus.NOT_FOUND,
            "Not Found: the realtime endpoint is /v1/realtime, GPT-Live's /v1/live/sessions\n",
        )

    async def _serve_connection(self, websocket: ServerConnection) -> None:
        request = websocket.request
        assert request is not None  # the handler only runs after a successful upgrade
        if is_live_path(request.path):
            await self._serve_live(websocket, _header_view(request.headers))
            return
        verdict = check_handshake(
            request.path,
            _header_view(request.headers),
            api_key=self.api_key,
            models=self.models,
            beta_mode=self.beta_mode,
            client_secret=self.calls.secret_valid,
        )
        dialect = verdict.dialect if isinstance(verdict, Accepted) else "ga"
        webrtc = isinstance(verdict, Accepted) and verdict.call_id is not None
        codec = OpenAIServerCodec(
            dialect, event_ids=lambda: self._ids.new_id("event"), webrtc=webrtc
        )
        call = None
        if isinstance(verdict, Accepted) and verdict.call_id is not None:
            # A SIP call of this simulator must be accepted (and not over); another call id
            # stands for a call made elsewhere (WebRTC): a plain sideband session, as before.
            call = self.calls.get(verdict.call_id)
            if call is not None and call.state is not CallState.ACCEPTED:
                verdict = call_not_attachable(verdict.call_id)
        if not isinstance(verdict, Accepted):
            for frame in codec.encode(ErrorEvent(error=verdict.error)):
                await websocket.send(frame)
            await websocket.close(verdict.close_code, verdict.close_reason)
            return
        self.connections_served += 1
        limit = self.faults.connections
        faults = self.faults if limit is None or self.connections_served <= limit else Faults()
        if call is not None:
            await self._serve_call(websocket, codec, call, faults)
            return
        session = SimulatedSession(
            model=verdict.model,
            now=self._clock(),
            ids=self._ids,
            options=self.options,
            responder=self.responder,
            session_type=verdict.session_type,
            webrtc=webrtc,
        )
        connection = SimulatedConnection(
            websocket, codec, session, pace=self.pace, faults=faults, clock=self._clock
        )
        await connection.run()

    async def _serve_live(self, websocket: ServerConnection, headers: dict[str, str]) -> None:
        """A GPT-Live session: credentials as on the Realtime route, then ``session.start``."""
        writer = LiveEventWriter(lambda: self._ids.new_id("event"))
        rejected = check_live_handshake(
            headers, api_key=self.api_key, client_secret=self.calls.secret_valid
        )
        if rejected is not None:
            error = rejected.error
            await websocket.send(
                writer.error(code=error.code or "missing_api_key", message=error.message)
            )
            await websocket.close(rejected.close_code, rejected.close_reason)
            return
        self.connections_served += 1
        limit = self.faults.connections
        faults = self.faults if limit is None or self.connections_served <= limit else Faults()
        models = self.models
        codec = LiveServerCodec(
            None
            if models is None
            else lambda model: model in models or model.startswith("gpt-live")
        )
        session = LiveSimulatedSession(
            ids=self._ids,
            options=self.options,
            responder=self.responder,
            writer=writer,
            faults=faults,
        )
        connection = LiveConnection(
            websocket,
            codec,
            writer,
            session,
            pace=self.pace,
            clock=self._clock,
            observer=self._frame_observer,
        )
        await connection.run()

    async def _serve_call(
        self,
        websocket: ServerConnection,
        codec: OpenAIServerCodec,
        call: SimulatedCallRecord,
        faults: Faults,
    ) -> None:
        """The sideband socket of an accepted call: the call's model, fed by the caller's
        line, until the client leaves or the call ends (then the server closes, 1000)."""
        accepted = UpdateSession(session=call.session) if call.session is not None else None
        session = CallSession(
            media=call.media,
            accepted=accepted,
            model=call.model,
            now=self._clock(),
            ids=self._ids,
            options=self.options,
            responder=self.responder,
        )
        connection = SimulatedConnection(
            websocket, codec, session, pace=self.pace, faults=faults, clock=self._clock
        )

        async def line_in() -> None:
            while True:
                chunk = await call.media.next_inbound()
                await connection.send_events(
                    session.handle(AppendInputAudio(audio=chunk), self._clock())
                )

        async def hang_up() -> None:
            await call.ended.wait()
            await websocket.close(1000, f"call {call.state.value}")

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(line_in)
            tasks.start_soon(hang_up)
            await connection.run()
            tasks.cancel_scope.cancel()


def _header_view(headers: Headers) -> dict[str, str]:
    """The few headers the handshake reads, under canonical names."""
    view: dict[str, str] = {}
    for name in ("Authorization", "api-key", "OpenAI-Beta"):
        value = headers.get(name)
        if value is not None:
            view[name] = value
    return view


class SimulatorThread:
    """A :class:`Simulator` running in a background thread with its own event loop.

    For synchronous code and fixtures: ``with SimulatorThread() as sim: sim.url``, or
    ``SimulatorThread(Simulator(pace=4.0))`` for a configured one (not yet started: the
    thread starts it in its own loop). Starting waits until the server listens; leaving the
    block stops it and joins the thread.
    """

    def __init__(self, simulator: Simulator | None = None) -> None:
        self._simulator = simulator or Simulator()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._started = False

    @property
    def url(self) -> str:
        """Base URL of the running server."""
        return self._running().url

    def realtime_url(self, model: str = "gpt-realtime") -> str:
        """The full session URL for ``model``."""
        return self._running().realtime_url(model)

    def live_url(self) -> str:
        """The GPT-Live session URL."""
        return self._running().live_url()

    def provider(self) -> OpenAIProvider:
        """An :class:`~rtvoice.OpenAIProvider` for this server."""
        return self._running().provider()

    @property
    def simulator(self) -> Simulator:
        """The simulator this thread runs."""
        return self._simulator

    def _running(self) -> Simulator:
        if not self._started:
            raise UserError("the simulator thread is not running")
        return self._simulator

    def start(self) -> None:
        """Start the thread and wait until the server listens."""
        self._thread = threading.Thread(target=self._run, name="rtvoice-simulator", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """Stop the server and join the thread. Idempotent."""
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        try:
            await self._simulator.start()
        except BaseException as exc:
            self._failure = exc
            self._ready.set()
            return
        self._started = True
        self._ready.set()
        try:
            await self._stopped.wait()
        finally:
            self._started = False
            await self._simulator.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
