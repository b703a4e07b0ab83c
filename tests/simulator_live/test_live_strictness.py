"""The simulator's GPT-Live route is strict like the real server: each bad frame gets the
exact ``error`` frame, and the connection stays usable."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from live_wire import SERVER_EVENT, WAIT
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from rtvoice.simulator import DEFAULT_API_KEY, Simulator

pytestmark = pytest.mark.anyio

START = {"type": "session.start", "session": {"model": "gpt-live-1"}}


async def _open(sim: Simulator, key: str = DEFAULT_API_KEY) -> ClientConnection:
    return await connect(sim.live_url(), additional_headers={"Authorization": f"Bearer {key}"})


async def _exchange(ws: ClientConnection, frame: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(frame))
    with anyio.fail_after(WAIT):
        reply = await ws.recv()
    SERVER_EVENT.validate_json(reply)
    body: dict[str, Any] = json.loads(reply)
    body.pop("event_id")
    return body


async def test_a_command_before_session_start_is_refused_and_start_still_works() -> None:
    async with Simulator() as sim:
        ws = await _open(sim)
        reply = await _exchange(
            ws,
            {
                "type": "session.commentary.append",
                "content": "hi",
                "delegation_id": None,
                "event_id": "early",
            },
        )
        assert reply == {
            "type": "error",
            "client_event_id": "early",
            "error": {
                "type": "invalid_request_error",
                "code": "session_not_started",
                "message": "session.commentary.append was sent before session.start: send "
                "session.start first and wait for session.started.",
                "client_event_id": "early",
            },
        }
        started = await _exchange(ws, START)
        assert started["type"] == "session.started"
        await ws.close()


async def test_an_unknown_field_is_refused_with_its_dotted_path() -> None:
    async with Simulator() as sim:
        ws = await _open(sim)
        frame = {
            "type": "session.start",
            "event_id": "s1",
            "session": {"model": "gpt-live-1", "audio": {"output": {"voice": "marin", "speed": 2}}},
        }
        reply = await _exchange(ws, frame)
        assert reply == {
            "type": "error",
            "client_event_id": "s1",
            "error": {
                "type": "invalid_request_error",
                "code": "unknown_parameter",
                "message": "Unknown parameter: 'session.audio.output.speed'.",
                "param": "session.audio.output.speed",
                "client_event_id": "s1",
            },
        }
        await ws.close()


async def test_response_item_create_needs_responses_delegation() -> None:
    async with Simulator() as sim:
        ws = await _open(sim)
        await _exchange(ws, START)
        item = {"type": "function_call_output", "call_id": "c1", "output": "x"}
        reply = await _exchange(ws, {"type": "response.item.create", "item": item, "event_id": "r"})
        assert reply == {
            "type": "error",
            "client_event_id": "r",
            "error": {
                "type": "invalid_request_error",
                "code": "delegation_mismatch",
                "message": "response.item.create requires Responses delegation.",
                "client_event_id": "r",
            },
        }
        await ws.close()


@pytest.mark.parametrize(
    ("frame", "code", "param"),
    [
        (START, "session_already_started", None),
        (
            {"type": "session.update", "session": {"instructions": "x"}},
            "immutable_parameter",
            "session.instructions",
        ),
        (
            {"type": "session.update", "session": {"model": "gpt-live-1.1"}},
            "immutable_parameter",
            "session.model",
        ),
        (
            {"type": "session.update", "session": {"delegation": {"type": "responses"}}},
            "invalid_value",
            "session.delegation.type",
        ),
        (
            {"type": "session.thinking.append", "content": "word " * 501, "delegation_id": None},
            "token_limit_exceeded",
            "content",
        ),
        (
            {"type": "session.commentary.append", "content": "x"},
            "missing_required_parameter",
            "delegation_id",
        ),
        (
            {"type": "session.commentary.append", "content": "x", "delegation_id": "nope"},
            "invalid_value",
            "delegation_id",
        ),
        ({"type": "session.input_audio.append", "audio": "@@@"}, "invalid_value", "audio"),
        (
            {"type": "session.input_audio.append", "audio": "", "rate": 1},
            "unknown_parameter",
            "rate",
        ),
        ({"type": "response.create"}, "delegation_mismatch", None),
        ({"type": "input_audio_buffer.commit"}, "invalid_value", "type"),
        ({"type": "session.close", "reason": "bye"}, "unknown_parameter", "reason"),
    ],
)
async def test_bad_frames_after_start(frame: dict[str, Any], code: str, param: str | None) -> None:
    async with Simulator() as sim:
        ws = await _open(sim)
        await _exchange(ws, START)
        reply = await _exchange(ws, frame)
        assert reply["type"] == "error"
        assert (reply["error"]["code"], reply["error"].get("param")) == (code, param)
        # The session carries on: a later good command is answered.
        ack = await _exchange(ws, {"type": "session.input_audio.mute"})
        assert ack["type"] == "session.input_audio.muted"
        await ws.close()


async def test_a_non_null_delegation_id_is_refused_with_responses_delegation() -> None:
    start = {
        "type": "session.start",
        "session": {
            "model": "gpt-live-1",
            "delegation": {"type": "responses", "responses": {"model": "gpt-5.2"}},
        },
    }
    async with Simulator() as sim:
        ws = await _open(sim)
        await _exchange(ws, start)
        reply = await _exchange(
            ws, {"type": "session.thinking.append", "content": "x", "delegation_id": "dlg_1"}
        )
        assert reply["error"]["code"] == "delegation_mismatch"
        assert reply["error"]["param"] == "delegation_id"
        await ws.close()


async def test_a_realtime_model_is_refused_in_session_start() -> None:
    async with Simulator() as sim:
        ws = await _open(sim)
        reply = await _exchange(ws, {"type": "session.start", "session": {"model": "gpt-realtime"}})
        assert (reply["error"]["code"], reply["error"]["param"]) == (
            "invalid_model",
            "session.model",
        )
        await ws.close()


async def test_a_wrong_key_is_refused_and_closed_3000() -> None:
    async with Simulator(api_key="sk-right") as sim:
        ws = await _open(sim, key="sk-wrong-key")
        with anyio.fail_after(WAIT):
            frame = await ws.recv()
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        SERVER_EVENT.validate_json(frame)
        assert json.loads(frame)["error"]["code"] == "invalid_api_key"
        assert ws.close_code == 3000
