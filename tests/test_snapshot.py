"""session.snapshot() and runner.run(resume=...): a conversation carried to a new session."""

from __future__ import annotations

import json
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
)
from rtvoice import RealtimeAgent, RealtimeRunner, UserError, function_tool
from rtvoice.session import RealtimeSessionEvent, ToolCallItem

pytestmark = pytest.mark.anyio

WAIT = 5.0


async def until(session: Any, kind: str) -> list[RealtimeSessionEvent]:
    seen: list[RealtimeSessionEvent] = []
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if event.type == kind:
                return seen
    raise AssertionError(f"iteration ended before {kind!r}: {[e.type for e in seen]}")


def call_reply(conn: ScriptedConnection, name: str, arguments: str) -> list[Frame]:
    rid, iid = new_id("resp"), new_id("item")
    call = {"id": iid, "type": "function_call", "status": "completed", "name": name,
            "call_id": new_id("call"), "arguments": arguments}  # fmt: skip
    previous, conn.last_item = conn.last_item, iid
    return [
        {"type": "response.created", "response": response_object(rid)},
        {"type": "conversation.item.added", "previous_item_id": previous,
         "item": {**call, "status": "in_progress", "arguments": ""}},
        {"type": "conversation.item.done", "previous_item_id": previous, "item": call},
        {"type": "response.done", "response": response_object(rid, "completed", output=[call])},
    ]  # fmt: skip


billing = RealtimeAgent(name="billing", instructions="You handle bills.")
triage = RealtimeAgent(name="triage", instructions="Route calls.", handoffs=[billing])


async def test_a_snapshot_round_trips_through_json_and_seeds_the_resumed_session() -> None:
    async with scripted_server() as server:
        runner = RealtimeRunner(triage, provider=server.provider())
        async with await runner.run() as session:
            await session.send_message("hello")
            await until(session, "agent_end")
            await session.update_agent(billing)
            snapshot = json.loads(json.dumps(session.snapshot()))
            before = session.history
            usage = session.usage
        assert snapshot["agent"] == "billing"
        assert [record["type"] for record in snapshot["history"]] == [
            "user_message",
            "assistant_message",
        ]
        resumed = await runner.run(resume=snapshot)
        assert resumed.current_agent is billing
        assert resumed.history == before  # there from the start, before entering
        async with resumed:
            assert resumed.usage == usage
            await resumed.send_message("my bill?")
            await until(resumed, "agent_end")
            after = resumed.history
        frames = server.connections[1].received
    assert [frame["type"] for frame in frames][:3] == [
        "session.update",
        "conversation.item.create",
        "conversation.item.create",
    ]
    assert frames[0]["session"]["instructions"] == "You handle bills."
    assert [frame["item"]["id"] for frame in frames[1:3]] == [item.item_id for item in before]
    assert after[:2] == before  # the seed's echoes changed nothing
    assert [item.type for item in after] == ["user_message", "assistant_message"] * 2


async def test_a_call_waiting_for_approval_is_asked_again_and_runs_once() -> None:
    ran: list[str] = []

    @function_tool(needs_approval=True)
    def refund(amount: int) -> str:
        """Refund an amount."""
        ran.append(str(amount))
        return "refunded"

    async def first(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "response.create" and len(server.connections) == 1:
            await conn.send(*call_reply(conn, "refund", '{"amount": 5}'))
        else:
            await echo_and_reply(conn, frame)

    agent = RealtimeAgent(name="a", tools=[refund])
    async with scripted_server(on_frame=first) as server:
        runner = RealtimeRunner(agent, provider=server.provider())
        async with await runner.run() as session:
            await session.send_message("refund me")
            asked = (await until(session, "tool_approval_required"))[-1]
            snapshot = session.snapshot()
        assert snapshot["pending_tool_calls"][0]["awaiting_approval"] is True
        assert ran == []
        async with await runner.run(resume=snapshot) as resumed:
            again = (await until(resumed, "tool_approval_required"))[-1]
            assert again.call_id == asked.call_id  # type: ignore[union-attr]
            await resumed.approve_tool_call(again.call_id)  # type: ignore[union-attr]
            await until(resumed, "agent_end")
            call = next(item for item in resumed.history if isinstance(item, ToolCallItem))
        frames = server.connections[1].received
    assert ran == ["5"]
    assert call.output == "refunded"
    outputs = [f["item"] for f in frames if f["type"] == "conversation.item.create"]
    assert outputs[-1] == {"type": "function_call_output", "call_id": asked.call_id,  # type: ignore[union-attr]
                           "output": "refunded"}  # fmt: skip


async def test_a_call_running_at_the_snapshot_is_reported_interrupted_not_run_again() -> None:
    ran: list[str] = []
    hold = anyio.Event()

    @function_tool
    async def book(day: str) -> str:
        """Book a day."""
        ran.append(day)
        await hold.wait()
        return "booked"

    async def first(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "response.create" and len(server.connections) == 1:
            await conn.send(*call_reply(conn, "book", '{"day": "monday"}'))
        else:
            await echo_and_reply(conn, frame)

    agent = RealtimeAgent(name="a", tools=[book])
    async with scripted_server(on_frame=first) as server:
        runner = RealtimeRunner(agent, provider=server.provider())
        async with await runner.run() as session:
            await session.send_message("book monday")
            await until(session, "tool_start")
            snapshot = session.snapshot()
        assert snapshot["pending_tool_calls"][0]["awaiting_approval"] is False
        async with await runner.run(resume=snapshot) as resumed:
            await until(resumed, "agent_end")
        frames = server.connections[1].received
    assert ran == ["monday"]
    output = [f["item"] for f in frames if f["type"] == "conversation.item.create"][-1]
    assert output["type"] == "function_call_output"
    assert "interrupted" in output["output"]
    assert frames[-1]["type"] == "response.create"


async def test_a_bad_snapshot_is_a_user_error_naming_the_problem() -> None:
    async with scripted_server() as server:
        runner = RealtimeRunner(triage, provider=server.provider())
        with pytest.raises(UserError, match="version"):
            await runner.run(resume={"version": 9, "agent": "triage"})
        with pytest.raises(UserError, match="'nobody' is not one this runner reaches"):
            await runner.run(resume={"version": 1, "agent": "nobody", "history": []})
        with pytest.raises(UserError, match=r"history\[0\]: unknown item type 'audio'"):
            await runner.run(
                resume={
                    "version": 1,
                    "agent": "triage",
                    "history": [{"type": "audio", "item_id": "x"}],
                }
            )


def test_every_kind_of_history_item_round_trips_through_json() -> None:
    from rtvoice.model.items import (
        InputAudio,
        InputImage,
        InputText,
        OtherPart,
        OutputAudio,
        OutputText,
    )
    from rtvoice.session import (
        AssistantMessageItem,
        OtherHistoryItem,
        SystemMessageItem,
        UserMessageItem,
    )
    from rtvoice.session._snapshot import history_from_records, history_records

    history = (
        SystemMessageItem(item_id="s", content=(InputText(text="be kind"),)),
        UserMessageItem(
            item_id="u",
            status="completed",
            content=(
                InputText(text="hi"),
                InputAudio(transcript="hello there"),
                InputImage(image_url="data:image/png;base64,AA==", detail="low"),
                OtherPart(part_type="input_video", raw={"type": "input_video", "x": 1}),
            ),
        ),
        AssistantMessageItem(
            item_id="a",
            status="incomplete",
            agent_name="triage",
            content=(OutputAudio(transcript="Hel"), OutputText(text="lo")),
        ),
        ToolCallItem(item_id="c", call_id="call_1", name="f", arguments="{}", output="ok"),
        OtherHistoryItem(item_id="m", item_type="mcp_call", raw={"type": "mcp_call"}),
    )
    records = json.loads(json.dumps(history_records(history)))
    assert history_from_records(records) == history
