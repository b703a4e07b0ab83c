"""The fault matrix: a drop after every server event of a text, an audio, a tool and a handoff
turn, over the simulator, with reconnect on.

Each run: a first turn, the scenario's turn (where the connection drops), then a last turn.
Whatever event the drop follows, the conversation carries on: the session reconnects, the
first turn's items are kept as they were, the last turn is answered, no item is lost or
duplicated, and no tool runs twice. The turn in flight may end differently from an undisturbed
run (a reply cut where it was heard and asked for again, user speech partly heard by the old
server): that is the documented exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio
import pytest
from session_kit import chunks, events_until, open_session, speech

from rtvoice import RealtimeAgent, function_tool
from rtvoice.audio import PlaybackTracker
from rtvoice.session import RealtimeSession, RealtimeSessionEvent
from rtvoice.simulator import Faults, Simulator

pytestmark = pytest.mark.anyio

FAST = {"reconnect": {"max_attempts": 3, "initial_delay_s": 0.01, "max_delay_s": 0.02}}

runs: list[str] = []


@function_tool
def lookup(city: str) -> str:
    """Look up a city."""
    runs.append(city)
    return f"sunny in {city}"


billing = RealtimeAgent(name="billing", instructions='Begin every answer with "Billing:"')
triage = RealtimeAgent(name="triage", tools=[lookup], handoffs=[billing])


async def text_turn(session: RealtimeSession) -> None:
    await session.send_message("how are you")


async def audio_turn(session: RealtimeSession) -> None:
    for chunk in chunks(speech("what time is it")):
        await session.send_audio(chunk)


async def tool_turn(session: RealtimeSession) -> None:
    await session.send_message('call lookup {"city": "Oslo"}')


async def handoff_turn(session: RealtimeSession) -> None:
    await session.send_message("transfer to billing")


Turn = Callable[[RealtimeSession], Awaitable[None]]
SCENARIOS: dict[str, Turn] = {
    "text": text_turn,
    "audio": audio_turn,
    "tool": tool_turn,
    "handoff": handoff_turn,
}


@dataclass
class Run:
    history: list[tuple[str, str, str | None]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    frames_before: int = 0
    frames_total: int = 0


def view(session: RealtimeSession) -> list[tuple[str, str, str | None]]:
    return [(item.type, getattr(item, "text", ""), item.status) for item in session.history]


async def converse(turn: Turn, faults: Faults | None = None, *, count: bool = False) -> Run:
    run = Run()
    seen: list[RealtimeSessionEvent] = []

    tracker = PlaybackTracker()  # the application plays each chunk at once: no barge-in

    def turn_over(event: RealtimeSessionEvent) -> bool:
        seen.append(event)
        if event.type == "audio":
            chunk = event.audio
            tracker.on_play_bytes(chunk.item_id, chunk.content_index, len(chunk.data))
        return event.type == "agent_end"

    async with (
        Simulator(faults=faults or Faults()) as sim,
        open_session(
            sim, agent=triage, config=FAST, include_raw_events=count, playback_tracker=tracker
        ) as session,
    ):
        await session.send_message("hello")
        await events_until(session, turn_over)
        run.frames_before = sum(event.type == "raw_model_event" for event in seen)
        await turn(session)
        await events_until(session, turn_over)
        run.frames_total = sum(event.type == "raw_model_event" for event in seen)
        await session.send_message("bye")
        await events_until(session, turn_over)
        run.history = view(session)
        run.ids = [item.item_id for item in session.history]
    run.kinds = [event.type for event in seen]
    return run


def check(name: str, undisturbed: Run, disturbed: Run, dropped_after: int) -> None:
    where = f"{name} turn, drop after event {dropped_after}"
    assert disturbed.kinds.count("connection_lost") == 1, where
    assert "reconnected" in disturbed.kinds, where
    assert disturbed.history[:2] == undisturbed.history[:2], where  # the first turn, as it was
    assert disturbed.history[-2][:2] == ("user_message", "bye"), (
        where,
        disturbed.history,
        undisturbed.history,
        disturbed.kinds,
    )
    assert disturbed.history[-1][1].endswith("You said: bye"), where
    assert disturbed.history[-1][2] == "completed", where
    assert len(set(disturbed.ids)) == len(disturbed.ids), where  # nothing twice


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_a_drop_after_any_event_of_the_turn_is_carried_over(name: str) -> None:
    turn = SCENARIOS[name]
    runs.clear()
    undisturbed = await converse(turn, count=True)
    assert "connection_lost" not in undisturbed.kinds
    expected_runs = list(runs)
    # Frames of the connection before the scenario's turn: session.created, session.updated
    # and the first turn's; then every frame of the scenario's turn is a drop point.
    first, last = undisturbed.frames_before + 1, undisturbed.frames_total
    assert last - first >= 5, f"{name}: the turn should have several events"
    for dropped_after in range(first, last + 1):
        runs.clear()
        with anyio.fail_after(15):
            disturbed = await converse(turn, Faults(drop_after_events=dropped_after, connections=1))
        check(name, undisturbed, disturbed, dropped_after)
        assert runs == expected_runs, f"{name}: the tool ran {runs}, drop after {dropped_after}"
