"""The life of a simulated GPT-Live session: barge-in, expiry, audio formats, and the
provider that routes ``gpt-live*`` models to the Live route."""

from __future__ import annotations

import base64

import anyio
import pytest
from live_wire import WAIT, Wire, events_until, joined, live_session, next_event, say

from rtvoice.model._base import ConnectRequest, ModelConnector, RealtimeModel
from rtvoice.providers import RealtimeProvider
from rtvoice.simulator import (
    DEFAULT_API_KEY,
    Faults,
    Simulator,
    SimulatorOptions,
    SimulatorProvider,
    decode_speech,
    encode_speech,
)
from rtvoice.simulator._speech import SpeechDecoder
from rtvoice.simulator._speech._encoder import synthesize_speech

pytest.importorskip("openai")

pytestmark = pytest.mark.anyio


async def test_user_speech_during_output_stops_it() -> None:
    wire = Wire()
    long_text = "please repeat this rather long sentence back to me slowly"
    async with Simulator(pace=4.0, frame_observer=wire) as sim, live_session(sim) as connection:
        await connection.session.instructions.append(content=long_text, delegation_id=None)
        await next_event(connection, "session.output_transcript.delta")
        await say(connection, "stop")
        events = await events_until(connection, "session.usage.updated")
    assert joined(events, "session.input_transcript.delta") == "stop"
    said = "".join(
        f["delta"] for f in wire.sent("server") if f["type"] == "session.output_transcript.delta"
    )
    # The first answer stopped part way; the answer to "stop" followed it, whole.
    assert said.endswith("You said: stop")
    cut = said[: -len("You said: stop")]
    assert cut
    assert f"You said: {long_text}".startswith(cut)
    assert len(cut) < len(f"You said: {long_text}")
    usages = [f for f in wire.sent("server") if f["type"] == "session.usage.updated"]
    assert len(usages) == 1  # only the answer that was spoken to its end
    wire.check()


async def test_the_session_duration_limit_ends_it_as_expired() -> None:
    wire = Wire()
    options = SimulatorOptions(max_session_seconds=0.3)
    async with (
        Simulator(options=options, frame_observer=wire) as sim,
        live_session(sim) as connection,
    ):
        closed = await next_event(connection, "session.closed")
        assert closed.reason == "expired"
        with anyio.fail_after(WAIT), pytest.raises(StopAsyncIteration):
            await connection.__aiter__().__anext__()
    wire.check()


@pytest.mark.parametrize(
    ("fmt", "rate"), [("audio/pcm", 16000), ("audio/pcmu", 8000), ("audio/pcma", 8000)]
)
async def test_the_session_audio_format_is_heard_and_spoken(fmt: str, rate: int) -> None:
    wire = Wire()
    session = {"model": "gpt-live-1", "audio": {"format": {"type": fmt, "rate": rate}}}
    async with Simulator(frame_observer=wire) as sim, live_session(sim, session) as connection:
        if fmt == "audio/pcm":
            audio = synthesize_speech("hi", rate) + bytes(2 * rate * 400 // 1000)
        else:
            name = "g711_ulaw" if fmt == "audio/pcmu" else "g711_alaw"
            silence = b"\xff" if name == "g711_ulaw" else b"\xd5"
            audio = encode_speech("hi", name) + silence * (8 * 400)
        await connection.session.input_audio.append(audio=base64.b64encode(audio).decode())
        events = await events_until(connection, "session.usage.updated")
    assert joined(events, "session.output_transcript.delta") == "You said: hi"
    out = b"".join(
        base64.b64decode(e.delta) for e in events if e.type == "session.output_audio.delta"
    )
    if fmt == "audio/pcm":
        decoder = SpeechDecoder(rate)
        assert decoder.feed(out) + decoder.flush() == "You said: hi"
    else:
        assert decode_speech(out, "g711_ulaw" if fmt == "audio/pcmu" else "g711_alaw") == (
            "You said: hi"
        )
    wire.check()


class _Recorder(RealtimeProvider):
    """A provider base whose connector records the request and opens nothing: under
    :class:`SimulatorProvider` in the MRO, it is what ``super().model_connector()`` gives."""

    def __init__(self) -> None:
        self.requests: list[ConnectRequest] = []

    def build_url(self, model: str) -> str:
        return ""

    def build_headers(self) -> dict[str, str]:
        return {}

    def model_connector(self) -> ModelConnector:
        async def record(request: ConnectRequest) -> RealtimeModel:
            self.requests.append(request)
            raise LookupError("recorded")

        return record


class _RecordingSimulatorProvider(SimulatorProvider, _Recorder):
    def __init__(self) -> None:
        SimulatorProvider.__init__(self)
        _Recorder.__init__(self)


@pytest.mark.parametrize(
    ("model", "path"),
    [("gpt-live-1.1", "/v1/live/sessions"), ("gpt-realtime", "/v1/realtime?model=gpt-realtime")],
)
async def test_the_provider_routes_live_models_to_the_live_route(model: str, path: str) -> None:
    provider = _RecordingSimulatorProvider()
    request = ConnectRequest(url=provider.build_url(model), model_name=model)
    with pytest.raises(LookupError):
        await provider.model_connector()(request)
    [seen] = provider.requests
    assert seen.url.startswith("ws://127.0.0.1:")
    assert seen.url.endswith(path)
    assert seen.headers["Authorization"] == f"Bearer {DEFAULT_API_KEY}"


@pytest.mark.parametrize("reason", ["remote_hangup", "content"])
async def test_a_fault_ends_the_session_with_its_reason(reason: str) -> None:
    wire = Wire()
    faults = Faults(live_end=reason)  # type: ignore[arg-type]
    async with (
        Simulator(faults=faults, frame_observer=wire) as sim,
        live_session(sim) as connection,
    ):
        await connection.session.instructions.append(content="hello", delegation_id=None)
        events = await events_until(connection, "session.closed")
        assert joined(events, "session.output_transcript.delta") == "You said: hello"
        assert events[-1].reason == reason
        with anyio.fail_after(WAIT), pytest.raises(StopAsyncIteration):
            await connection.__aiter__().__anext__()
    wire.check()


async def test_session_update_changes_the_delegation_settings() -> None:
    wire = Wire()
    async with Simulator(frame_observer=wire) as sim, live_session(sim) as connection:
        await connection.session.update(
            session={"delegation": {"type": "client", "acknowledgement_delay_ms": 250}},
            event_id="u1",
        )
        updated = await next_event(connection, "session.updated")
    assert updated.client_event_id == "u1"
    assert updated.session.delegation.acknowledgement_delay_ms == 250
    assert updated.session.model == "gpt-live-1"
    wire.check()
