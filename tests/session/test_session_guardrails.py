"""Guardrails in a live session: the blocked speech stops, short replies are checked too."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from session_kit import WAIT, Recorder, chunks, events_until, kinds, open_session, speech

from rtvoice.agent import RealtimeAgent
from rtvoice.guardrails import GuardrailFunctionOutput, input_guardrail, output_guardrail
from rtvoice.model.commands import CancelResponse, TruncateItem
from rtvoice.model.events import ErrorEvent, ResponseDone
from rtvoice.session import (
    AssistantMessageItem,
    AudioEvent,
    AudioInterruptedEvent,
    ErrorSessionEvent,
    GuardrailTrippedEvent,
    RawModelEvent,
    RealtimeSessionEvent,
    SystemMessageItem,
    TranscriptDeltaEvent,
)
from rtvoice.simulator import Simulator

pytestmark = pytest.mark.anyio


class SecretsGuard:
    """Trips on "secret" the first time only, so the replacement answer goes through."""

    def __init__(self) -> None:
        self.checked: list[str] = []
        self.trips = 0

    def __call__(self, context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        self.checked.append(text)
        tripped = "secret" in text and self.trips == 0
        self.trips += tripped
        return GuardrailFunctionOutput(tripwire_triggered=tripped, info="no secrets")


def raw(events: list[RealtimeSessionEvent]) -> list[Any]:
    return [event.event for event in events if isinstance(event, RawModelEvent)]


def one(events: list[RealtimeSessionEvent], kind: type[Any]) -> Any:
    [found] = [event for event in events if isinstance(event, kind)]
    return found


def assert_stopped(events: list[RealtimeSessionEvent], recorder: Recorder) -> str:
    """The tripped item's audio stopped and was truncated where it was heard; its id."""
    interrupted = one(events, AudioInterruptedEvent)
    tripped = one(events, GuardrailTrippedEvent)
    assert events.index(interrupted) < events.index(tripped)
    item_id: str = interrupted.item_id
    after = events[events.index(interrupted) + 1 :]
    assert not any(isinstance(e, AudioEvent) and e.audio.item_id == item_id for e in after)
    assert not any(isinstance(e, TranscriptDeltaEvent) and e.item_id == item_id for e in after)
    [truncate] = recorder.of(TruncateItem)
    assert truncate.item_id == item_id
    assert 0 < truncate.audio_end_ms == interrupted.played_ms
    assert not [e for e in raw(events) if isinstance(e, ErrorEvent)]  # the server took it all
    return item_id


async def test_output_guardrail_trips_mid_reply_longer_than_the_debounce() -> None:
    guard = SecretsGuard()
    config = {
        "output_guardrails": [output_guardrail(name="no_secrets")(guard)],
        "guardrails_settings": {"debounce_text_length": 30},
    }
    recorder = Recorder()
    message = "tell me the secret code of the vault please"
    async with (
        Simulator(pace=4.0) as sim,
        open_session(sim, config=config, recorder=recorder, include_raw_events=True) as session,
    ):
        await session.send_message(message)
        events = await events_until(
            session,
            lambda e: (
                isinstance(e, RawModelEvent)
                and isinstance(e.event, ResponseDone)
                and e.event.response.status == "completed"
            ),
        )

    item_id = assert_stopped(events, recorder)
    tripped = one(events, GuardrailTrippedEvent)
    full = f"You said: {message}"
    assert "secret" in tripped.text
    assert 30 <= len(tripped.text) < len(full)  # caught while streaming, not at the end
    assert [result.output.info for result in tripped.results] == ["no secrets"]
    assert tripped.results[0].guardrail.name == "no_secrets"
    # The response was still running: it was cancelled.
    assert [c.response_id for c in recorder.of(CancelResponse)] == [
        next(e.audio.response_id for e in events if isinstance(e, AudioEvent))
    ]
    cancelled = next(e for e in raw(events) if isinstance(e, ResponseDone))
    assert cancelled.response.status == "cancelled"
    # Then the agent answered again, told why.
    notice = next(item for item in session.history if isinstance(item, SystemMessageItem))
    assert "withheld by the 'no_secrets' guardrail" in notice.text
    replacement = session.history[-1]
    assert isinstance(replacement, AssistantMessageItem)
    assert replacement.item_id != item_id
    assert replacement.text == full
    # The tripped item was not checked again (the replacement is a new item, checked anew).
    assert guard.checked[: guard.checked.index(tripped.text) + 1] == [tripped.text]


async def test_output_guardrail_trips_on_a_reply_shorter_than_the_debounce() -> None:
    guard = SecretsGuard()
    agent = RealtimeAgent(
        name="Leaky", output_guardrails=[output_guardrail(name="no_secrets")(guard)]
    )
    recorder = Recorder()
    async with (
        Simulator(pace=4.0) as sim,
        open_session(sim, agent=agent, recorder=recorder, include_raw_events=True) as session,
    ):
        await session.send_message("a secret")
        events = await events_until(session, "guardrail_tripped")
        events += await events_until(session, "agent_end")

    assert_stopped(events, recorder)
    tripped = one(events, GuardrailTrippedEvent)
    assert tripped.text == "You said: a secret"  # the whole reply, checked at its end
    assert guard.checked[0] == "You said: a secret"
    assert isinstance(session.history[-1], AssistantMessageItem)
    assert session.history[-1].text == "You said: a secret"  # the replacement


async def test_input_guardrail_trip_cancels_the_answer_to_a_message() -> None:
    @input_guardrail
    async def no_forbidden(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(tripwire_triggered="forbidden" in text)

    recorder = Recorder()
    config = {"input_guardrails": [no_forbidden]}
    async with (
        Simulator(pace=4.0) as sim,
        open_session(sim, config=config, recorder=recorder, include_raw_events=True) as session,
    ):
        await session.send_message("let us talk about forbidden things for a long while")
        events = await events_until(session, "agent_end")
        await session.send_message("fine")
        events += await events_until(session, "agent_end")

    tripped = one(events, GuardrailTrippedEvent)
    assert tripped.text == "let us talk about forbidden things for a long while"
    assert tripped.results[0].guardrail is no_forbidden
    assert recorder.of(CancelResponse)
    done = [e for e in raw(events) if isinstance(e, ResponseDone)]
    assert done[0].response.status == "cancelled"
    assert session.history[-1].text == "You said: fine"  # type: ignore[union-attr]
    assert not [e for e in raw(events) if isinstance(e, ErrorEvent)]


async def test_input_guardrail_checks_the_final_transcription_once() -> None:
    seen: list[str] = []

    @input_guardrail
    def no_forbidden(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        seen.append(text)
        return GuardrailFunctionOutput(tripwire_triggered="forbidden" in text)

    config = {
        "input_guardrails": [no_forbidden],
        "model_settings": {"audio": {"input": {"transcription": {"model": "whisper-1"}}}},
    }
    async with Simulator(pace=4.0) as sim, open_session(sim, config=config) as session:
        for chunk in chunks(speech("forbidden words")):
            await session.send_audio(chunk)
        events = await events_until(session, "guardrail_tripped")
    assert one(events, GuardrailTrippedEvent).text == "forbidden words"
    assert seen == ["forbidden words"]


async def test_a_failing_guardrail_is_an_error_event_and_the_conversation_goes_on(
    sim: Simulator,
) -> None:
    @output_guardrail
    def broken(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        raise ValueError("model unavailable")

    async with open_session(sim, config={"output_guardrails": [broken]}) as session:
        await session.send_message("hi")
        events = await events_until(session, "agent_end")
        with anyio.fail_after(WAIT):
            while not any(isinstance(e, ErrorSessionEvent) for e in events):
                events += await events_until(session, "error")
    error = one(events, ErrorSessionEvent).error
    assert error.type == "guardrail_error"
    assert "'broken'" in error.message
    assert "model unavailable" in error.message
    assert "guardrail_tripped" not in kinds(events)
    assert session.history[-1].text == "You said: hi"  # type: ignore[union-attr]


async def test_checks_are_debounced_and_never_repeat_a_text(sim: Simulator) -> None:
    full = "You said: abcdefghij klmnop"
    checked: list[str] = []
    finished = anyio.Event()

    @output_guardrail
    async def record(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        checked.append(text)
        if text == full:
            finished.set()
        return GuardrailFunctionOutput(tripwire_triggered=False)

    config = {"output_guardrails": [record], "guardrails_settings": {"debounce_text_length": 10}}
    async with open_session(sim, config=config) as session:
        await session.send_message("abcdefghij klmnop")
        await events_until(session, "agent_end")
        with anyio.fail_after(WAIT):
            await finished.wait()
    assert len(checked) == len(set(checked))
    assert all(full.startswith(text) for text in checked)
    lengths = [len(text) for text in checked]
    assert lengths == sorted(lengths)
    assert lengths[0] >= 10
    assert checked.count(full) == 1
