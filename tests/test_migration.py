"""Code written for openai-agents' ``agents.realtime`` runs with its imports changed.

Each test uses one of their names or shapes, in our own words, against the simulator or the
scripted server (a server nobody here wrote), and checks what the user relies on: the
events, the frames on the wire, the history. docs/migrating.md maps each one.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest

from realtime_server import ScriptedConnection, scripted_server, text_response, user_item_echo
from rtvoice import (
    RECOMMENDED_PROMPT_PREFIX,
    GuardrailFunctionOutput,
    RealtimeAgent,
    RealtimeModelSendRawMessage,
    RealtimeRunner,
    RealtimeSession,
    UserError,
    function_tool,
    handoff,
    output_guardrail,
)
from rtvoice.audio import PlaybackTracker
from rtvoice.model.events import ErrorInfo
from rtvoice.session import RawModelEvent, RealtimeSessionEvent
from rtvoice.simulator import Simulator

pytestmark = pytest.mark.anyio

WAIT = 5.0


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator() as simulator:
        yield simulator


async def until(
    session: RealtimeSession, stop: str | Callable[[RealtimeSessionEvent], bool]
) -> list[RealtimeSessionEvent]:
    matches = (lambda event: event.type == stop) if isinstance(stop, str) else stop
    seen: list[RealtimeSessionEvent] = []
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if matches(event):
                return seen
    raise AssertionError(f"iteration ended before {stop!r}: {[e.type for e in seen]}")


# ---------------------------------------------------------------------------------------------
# Cyclic handoffs


def _desk_and_billing() -> tuple[RealtimeAgent[Any], RealtimeAgent[Any]]:
    # Billing names Desk before Desk exists: the handoffs function is called when Billing
    # becomes active, so neither agent is mutated.
    billing: RealtimeAgent[Any] = RealtimeAgent(
        name="Billing",
        instructions='Begin every answer with "BILLING:"',
        handoffs=lambda: [handoff(desk, tool_name_override="transfer_to_desk")],
    )
    desk: RealtimeAgent[Any] = RealtimeAgent(
        name="Desk",
        instructions=f'{RECOMMENDED_PROMPT_PREFIX}\nBegin every answer with "DESK:"',
        handoffs=[billing],
    )
    return desk, billing


async def test_triage_and_specialist_hand_off_back_and_forth_several_times(sim: Simulator) -> None:
    desk, billing = _desk_and_billing()
    runner = RealtimeRunner(desk, provider=sim.provider())
    moves: list[tuple[str, str]] = []
    answers: list[str] = []
    async with await runner.run() as session:
        for target, expected in [("billing", billing), ("desk", desk)] * 3:
            await session.send_message(f"transfer to {target}")
            events = await until(session, "agent_end")
            moves += [(e.from_agent.name, e.to_agent.name) for e in events if e.type == "handoff"]
            assert session.current_agent is expected
            answers += [
                e.item.text
                for e in events
                if e.type == "history_updated"
                and e.item
                and e.item.type == "assistant_message"
                and e.item.status == "completed"
            ]
    assert moves == [("Desk", "Billing"), ("Billing", "Desk")] * 3
    # Each new agent answered in its own voice after each move.
    assert [text.split(":")[0] for text in answers] == ["BILLING", "DESK"] * 3


async def test_a_cycle_built_by_appending_to_an_agents_handoffs(sim: Simulator) -> None:
    billing = RealtimeAgent(name="Billing")
    desk = RealtimeAgent(name="Desk", handoffs=[billing])
    billing.handoffs.append(desk)  # type: ignore[union-attr]
    runner = RealtimeRunner(desk, provider=sim.provider())
    async with await runner.run() as session:
        for target, expected in [("billing", billing), ("desk", desk)] * 2:
            await session.send_message(f"transfer to {target}")
            await until(session, "agent_end")
            assert session.current_agent is expected
    assert "Desk" in repr(billing)  # the cycle does not recurse forever


def test_appending_something_that_is_not_an_agent_names_the_problem() -> None:
    desk = RealtimeAgent(name="Desk")
    with pytest.raises(UserError, match="handoffs must be RealtimeAgent"):
        desk.handoffs.append("Billing")  # type: ignore[union-attr]
    assert desk.handoffs == []
    hash(desk)  # still usable as a dict key
    desk.handoffs[:] = ["Billing"]  # past the checks of append: caught when Desk is next active
    with pytest.raises(UserError, match=r"'Desk'.*handoffs must be RealtimeAgent"):
        desk.resolve_handoffs()


def test_a_handoffs_function_that_returns_no_list_fails_with_the_agents_name() -> None:
    agent = RealtimeAgent(name="Loop", handoffs=lambda: "Desk")  # type: ignore[arg-type,return-value]
    with pytest.raises(UserError, match=r"'Loop'.*must return a list"):
        agent.resolve_handoffs()


async def test_a_snapshot_resumes_on_an_agent_reached_only_through_a_handoffs_function(
    sim: Simulator,
) -> None:
    desk, billing = _desk_and_billing()
    snapshot = (await RealtimeRunner(desk, provider=sim.provider()).run()).snapshot()
    runner = RealtimeRunner(billing, provider=sim.provider())
    session = await runner.run(resume=snapshot)
    assert session.current_agent is desk


# ---------------------------------------------------------------------------------------------
# Events, history and the session, with their names


async def test_tool_events_carry_the_tool_and_the_arguments(sim: Simulator) -> None:
    @function_tool(name_override="lookup_fare", description_override="Fare between two cities.")
    def fare(origin: str, destination: str) -> str:
        """Not this text."""
        return f"{origin}-{destination}: 120 EUR"

    agent = RealtimeAgent(name="Fares", tools=[fare])
    runner = RealtimeRunner(
        agent, provider=sim.provider(), config={"model_settings": {"model_name": "gpt-realtime"}}
    )
    async with await runner.run() as session:
        await session.send_message('call lookup_fare {"origin": "Oslo", "destination": "Rome"}')
        events = await until(session, "agent_end")
    [start] = [e for e in events if e.type == "tool_start"]
    [end] = [e for e in events if e.type == "tool_end"]
    assert start.tool is fare
    assert end.tool is fare
    assert fare.name == "lookup_fare"
    assert fare.description == "Fare between two cities."
    assert json.loads(end.arguments) == {"origin": "Oslo", "destination": "Rome"}
    assert end.output == "Oslo-Rome: 120 EUR"


async def test_audio_events_name_their_item_directly_and_history_dumps_to_json(
    sim: Simulator,
) -> None:
    runner = RealtimeRunner(RealtimeAgent(name="Talker"), provider=sim.provider())
    async with await runner.run(context={"caller": "+4712345678"}) as session:
        await session.send_message(
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hello"}],
            }
        )
        events = await until(session, "agent_end")
        info = session.info
    audio = [e for e in events if e.type == "audio"]
    assert audio
    assert all(
        (e.item_id, e.content_index, e.response_id)
        == (e.audio.item_id, e.audio.content_index, e.audio.response_id)
        for e in audio
    )
    assert info.context == {"caller": "+4712345678"}
    assert info.agent.name == "Talker"
    dumped = [item.model_dump() for item in session.history]
    assert json.loads(json.dumps(dumped))[0]["content"] == [{"text": "hello", "type": "input_text"}]
    assert [entry["type"] for entry in dumped] == ["user_message", "assistant_message"]


async def test_a_message_dict_with_another_type_is_refused_before_anything_is_sent(
    sim: Simulator,
) -> None:
    runner = RealtimeRunner(RealtimeAgent(name="A"), provider=sim.provider())
    async with await runner.run() as session:
        wrong: Any = {"type": "item", "role": "user", "content": [{"type": "input_text"}]}
        with pytest.raises(UserError, match=r"'type'.*'message'"):
            await session.send_message(wrong)
        assert session.history == ()


@output_guardrail
def no_prices(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(output_info={"word": "said"}, tripwire_triggered="said" in text)


async def test_a_guardrail_built_with_output_info_trips_and_the_event_has_both_names(
    sim: Simulator,
) -> None:
    runner = RealtimeRunner(
        RealtimeAgent(name="A"),
        provider=sim.provider(),
        config={
            "output_guardrails": [no_prices],
            "guardrails_settings": {"debounce_text_length": 5},
        },
    )
    async with await runner.run() as session:
        await session.send_message("anything")
        events = await until(session, "guardrail_tripped")
    tripped = events[-1]
    assert tripped.type == "guardrail_tripped"
    assert tripped.guardrail_results == tripped.results
    assert tripped.message == tripped.text
    [result] = tripped.guardrail_results
    assert result.output.output_info == {"word": "said"} == result.output.info
    assert "said" in tripped.message


def test_guardrail_output_refuses_both_spellings_of_its_info() -> None:
    with pytest.raises(UserError, match="info or output_info"):
        GuardrailFunctionOutput(True, "a", output_info="b")


def test_event_info_points_to_session_info() -> None:
    from rtvoice.session import AgentEndEvent, NoEventInfoError

    event = AgentEndEvent(agent=RealtimeAgent(name="A"))
    with pytest.raises(NoEventInfoError, match=r"session\.info"):
        _ = event.info
    assert not hasattr(event, "info")  # also an AttributeError, so getattr defaults work


def test_a_raw_model_event_offers_its_event_as_data() -> None:
    from rtvoice.model.events import ErrorEvent

    inner = ErrorEvent(error=ErrorInfo(type="server_error", message="x"))
    assert RawModelEvent(event=inner).data is inner


@function_tool(needs_approval=True)
def refund(amount: int) -> str:
    """Refund an amount."""
    return "refunded"


async def test_reject_tool_call_takes_rejection_message(sim: Simulator) -> None:
    runner = RealtimeRunner(RealtimeAgent(name="A", tools=[refund]), provider=sim.provider())
    async with await runner.run() as session:
        await session.send_message('call refund {"amount": 5}')
        asked = (await until(session, "tool_approval_required"))[-1]
        assert asked.type == "tool_approval_required"
        assert asked.tool is refund
        await session.reject_tool_call(asked.call_id, rejection_message="Ask a manager.")
        end = (await until(session, "tool_end"))[-1]
        assert end.type == "tool_end"
        assert end.output == "Ask a manager."
        with pytest.raises(UserError, match="message or rejection_message"):
            await session.reject_tool_call("call_x", message="a", rejection_message="b")


def test_tool_and_handoff_overrides_refuse_both_spellings() -> None:
    with pytest.raises(UserError, match="name or name_override"):
        function_tool(name="a", name_override="b")
    with pytest.raises(UserError, match="tool_name or tool_name_override"):
        handoff(RealtimeAgent(name="B"), tool_name="a", tool_name_override="b")
    entry = handoff(
        RealtimeAgent(name="B"), tool_name_override="to_b", tool_description_override="Go to B."
    )
    assert (entry.tool_name, entry.tool_description) == ("to_b", "Go to B.")


# ---------------------------------------------------------------------------------------------
# On the wire: the scripted server


async def _answer(conn: ScriptedConnection, frame: dict[str, Any]) -> None:
    if frame["type"] == "conversation.item.create":
        iid, frames = user_item_echo(frame, conn.last_item)
        conn.last_item = iid
        await conn.send(*frames)
    elif frame["type"] == "response.create":
        iid, frames = text_response("ok", conn.last_item)
        conn.last_item = iid
        await conn.send(*frames)


async def test_enter_and_model_send_event_put_the_raw_frame_on_the_wire() -> None:
    async with scripted_server(_answer) as server:
        runner = RealtimeRunner(RealtimeAgent(name="A"), provider=server.provider())
        session = await (await runner.run()).enter()
        try:
            await session.model.send_event(
                RealtimeModelSendRawMessage(
                    message={
                        "type": "input_audio_buffer.clear",
                        "other_data": {"event_id": "evt_mine"},
                    }
                )
            )
            await session.model.send_event({"type": "input_audio_buffer.commit"})
            with pytest.raises(UserError, match="send_message"):
                await session.model.send_event("hello")  # type: ignore[arg-type]
            # One connection keeps order: once "ok" is back, the frames before it arrived.
            await session.send_message("ping")
            await until(session, "agent_end")
        finally:
            await session.close()
    [clear] = server.of_type("input_audio_buffer.clear")
    assert clear == {"type": "input_audio_buffer.clear", "event_id": "evt_mine"}


async def test_initial_model_settings_configure_this_session_over_the_run_config() -> None:
    async with scripted_server(_answer) as server:
        runner = RealtimeRunner(
            RealtimeAgent(name="A"),
            provider=server.provider(),
            config={"model_settings": {"voice": "ash", "model_name": "gpt-realtime"}},
        )
        session = await runner.run(
            model_config={
                "initial_model_settings": {
                    "turn_detection": {"type": "semantic_vad", "interrupt_response": True},
                }
            }
        )
        async with session:
            pass
        async with await runner.run():  # the next session: the run config alone
            pass
    first, second = (conn.received[0]["session"] for conn in server.connections)
    assert first["audio"]["input"]["turn_detection"]["type"] == "semantic_vad"
    assert first["audio"]["output"]["voice"] == "ash"
    assert second["audio"]["input"]["turn_detection"]["type"] == "server_vad"


async def test_a_flat_initial_setting_wins_over_the_run_configs_nested_spelling() -> None:
    # openai-agents' examples write flat keys; rtvoice's run configs usually nest them.
    nested = {
        "input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 400}},
        "output": {"voice": "ash", "speed": 1.1},
    }
    async with scripted_server(_answer) as server:
        runner = RealtimeRunner(
            RealtimeAgent(name="A"),
            provider=server.provider(),
            config={"model_settings": {"audio": nested}},  # type: ignore[typeddict-item]
        )
        initial: Any = {"turn_detection": {"type": "semantic_vad"}, "voice": "verse"}
        async with await runner.run(model_config={"initial_model_settings": initial}):
            pass
    [update] = server.of_type("session.update")
    audio = update["session"]["audio"]
    assert audio["input"]["turn_detection"]["type"] == "semantic_vad"
    assert audio["output"]["voice"] == "verse"
    assert audio["output"]["speed"] == 1.1  # what the initial settings did not name stays


async def test_a_callable_api_key_is_called_and_its_result_sent() -> None:
    calls: list[str] = []

    async def fresh_key() -> str:
        calls.append("called")
        return "ek_fresh"

    async with scripted_server(_answer) as server:
        runner = RealtimeRunner(RealtimeAgent(name="A"))
        url = f"{server.url}/realtime?model=gpt-realtime"
        async with await runner.run(model_config={"url": url, "api_key": fresh_key}):
            pass
        headers = server.connections[0].ws.request.headers  # type: ignore[union-attr]
    assert calls == ["called"]
    assert headers["Authorization"] == "Bearer ek_fresh"


def test_a_provider_calls_a_sync_key_function_for_each_connection() -> None:
    from rtvoice import OpenAIProvider

    keys = iter(["ek_1", "ek_2"])
    provider = OpenAIProvider(api_key=lambda: next(keys))
    assert provider.build_headers()["Authorization"] == "Bearer ek_1"
    assert provider.build_headers()["Authorization"] == "Bearer ek_2"
    with pytest.raises(UserError, match="non-empty string"):
        OpenAIProvider(api_key=lambda: "").build_headers()


def test_an_async_key_function_on_a_provider_says_where_to_pass_it() -> None:
    from rtvoice import OpenAIProvider

    async def key() -> str:
        return "ek_1"

    provider = OpenAIProvider(api_key=key)  # type: ignore[arg-type]
    with pytest.raises(UserError, match=r"model_config=\{'api_key'"):
        provider.build_headers()


async def test_initial_model_settings_must_be_a_dict_and_are_checked_like_model_settings(
    sim: Simulator,
) -> None:
    runner = RealtimeRunner(RealtimeAgent(name="A"), provider=sim.provider())
    with pytest.raises(UserError, match="initial_model_settings"):
        await runner.run(model_config={"initial_model_settings": "fast"})  # type: ignore[typeddict-item]
    with pytest.raises(UserError, match="colour"):
        await runner.run(model_config={"initial_model_settings": {"colour": "red"}})  # type: ignore[typeddict-unknown-key]


def test_event_tool_for_a_name_the_agent_lacks_holds_the_name() -> None:
    from rtvoice.session import ToolEndEvent, ToolRef

    event = ToolEndEvent(agent=RealtimeAgent(name="A"), tool_name="gone", call_id="c", output="")
    assert event.tool == ToolRef("gone")
    assert event.tool.name == "gone"


# ---------------------------------------------------------------------------------------------
# One import: rtvoice.openai_agents


async def _spoken_turn(runner: RealtimeRunner[Any]) -> list[str]:
    from rtvoice.simulator import encode_speech

    async with await runner.run() as session:
        await session.send_audio(encode_speech("hello there") + bytes(2 * 24_000))
        return [event.type for event in await until(session, "agent_end")]


async def test_the_one_import_runner_yields_only_openai_agents_event_types(
    sim: Simulator,
) -> None:
    from rtvoice import openai_agents

    agent = openai_agents.RealtimeAgent(name="A")
    everything = await _spoken_turn(RealtimeRunner(agent, provider=sim.provider()))
    theirs = await _spoken_turn(openai_agents.RealtimeRunner(agent, provider=sim.provider()))
    assert {"speech_started", "transcript_delta", "usage"} <= set(everything)
    assert set(theirs) <= openai_agents.OPENAI_AGENTS_EVENT_TYPES
    assert [
        kind for kind in everything if kind in openai_agents.OPENAI_AGENTS_EVENT_TYPES
    ] == theirs
    assert "audio" in theirs


def test_the_one_import_module_names_rtvoices_own_objects() -> None:
    from rtvoice import PlaybackTracker, audio, handoffs, openai_agents, session

    assert openai_agents.RealtimePlaybackTracker is PlaybackTracker is audio.PlaybackTracker
    assert openai_agents.realtime_handoff is handoffs.handoff
    assert openai_agents.tool is function_tool is openai_agents.function_tool
    assert openai_agents.RealtimeUserInputMessage is session.UserInputMessage
    assert openai_agents.RealtimeItem is session.HistoryItem


def test_the_models_rtvoice_has_not_say_what_to_write_instead() -> None:
    from rtvoice import openai_agents

    with pytest.raises(UserError, match=r"model_config=\{'call_id'"):
        openai_agents.OpenAIRealtimeSIPModel()
    with pytest.raises(UserError, match="open_timeout"):
        openai_agents.OpenAIRealtimeWebSocketModel(transport_config={"handshake_timeout": 5})


# ---------------------------------------------------------------------------------------------
# The playback tracker


def test_on_play_bytes_takes_the_played_audio_or_its_length() -> None:
    tracker = PlaybackTracker()  # PCM16 at 24 kHz: 48 bytes a millisecond
    tracker.on_play_bytes("item_1", 0, 480)
    tracker.on_play_bytes("item_1", 0, bytes(480))
    tracker.on_play_bytes(item_id="item_1", item_content_index=0, bytes=bytearray(960))
    assert tracker.played_ms("item_1") == pytest.approx(40.0)
    with pytest.raises(UserError, match="once each"):
        tracker.on_play_bytes("item_1", 0, 480, bytes=b"\0\0")


def test_the_migration_guides_code_blocks_run_and_build_their_cycles() -> None:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "migrating.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]
    assert len(blocks) == 2
    for block in blocks:
        names: dict[str, Any] = {}
        exec(compile(block, "docs/migrating.md", "exec"), names)
        triage, billing = names["triage"], names["billing"]
        assert billing.resolve_handoffs() == (triage,)
        assert triage.resolve_handoffs() == (billing,)
