"""Never wedge (hypothesis): corrupted server frames of whole turns, fed to a real session.

A turn is the GA frames a server sends for one reply (text, audio, or a function call then a
text reply), written as plain dicts the way ``tests/realtime_server.py`` writes them. Each
example changes one thing in one frame of the turn (a value replaced by ``null``, an unknown
string, a number, a boolean, a list or an object of another shape; a field removed; an unknown
field added; an unknown event inserted before the frame), and plays the turn from a scripted
server on 127.0.0.1 (real sockets: about 30 ms an example, fast enough) to a real session.
Whatever the change:

* iterating the session raises nothing but a ``RealtimeError`` (in practice nothing: a bad
  frame is an ``error`` event);
* after a change the server may make as it grows (an unknown field or event anywhere, any
  change inside ``response.created`` / ``response.done`` but to the response's ``id``), the
  turn still ends with ``agent_end``;
* the run is bounded: the example waits at most ``TURN_WAIT`` for ``agent_end`` (a turn whose
  ``response.done`` was corrupted may legitimately never end: another part of the session
  bounds that wait), and closing the session completes within ``CLOSE_WAIT``;
* every item some unchanged frame stated (the user's message, the assistant's reply, the
  function call) is in the history at the end.
"""

from __future__ import annotations

import base64
import copy
import itertools
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from rtvoice import RealtimeAgent, RealtimeRunner, function_tool
from rtvoice.errors import RealtimeError

pytestmark = pytest.mark.anyio

TURN_WAIT = 0.5
"""Seconds an example waits for ``agent_end`` (a healthy turn takes a few milliseconds)."""
CLOSE_WAIT = 2.0
"""Seconds closing the session may take."""


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


AGENT = RealtimeAgent(name="Assistant", instructions="Be brief.", tools=[get_weather])

# ---------------------------------------------------------------------------------------------
# Turns, as a GA server writes them


def audio_response(transcript: str, previous: str | None) -> tuple[str, list[Frame]]:
    """Every frame of an audio reply with its transcript, ``response.created`` to ``.done``."""
    rid, iid = new_id("resp"), new_id("item")
    where = {"response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}
    opening = {"id": iid, "type": "message", "status": "in_progress", "role": "assistant"}
    part = {"type": "output_audio", "transcript": transcript}
    done_item = {**opening, "status": "completed", "content": [part]}
    chunk = base64.b64encode(bytes(480)).decode()
    frames: list[Frame] = [
        {"type": "response.created", "response": response_object(rid, output_modalities=["audio"])},
        {"type": "response.output_item.added", "response_id": rid, "output_index": 0,
         "item": {**opening, "content": []}},
        {"type": "conversation.item.added", "previous_item_id": previous,
         "item": {**opening, "content": []}},
        {"type": "response.content_part.added", **where,
         "part": {"type": "audio", "transcript": ""}},
        {"type": "response.output_audio.delta", **where, "delta": chunk},
        {"type": "response.output_audio_transcript.delta", **where, "delta": transcript},
        {"type": "response.output_audio.delta", **where, "delta": chunk},
        {"type": "response.output_audio.done", **where},
        {"type": "response.output_audio_transcript.done", **where, "transcript": transcript},
        {"type": "response.content_part.done", **where,
         "part": {"type": "audio", "transcript": transcript}},
        {"type": "conversation.item.done", "previous_item_id": previous, "item": done_item},
        {"type": "response.output_item.done", "response_id": rid, "output_index": 0,
         "item": done_item},
        {"type": "response.done", "response": response_object(
            rid, "completed", output=[done_item], usage=usage_object())},
    ]  # fmt: skip
    return iid, frames


def call_response(previous: str | None) -> tuple[str, list[Frame]]:
    """Every frame of a reply that calls ``get_weather``."""
    rid, iid, call_id = new_id("resp"), new_id("item"), new_id("call")
    args = '{"city": "Paris"}'
    opening = {"id": iid, "type": "function_call", "status": "in_progress", "call_id": call_id,
               "name": "get_weather", "arguments": ""}  # fmt: skip
    done_item = {**opening, "status": "completed", "arguments": args}
    where = {"response_id": rid, "item_id": iid, "output_index": 0, "call_id": call_id}
    frames: list[Frame] = [
        {"type": "response.created", "response": response_object(rid)},
        {"type": "response.output_item.added", "response_id": rid, "output_index": 0,
         "item": opening},
        {"type": "conversation.item.added", "previous_item_id": previous, "item": opening},
        {"type": "response.function_call_arguments.delta", **where, "delta": args},
        {"type": "response.function_call_arguments.done", **where, "name": "get_weather",
         "arguments": args},
        {"type": "conversation.item.done", "previous_item_id": previous, "item": done_item},
        {"type": "response.output_item.done", "response_id": rid, "output_index": 0,
         "item": done_item},
        {"type": "response.done", "response": response_object(
            rid, "completed", output=[done_item], usage=usage_object())},
    ]  # fmt: skip
    return iid, frames


TURNS = {
    "text": lambda previous: text_response("Hello there.", previous),
    "audio": lambda previous: audio_response("Hello there.", previous),
    "tool call": call_response,
}

# ---------------------------------------------------------------------------------------------
# Changes

JUNK: list[Any] = [None, "zz_unknown", 7, -1.5, True, [], [{"zz": 1}], {"zz": {"a": [None]}}]
"""Values of other types and shapes (and an unknown string) a change puts in a field."""


def paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index inside ``value``."""
    if isinstance(value, dict):
        children: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    else:
        return []
    return [p for key, child in children for p in [(*at, key), *paths(child, (*at, key))]]


def mutate(
    frames: list[Frame], index: int, change: str, pick: int, junk: Any
) -> tuple[list[Frame], bool]:
    """``frames`` with one ``change`` in frame ``index`` (``pick`` chooses where), and whether
    the change is one the server may make as it grows, after which the turn must still end:
    an unknown field or event, or anything inside a response but its ``id``."""
    out = copy.deepcopy(frames)
    frame = out[index]
    if change == "insert unknown event":
        out.insert(index, {"type": "response.zz_unknown", "zz": junk})
        return out, True
    objects = [p for p in [(), *paths(frame)] if isinstance(_at(frame, p), dict)]
    if change == "add unknown field":
        _at(frame, objects[pick % len(objects)])["zz_unknown"] = junk
        return out, True
    where = paths(frame)[pick % len(paths(frame))]
    parent = _at(frame, where[:-1])
    if change == "remove field":
        del parent[where[-1]]
    else:
        parent[where[-1]] = junk
    grown = (
        frame["type"] in RESPONSE_FRAMES and where[:1] == ("response",) and where[1:2] != ("id",)
    )
    return out, grown and len(where) > 1


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


RESPONSE_FRAMES = ("response.created", "response.done")
STATING = ("conversation.item.added", "conversation.item.done", "response.output_item.done")


def stated_ids(original: list[Frame], sent: list[Frame]) -> set[str]:
    """Ids of the items some frame that was sent unchanged states."""
    ids: set[str] = set()
    for frame in sent:
        if frame not in original:
            continue
        if frame["type"] in STATING:
            ids.add(frame["item"]["id"])
        elif frame["type"] == "response.done":
            ids.update(item["id"] for item in frame["response"]["output"])
    return ids


# ---------------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    turn=st.sampled_from(list(TURNS)),
    where=st.integers(min_value=0, max_value=12),
    change=st.sampled_from(
        ["replace", "remove field", "add unknown field", "insert unknown event"]
    ),
    pick=st.integers(min_value=0, max_value=10_000),
    junk=st.sampled_from(JUNK),
)
async def test_a_corrupted_turn_never_wedges_the_session_or_loses_an_item(
    turn: str, where: int, change: str, pick: int, junk: Any
) -> None:
    sent: list[Frame] = []
    originals: list[Frame] = []
    user_ids: list[str] = []
    must_end: list[bool] = []
    ended = False
    replies = itertools.count()

    async def on_frame(conn: ScriptedConnection, frame: Frame) -> None:
        if frame["type"] == "conversation.item.create":
            iid, frames = user_item_echo(frame, conn.last_item)
            conn.last_item = iid
            if frame["item"]["type"] == "message":  # a tool output shows on its call
                user_ids.append(iid)
            await conn.send(*frames)
        elif frame["type"] == "response.create":
            if next(replies) == 0:  # the turn under test
                iid, frames = TURNS[turn](conn.last_item)
                changed, grown = mutate(frames, where % len(frames), change, pick, junk)
                must_end.append(grown)
                originals.extend(copy.deepcopy(frames))
                sent.extend(copy.deepcopy(changed))
            else:  # the reply after a tool output: plain
                iid, changed = text_response("It is sunny.", conn.last_item)
            conn.last_item = iid
            await conn.send(*changed)

    async with scripted_server(on_frame) as server:
        session = await RealtimeRunner(AGENT, provider=server.provider()).run()
        try:
            with anyio.fail_after(TURN_WAIT + CLOSE_WAIT):  # the turn, then the close
                async with session:
                    await session.send_message("What is the weather in Paris?")
                    with anyio.move_on_after(TURN_WAIT):
                        async for event in session:
                            if event.type == "agent_end":
                                ended = True
                                break
        except RealtimeError:
            return  # a typed failure is allowed (none is expected from frame changes)
    assert ended or not must_end[0], (turn, change, junk)
    ids = {item.item_id for item in session.history}
    assert set(user_ids) <= ids
    assert stated_ids(originals, sent) <= ids, (turn, change, junk)
