"""The simulator's upgrade handling and framing errors, over a real loopback socket
(PROTOCOL.md §1.2, §8, §12 points 1 and 2)."""

from __future__ import annotations

import json

import anyio
import pytest
from sim_wire import Connect, WireClient
from websockets.asyncio.client import connect as ws_connect

from rtvoice import AuthenticationError, InvalidRequestError, TransportError
from rtvoice.simulator import Simulator
from rtvoice.transport import WebSocketTransport

pytestmark = pytest.mark.anyio


async def _rejection(url: str, headers: dict[str, str]) -> tuple[dict[str, object], TransportError]:
    """Connect, read the error event, and return it with the exception the close raised."""
    transport = await WebSocketTransport.connect(url, headers=headers)
    client = WireClient(transport)
    error = await client.recv()
    with pytest.raises(TransportError) as excinfo, anyio.fail_after(5):
        await transport.receive()
    return error, excinfo.value


async def test_session_created_first_with_full_default_session(
    simulator: Simulator,
) -> None:
    transport = await WebSocketTransport.connect(
        simulator.realtime_url("gpt-realtime"), headers=simulator.provider().build_headers()
    )
    async with transport:
        created = json.loads(await transport.receive())
    assert created["type"] == "session.created"
    assert created["event_id"].startswith("event_")
    session = created["session"]
    assert session["type"] == "realtime"
    assert session["object"] == "realtime.session"
    assert session["id"].startswith("sess_")
    assert session["model"] == "gpt-realtime"
    assert session["output_modalities"] == ["audio"]
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["output"]["voice"] == "alloy"
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert session["audio"]["input"]["turn_detection"]["threshold"] == 0.5
    assert session["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 200
    assert session["audio"]["input"]["transcription"] is None
    assert session["tools"] == []
    assert session["tool_choice"] == "auto"
    assert session["max_output_tokens"] == "inf"
    assert isinstance(session["expires_at"], int)


async def test_missing_authorization_is_error_then_close_3000(simulator: Simulator) -> None:
    error, exc = await _rejection(simulator.realtime_url(), headers={})
    assert error["type"] == "error"
    assert error["error"]["code"] is None
    assert error["error"]["message"] == "Missing bearer or basic authentication in header"
    assert isinstance(exc, AuthenticationError)
    assert exc.code == 3000
    assert exc.reason == "invalid_request_error"


async def test_wrong_key_is_invalid_api_key_close_3000() -> None:
    async with Simulator(api_key="sk-right-key-123456") as sim:
        error, exc = await _rejection(
            sim.realtime_url(), headers={"Authorization": "Bearer sk-wrong-key-987654"}
        )
    assert error["error"]["code"] == "invalid_api_key"
    assert "sk-wrong-key-987654" not in error["error"]["message"]  # masked, like the real one
    assert isinstance(exc, AuthenticationError)
    assert exc.reason == "invalid_request_error.invalid_api_key"


async def test_configured_key_and_azure_api_key_header_are_accepted(connect: Connect) -> None:
    async with Simulator(api_key="sk-right") as sim:
        client = await connect(sim=sim, headers={"api-key": "sk-right"})
        assert client.received[0]["type"] == "session.created"


async def test_missing_model_is_close_4000(simulator: Simulator) -> None:
    headers = simulator.provider().build_headers()
    error, exc = await _rejection(f"{simulator.url}/realtime", headers=headers)
    assert error["error"]["code"] == "missing_model"
    assert isinstance(exc, InvalidRequestError)
    assert exc.code == 4000
    assert exc.reason == "invalid_request_error.missing_model"


async def test_unknown_model_is_invalid_model_close_4000(simulator: Simulator) -> None:
    headers = simulator.provider().build_headers()
    error, exc = await _rejection(simulator.realtime_url("gpt-4o"), headers=headers)
    assert error["error"]["code"] == "invalid_model"
    assert 'Model "gpt-4o" is not supported in realtime mode' in error["error"]["message"]
    assert isinstance(exc, InvalidRequestError)
    assert exc.reason == "invalid_request_error.invalid_model"


async def test_beta_header_is_refused_by_default(simulator: Simulator) -> None:
    headers = {**simulator.provider().build_headers(), "OpenAI-Beta": "realtime=v1"}
    error, exc = await _rejection(simulator.realtime_url(), headers=headers)
    assert error["error"]["code"] == "beta_api_shape_disabled"
    assert isinstance(exc, InvalidRequestError)


async def test_beta_mode_speaks_the_beta_dialect(connect: Connect) -> None:
    async with Simulator(beta_mode=True) as sim:
        headers = {**sim.provider().build_headers(), "OpenAI-Beta": "realtime=v1"}
        client = await connect(sim=sim, headers=headers)
        session = client.received[0]["session"]
        assert "type" not in session  # the flat beta session
        assert session["input_audio_format"] == "pcm16"
        await client.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "hi"}],
                },
            }
        )
        await client.send({"type": "response.create"})
        frames = await client.recv_until("response.done")
    names = [frame["type"] for frame in frames]
    assert "conversation.item.created" in names
    assert "conversation.item.added" not in names
    assert "response.audio.delta" in names
    assert "response.audio_transcript.done" in names


async def test_transcription_intent_opens_a_transcription_session(connect: Connect) -> None:
    client = await connect(query="intent=transcription", expect_session=False)
    created = await client.recv()
    assert created["session"]["type"] == "transcription"


async def test_call_id_sideband_accepts_output_audio_buffer_clear(connect: Connect) -> None:
    client = await connect(query="call_id=rtc_test123")
    await client.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hi"}],
            },
        }
    )
    await client.send({"type": "response.create"})
    created = (await client.recv_until("response.created"))[-1]
    await client.send({"type": "response.cancel"})
    await client.recv_until("response.done")
    await client.send({"type": "output_audio_buffer.clear"})
    frames = await client.recv_until("output_audio_buffer.cleared")
    assert frames[-1]["response_id"] == created["response"]["id"]


async def test_plain_socket_rejects_output_audio_buffer_clear(connect: Connect) -> None:
    client = await connect()
    await client.send({"type": "output_audio_buffer.clear", "event_id": "evt_1"})
    error = (await client.recv())["error"]
    assert (error["code"], error["param"], error["event_id"]) == ("invalid_value", "type", "evt_1")


async def test_other_paths_get_http_404(simulator: Simulator) -> None:
    with pytest.raises(TransportError) as excinfo:
        await WebSocketTransport.connect(
            f"{simulator.url}/chat", headers=simulator.provider().build_headers()
        )
    assert "404" in excinfo.value.reason


async def test_binary_frame_is_a_non_fatal_invalid_event(simulator: Simulator) -> None:
    # rtvoice's transport sends text only: a plain websockets client sends the binary frame.
    headers = simulator.provider().build_headers()
    async with ws_connect(simulator.realtime_url("gpt-realtime"), additional_headers=headers) as ws:
        with anyio.fail_after(10):
            assert json.loads(await ws.recv())["type"] == "session.created"
            await ws.send(b"\x00\x01")
            error = json.loads(await ws.recv())
            assert error["error"]["code"] == "invalid_event"
            assert "binary frames are not supported" in error["error"]["message"]
            await ws.send(json.dumps({"type": "input_audio_buffer.clear"}))
            assert json.loads(await ws.recv())["type"] == "input_audio_buffer.cleared"


async def test_malformed_frames_get_errors_and_the_session_stays_open(connect: Connect) -> None:
    client = await connect()
    await client.transport.send("{not json")
    assert (await client.recv())["error"]["code"] == "invalid_json"
    await client.send({"type": "nope", "event_id": "evt_7"})
    error = (await client.recv())["error"]
    assert error["code"] == "invalid_value"
    assert error["param"] == "type"
    assert error["event_id"] == "evt_7"
    assert "Supported values are" in error["message"]
    await client.send({"type": "session.update", "session": {"type": "realtime", "bogus": 1}})
    error = (await client.recv())["error"]
    assert error["code"] == "unknown_parameter"
    assert error["param"] == "session.bogus"
    await client.send({"type": "session.update", "session": {"instructions": "x"}})
    error = (await client.recv())["error"]
    assert error["code"] == "missing_required_parameter"
    assert error["param"] == "session.type"
    await client.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
            },
        }
    )
    error = (await client.recv())["error"]
    assert error["code"] == "integer_below_min_value"
    assert error["param"] == "session.audio.input.format.rate"
    # Nothing above changed the session: a valid update still echoes the defaults.
    await client.send({"type": "session.update", "session": {"type": "realtime"}})
    updated = await client.recv()
    assert updated["type"] == "session.updated"
    assert updated["session"]["audio"]["input"]["format"]["rate"] == 24000
    assert updated["session"]["instructions"] != "x"
