"""Reconnect with state: a dropped connection is replaced, the conversation carried on.

Over raw scripted servers on 127.0.0.1 (tests/realtime_server.py): the frames each connection
gets, the events the application sees, the history kept.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import anyio
import pytest

from realtime_server import (
    Frame,
    ScriptedConnection,
    echo_and_reply,
    new_id,
    response_object,
    scripted_server,
    text_response,
)
from rtvoice import RealtimeAgent, RealtimeRunner, UserError, function_tool
from rtvoice.audio import PlaybackTracker
from rtvoice.errors import ConnectionLostError, ProviderError
from rtvoice.session import (
    AssistantMessageItem,
    RealtimeSessionEvent,
    ToolCallItem,
    UserMessageItem,
)
from rtvoice.session.state._continuity import heard_text

pytestmark = pytest.mark.anyio

WAIT = 5.0


async def until(session: Any, kind: str, seen: list[RealtimeSessionEvent]) -> None:
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if event.type == kind:
                return
    raise AssertionError(f"iteration ended before {kind!r}: {[e.type for e in seen]}")


def partial_reply(conn: ScriptedConnection, text: str) -> list[Frame]:
    """The start of a text reply, up to and including one text delta (no done events)."""
    _, frames = text_response(text, conn.last_item)
    return frames[:5]


def cut_after_first_delta(on_later: Any = echo_and_reply) -> Any:
    """First connection: echo the user item, start the reply, send one delta, drop the TCP
    connection. Later connections: ``on_later``."""

    async def script(conn: ScriptedConnection, frame: Frame) -> None:
        first = conn is script.server.connections[0]  # type: ignore[attr-defined]
        if not first:
            await on_later(conn, frame)
        elif frame["type"] == "conversation.item.create":
            await echo_and_reply(conn, frame)
        elif frame["type"] == "response.create":
            await conn.send(*partial_reply(conn, "The weather is sunny today"))
            script.server.abort()  # type: ignore[attr-defined]

    return script


async def test_a_drop_mid_reply_reconnects_seeds_and_answers_again() -> None:
    script = cut_after_first_delta()
    async with scripted_server(on_frame=script) as server:
        script.server = server  # type: ignore[attr-defined]
        runner = RealtimeRunner(
            RealtimeAgent(name="a", instructions="Be brief."), provider=server.provider()
        )
        seen: list[RealtimeSessionEvent] = []
        async with await runner.run() as session:
            await session.send_message("weather?")
            await until(session, "agent_end", seen)
            history = session.history
        second = server.connections[1].received
    kinds = [event.type for event in seen]
    assert kinds.index("connection_lost") < kinds.index("reconnected") < kinds.index("agent_end")
    lost = next(event for event in seen if event.type == "connection_lost")
    assert lost.attempt == 1
    assert lost.reason == "dropped"
    assert isinstance(lost.error, ConnectionLostError)
    back = next(event for event in seen if event.type == "reconnected")
    assert (back.reason, back.attempt, back.replayed) == ("dropped", 1, 2)
    # The new connection: the configuration, the seed (same ids, in order), then a response.
    assert [frame["type"] for frame in second] == [
        "session.update",
        "conversation.item.create",
        "conversation.item.create",
        "response.create",
    ]
    assert second[0]["session"]["instructions"] == "Be brief."
    user, cut = second[1]["item"], second[2]["item"]
    assert second[1]["previous_item_id"] == "root"
    assert second[2]["previous_item_id"] == user["id"]
    assert user["role"] == "user"
    assert user["content"] == [{"type": "input_text", "text": "weather?"}]
    assert cut["role"] == "assistant"
    assert cut["content"] == [{"type": "output_text", "text": "The weather is sunny today"}]
    # The history: every item once, in order, the cut one marked, then the new reply.
    assert [type(item) for item in history] == [
        UserMessageItem,
        AssistantMessageItem,
        AssistantMessageItem,
    ]
    assert [item.item_id for item in history][:2] == [user["id"], cut["id"]]
    assert history[1].status == "incomplete"
    assert history[1].text == "The weather is sunny today"
    assert history[2].text == "ok"
    assert history[2].status == "completed"
    assert len({item.item_id for item in history}) == 3


async def test_with_reconnect_off_a_drop_raises_as_before() -> None:
    script = cut_after_first_delta()
    async with scripted_server(on_frame=script) as server:
        script.server = server  # type: ignore[attr-defined]
        runner = RealtimeRunner(
            RealtimeAgent(name="a"), config={"reconnect": False}, provider=server.provider()
        )
        seen: list[RealtimeSessionEvent] = []
        async with await runner.run() as session:
            await session.send_message("weather?")
            with pytest.raises(ConnectionLostError):
                await until(session, "agent_end", seen)
    assert "connection_lost" not in [event.type for event in seen]
    assert len(server.connections) == 1


async def test_attempts_run_out_then_iteration_raises_the_transport_error() -> None:
    async def refuse(conn: ScriptedConnection, frame: Frame) -> None:
        conn.ws.drop()  # every later connection drops at its first frame

    script = cut_after_first_delta(on_later=refuse)
    async with scripted_server(on_frame=script) as server:
        script.server = server  # type: ignore[attr-defined]
        config = {"reconnect": {"max_attempts": 3, "initial_delay_s": 0.01, "max_delay_s": 0.02}}
        runner = RealtimeRunner(RealtimeAgent(name="a"), config=config, provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        async with await runner.run() as session:
            await session.send_message("weather?")
            with pytest.raises(ConnectionLostError):
                await until(session, "never", seen)
    attempts = [event.attempt for event in seen if event.type == "connection_lost"]
    assert attempts == [1, 2, 3]
    assert len(server.connections) == 4


async def test_a_tool_running_at_a_drop_runs_once_and_its_output_reaches_the_new_server() -> None:
    calls: list[str] = []
    release = anyio.Event()

    @function_tool
    async def lookup(city: str) -> str:
        """Look a city up."""
        calls.append(city)
        await release.wait()
        return f"sunny in {city}"

    async def first(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo_and_reply(conn, frame)
        elif frame["type"] == "response.create":
            rid, iid = new_id("resp"), new_id("item")
            call = {
                "id": iid,
                "type": "function_call",
                "status": "completed",
                "name": "lookup",
                "call_id": "call_1",
                "arguments": '{"city": "Oslo"}',
            }
            await conn.send(
                {"type": "response.created", "response": response_object(rid)},
                {"type": "response.output_item.added", "response_id": rid, "output_index": 0,
                 "item": {**call, "status": "in_progress", "arguments": ""}},
                {"type": "conversation.item.added", "previous_item_id": conn.last_item,
                 "item": {**call, "status": "in_progress", "arguments": ""}},
                {"type": "conversation.item.done", "previous_item_id": conn.last_item,
                 "item": call},
                {"type": "response.output_item.done", "response_id": rid, "output_index": 0,
                 "item": call},
                {"type": "response.done", "response": response_object(rid, "completed",
                                                                      output=[call])},
            )  # fmt: skip
            conn.last_item = iid

    async def script(conn: ScriptedConnection, frame: Frame) -> None:
        if conn is server.connections[0]:
            await first(conn, frame)
        else:
            await echo_and_reply(conn, frame)

    async with scripted_server(on_frame=script) as server:
        runner = RealtimeRunner(RealtimeAgent(name="a", tools=[lookup]), provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        async with await runner.run() as session:
            await session.send_message("weather in Oslo?")
            await until(session, "tool_start", seen)
            server.abort()  # the tool is running when the connection drops
            await until(session, "reconnected", seen)
            release.set()
            await until(session, "agent_end", seen)
            history = session.history
        second = server.connections[1].received
    assert calls == ["Oslo"]  # ran once
    created = [frame["item"] for frame in second if frame["type"] == "conversation.item.create"]
    assert [item["type"] for item in created] == [
        "message",
        "function_call",
        "function_call_output",
    ]
    assert created[2] == {"type": "function_call_output", "call_id": "call_1",
                          "output": "sunny in Oslo"}  # fmt: skip
    assert [frame["type"] for frame in second][-1] == "response.create"
    tool = next(item for item in history if isinstance(item, ToolCallItem))
    assert tool.output == "sunny in Oslo"
    assert [item.type for item in history] == ["user_message", "tool_call", "assistant_message"]


def test_heard_text_cuts_at_a_word_boundary_in_proportion() -> None:
    text = "one two three four"
    assert heard_text(text, 1000, 1000) == text
    assert heard_text(text, 500, 1000) == "one two"  # 9 of 18 characters: "one two t" -> words
    assert heard_text(text, 0, 1000) == ""
    assert heard_text(text, 2000, 1000) == text


async def test_rollover_moves_to_a_new_connection_at_a_turn_boundary() -> None:
    """With ``after_s`` short, every turn that ends after it moves the conversation to a
    fresh connection: configured, seeded with the whole history, the next message after it."""
    async with scripted_server() as server:
        config = {"rollover": {"after_s": 0.2}}
        runner = RealtimeRunner(RealtimeAgent(name="a"), config=config, provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        async with await runner.run() as session:
            for text in ("one", "two", "three", "four"):
                await session.send_message(text)
                await until(session, "agent_end", seen)
                await anyio.sleep(0.25)
            await until(session, "reconnected", seen)  # the one after the last turn
            history = session.history
    rolls = [event for event in seen if event.type == "reconnected"]
    assert [event.reason for event in rolls] == ["rollover"] * 3
    assert [event.replayed for event in rolls] == [4, 6, 8]
    assert "connection_lost" not in [event.type for event in seen]
    assert len(server.connections) == 4
    created = "conversation.item.create"
    for number, conn in enumerate(server.connections[1:], start=1):
        kinds = [frame["type"] for frame in conn.received]
        seeded = 2 * (number + 1)
        after = [created, "response.create"] if number < 3 else []
        assert kinds == ["session.update"] + [created] * seeded + after
    texts = [item.text for item in history]
    assert texts == ["one", "ok", "two", "ok", "three", "ok", "four", "ok"]
    assert len({item.item_id for item in history}) == 8


async def test_the_server_time_limit_close_reconnects_at_once_as_expired() -> None:
    async with scripted_server() as server:
        config = {"reconnect": {"initial_delay_s": 5.0, "max_delay_s": 5.0}}
        runner = RealtimeRunner(RealtimeAgent(name="a"), config=config, provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        async with await runner.run() as session:
            await session.send_message("one")
            await until(session, "agent_end", seen)
            await server.close(1001, "Your session hit the maximum duration of 60 minutes.")
            with anyio.fail_after(1):  # attempt 1 waits nothing, whatever the delays
                await until(session, "reconnected", seen)
            await session.send_message("two")
            await until(session, "agent_end", seen)
            history = session.history
    lost = next(event for event in seen if event.type == "connection_lost")
    assert lost.reason == "expired"
    assert isinstance(lost.error, ProviderError)
    assert lost.error.code == "session_expired"
    back = next(event for event in seen if event.type == "reconnected")
    assert (back.reason, back.replayed) == ("expired", 2)
    assert [item.text for item in history] == ["one", "ok", "two", "ok"]


async def test_a_drop_mid_audio_stops_playback_where_heard_and_keeps_what_was_heard() -> None:
    """Two seconds of audio with its transcript arrive, the user has heard one second of it
    (the playback tracker says so), then the connection drops: ``audio_interrupted`` at 1000
    ms, and the history and the new server keep the transcript's first half, cut at a word."""
    chunk = bytes(48_000)  # 1 s of 24 kHz PCM16

    async def first(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo_and_reply(conn, frame)
        elif frame["type"] == "response.create":
            rid, iid = new_id("resp"), new_id("item")
            where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
            item = {"id": iid, "type": "message", "status": "in_progress", "role": "assistant",
                    "content": []}  # fmt: skip
            delta = base64.b64encode(chunk).decode()
            await conn.send(
                {"type": "response.created", "response": response_object(rid)},
                {"type": "conversation.item.added", "previous_item_id": conn.last_item,
                 "item": item},
                {"type": "response.output_audio.delta", **where, "delta": delta},
                {"type": "response.output_audio_transcript.delta", **where, "delta": "one two "},
                {"type": "response.output_audio.delta", **where, "delta": delta},
                {"type": "response.output_audio_transcript.delta", **where,
                 "delta": "three four"},
            )  # fmt: skip

    async def script(conn: ScriptedConnection, frame: Frame) -> None:
        await (first if conn is server.connections[0] else echo_and_reply)(conn, frame)

    tracker = PlaybackTracker()
    async with scripted_server(on_frame=script) as server:
        runner = RealtimeRunner(RealtimeAgent(name="a"), provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        session = await runner.run(model_config={"playback_tracker": tracker})
        async with session:
            await session.send_message("count")
            chunks = 0
            with anyio.fail_after(WAIT):
                async for event in session:
                    seen.append(event)
                    if event.type == "audio":
                        chunks += 1
                        if chunks == 1:
                            tracker.on_play_bytes(event.audio.item_id, 0, len(event.audio.data))
                        if chunks == 2:
                            break
            await anyio.sleep(0.05)  # the second transcript delta arrives
            server.abort()
            await until(session, "agent_end", seen)
            history = session.history
        second = server.connections[1].received
    stop = next(event for event in seen if event.type == "audio_interrupted")
    assert stop.played_ms == 1000
    kinds = [event.type for event in seen]
    assert kinds.index("audio_interrupted") < kinds.index("connection_lost")
    cut = history[1]
    assert isinstance(cut, AssistantMessageItem)
    assert cut.status == "incomplete"
    assert cut.text == "one two"
    seeded = [frame["item"] for frame in second if frame["type"] == "conversation.item.create"]
    assert seeded[1]["content"] == [{"type": "output_text", "text": "one two"}]


async def test_an_approval_pending_at_the_drop_is_answered_after_it_and_the_tool_runs_once() -> (
    None
):
    ran: list[int] = []

    @function_tool(needs_approval=True)
    def refund(amount: int) -> str:
        """Refund an amount."""
        ran.append(amount)
        return "refunded"

    async def script(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "response.create" and conn is server.connections[0]:
            rid, iid = new_id("resp"), new_id("item")
            call = {
                "id": iid,
                "type": "function_call",
                "status": "completed",
                "name": "refund",
                "call_id": "call_9",
                "arguments": '{"amount": 5}',
            }
            previous, conn.last_item = conn.last_item, iid
            await conn.send(
                {"type": "response.created", "response": response_object(rid)},
                {"type": "conversation.item.added", "previous_item_id": previous, "item": call},
                {"type": "conversation.item.done", "previous_item_id": previous, "item": call},
                {"type": "response.done",
                 "response": response_object(rid, "completed", output=[call])},
            )  # fmt: skip
        else:
            await echo_and_reply(conn, frame)

    async with scripted_server(on_frame=script) as server:
        agent = RealtimeAgent(name="a", tools=[refund])
        runner = RealtimeRunner(agent, provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        async with await runner.run() as session:
            await session.send_message("refund me")
            await until(session, "tool_approval_required", seen)
            server.abort()
            await until(session, "reconnected", seen)
            await session.approve_tool_call("call_9")
            await until(session, "agent_end", seen)
        second = server.connections[1].received
    assert ran == [5]
    created = [frame["item"] for frame in second if frame["type"] == "conversation.item.create"]
    assert [item["type"] for item in created] == [
        "message",
        "function_call",
        "function_call_output",
    ]
    assert created[-1]["output"] == "refunded"
    assert second[-1]["type"] == "response.create"


async def test_the_run_config_reaches_the_session_it_starts() -> None:
    """``event_buffer_size`` and the reconnect settings set in the run config are the ones
    the runner's sessions use (a bad value is refused when the runner is built)."""
    with pytest.raises(UserError, match="event_buffer_size"):
        RealtimeRunner(RealtimeAgent(name="a"), config={"event_buffer_size": 0})
    with pytest.raises(UserError, match=r"reconnect\.max_attempts"):
        RealtimeRunner(RealtimeAgent(name="a"), config={"reconnect": {"max_attempts": 0}})
    async with scripted_server() as server:
        config = {"event_buffer_size": 3, "reconnect": {"max_attempts": 2}}
        runner = RealtimeRunner(RealtimeAgent(name="a"), config=config, provider=server.provider())
        session = await runner.run()
        assert session._event_buffer_size == 3
        assert session._settings.reconnect is not None
        assert session._settings.reconnect.max_attempts == 2


async def test_audio_sent_during_a_rollover_reaches_the_new_connection_once_in_order() -> None:
    async with scripted_server(handshake_delay=lambda n: 0.3 if n == 1 else 0.0) as server:
        config = {"rollover": {"after_s": 0.1}}
        runner = RealtimeRunner(RealtimeAgent(name="a"), config=config, provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        pieces = [bytes([n]) * 960 for n in range(1, 6)]  # five 20 ms chunks
        async with await runner.run() as session:
            await session.send_message("one")
            await until(session, "agent_end", seen)
            await anyio.sleep(0.15)
            await session.send_message("two")
            await until(session, "agent_end", seen)  # the rollover starts after this step
            await anyio.sleep(0.05)  # ... and waits for the slow upgrade meanwhile
            for piece in pieces:
                await session.send_audio(piece)
            await until(session, "reconnected", seen)
            await anyio.sleep(0.1)
        first, second = server.connections[0].received, server.connections[1].received
    appends = [base64.b64decode(f["audio"]) for f in second if f["type"].endswith("append")]
    assert appends == pieces
    assert not [f for f in first if f["type"] == "input_audio_buffer.append"]
    kinds = [frame["type"] for frame in second]
    assert kinds.index("input_audio_buffer.append") > kinds.index("conversation.item.create")


async def test_closing_while_reconnecting_is_prompt_and_leaves_nothing_behind() -> None:
    script = cut_after_first_delta()
    slow_second = scripted_server(on_frame=script, handshake_delay=lambda n: 5.0 if n else 0.0)
    async with slow_second as server:
        script.server = server  # type: ignore[attr-defined]
        runner = RealtimeRunner(RealtimeAgent(name="a"), provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        before = len(asyncio.all_tasks())
        async with await runner.run() as session:
            await session.send_message("weather?")
            await until(session, "connection_lost", seen)  # the next upgrade takes 5 s
            with anyio.fail_after(1):
                await session.close()
            rest = [event async for event in session]
        assert "reconnected" not in [event.type for event in rest]
        await anyio.sleep(0.05)
        assert len(asyncio.all_tasks()) <= before


async def test_a_call_socket_reattaches_without_seeding_the_conversation_the_server_kept() -> None:
    """A session attached to a call (``call_id``: SIP, WebRTC) reconnects to the same call:
    the server kept the call's conversation, so only the configuration is restated, nothing
    is seeded and no response is asked for again."""
    async with scripted_server() as server:
        runner = RealtimeRunner(RealtimeAgent(name="a"), provider=server.provider())
        seen: list[RealtimeSessionEvent] = []
        session = await runner.run(model_config={"call_id": "rtc_123"})
        async with session:
            await session.send_message("one")
            await until(session, "agent_end", seen)
            server.abort()
            await until(session, "reconnected", seen)
            await session.send_message("two")
            await until(session, "agent_end", seen)
            history = session.history
        second = server.connections[1]
    assert second.ws.request is not None
    assert "call_id=rtc_123" in second.ws.request.path
    kinds = [frame["type"] for frame in second.received]
    assert kinds == ["session.update", "conversation.item.create", "response.create"]
    back = next(event for event in seen if event.type == "reconnected")
    assert back.replayed == 0
    assert [item.text for item in history] == ["one", "ok", "two", "ok"]
