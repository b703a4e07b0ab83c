"""Direct readers of the response events: streamed content, content parts, function call
arguments, responses, output items and MCP calls (PROTOCOL.md §6.5-§6.6, beta names §11.2).

Registered in the table of :mod:`._direct_events`; each mirrors the validating reader of
:mod:`._read_response_events` and raises :class:`~._direct_values.Decline` unless the frame
is well formed. The streamed deltas are the hot path (§9): four field reads and, for audio,
one base64 decode.
"""

from __future__ import annotations

from binascii import a2b_base64
from typing import Literal

from ..events import (
    AudioDelta,
    AudioDone,
    AudioTranscriptDelta,
    AudioTranscriptDone,
    ContentPartAdded,
    ContentPartDone,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    ItemDone,
    McpCallArgumentsDelta,
    McpCallArgumentsDone,
    McpCallStatus,
    McpListToolsStatus,
    ModelEvent,
    OutputItemAdded,
    OutputItemDone,
    ResponseCreated,
    ResponseDone,
    TextDelta,
    TextDone,
)
from ._dialect import Dialect
from ._direct_values import (
    Decline,
    DirectReader,
    child,
    integer,
    item,
    part,
    response,
    text,
)
from ._wire_json import JsonObject


def _refs(o: JsonObject) -> tuple[str, str, int, int]:
    """``response_id``, ``item_id``, ``output_index``, ``content_index`` of a content event."""
    rid, iid, oi, ci = (
        o.get("response_id"),
        o.get("item_id"),
        o.get("output_index"),
        o.get("content_index"),
    )
    if type(rid) is str and type(iid) is str and type(oi) is int and type(ci) is int:
        return rid, iid, oi, ci
    raise Decline


# ---------------------------------------------------------------------------------------------
# §6.5 streamed content: the hot path (§9)


def audio_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    # The most frequent frame of all: its reads are written out rather than called.
    rid, iid, oi, ci = (
        o.get("response_id"),
        o.get("item_id"),
        o.get("output_index"),
        o.get("content_index"),
    )
    delta = o.get("delta")
    if not (
        type(rid) is str
        and type(iid) is str
        and type(oi) is int
        and type(ci) is int
        and type(delta) is str
    ):
        raise Decline
    audio = a2b_base64(delta)  # ValueError: the validating reader words it
    return [
        AudioDelta(response_id=rid, item_id=iid, output_index=oi, content_index=ci, audio=audio)
    ]


def transcript_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = _refs(o)
    delta = text(o, "delta")
    return [
        AudioTranscriptDelta(
            response_id=rid, item_id=iid, output_index=oi, content_index=ci, delta=delta
        )
    ]


def text_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = _refs(o)
    delta = text(o, "delta")
    return [TextDelta(response_id=rid, item_id=iid, output_index=oi, content_index=ci, delta=delta)]


def audio_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = _refs(o)
    return [AudioDone(response_id=rid, item_id=iid, output_index=oi, content_index=ci)]


def transcript_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = _refs(o)
    transcript = text(o, "transcript")
    return [
        AudioTranscriptDone(
            response_id=rid, item_id=iid, output_index=oi, content_index=ci, transcript=transcript
        )
    ]


def text_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = _refs(o)
    done = text(o, "text")
    return [TextDone(response_id=rid, item_id=iid, output_index=oi, content_index=ci, text=done)]


def part_added(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = _refs(o)
    p = part(child(o, "part"))
    return [
        ContentPartAdded(response_id=rid, item_id=iid, output_index=oi, content_index=ci, part=p)
    ]


def part_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = _refs(o)
    p = part(child(o, "part"))
    return [
        ContentPartDone(response_id=rid, item_id=iid, output_index=oi, content_index=ci, part=p)
    ]


def arguments_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        FunctionCallArgumentsDelta(
            response_id=text(o, "response_id"),
            item_id=text(o, "item_id"),
            output_index=integer(o, "output_index"),
            call_id=text(o, "call_id"),
            delta=text(o, "delta"),
        )
    ]


def arguments_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        FunctionCallArgumentsDone(
            response_id=text(o, "response_id"),
            item_id=text(o, "item_id"),
            output_index=integer(o, "output_index"),
            call_id=text(o, "call_id"),
            name=text(o, "name"),
            arguments=text(o, "arguments"),
        )
    ]


# ---------------------------------------------------------------------------------------------
# §6.5 responses and their output items


def response_created(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ResponseCreated(response=response(o.get("response")))]


def response_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ResponseDone(response=response(o.get("response")))]


def output_item_added(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    new = item(o.get("item"))
    return [
        OutputItemAdded(
            response_id=text(o, "response_id"), output_index=integer(o, "output_index"), item=new
        )
    ]


def output_item_done(o: JsonObject, dialect: Dialect) -> list[ModelEvent]:
    done = item(o.get("item"))
    event = OutputItemDone(
        response_id=text(o, "response_id"), output_index=integer(o, "output_index"), item=done
    )
    # Beta has no conversation.item.done (§11.2): GA order puts the item's ItemDone first.
    return [ItemDone(item=done), event] if dialect == "beta" else [event]


# ---------------------------------------------------------------------------------------------
# §6.6 MCP


def mcp_list_tools(status: Literal["in_progress", "completed", "failed"]) -> DirectReader:
    def read(o: JsonObject, _: Dialect) -> list[ModelEvent]:
        return [McpListToolsStatus(item_id=text(o, "item_id"), status=status)]

    return read


def mcp_call(status: Literal["in_progress", "completed", "failed"]) -> DirectReader:
    def read(o: JsonObject, _: Dialect) -> list[ModelEvent]:
        return [
            McpCallStatus(
                item_id=text(o, "item_id"), output_index=integer(o, "output_index"), status=status
            )
        ]

    return read


def mcp_arguments_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        McpCallArgumentsDelta(
            response_id=text(o, "response_id"),
            item_id=text(o, "item_id"),
            output_index=integer(o, "output_index"),
            delta=text(o, "delta"),
        )
    ]


def mcp_arguments_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [
        McpCallArgumentsDone(
            response_id=text(o, "response_id"),
            item_id=text(o, "item_id"),
            output_index=integer(o, "output_index"),
            arguments=text(o, "arguments"),
        )
    ]
