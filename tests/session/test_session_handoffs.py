"""Handoffs in a live session: formats kept, the new agent answers, the voice rule, chains."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel
from session_kit import Recorder, events_until, kinds, open_session

from rtvoice.agent import RealtimeAgent
from rtvoice.handoffs import handoff
from rtvoice.model.commands import UpdateSession
from rtvoice.model.events import ErrorEvent, SessionUpdated
from rtvoice.session import (
    AssistantMessageItem,
    AudioEvent,
    ErrorSessionEvent,
    HandoffEvent,
    RawModelEvent,
    RealtimeSessionEvent,
    ToolCallItem,
)
from rtvoice.simulator import Simulator, decode_speech
from rtvoice.tools import function_tool

pytestmark = pytest.mark.anyio


@function_tool
def lookup_balance() -> str:
    """The caller's balance."""
    return "42 euros"


BILLING = RealtimeAgent(
    name="Billing", instructions='Begin every answer with "Billing here."', tools=[lookup_balance]
)
TRIAGE = RealtimeAgent(
    name="Triage", instructions='Begin every answer with "Triage here."', handoffs=[BILLING]
)

PHONE = {
    "model_settings": {
        "audio": {
            "input": {
                "format": "g711_ulaw",
                "transcription": {"model": "gpt-4o-mini-transcribe"},
                "turn_detection": {"type": "semantic_vad", "eagerness": "high"},
            },
            "output": {"format": "g711_ulaw"},
        }
    }
}


def raw(events: list[RealtimeSessionEvent]) -> list[Any]:
    return [event.event for event in events if isinstance(event, RawModelEvent)]


def audio_of(events: list[RealtimeSessionEvent], item_id: str) -> bytes:
    return b"".join(
        e.audio.data for e in events if isinstance(e, AudioEvent) and e.audio.item_id == item_id
    )


async def test_handoff_keeps_g711_and_the_new_agent_answers(sim: Simulator) -> None:
    recorder = Recorder()
    async with open_session(
        sim, agent=TRIAGE, config=PHONE, recorder=recorder, include_raw_events=True
    ) as session:
        await session.send_message("transfer to billing")
        events = await events_until(session, "agent_end")
        assert session.current_agent is BILLING

    [switch] = [event for event in events if isinstance(event, HandoffEvent)]
    assert (switch.from_agent, switch.to_agent) == (TRIAGE, BILLING)
    assert kinds(events).count("agent_end") == 1
    # Every session.update on the wire says G.711, the transcription and the turn detection.
    updates = recorder.of(UpdateSession)
    assert len(updates) == 2
    for update in updates:
        config = update.session
        assert (config.input_format, config.output_format) == ("g711_ulaw", "g711_ulaw")
        assert config.transcription is not None
        assert config.transcription.model == "gpt-4o-mini-transcribe"
        assert config.turn_detection is not None
        assert config.turn_detection.type == "semantic_vad"
    assert updates[1].session.instructions == 'Begin every answer with "Billing here."'
    assert [tool.name for tool in updates[1].session.tools or ()] == ["lookup_balance"]  # type: ignore[union-attr]
    confirmed = [e for e in raw(events) if isinstance(e, SessionUpdated)][-1].session
    assert (confirmed.input_format, confirmed.output_format) == ("g711_ulaw", "g711_ulaw")
    assert not [e for e in raw(events) if isinstance(e, ErrorEvent)]
    # The new agent spoke next, in G.711, and the history is one conversation.
    answer = session.history[-1]
    assert isinstance(answer, AssistantMessageItem)
    assert answer.agent_name == "Billing"
    heard = decode_speech(audio_of(events, answer.item_id), "g711_ulaw")
    assert heard.startswith("Billing here. transfer_to_billing returned:")
    call = session.history[1]
    assert isinstance(call, ToolCallItem)
    assert (call.name, call.agent_name) == ("transfer_to_billing", "Triage")
    assert json.loads(call.output or "") == {"assistant": "Billing"}
    # Billing's own tools work after the switch.
    async with open_session(sim, agent=BILLING, config=PHONE) as billing:
        await billing.send_message("call lookup_balance")
        await events_until(billing, "agent_end")
        assert billing.history[-1].text == "Billing here. lookup_balance returned: 42 euros"  # type: ignore[union-attr]


async def test_a_voice_change_after_audio_is_refused_cleanly(sim: Simulator) -> None:
    echo = RealtimeAgent(name="Echo Agent", instructions="Speak.", voice="echo")
    first = RealtimeAgent(name="First", handoffs=[echo])
    recorder = Recorder()
    async with open_session(
        sim, agent=first, recorder=recorder, include_raw_events=True
    ) as session:
        await session.send_message("hello")
        events = await events_until(session, "agent_end")  # the assistant has spoken
        await session.send_message("transfer to echo agent")
        events += await events_until(session, "agent_end")
        assert session.current_agent is echo

    warnings = [e for e in events if isinstance(e, ErrorSessionEvent)]
    assert [(w.error.type, w.error.code) for w in warnings] == [("warning", "voice_locked")]
    assert "'echo'" in warnings[0].error.message
    assert not [e for e in raw(events) if isinstance(e, ErrorEvent)]  # no server error
    assert recorder.of(UpdateSession)[-1].session.voice is None
    assert [e for e in raw(events) if isinstance(e, SessionUpdated)][-1].session.voice == "alloy"
    assert session.history[-1].text.startswith("transfer_to_echo_agent returned")  # type: ignore[union-attr]


async def test_a_voice_change_before_any_audio_is_applied(sim: Simulator) -> None:
    coral = RealtimeAgent(name="Coral", voice="coral")
    first = RealtimeAgent(name="First", handoffs=[coral])
    config = {"model_settings": {"output_modalities": ["text"]}}
    async with open_session(sim, agent=first, config=config, include_raw_events=True) as session:
        await session.send_message("transfer to coral")
        events = await events_until(session, "agent_end")
    assert not [e for e in events if isinstance(e, ErrorSessionEvent)]
    assert [e for e in raw(events) if isinstance(e, SessionUpdated)][-1].session.voice == "coral"


async def test_a_chain_there_and_back(sim: Simulator) -> None:
    home = RealtimeAgent(name="Triage", instructions='Begin every answer with "Triage here."')
    billing = RealtimeAgent(
        name="Billing", instructions='Begin every answer with "Billing here."', handoffs=[home]
    )
    triage = home.clone(handoffs=[billing])
    async with open_session(sim, agent=triage) as session:
        await session.send_message("transfer to billing")
        events = await events_until(session, "agent_end")
        await session.send_message("transfer to triage")
        events += await events_until(session, "agent_end")
        await session.send_message("thanks")
        events += await events_until(session, "agent_end")

    switches = [(e.from_agent.name, e.to_agent.name) for e in events if isinstance(e, HandoffEvent)]
    assert switches == [("Triage", "Billing"), ("Billing", "Triage")]
    assert session.current_agent is home
    spoken = [
        (item.agent_name, item.text)
        for item in session.history
        if isinstance(item, AssistantMessageItem)
    ]
    assert [name for name, _ in spoken] == ["Billing", "Triage", "Triage"]
    assert spoken[-1][1] == "Triage here. You said: thanks"
    # One history: the user's three messages, both calls, three answers, in order.
    kinds_in_history = [item.type for item in session.history]
    assert kinds_in_history == [
        "user_message",
        "tool_call",
        "assistant_message",
        "user_message",
        "tool_call",
        "assistant_message",
        "user_message",
        "assistant_message",
    ]


class Reason(BaseModel):
    reason: str


async def test_on_handoff_gets_validated_typed_input(sim: Simulator) -> None:
    got: list[tuple[Any, Reason]] = []

    async def on_handoff(context: Any, data: Reason) -> None:
        got.append((context, data))

    escalate = handoff(BILLING, input_type=Reason, on_handoff=on_handoff)
    triage = RealtimeAgent(name="Triage", handoffs=[escalate])
    async with open_session(sim, agent=triage, context="ctx") as session:
        # "transfer to billing" makes the simulator call the handoff with {}: invalid.
        await session.send_message("transfer to billing")
        events = await events_until(session, "agent_end")
        assert session.current_agent is triage
        errors = [e for e in events if isinstance(e, ErrorSessionEvent)]
        assert [e.error.type for e in errors] == ["handoff_error"]
        assert "handoff" not in kinds(events)
        failed = session.history[-1].text  # type: ignore[union-attr]
        assert failed.startswith("transfer_to_billing returned: Invalid arguments")

        await session.send_message('call transfer_to_billing {"reason": "invoice"}')
        events = await events_until(session, "agent_end")
    assert got == [("ctx", Reason(reason="invoice"))]
    assert session.current_agent is BILLING
    assert "handoff" in kinds(events)
