"""Response sequencing against a server nobody here wrote (tests/realtime_server.py).

Each test plays a server that misbehaves in one way (a lost ``response.done``, a
``response.create`` never answered, a repeated ``response.done``) or a turn whose guardrail
decides late, and checks what the application relies on: the loop of the README (stop at
``agent_end``) ends, sees what it must first, and the next request goes out on the wire.
"""

from __future__ import annotations

import base64
from typing import Any

import anyio
import pytest

from realtime_server import (
    Frame,
    ScriptedConnection,
    new_id,
    response_object,
    scripted_server,
    text_response,
    usage_object,
    user_item_echo,
)
from rtvoice import RealtimeAgent, RealtimeRunner
from rtvoice.guardrails import GuardrailFunctionOutput, input_guardrail, output_guardrail
from rtvoice.session import RealtimeSession, RealtimeSessionEvent

pytestmark = pytest.mark.anyio

WAIT = 3.0
"""Seconds a test waits for what it expects (the configured waits are 0.2 s)."""

AGENT = RealtimeAgent(name="Assistant", instructions="Be brief.")


def runner(server: Any, agent: RealtimeAgent[Any] = AGENT, **config: Any) -> RealtimeRunner:
    return RealtimeRunner(agent, provider=server.provider(), config=config)


async def until_agent_end(session: RealtimeSession) -> list[RealtimeSessionEvent]:
    """The README's loop: every event up to ``agent_end``."""
    seen: list[RealtimeSessionEvent] = []
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if event.type == "agent_end":
                return seen
    raise AssertionError(f"iteration ended before agent_end: {[e.type for e in seen]}")


async def arrived(server: Any, kind: str, count: int = 1) -> None:
    """Wait until the server received ``count`` frames of ``kind``."""
    with anyio.fail_after(WAIT):
        # The scripted server only records frames; polling its record is bounded above.
        while len(server.of_type(kind)) < count:  # noqa: ASYNC110
            await anyio.sleep(0.005)


def kinds(events: list[RealtimeSessionEvent]) -> list[str]:
    return [event.type for event in events if event.type not in ("raw_model_event",)]


def error_codes(events: list[RealtimeSessionEvent]) -> list[str | None]:
    return [event.error.code for event in events if event.type == "error"]


async def echo(conn: ScriptedConnection, frame: Frame) -> None:
    iid, frames = user_item_echo(frame, conn.last_item)
    conn.last_item = iid
    await conn.send(*frames)


def audio_response(transcript: str, previous: str | None) -> tuple[str, list[Frame]]:
    """Every frame of a spoken reply: one second of audio and its transcript."""
    rid, iid = new_id("resp"), new_id("item")
    where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
    opening = {"id": iid, "type": "message", "status": "in_progress", "role": "assistant"}
    done_item = {
        **opening,
        "status": "completed",
        "content": [{"type": "output_audio", "transcript": transcript}],
    }
    chunk = base64.b64encode(bytes(48_000)).decode()  # 1 s of PCM16 at 24 kHz
    frames: list[Frame] = [
        {"type": "response.created", "response": response_object(rid)},
        {"type": "response.output_item.added", "response_id": rid, "output_index": 0,
         "item": {**opening, "content": []}},
        {"type": "conversation.item.added", "previous_item_id": previous,
         "item": {**opening, "content": []}},
        {"type": "response.output_audio.delta", **where, "delta": chunk},
        {"type": "response.output_audio_transcript.delta", **where, "delta": transcript},
        {"type": "response.output_audio.done", **where},
        {"type": "response.output_audio_transcript.done", **where, "transcript": transcript},
        {"type": "conversation.item.done", "previous_item_id": previous, "item": done_item},
        {"type": "response.output_item.done", "response_id": rid, "output_index": 0,
         "item": done_item},
        {"type": "response.done", "response": response_object(
            rid, "completed", output=[done_item], usage=usage_object())},
    ]  # fmt: skip
    return iid, frames


# ---------------------------------------------------------------------------------------------
# A lost response.done, an unanswered response.create


async def test_a_lost_response_done_is_given_up_and_the_next_request_goes_out() -> None:
    async def lose_the_first_done(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo(conn, frame)
        elif frame["type"] == "response.create":
            iid, frames = text_response("ok", conn.last_item)
            conn.last_item = iid
            first = len(conn.server_creates) == 0
            conn.server_creates.append(frame)
            await conn.send(*(frames[:-1] if first else frames))

    async with scripted_server(on_frame=_counting(lose_the_first_done)) as server:
        session = await runner(server, timeouts={"response_idle": 0.2}).run()
        async with session:
            await session.send_message("hello")
            first = await until_agent_end(session)
            assert "agent_start" in kinds(first)
            assert error_codes(first) == ["response_done_timeout"]
            await arrived(server, "response.cancel")
            given_up = server.of_type("response.cancel")
            assert len(given_up) == 1
            assert given_up[0]["response_id"].startswith("resp_")
            await session.send_message("again")
            second = await until_agent_end(session)
            assert error_codes(second) == []
            assert len(server.of_type("response.create")) == 2
            replies = [i.text for i in session.history if i.type == "assistant_message"]
            assert replies == ["ok", "ok"]


async def test_an_unanswered_response_create_is_given_up_and_the_next_request_goes_out() -> None:
    async def ignore_the_first_create(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo(conn, frame)
        elif frame["type"] == "response.create":
            conn.server_creates.append(frame)
            if len(conn.server_creates) > 1:
                await conn.reply("ok")

    async with scripted_server(on_frame=_counting(ignore_the_first_create)) as server:
        session = await runner(server, timeouts={"response_created": 0.2}).run()
        async with session:
            await session.send_message("hello")
            seen: list[RealtimeSessionEvent] = []
            with anyio.fail_after(WAIT):
                async for event in session:
                    seen.append(event)
                    if event.type == "error":
                        break
            (error,) = [event.error for event in seen if event.type == "error"]
            assert error.type == "timeout"
            assert error.code == "response_created_timeout"
            assert error.event_id == server.of_type("response.create")[0]["event_id"]
            await session.send_message("again")
            await until_agent_end(session)
            assert len(server.of_type("response.create")) == 2


async def test_interrupt_recovers_a_session_whose_response_done_was_lost() -> None:
    async def lose_done_refuse_cancel(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo(conn, frame)
        elif frame["type"] == "response.create":
            conn.server_creates.append(frame)
            iid, frames = text_response("ok", conn.last_item)
            conn.last_item = iid
            await conn.send(*(frames[:-1] if len(conn.server_creates) == 1 else frames))
        elif frame["type"] == "response.cancel":  # nothing runs here any more
            await conn.send(
                {"type": "error", "error": {
                    "type": "invalid_request_error", "code": "response_cancel_not_active",
                    "message": "Cancellation failed: no active response found",
                    "param": None, "event_id": frame.get("event_id")}}
            )  # fmt: skip

    async with scripted_server(on_frame=_counting(lose_done_refuse_cancel)) as server:
        session = await runner(server).run()  # the default waits: only interrupt() can help
        async with session:
            await session.send_message("hello")
            seen: list[RealtimeSessionEvent] = []
            with anyio.fail_after(WAIT):
                async for event in session:
                    seen.append(event)
                    if event.type == "history_updated" and event.item.type == "assistant_message":
                        break  # the reply is complete; its response.done never comes
            await session.interrupt()
            rest = await until_agent_end(session)
            assert error_codes(rest) == []  # the refused cancel is the session's business
            await session.send_message("again")
            await until_agent_end(session)
            assert len(server.of_type("response.create")) == 2


async def test_interrupt_forgets_a_waiting_request_and_the_create_on_its_way() -> None:
    async def never_answer(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo(conn, frame)

    async with scripted_server(on_frame=never_answer) as server:
        session = await runner(server).run()
        async with session:
            await session.send_message("one")  # its create goes out and is never answered
            await session.send_message("two")  # waits behind it
            await session.interrupt()
            await arrived(server, "response.cancel")
            await session.send_message("three")  # goes out at once: nothing is remembered
            await arrived(server, "response.create", 2)
            kinds_sent = [frame["type"] for frame in server.received]
            assert kinds_sent.count("response.create") == 2
            assert kinds_sent.index("response.cancel") < len(kinds_sent) - 1


# ---------------------------------------------------------------------------------------------
# agent_end after the turn's last guardrail verdict


async def test_an_output_guardrail_on_a_short_reply_trips_before_agent_end() -> None:
    @output_guardrail(name="no_secrets")
    async def no_secrets(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        await anyio.sleep(0.05)  # it decides after the reply's response.done
        return GuardrailFunctionOutput(tripwire_triggered="secret" in text)

    async def speak_then_text(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo(conn, frame)
        elif frame["type"] == "response.create":
            conn.server_creates.append(frame)
            if len(conn.server_creates) == 1:
                iid, frames = audio_response("the secret", conn.last_item)
                conn.last_item = iid
                await conn.send(*frames)
            else:
                await conn.reply("fine")

    agent = RealtimeAgent(name="Leaky", output_guardrails=[no_secrets])
    async with scripted_server(on_frame=_counting(speak_then_text)) as server:
        session = await runner(server, agent).run()
        async with session:
            await session.send_message("tell me")
            seen = kinds(await until_agent_end(session))
            assert "guardrail_tripped" in seen
            assert "audio_interrupted" in seen
            assert seen.index("audio_interrupted") < seen.index("guardrail_tripped")
            assert len(server.of_type("response.create")) == 2  # the replacement answered


async def test_a_slow_input_guardrail_trips_before_agent_end() -> None:
    @input_guardrail(name="no_forbidden")
    async def no_forbidden(context: Any, agent: Any, text: str) -> GuardrailFunctionOutput:
        await anyio.sleep(0.1)  # slower than the whole reply
        return GuardrailFunctionOutput(tripwire_triggered="forbidden" in text)

    async def speak(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo(conn, frame)
        elif frame["type"] == "response.create":
            iid, frames = audio_response("sure", conn.last_item)
            conn.last_item = iid
            await conn.send(*frames)

    async with scripted_server(on_frame=speak) as server:
        session = await runner(server, input_guardrails=[no_forbidden]).run()
        async with session:
            await session.send_message("something forbidden")
            seen = kinds(await until_agent_end(session))
            assert "audio_interrupted" in seen
            assert "guardrail_tripped" in seen


# ---------------------------------------------------------------------------------------------
# Usage once per response id


async def test_a_repeated_response_done_counts_usage_once() -> None:
    async def repeat_the_done(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            await echo(conn, frame)
        elif frame["type"] == "response.create":
            iid, frames = text_response("ok", conn.last_item)
            conn.last_item = iid
            await conn.send(*frames, dict(frames[-1], event_id=new_id("event")))

    async with scripted_server(on_frame=repeat_the_done) as server:
        session = await runner(server).run()
        async with session:
            usage: list[int] = []
            for text in ("one", "two"):
                await session.send_message(text)
                events = await until_agent_end(session)
                usage += [e.usage.total_tokens for e in events if e.type == "usage"]
            with anyio.move_on_after(0.1):  # the second repeat, if it counted, comes now
                async for event in session:
                    if event.type == "usage":
                        usage.append(event.usage.total_tokens)
            assert usage == [5, 5]
            assert session.usage.total_tokens == 10


def _counting(script: Any) -> Any:
    """``script`` with a per-connection list of the creates it saw (``server_creates``)."""

    async def counted(conn: ScriptedConnection, frame: Frame) -> None:
        if not hasattr(conn, "server_creates"):
            conn.server_creates = []  # type: ignore[attr-defined]
        await script(conn, frame)

    return counted
