"""A server that grew, over the wire: values rtvoice does not know never wedge a session.

Each test plays a server nobody here wrote (``tests/realtime_server.py``, plain GA frames on
127.0.0.1) that puts one value rtvoice does not model into ``response.created`` /
``response.done`` or ``session.updated``, and checks what a user relies on: the turn still ends
with ``agent_end``, the next ``send_message`` still puts a ``response.create`` on the wire and
gets its reply, the history keeps what the server stated (raw where rtvoice cannot model it),
and ``async with session:`` enters promptly when the server confirms with values it does not
know.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from realtime_server import (
    Frame,
    ScriptedConnection,
    merged_session,
    scripted_server,
    text_response,
    user_item_echo,
)
from rtvoice import RealtimeAgent, RealtimeRunner
from rtvoice.model.items import OtherPart
from rtvoice.session import AssistantMessageItem, RealtimeSession

pytestmark = pytest.mark.anyio

WAIT = 5.0
"""Seconds a test waits for what it expects (a wedged session would wait forever)."""

AGENT = RealtimeAgent(name="Assistant", instructions="Keep answers short.")

Mutation = Callable[[Frame], None]
"""Changes one frame of a text reply in place."""


def _set(path: tuple[str | int, ...], value: Any) -> Mutation:
    def mutate(frame: Frame) -> None:
        target: Any = frame
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


GROWN_RESPONSES: dict[str, tuple[str, Mutation]] = {
    "a new status in response.created": (
        "response.created",
        _set(("response", "status"), "queued"),
    ),
    "a new status in response.done": ("response.done", _set(("response", "status"), "paused")),
    "a new part type in response.done": (
        "response.done",
        _set(("response", "output", 0, "content", 0), {"type": "output_video", "uri": "v://1"}),
    ),
    "a null usage count in response.done": (
        "response.done",
        _set(("response", "usage", "input_token_details", "cached_tokens"), None),
    ),
    "a usage count of another type in response.done": (
        "response.done",
        _set(("response", "usage", "output_tokens"), "3"),
    ),
    "a usage object of another shape in response.done": (
        "response.done",
        _set(("response", "usage"), [1, 2]),
    ),
    "metadata of another shape in response.created": (
        "response.created",
        _set(("response", "metadata"), {"topic": {"nested": True}}),
    ),
    "metadata of another shape in response.done": (
        "response.done",
        _set(("response", "metadata"), ["a", "b"]),
    ),
    "status details of another shape in response.done": (
        "response.done",
        _set(("response", "status_details"), {"reason": 7}),
    ),
}


def grown_reply(kind: str, mutate: Mutation) -> Callable[[ScriptedConnection, Frame], Any]:
    """A script that echoes user items and answers every ``response.create`` with a text
    reply whose first frame of type ``kind`` is changed by ``mutate``."""

    async def on_frame(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            iid, frames = user_item_echo(frame, conn.last_item)
            conn.last_item = iid
            await conn.send(*frames)
        elif frame["type"] == "response.create":
            iid, frames = text_response("ok", conn.last_item)
            conn.last_item = iid
            frames = copy.deepcopy(frames)
            mutate(next(f for f in frames if f["type"] == kind))
            await conn.send(*frames)

    return on_frame


async def turn(session: RealtimeSession, text: str) -> list[Any]:
    """Send ``text`` and collect the session's events up to ``agent_end``."""
    seen: list[Any] = []
    await session.send_message(text)
    with anyio.fail_after(WAIT):
        async for event in session:
            seen.append(event)
            if event.type == "agent_end":
                break
    return seen


@pytest.mark.parametrize("case", list(GROWN_RESPONSES))
async def test_a_grown_response_ends_its_turn_and_the_next_one_runs(case: str) -> None:
    kind, mutate = GROWN_RESPONSES[case]
    async with scripted_server(grown_reply(kind, mutate)) as server:
        session = await RealtimeRunner(AGENT, provider=server.provider()).run()
        async with session:
            first = await turn(session, "Hello?")
            second = await turn(session, "Still there?")
        assert len(server.of_type("response.create")) == 2
        assert [e.type for e in first + second].count("agent_end") == 2
        assert not [e for e in first + second if e.type == "error"]
        replies = [item for item in session.history if isinstance(item, AssistantMessageItem)]
        assert len(replies) == 2
        if "part type" in case:
            assert all(item.status == "completed" for item in replies)
        else:
            assert [item.text for item in replies] == ["ok", "ok"]


async def test_a_new_part_type_is_kept_raw_in_the_history() -> None:
    part = {"type": "output_video", "uri": "v://1"}
    mutate = _set(("response", "output", 0, "content", 0), part)

    async def on_frame(conn: ScriptedConnection, frame: Frame) -> None:
        # The item's own done states the new part too: it reaches the history.
        if frame["type"] == "response.create":
            iid, frames = text_response("ok", conn.last_item)
            conn.last_item = iid
            frames = copy.deepcopy(frames)
            for f in frames:
                if f["type"] in ("conversation.item.done", "response.output_item.done"):
                    f["item"]["content"][0] = dict(part)
            mutate(frames[-1])
            await conn.send(*frames)
        else:
            await grown_reply("response.done", lambda f: None)(conn, frame)

    async with scripted_server(on_frame) as server:
        session = await RealtimeRunner(AGENT, provider=server.provider()).run()
        async with session:
            await turn(session, "Show me.")
        [reply] = [item for item in session.history if isinstance(item, AssistantMessageItem)]
        assert reply.content == (OtherPart(part_type="output_video", raw=part),)


GROWN_SESSIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "an unknown noise reduction type": lambda s: s["audio"]["input"].update(
        noise_reduction={"type": "studio_field", "strength": 0.5}
    ),
    "an unknown turn detection type": lambda s: s["audio"]["input"].update(
        turn_detection={"type": "prosody_vad", "create_response": True}
    ),
    "an unknown audio format": lambda s: s["audio"]["output"].update(
        format={"type": "audio/opus", "rate": 48000}
    ),
    "a speed of another type": lambda s: s["audio"]["output"].update(speed="fast"),
    "an unknown tool choice": lambda s: s.update(tool_choice={"type": "web_search"}),
}


@pytest.mark.parametrize("case", list(GROWN_SESSIONS))
async def test_a_session_updated_with_unknown_values_confirms_promptly(case: str) -> None:
    async with scripted_server() as server:

        def grown(update: Frame) -> dict[str, Any]:
            session = merged_session(update)
            GROWN_SESSIONS[case](session)
            return session

        server.session_updated = grown
        session = await RealtimeRunner(AGENT, provider=server.provider()).run()
        with anyio.fail_after(WAIT):  # entry waits for session.updated (10 s before it failed)
            async with session:
                events = await turn(session, "Hello?")
        assert server.of_type("response.create")
        assert "agent_end" in [e.type for e in events]


async def test_an_unreadable_later_state_never_replaces_a_readable_one() -> None:
    async def on_frame(conn: ScriptedConnection, frame: Frame) -> None:
        # Every final state of the reply has a role rtvoice does not know; its first state
        # (conversation.item.added) reads.
        if frame["type"] == "response.create":
            iid, frames = text_response("ok", conn.last_item)
            conn.last_item = iid
            frames = copy.deepcopy(frames)
            for f in frames:
                if f["type"] in ("conversation.item.done", "response.output_item.done"):
                    f["item"]["role"] = "narrator"
            frames[-1]["response"]["output"][0]["role"] = "narrator"
            await conn.send(*frames)
        else:
            await grown_reply("response.done", lambda f: None)(conn, frame)

    async with scripted_server(on_frame) as server:
        session = await RealtimeRunner(AGENT, provider=server.provider()).run()
        async with session:
            events = await turn(session, "Hello?")
        assert not [e for e in events if e.type == "error"]
        [reply] = [item for item in session.history if item.item_id == server_reply_id(server)]
        assert isinstance(reply, AssistantMessageItem)


def server_reply_id(server: Any) -> str:
    """The id of the one assistant item the scripted server announced."""
    [conn] = server.connections
    return str(conn.last_item)
