"""The official ``openai`` SDK's realtime client holds a conversation with the simulator:
the simulator must look like the real service to the reference client."""

from __future__ import annotations

import json

import anyio
import pytest

from rtvoice.simulator import Simulator

openai = pytest.importorskip("openai")

pytestmark = pytest.mark.anyio

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def _client(sim: Simulator) -> openai.AsyncOpenAI:
    base_url = sim.url.replace("ws://", "http://", 1)
    return openai.AsyncOpenAI(base_url=base_url, api_key="sk-sdk-test", max_retries=0)


async def _events_until(connection: object, event_type: str) -> list[object]:
    events = []
    with anyio.fail_after(10):
        async for event in connection:  # type: ignore[attr-defined]
            events.append(event)
            if event.type == event_type:
                return events
    raise AssertionError(f"connection ended before {event_type}")


async def test_sdk_text_conversation() -> None:
    async with Simulator() as sim:
        client = _client(sim)
        async with client.realtime.connect(model="gpt-realtime") as connection:
            await connection.session.update(
                session={"type": "realtime", "output_modalities": ["text"]}
            )
            await connection.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "good morning"}],
                }
            )
            await connection.response.create()
            events = await _events_until(connection, "response.done")
    names = [event.type for event in events]
    assert names[0] == "session.created"
    assert "session.updated" in names
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    done = next(e for e in events if e.type == "response.output_text.done")
    assert text == done.text == "You said: good morning"
    response = events[-1].response
    assert response.status == "completed"
    assert response.usage is not None


async def test_sdk_tool_call_round_trip() -> None:
    async with Simulator() as sim:
        client = _client(sim)
        async with client.realtime.connect(model="gpt-realtime") as connection:
            await connection.session.update(
                session={
                    "type": "realtime",
                    "output_modalities": ["text"],
                    "tools": [WEATHER_TOOL],
                    "tool_choice": "auto",
                }
            )
            await connection.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": 'call get_weather {"city": "Paris"}'}
                    ],
                }
            )
            await connection.response.create()
            events = await _events_until(connection, "response.done")
            call = next(e for e in events if e.type == "response.function_call_arguments.done")
            assert call.name == "get_weather"
            assert json.loads(call.arguments) == {"city": "Paris"}
            await connection.conversation.item.create(
                item={
                    "type": "function_call_output",
                    "call_id": call.call_id,
                    "output": "Sunny in Paris",
                }
            )
            await connection.response.create()
            events = await _events_until(connection, "response.done")
    answer = next(e for e in events if e.type == "response.output_text.done")
    assert answer.text == "get_weather returned: Sunny in Paris"


async def test_sdk_sees_errors_as_events() -> None:
    async with Simulator() as sim:
        client = _client(sim)
        async with client.realtime.connect(model="gpt-realtime") as connection:
            await connection.response.cancel(event_id="evt_cancel")
            events = await _events_until(connection, "error")
    error = events[-1].error
    assert error.code == "response_cancel_not_active"
    assert error.event_id == "evt_cancel"
