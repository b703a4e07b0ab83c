"""Conversation turns through a real session over loopback to the simulator."""

from __future__ import annotations

import base64
import json
from collections.abc import Collection
from typing import Any

import anyio
import pytest
from session_kit import ASSISTANT, WAIT, chunks, events_until, kinds, open_session, speech

from rtvoice.agent import RealtimeAgent
from rtvoice.config import normalize_run_config
from rtvoice.model import ConnectRequest, OpenAIRealtimeModel
from rtvoice.model.events import (
    ContentPartAdded,
    ContentPartDone,
    ErrorEvent,
    ItemAdded,
    ModelEvent,
    ResponseCreated,
    SessionUpdated,
)
from rtvoice.model.items import InputImage, InputText
from rtvoice.session import (
    AssistantMessageItem,
    AudioEndEvent,
    AudioEvent,
    ErrorSessionEvent,
    HistoryAddedEvent,
    HistoryUpdatedEvent,
    InputTranscriptEvent,
    RawModelEvent,
    RealtimeSession,
    RealtimeSessionEvent,
    ToolCallItem,
    TranscriptDeltaEvent,
    UsageEvent,
    UserMessageItem,
)
from rtvoice.session.state._server_events import IGNORED_EVENTS
from rtvoice.simulator import Simulator, decode_speech

pytestmark = pytest.mark.anyio

TRANSCRIBED = {"audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n fake").decode()


def first(events: list[RealtimeSessionEvent], kind: str) -> int:
    return next(index for index, event in enumerate(events) if event.type == kind)


def last(events: list[RealtimeSessionEvent], kind: str) -> int:
    return max(index for index, event in enumerate(events) if event.type == kind)


def audio_of(events: list[RealtimeSessionEvent]) -> bytes:
    return b"".join(event.audio.data for event in events if isinstance(event, AudioEvent))


async def test_text_turn_with_audio_output(sim: Simulator) -> None:
    async with open_session(sim) as session:
        await session.send_message("hello there")
        events = await events_until(session, "agent_end")

    # The documented order: the user's item, then the turn, the assistant's item before its
    # output, all audio before audio_end, the final item, usage, and agent_end last.
    assert kinds(events)[:3] == ["history_added", "agent_start", "history_added"]
    assert first(events, "history_added") < first(events, "agent_start")
    assert last(events, "history_added") < first(events, "audio")
    assert last(events, "audio") < first(events, "audio_end") < first(events, "history_updated")
    assert kinds(events)[-3:] == ["history_updated", "usage", "agent_end"]
    assert not any(isinstance(event, ErrorSessionEvent) for event in events)

    assert decode_speech(audio_of(events)) == "You said: hello there"
    spoken = "".join(event.delta for event in events if isinstance(event, TranscriptDeltaEvent))
    assert spoken == "You said: hello there"
    assistant_id = [event for event in events if isinstance(event, HistoryAddedEvent)][
        1
    ].item.item_id
    assert {event.audio.item_id for event in events if isinstance(event, AudioEvent)} == {
        assistant_id
    }
    end = next(event for event in events if isinstance(event, AudioEndEvent))
    assert end.item_id == assistant_id
    usage = next(event for event in events if isinstance(event, UsageEvent))
    assert usage.usage.total_tokens > 0
    assert usage.total == usage.usage

    user, assistant = session.history
    assert isinstance(user, UserMessageItem)
    assert user.content == (InputText(text="hello there"),)
    assert isinstance(assistant, AssistantMessageItem)
    assert (assistant.text, assistant.status, assistant.agent_name) == (
        "You said: hello there",
        "completed",
        "Assistant",
    )
    assert assistant.content[0].audio is None  # type: ignore[union-attr]
    updated = [event for event in events if isinstance(event, HistoryUpdatedEvent)][-1]
    assert updated.history == session.history


async def test_audio_input_with_server_vad(sim: Simulator) -> None:
    async with open_session(sim, config={"model_settings": TRANSCRIBED}) as session:
        for chunk in chunks(speech("what is the weather")):
            await session.send_audio(chunk)
        # The transcription is asynchronous (§7.b): wait for it and for the answer.
        seen: list[RealtimeSessionEvent] = []
        with anyio.fail_after(WAIT):
            async for event in session:
                seen.append(event)
                finals = [e for e in seen if isinstance(e, InputTranscriptEvent) and e.is_final]
                if finals and "agent_end" in kinds(seen):
                    break

    assert first(seen, "speech_started") < first(seen, "speech_stopped")
    assert first(seen, "speech_stopped") < first(seen, "history_added") < first(seen, "agent_start")
    partials = [e for e in seen if isinstance(e, InputTranscriptEvent) and not e.is_final]
    assert partials
    assert partials[-1].text == "what is the weather"
    assert decode_speech(audio_of(seen)) == "You said: what is the weather"
    user, assistant = session.history
    assert isinstance(user, UserMessageItem)
    assert user.text == "what is the weather"
    assert assistant.text == "You said: what is the weather"  # type: ignore[union-attr]


async def test_manual_turns_commit_then_create_response(sim: Simulator) -> None:
    config = {"model_settings": {"audio": {"input": {"turn_detection": None}}}}
    async with open_session(sim, config=config) as session:
        await session.send_audio(speech("first turn", silence_ms=100), commit=True)
        added = await events_until(session, "history_added")
        assert added[-1].item.content[0].type == "input_audio"  # type: ignore[union-attr]
        await session.create_response()
        events = await events_until(session, "agent_end")
        assert decode_speech(audio_of(events)) == "You said: first turn"

        for chunk in chunks(speech("second turn", silence_ms=100)):
            await session.send_audio(chunk)
        await session.commit_audio()
        await session.create_response()
        events = await events_until(session, "agent_end")
        assert decode_speech(audio_of(events)) == "You said: second turn"
        assert "speech_started" not in kinds(events)
    assert len(session.history) == 4


async def test_text_only_output(sim: Simulator) -> None:
    config = {"model_settings": {"output_modalities": ["text"]}}
    async with open_session(sim, config=config) as session:
        await session.send_message("just text")
        events = await events_until(session, "agent_end")
    assert "audio" not in kinds(events)
    assert "audio_end" not in kinds(events)
    text = "".join(event.delta for event in events if isinstance(event, TranscriptDeltaEvent))
    assert text == "You said: just text"
    assistant = session.history[-1]
    assert isinstance(assistant, AssistantMessageItem)
    assert assistant.content[0].type == "output_text"
    assert assistant.text == "You said: just text"


async def test_message_mid_response_is_answered_once_without_server_error() -> None:
    async with (
        Simulator(pace=2.0) as sim,
        open_session(sim, include_raw_events=True) as session,
    ):
        await session.send_message("tell me about the sea")
        events = await events_until(session, "audio")  # the answer is streaming now
        await session.send_message("and the sky")
        await session.send_message("and the stars")
        events += await events_until(session, "agent_end")

    raw = [event.event for event in events if isinstance(event, RawModelEvent)]
    assert not any(isinstance(event, ErrorEvent) for event in raw)
    assert sum(isinstance(event, ResponseCreated) for event in raw) == 2
    assert kinds(events).count("agent_start") == 1
    assert kinds(events).count("agent_end") == 1
    texts = [item.text for item in session.history]
    assert texts[0] == "tell me about the sea"
    assert texts[1].startswith("You said: tell me about the sea")
    assert texts[2:4] == ["and the sky", "and the stars"]
    assert texts[4] == "You said: and the stars"


async def test_structured_message_with_an_image(sim: Simulator) -> None:
    async with open_session(sim, include_raw_events=True) as session:
        await session.send_message(
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "what is this"},
                    {"type": "input_image", "image_url": PNG, "detail": "low"},
                ],
            }
        )
        events = await events_until(session, "agent_end")
    echoed = next(
        event.event.item
        for event in events
        if isinstance(event, RawModelEvent) and isinstance(event.event, ItemAdded)
    )
    assert InputImage(image_url=PNG, detail="low") in echoed.content  # type: ignore[union-attr]
    user = session.history[0]
    assert isinstance(user, UserMessageItem)
    assert user.content == (InputText(text="what is this"), InputImage(image_url=PNG, detail="low"))
    assert session.history[1].text == "You said: what is this"  # type: ignore[union-attr]


async def test_update_agent_changes_the_next_answer_and_keeps_formats(sim: Simulator) -> None:
    config = {
        "model_settings": {
            "audio": {"input": {"format": "g711_ulaw"}, "output": {"format": "g711_ulaw"}}
        }
    }
    french = RealtimeAgent(
        name="French", instructions='Begin every answer with "Bonjour"', voice="echo"
    )
    async with open_session(sim, config=config, include_raw_events=True) as session:
        await session.send_message("one")
        first_turn = await events_until(session, "agent_end")
        await session.update_agent(french)
        assert session.current_agent is french
        await session.send_message("two")
        second_turn = await events_until(session, "agent_end")

    assert decode_speech(audio_of(first_turn), "g711_ulaw") == "You said: one"
    assert decode_speech(audio_of(second_turn), "g711_ulaw") == "Bonjour You said: two"
    raw = [event.event for event in second_turn if isinstance(event, RawModelEvent)]
    assert not any(isinstance(event, ErrorEvent) for event in raw)  # the voice was not forced
    updated = next(event for event in raw if isinstance(event, SessionUpdated))
    assert (updated.session.input_format, updated.session.output_format) == (
        "g711_ulaw",
        "g711_ulaw",
    )
    assert updated.session.voice == "alloy"  # locked after the first audio (§3.4)
    assert updated.session.instructions == 'Begin every answer with "Bonjour"'
    names = [item.agent_name for item in session.history if isinstance(item, AssistantMessageItem)]
    assert names == ["Assistant", "French"]


async def test_update_agent_before_any_audio_sets_the_voice(sim: Simulator) -> None:
    voiced = RealtimeAgent(name="Voiced", voice="coral")
    async with open_session(sim, agent=ASSISTANT, include_raw_events=True) as session:
        await session.update_agent(voiced)
        updates: list[SessionUpdated] = []

        def second_update(event: RealtimeSessionEvent) -> bool:
            if isinstance(event, RawModelEvent) and isinstance(event.event, SessionUpdated):
                updates.append(event.event)
            return len(updates) == 2  # the first is the entry's own configuration

        await events_until(session, second_update)
    assert updates[0].session.voice == "alloy"
    assert updates[1].session.voice == "coral"


async def test_methods_from_another_task_while_iterating(sim: Simulator) -> None:
    async with open_session(sim) as session:

        async def consume() -> None:
            with anyio.fail_after(WAIT):
                async for event in session:
                    if event.type == "agent_end" and len(session.history) == 4:
                        return

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(consume)
            await session.send_message("alpha")
            await session.send_message("beta")
    texts = [item.text for item in session.history]
    # Where "beta" lands relative to the first answer depends on timing; both are answered.
    assert texts[0] == "alpha"
    assert sorted(texts) == ["You said: alpha", "You said: beta", "alpha", "beta"]
    assert texts.index("beta") < texts.index("You said: beta")


async def test_function_call_round_trip_ends_the_turn_once(sim: Simulator) -> None:
    from rtvoice.tools import function_tool

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return f"Sunny in {city}"

    agent = RealtimeAgent(name="Forecaster", tools=[get_weather])
    async with open_session(sim, agent=agent, include_raw_events=True) as session:
        await session.send_message('call get_weather {"city": "Oslo"}')
        events = await events_until(session, "agent_end")
    # The tool definition reached the server (it only calls tools the session has).
    raw = [event.event for event in events if isinstance(event, RawModelEvent)]
    updated = next(event for event in raw if isinstance(event, SessionUpdated))
    assert [tool.name for tool in updated.session.tools or ()] == ["get_weather"]  # type: ignore[union-attr]
    assert not any(isinstance(event, ErrorEvent) for event in raw)
    _, call, answer = session.history
    assert isinstance(call, ToolCallItem)
    assert (call.name, call.status, call.output, call.agent_name) == (
        "get_weather",
        "completed",
        "Sunny in Oslo",
        "Forecaster",
    )
    assert json.loads(call.arguments) == {"city": "Oslo"}
    assert answer.text == "get_weather returned: Sunny in Oslo"  # type: ignore[union-attr]
    # One turn: the call's response and the answer's response, one agent_start / agent_end.
    assert kinds(events).count("agent_start") == 1
    assert kinds(events).count("agent_end") == 1
    assert sum(isinstance(event, ResponseCreated) for event in raw) == 2


class FilterRecordingModel(OpenAIRealtimeModel):
    """The real model, recording what its session asks it to leave out."""

    __slots__ = ("asked",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[frozenset[type[ModelEvent]]] = []

    def ignore_events(self, kinds: Collection[type[ModelEvent]]) -> None:
        self.asked.append(frozenset(kinds))
        super().ignore_events(kinds)


@pytest.mark.parametrize("raw", [False, True])
async def test_the_model_skips_what_the_session_ignores_unless_raw_events_are_asked(
    sim: Simulator, raw: bool
) -> None:
    models: list[FilterRecordingModel] = []

    async def connect(request: ConnectRequest) -> FilterRecordingModel:
        model = await FilterRecordingModel.connect(request)
        models.append(model)
        return model

    session = RealtimeSession(
        agent=ASSISTANT,
        settings=normalize_run_config(None),
        connector=connect,
        request=ConnectRequest(url=sim.realtime_url(), headers=sim.provider().build_headers()),
        include_raw_events=raw,
    )
    async with session:
        await session.send_message("hello")
        events = await events_until(session, "agent_end")
    raw_kinds = {type(event.event) for event in events if isinstance(event, RawModelEvent)}
    if raw:
        assert models[0].asked == []
        assert {ContentPartAdded, ContentPartDone} <= raw_kinds  # everything comes raw
    else:
        assert models[0].asked == [IGNORED_EVENTS]
        assert raw_kinds == set()
    # The same turn either way: transcript, history, usage, the turn's end.
    text = "".join(e.delta for e in events if isinstance(e, TranscriptDeltaEvent))
    assert text == "You said: hello"
    assert kinds(events)[-2:] == ["usage", "agent_end"]
    assert session.history[-1].text == "You said: hello"  # type: ignore[union-attr]
