"""Responses delegation in the simulator's GPT-Live mode, and ``POST /v1/responses`` through
the ``openai`` SDK's own client."""

from __future__ import annotations

import json

import openai
import pytest
from live_wire import Wire, client_for, events_until, joined, live_session, say
from openai.types.responses import Response

from rtvoice.simulator import Simulator

pytest.importorskip("openai")

pytestmark = pytest.mark.anyio

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}

RESPONSES_SESSION = {
    "model": "gpt-live-1",
    "delegation": {
        "type": "responses",
        "responses": {"model": "gpt-5.2", "instructions": "Use the tools.", "tools": [WEATHER]},
    },
}


async def test_function_call_round_trip_through_the_hosted_backend() -> None:
    wire = Wire()
    async with (
        Simulator(frame_observer=wire) as sim,
        live_session(sim, RESPONSES_SESSION) as connection,
    ):
        await say(connection, 'call get_weather {"city": "Paris"}')
        events = await events_until(connection, "session.delegation.created")
        delegation = events[-1].delegation
        assert delegation.target == "responses"
        assert delegation.response_id
        stream = await _nested_until(connection, "response.completed")
        assert [e["type"] for e in stream] == [
            "response.created",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
        assert stream[0]["response"]["id"] == delegation.response_id  # type: ignore[index]
        call = stream[-2]["item"]
        assert (call["type"], call["name"]) == ("function_call", "get_weather")
        assert json.loads(call["arguments"]) == {"city": "Paris"}

        await connection.response.item.create(
            item={"type": "function_call_output", "call_id": call["call_id"], "output": "Sunny"}
        )
        await connection.response.create(event_id="go")
        answer = await _nested_until(connection, "response.completed")
        texts = [e["text"] for e in answer if e["type"] == "response.output_text.done"]
        assert texts == ["get_weather returned: Sunny"]
        spoken = await events_until(connection, "session.usage.updated")
    assert joined(spoken, "session.output_transcript.delta") == "get_weather returned: Sunny"
    envelopes = [f for f in wire.sent("server") if f["type"] == "response.event"]
    assert {f["delegation_id"] for f in envelopes} == {delegation.id}
    assert [f.get("client_event_id") for f in envelopes].count("go") == 1
    wire.check()


async def test_a_plain_answer_needs_no_delegation() -> None:
    wire = Wire()
    async with (
        Simulator(frame_observer=wire) as sim,
        live_session(sim, RESPONSES_SESSION) as connection,
    ):
        await say(connection, "hello")
        events = await events_until(connection, "session.usage.updated")
    assert joined(events, "session.output_transcript.delta") == "You said: hello"
    assert not [e for e in events if e.type == "session.delegation.created"]
    wire.check()


async def test_response_create_with_no_delegation_open_is_uncorrelated() -> None:
    wire = Wire()
    async with (
        Simulator(frame_observer=wire) as sim,
        live_session(sim, RESPONSES_SESSION) as connection,
    ):
        await connection.response.item.create(
            item={"type": "message", "role": "user", "content": "call get_weather"}
        )
        await connection.response.create()
        stream = await _nested_until(connection, "response.completed")
    calls = [e["item"] for e in stream if e["type"] == "response.output_item.done"]
    assert [call["name"] for call in calls] == ["get_weather"]  # type: ignore[index]
    envelopes = [f for f in wire.sent("server") if f["type"] == "response.event"]
    assert {f["delegation_id"] for f in envelopes} == {None}
    wire.check()


async def _nested_until(connection: object, event_type: str) -> list[dict[str, object]]:
    events = await events_until(connection, "response.event")
    nested = [events[-1].event]
    while nested[-1]["type"] != event_type:
        nested.append((await events_until(connection, "response.event"))[-1].event)
    return nested


async def test_sdk_responses_create_gets_a_function_call() -> None:
    async with Simulator(api_key="sk-live-test") as sim:
        response = await client_for(sim).responses.create(
            model="gpt-5.2",
            input=[{"role": "user", "content": 'call get_weather {"city": "Oslo"}'}],
            tools=[WEATHER],  # type: ignore[list-item]
            instructions="Use the tools.",
            store=False,
        )
    assert isinstance(response, Response)
    [call] = response.output
    assert call.type == "function_call"
    assert (call.name, call.arguments) == ("get_weather", '{"city": "Oslo"}')
    assert response.status == "completed"


async def test_sdk_responses_create_answers_a_tool_output_in_text() -> None:
    async with Simulator() as sim:
        response = await client_for(sim).responses.create(
            model="gpt-5.2",
            input=[
                {"role": "user", "content": "call get_weather"},
                {
                    "type": "function_call",
                    "call_id": "c1",
                    "name": "get_weather",
                    "arguments": "{}",
                },
                {"type": "function_call_output", "call_id": "c1", "output": "Rain"},
            ],
            tools=[WEATHER],  # type: ignore[list-item]
            store=False,
        )
    assert response.output_text == "get_weather returned: Rain"
    assert response.output[0].type == "message"


async def test_responses_create_with_a_wrong_key_is_401() -> None:
    async with Simulator(api_key="sk-right") as sim:
        client = openai.AsyncOpenAI(
            base_url=sim.url.replace("ws://", "http://", 1), api_key="sk-wrong", max_retries=0
        )
        with pytest.raises(openai.AuthenticationError) as caught:
            await client.responses.create(model="gpt-5.2", input="hello", store=False)
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
