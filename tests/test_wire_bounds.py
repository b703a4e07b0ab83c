"""Bounds a session keeps against a server nobody here wrote (tests/realtime_server.py).

* A response with many function calls runs at most ``max_concurrent_tool_calls`` of them at
  once; the rest wait their turn, and every call still gets its events and its output.
* A tool that outlives ``tool_timeout`` gives the model an error output; the session goes on.
* ``send_audio`` refuses what is not bytes-like, and splits a buffer too large for one
  ``input_audio_buffer.append`` (15 MiB per event, PROTOCOL.md §10).
* Odd strings (a lone surrogate from the server's JSON) never stop a tool through tracing.
"""

from __future__ import annotations

import array
import base64
import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from realtime_server import (
    Frame,
    ScriptedConnection,
    ScriptedServer,
    echo_and_reply,
    new_id,
    response_object,
    scripted_server,
    user_item_echo,
)
from rtvoice import RealtimeAgent, RealtimeRunner, function_tool
from rtvoice.errors import UserError
from rtvoice.session import RealtimeSession, RealtimeSessionEvent, ToolEndEvent, ToolStartEvent
from rtvoice.tools import ToolTimeoutError

pytestmark = pytest.mark.anyio

WAIT = 10.0
"""Seconds a test waits for what it expects (bounded; a passing test takes well under 2 s)."""

SERVER_EVENT_LIMIT = 15 * 2**20
"""OpenAI's limit on one client event (PROTOCOL.md §10); the scripted server enforces it."""


def function_calls_response(
    calls: list[tuple[str, str]], previous: str | None
) -> tuple[str | None, list[Frame]]:
    """Every frame of one response made of function calls ``(name, arguments)``, in order
    (PROTOCOL.md §7.c), ``response.created`` to ``response.done``."""
    rid = new_id("resp")
    frames: list[Frame] = [{"type": "response.created", "response": response_object(rid)}]
    done_items: list[dict[str, Any]] = []
    for index, (name, arguments) in enumerate(calls):
        iid, call_id = new_id("item"), new_id("call")
        opening = {
            "id": iid, "type": "function_call", "status": "in_progress",
            "call_id": call_id, "name": name, "arguments": "",
        }  # fmt: skip
        done = {**opening, "status": "completed", "arguments": arguments}
        where = {"response_id": rid, "item_id": iid, "output_index": index, "call_id": call_id}
        frames += [
            {"type": "response.output_item.added", "response_id": rid, "output_index": index,
             "item": opening},
            {"type": "conversation.item.added", "previous_item_id": previous, "item": opening},
            {"type": "response.function_call_arguments.done", **where, "name": name,
             "arguments": arguments},
            {"type": "conversation.item.done", "previous_item_id": previous, "item": done},
            {"type": "response.output_item.done", "response_id": rid, "output_index": index,
             "item": done},
        ]  # fmt: skip
        done_items.append(done)
        previous = iid
    frames.append(
        {"type": "response.done", "response": response_object(rid, "completed", output=done_items)}
    )
    return previous, frames


def calls_then_text(calls: list[tuple[str, str]]) -> Callable[[ScriptedConnection, Frame], Any]:
    """A script: the first ``response.create`` is answered with ``calls``, every later one
    with the text "done"; every item the client creates is echoed."""
    answered = False

    async def on_frame(conn: ScriptedConnection, frame: Frame) -> None:
        nonlocal answered
        if frame["type"] == "conversation.item.create":
            iid, frames = user_item_echo(frame, conn.last_item)
            conn.last_item = iid
            await conn.send(*frames)
        elif frame["type"] == "response.create" and not answered:
            answered = True
            conn.last_item, frames = function_calls_response(calls, conn.last_item)
            await conn.send(*frames)
        elif frame["type"] == "response.create":
            await conn.reply("done")

    return on_frame


def outputs_on_wire(server: ScriptedServer) -> list[dict[str, Any]]:
    return [
        frame["item"]
        for frame in server.of_type("conversation.item.create")
        if frame["item"].get("type") == "function_call_output"
    ]


async def converse(session: RealtimeSession) -> list[RealtimeSessionEvent]:
    """Send one message and read events until the agent's turn is over."""
    seen: list[RealtimeSessionEvent] = []
    await session.send_message("go")
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if event.type == "agent_end":
                break
            if event.type == "error":
                raise AssertionError(f"unexpected error event: {event.error}")
    return seen


def noting(kind: str, seen: anyio.Event) -> Callable[[ScriptedConnection, Frame], Any]:
    """The default script, setting ``seen`` once a client frame of type ``kind`` arrived."""

    async def on_frame(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == kind:
            seen.set()
        await echo_and_reply(conn, frame)

    return on_frame


# ---------------------------------------------------------------------------------------------
# Tool calls: a concurrency limit, a default timeout


async def test_a_flood_of_calls_runs_at_most_the_default_limit_at_once() -> None:
    running = peak = 0

    @function_tool
    async def lookup(n: int) -> str:
        """Look a number up."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.002)
        running -= 1
        return f"value {n}"

    calls = [("lookup", json.dumps({"n": n})) for n in range(100)]
    agent = RealtimeAgent(name="Assistant", tools=[lookup])
    async with scripted_server(calls_then_text(calls)) as server:
        session = await RealtimeRunner(agent, provider=server.provider()).run()
        async with session:
            seen = await converse(session)

    assert 1 < peak <= 16  # the documented default, max_concurrent_tool_calls=16
    starts = [event for event in seen if isinstance(event, ToolStartEvent)]
    ends = [event for event in seen if isinstance(event, ToolEndEvent)]
    assert len(starts) == len(ends) == 100  # queued, not dropped
    assert all(end.error is None for end in ends)
    outputs = outputs_on_wire(server)
    # Each output goes out as its call ends, in the order of completion.
    assert [item["call_id"] for item in outputs] == [end.call_id for end in ends]
    assert sorted(item["output"] for item in outputs) == sorted(f"value {n}" for n in range(100))


async def test_the_limit_is_configurable_and_queued_calls_keep_their_events() -> None:
    running = peak = 0

    @function_tool
    async def lookup(n: int) -> str:
        """Look a number up."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.001)
        running -= 1
        return f"value {n}"

    calls = [("lookup", json.dumps({"n": n})) for n in range(20)]
    agent = RealtimeAgent(name="Assistant", tools=[lookup])
    async with scripted_server(calls_then_text(calls)) as server:
        runner = RealtimeRunner(
            agent, config={"max_concurrent_tool_calls": 3}, provider=server.provider()
        )
        async with await runner.run() as session:
            seen = await converse(session)

    assert peak == 3
    per_call: dict[str, list[str]] = {}
    for event in seen:
        if isinstance(event, (ToolStartEvent, ToolEndEvent)):
            per_call.setdefault(event.call_id, []).append(event.type)
    assert len(per_call) == 20
    assert all(kinds == ["tool_start", "tool_end"] for kinds in per_call.values())
    assert len(outputs_on_wire(server)) == 20


async def test_a_tool_past_the_run_timeout_gets_an_error_output_and_the_session_goes_on() -> None:
    @function_tool
    async def hang() -> str:
        """Never answers."""
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    agent = RealtimeAgent(name="Assistant", tools=[hang])
    async with scripted_server(calls_then_text([("hang", "{}")])) as server:
        runner = RealtimeRunner(agent, config={"tool_timeout": 0.05}, provider=server.provider())
        async with await runner.run() as session:
            seen = await converse(session)
            history = [getattr(item, "text", None) for item in session.history]

    [end] = [event for event in seen if isinstance(event, ToolEndEvent)]
    assert isinstance(end.error, ToolTimeoutError)
    assert end.output == "hang timed out after 0.05 s"
    [output] = outputs_on_wire(server)
    assert output["output"] == "hang timed out after 0.05 s"
    assert "done" in history  # the follow-up response came, and the session carried on


async def test_a_call_waiting_for_approval_holds_its_slot() -> None:
    @function_tool(needs_approval=True)
    def refund(order: str) -> str:
        """Refund an order."""
        return f"refunded {order}"

    @function_tool
    def lookup(order: str) -> str:
        """Look an order up."""
        return f"found {order}"

    calls = [("refund", '{"order": "A1"}'), ("lookup", '{"order": "B2"}')]
    agent = RealtimeAgent(name="Assistant", tools=[refund, lookup])
    order: list[tuple[str, str]] = []
    async with scripted_server(calls_then_text(calls)) as server:
        runner = RealtimeRunner(
            agent, config={"max_concurrent_tool_calls": 1}, provider=server.provider()
        )
        async with await runner.run() as session:
            await session.send_message("go")
            with anyio.fail_after(WAIT):
                async for event in session:
                    if event.type in ("tool_approval_required", "tool_start", "tool_end"):
                        order.append((event.type, event.tool_name))
                    if event.type == "tool_approval_required":
                        await session.approve_tool_call(event.call_id)
                    elif event.type == "agent_end":
                        break

    assert order == [
        ("tool_approval_required", "refund"),
        ("tool_start", "refund"),
        ("tool_end", "refund"),
        ("tool_start", "lookup"),
        ("tool_end", "lookup"),
    ]
    assert [item["output"] for item in outputs_on_wire(server)] == ["refunded A1", "found B2"]


async def test_closing_with_calls_waiting_runs_none_of_them() -> None:
    @function_tool
    async def hang() -> str:
        """Never answers."""
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    agent = RealtimeAgent(name="Assistant", tools=[hang])
    starts = 0
    async with scripted_server(calls_then_text([("hang", "{}")] * 5)) as server:
        runner = RealtimeRunner(
            agent, config={"max_concurrent_tool_calls": 1}, provider=server.provider()
        )
        session = await runner.run()
        async with session:
            await session.send_message("go")
            with anyio.fail_after(WAIT):
                async for event in session:
                    if event.type == "tool_start":
                        starts += 1
                        break
        with anyio.fail_after(WAIT):
            await session.close()  # idempotent; the running call is cancelled

    assert starts == 1
    assert outputs_on_wire(server) == []


# ---------------------------------------------------------------------------------------------
# send_audio


@pytest.mark.parametrize(
    ("audio", "type_name"),
    [(4800, "int"), (None, "NoneType"), ("\x00\x01", "str"), ([0, 1], "list"), (1.5, "float")],
)
async def test_send_audio_refuses_what_is_not_bytes_like(audio: Any, type_name: str) -> None:
    agent = RealtimeAgent(name="Assistant")
    committed = anyio.Event()
    async with (
        scripted_server(noting("input_audio_buffer.commit", committed)) as server,
        await RealtimeRunner(agent, provider=server.provider()).run() as session,
    ):
        with pytest.raises(UserError, match=rf"send_audio.*'audio'.*\b{type_name}\b"):
            await session.send_audio(audio)
        await session.send_audio(b"\x01\x00", commit=True)
        with anyio.fail_after(WAIT):
            await committed.wait()

    appends = server.of_type("input_audio_buffer.append")
    assert [base64.b64decode(frame["audio"]) for frame in appends] == [b"\x01\x00"]


@pytest.mark.parametrize(
    "audio",
    [bytearray(b"\x01\x02\x03\x04"), memoryview(b"\x01\x02\x03\x04"),
     array.array("h", [0x0201, 0x0403])],
    ids=["bytearray", "memoryview", "array"],
)  # fmt: skip
async def test_send_audio_takes_any_contiguous_buffer(audio: Any) -> None:
    agent = RealtimeAgent(name="Assistant")
    committed = anyio.Event()
    async with (
        scripted_server(noting("input_audio_buffer.commit", committed)) as server,
        await RealtimeRunner(agent, provider=server.provider()).run() as session,
    ):
        await session.send_audio(audio, commit=True)
        with anyio.fail_after(WAIT):
            await committed.wait()

    [append] = server.of_type("input_audio_buffer.append")
    assert base64.b64decode(append["audio"]) == b"\x01\x02\x03\x04"


async def test_a_buffer_over_the_event_limit_goes_out_in_appends_under_it() -> None:
    # 20 MiB of PCM16 (about 218 s), not all zeros, so that the order of the pieces shows.
    audio = bytes(range(256)) * (20 * 2**12) + b"\x07\x08"
    agent = RealtimeAgent(name="Assistant")
    committed = anyio.Event()
    script = noting("input_audio_buffer.commit", committed)
    async with (
        scripted_server(script, max_size=SERVER_EVENT_LIMIT) as server,
        await RealtimeRunner(agent, provider=server.provider()).run() as session,
    ):
        await session.send_audio(audio, commit=True)
        with anyio.fail_after(WAIT):
            await committed.wait()

    appends = server.of_type("input_audio_buffer.append")
    assert len(appends) > 1
    pieces = [base64.b64decode(frame["audio"]) for frame in appends]
    assert b"".join(pieces) == audio
    for frame, piece in zip(appends, pieces, strict=True):
        assert len(json.dumps(frame)) < SERVER_EVENT_LIMIT
        assert len(piece) % 2 == 0  # PCM16: whole samples in every append


# ---------------------------------------------------------------------------------------------
# Tracing never stops a tool


@pytest.mark.parametrize(
    ("arguments", "traced"),
    [
        # The frame carries {"arguments": "{\"city\": \"\ud800\"}"}: decoded, the arguments
        # hold a lone surrogate, which UTF-8 cannot encode.
        ('{"city": "\ud800"}', '{"city": "\ufffd"}'),
        # The arguments' own JSON holds the escape (valid ASCII, but pydantic refuses it).
        ('{"city": "\\ud800"}', '{"city": "\\ud800"}'),
    ],
    ids=["surrogate-in-the-frame", "escape-in-the-arguments"],
)
async def test_a_lone_surrogate_in_arguments_runs_the_tool_and_traces_a_clean_value(
    arguments: str, traced: str
) -> None:
    ran: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        ran.append(city)
        return f"Sunny in {city}"

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    agent = RealtimeAgent(name="Assistant", tools=[get_weather])
    config: Any = {"tracing": {"tracer_provider": provider, "include_transcripts": True}}
    async with scripted_server(calls_then_text([("get_weather", arguments)])) as server:
        runner = RealtimeRunner(agent, config=config, provider=server.provider())
        async with await runner.run() as session:
            seen = await converse(session)

    assert ran == ["\ufffd"]  # the tool ran, with the broken character replaced
    [end] = [event for event in seen if isinstance(event, ToolEndEvent)]
    assert end.error is None
    [output] = outputs_on_wire(server)
    assert output["output"] == "Sunny in \ufffd"
    [span] = [span for span in exporter.get_finished_spans() if span.name == "realtime.tool"]
    attributes = dict(span.attributes or {})
    for value in attributes.values():
        if isinstance(value, str):
            value.encode()  # every string on the span is valid UTF-8
    assert attributes["gen_ai.tool.call.arguments"] == traced
    assert attributes["gen_ai.tool.call.result"] == "Sunny in \ufffd"


class RaisingProcessor:
    """A span processor that raises at every span start and end (a broken pipeline)."""

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        raise RuntimeError("on_start")

    def on_end(self, span: Any) -> None:
        raise RuntimeError("on_end")

    def shutdown(self) -> None:
        return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


async def test_a_tracing_pipeline_that_raises_never_stops_a_tool_or_a_turn() -> None:
    @function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return f"Sunny in {city}"

    provider = TracerProvider()
    provider.add_span_processor(RaisingProcessor())  # type: ignore[arg-type]
    agent = RealtimeAgent(name="Assistant", tools=[get_weather])
    config: Any = {"tracing": {"tracer_provider": provider}}
    calls = [("get_weather", '{"city": "Paris"}')]
    async with scripted_server(calls_then_text(calls)) as server:
        runner = RealtimeRunner(agent, config=config, provider=server.provider())
        async with await runner.run() as session:
            seen = await converse(session)
            history = [getattr(item, "text", None) for item in session.history]

    [end] = [event for event in seen if isinstance(event, ToolEndEvent)]
    assert end.error is None
    assert [item["output"] for item in outputs_on_wire(server)] == ["Sunny in Paris"]
    assert "done" in history
