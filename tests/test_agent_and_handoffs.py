"""RealtimeAgent validation and instructions; handoff tools and their typed input."""

from __future__ import annotations

import anyio
import pytest
from pydantic import BaseModel

from rtvoice import UserError
from rtvoice.agent import RealtimeAgent, snake_case
from rtvoice.handoffs import HandoffInputError, handoff, handoff_for
from rtvoice.tools import function_tool


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


def test_agent_keeps_its_fields_as_tuples() -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Be brief.", tools=[get_weather])
    assert agent.tools == (get_weather,)
    assert agent.clone(voice="ash").voice == "ash"
    assert agent.voice is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "name must be a non-empty string"),
        ({"instructions": 42}, "instructions must be a string or a function"),
        ({"tools": [lambda: None]}, "@function_tool"),
        ({"tools": "get_weather"}, "tools must be a list"),
        ({"handoffs": ["Billing"]}, "handoffs must be RealtimeAgent"),
        ({"voice": ""}, "voice must be a non-empty string"),
    ],
)
def test_agent_validation_names_the_problem(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"name": "A", **changes}
    with pytest.raises(UserError, match=message):
        RealtimeAgent(**fields)  # type: ignore[arg-type]


def test_clone_validates_too() -> None:
    with pytest.raises(UserError, match="voice"):
        RealtimeAgent(name="A").clone(voice="")
    with pytest.raises(UserError, match="clone"):
        RealtimeAgent(name="A").clone(colour="red")


def test_instructions_function_sync_and_async() -> None:
    def sync_instructions(context: dict[str, str], agent: RealtimeAgent[object]) -> str:
        return f"{agent.name} helps {context['user']}"

    async def async_instructions(context: dict[str, str], agent: RealtimeAgent[object]) -> str:
        return f"async {context['user']}"

    async def main() -> None:
        ctx = {"user": "Ada"}
        first = RealtimeAgent(name="Triage", instructions=sync_instructions)
        assert await first.resolve_instructions(ctx) == "Triage helps Ada"
        second = RealtimeAgent(name="B", instructions=async_instructions)
        assert await second.resolve_instructions(ctx) == "async Ada"
        bad = RealtimeAgent(name="C", instructions=lambda c, a: 3)
        with pytest.raises(UserError, match="returned int"):
            await bad.resolve_instructions(ctx)

    anyio.run(main)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Billing Agent", "billing_agent"),
        ("TriageAgent", "triage_agent"),
        (" Tech-Support ", "tech_support"),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def test_bare_agent_handoff_gets_default_tool() -> None:
    billing = RealtimeAgent(name="Billing Agent", handoff_description="Invoices and refunds.")
    tool = handoff_for(billing).to_definition()
    assert tool.name == "transfer_to_billing_agent"
    assert tool.description == "Transfer the conversation to Billing Agent. Invoices and refunds."
    assert tool.parameters == {"type": "object", "properties": {}, "additionalProperties": False}


def test_handoff_with_typed_input_validates_before_the_callback() -> None:
    class Escalation(BaseModel):
        reason: str

    seen: list[Escalation] = []
    target = RealtimeAgent(name="Supervisor")
    transfer = handoff(
        target, tool_name="escalate", input_type=Escalation, on_handoff=lambda c, e: seen.append(e)
    )
    assert transfer.to_definition().parameters is not None
    assert transfer.to_definition().parameters["required"] == ["reason"]

    async def main() -> None:
        await transfer.run_callback(None, '{"reason": "angry caller"}')
        with pytest.raises(HandoffInputError, match="reason"):
            await transfer.run_callback(None, "{}")

    anyio.run(main)
    assert seen == [Escalation(reason="angry caller")]


def test_handoff_rejects_non_agents_and_non_object_inputs() -> None:
    with pytest.raises(UserError, match="RealtimeAgent"):
        handoff("Billing")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="JSON object"):
        handoff(RealtimeAgent(name="A"), input_type=int)
