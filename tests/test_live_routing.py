"""A model name picks the protocol: ``gpt-live-*`` goes to GPT-Live's ``/live/sessions``
(the model in ``session.start``), any other model to ``/realtime?model=`` (PROTOCOL.md §13
item 7). The URLs come from the providers users already have; the default connector speaks
the protocol the request's model needs, checked on the wire against a raw WebSocket server
on 127.0.0.1 that records what each connection asked for."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from websockets.asyncio.server import ServerConnection, serve

from rtvoice import (
    AzureOpenAIProvider,
    OpenAIProvider,
    RealtimeAgent,
    RealtimeRunner,
    UserError,
)
from rtvoice.audio import PlaybackTracker
from rtvoice.model._live_settings import LiveSettings
from rtvoice.providers import is_live_model
from rtvoice.testing import ScriptedModel

KEY = "sk-test-live-routing"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "AZURE_OPENAI_DEPLOYMENT",
        "AZURE_OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


# --- The model names --------------------------------------------------------------------------


def test_is_live_model_tells_the_two_protocols_apart() -> None:
    for name in ("gpt-live-1", "gpt-live-1.1", "gpt-live-1.1-2026-11-01"):
        assert is_live_model(name), name
    for name in (
        "gpt-realtime",
        "gpt-realtime-2",
        "gpt-4o-realtime-preview",
        "gpt-live-transcribe",
    ):
        assert not is_live_model(name), name


# --- Provider URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["gpt-live-1", "gpt-live-1.1"])
def test_openai_sends_a_live_model_to_live_sessions_without_a_model_query(model: str) -> None:
    provider = OpenAIProvider(api_key=KEY)
    assert provider.build_url(model) == "wss://api.openai.com/v1/live/sessions"
    assert provider.build_headers() == {"Authorization": f"Bearer {KEY}"}
    assert provider.build_url("gpt-realtime-2") == (
        "wss://api.openai.com/v1/realtime?model=gpt-realtime-2"
    )


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("ws://127.0.0.1:8765/v1", "ws://127.0.0.1:8765/v1/live/sessions"),
        ("https://gateway.example/openai/v1/", "wss://gateway.example/openai/v1/live/sessions"),
    ],
)
def test_a_custom_base_url_gets_the_live_path(base_url: str, expected: str) -> None:
    assert OpenAIProvider(api_key=KEY, base_url=base_url).build_url("gpt-live-1.1") == expected


@pytest.mark.parametrize(
    "resource", ["my-res", "my-res.openai.azure.com", "https://my-res.openai.azure.com/"]
)
def test_azure_sends_a_live_model_to_its_v1_live_sessions(resource: str) -> None:
    provider = AzureOpenAIProvider(resource=resource, deployment="voice-prod", api_key=KEY)
    assert provider.build_url("gpt-live-1.1") == (
        "wss://my-res.openai.azure.com/openai/v1/live/sessions"
    )
    assert provider.build_headers() == {"api-key": KEY}
    assert provider.build_url("gpt-realtime") == (
        "wss://my-res.openai.azure.com/openai/v1/realtime?model=voice-prod"
    )


def test_azure_with_an_entra_token_authenticates_a_live_session_the_same_way() -> None:
    provider = AzureOpenAIProvider(resource="my-res", azure_ad_token="entra-token")
    assert (
        provider.build_url("gpt-live-1") == "wss://my-res.openai.azure.com/openai/v1/live/sessions"
    )
    assert provider.build_headers() == {"Authorization": "Bearer entra-token"}


def test_azure_refuses_a_preview_api_version_for_a_live_model() -> None:
    provider = AzureOpenAIProvider(resource="my-res", api_key=KEY, api_version="2025-04-01-preview")
    with pytest.raises(UserError, match=r"v1 path.*'2025-04-01-preview'.*leave api_version out"):
        provider.build_url("gpt-live-1.1")


# --- The runner: call_id ----------------------------------------------------------------------


def test_a_live_session_cannot_attach_to_a_call() -> None:
    runner = RealtimeRunner(
        RealtimeAgent(name="A"),
        config={"model_settings": {"model_name": "gpt-live-1.1"}},
        provider=OpenAIProvider(api_key=KEY),
    )

    async def main() -> None:
        await runner.run(model_config={"call_id": "rtc_1"})

    with pytest.raises(UserError, match=r"call_id.*GPT-Live.*'gpt-live-1.1'"):
        anyio.run(main)


def test_a_live_session_refuses_a_playback_tracker_it_could_not_use() -> None:
    runner = RealtimeRunner(
        RealtimeAgent(name="A"),
        config={"model_settings": {"model_name": "gpt-live-1.1"}},
        provider=OpenAIProvider(api_key=KEY),
    )

    async def main(model_name: str) -> None:
        await runner.run(
            model_config={
                "playback_tracker": PlaybackTracker(),
                "initial_model_settings": {"model_name": model_name},
            }
        )

    with pytest.raises(UserError, match=r"playback_tracker.*GPT-Live has no truncate"):
        anyio.run(main, "gpt-live-1.1")
    anyio.run(main, "gpt-realtime-2")  # the Realtime protocol uses it


def test_a_url_of_the_callers_own_still_carries_the_live_settings() -> None:
    model = ScriptedModel()
    runner = RealtimeRunner(
        RealtimeAgent(name="A"),
        config={"model_settings": {"model_name": "gpt-live-1", "live": {"store": True}}},
        model=model,
    )

    async def main() -> None:
        model.handshake()
        session = await runner.run(
            model_config={"url": "ws://127.0.0.1:9/v1/live/sessions", "headers": {}}
        )
        async with session:
            pass

    anyio.run(main)
    assert model.request is not None
    assert model.request.url == "ws://127.0.0.1:9/v1/live/sessions"
    assert model.request.live == LiveSettings(store=True)


# --- The default connector, on the wire -------------------------------------------------------


@dataclass
class Seen:
    """What the first connection to the recording server asked for."""

    path: str = ""
    first_frame: dict[str, Any] = field(default_factory=dict)
    arrived: anyio.Event = field(default_factory=anyio.Event)


@asynccontextmanager
async def recording_server(greeting: dict[str, Any] | None) -> AsyncIterator[tuple[int, Seen]]:
    """A raw WebSocket server: sends ``greeting`` (if any) on connect, records the request
    path and the client's first frame, then waits for the client to go."""
    seen = Seen()

    async def handler(ws: ServerConnection) -> None:
        if greeting is not None:
            await ws.send(json.dumps(greeting))
        frame = json.loads(await ws.recv())
        assert ws.request is not None
        seen.path, seen.first_frame = ws.request.path, frame
        seen.arrived.set()
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]  # type: ignore[index]
        yield port, seen


async def first_contact(model_name: str, greeting: dict[str, Any] | None) -> Seen:
    """Enter a session of ``model_name`` against the recording server until its first frame
    arrives, then cancel: only what went on the wire matters here."""
    async with recording_server(greeting) as (port, seen):
        runner = RealtimeRunner(
            RealtimeAgent(name="A", instructions="Be brief."),
            config={"model_settings": {"model_name": model_name}},
            provider=OpenAIProvider(api_key=KEY, base_url=f"ws://127.0.0.1:{port}/v1"),
        )
        session = await runner.run()

        async def enter() -> None:
            async with session:
                await anyio.sleep_forever()

        async with anyio.create_task_group() as group:
            group.start_soon(enter)
            with anyio.fail_after(2):
                await seen.arrived.wait()
            # leaving closes the session, bounded by its close_timeout (a Live session waits
            # that long for a session.closed this server never sends)
            group.cancel_scope.cancel()
    return seen


def test_a_realtime_model_connects_to_realtime_and_sends_session_update() -> None:
    greeting = {
        "type": "session.created",
        "event_id": "event_1",
        "session": {"type": "realtime", "object": "realtime.session", "id": "sess_1"},
    }
    seen = anyio.run(first_contact, "gpt-realtime-2", greeting)
    assert seen.path == "/v1/realtime?model=gpt-realtime-2"
    assert seen.first_frame["type"] == "session.update"


def test_a_live_model_connects_to_live_sessions_and_starts_with_session_start() -> None:
    seen = anyio.run(first_contact, "gpt-live-1.1", None)
    assert seen.path == "/v1/live/sessions"
    assert seen.first_frame["type"] == "session.start"
    assert seen.first_frame["session"]["model"] == "gpt-live-1.1"
