"""Readers of the response events: streamed content, content parts, function call arguments,
responses, output items and MCP calls.

Each reader takes the parsed frame and the codec's dialect and returns the frame's events, or
raises a :class:`~._wire_errors.WireError` naming the first malformed field. The GA names and
their beta twins (``response.output_text.*`` / ``response.text.*``, ``response.output_audio.*`` /
``response.audio.*``, ``response.output_audio_transcript.*`` / ``response.audio_transcript.*``)
share one reader; the table is in :mod:`._decode_events`.

Every id, index and delta is required with its exact type. The audio delta is the hot path of
the whole library: its reader does five dictionary reads, five type checks and one base64
decode, and only spells out which field is wrong when one is.
"""

from __future__ import annotations

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
    ResponseInfo,
    TextDelta,
    TextDone,
)
from ..items import Item
from ._dialect import Dialect
from ._read_fields import EventReader, child, decode_base64, integer, text
from ._read_items import item_from_wire, part_from_wire
from ._read_responses import response_from_wire
from ._wire_errors import invalid_base64
from ._wire_json import JsonObject

Progress = Literal["in_progress", "completed", "failed"]

_ITEM: tuple[str] = ("item",)
_PART: tuple[str] = ("part",)
_RESPONSE: tuple[str] = ("response",)


def content_refs(o: JsonObject) -> tuple[str, str, int, int]:
    """``response_id``, ``item_id``, ``output_index`` and ``content_index`` of a content event."""
    rid: object = o.get("response_id")
    iid: object = o.get("item_id")
    oi: object = o.get("output_index")
    ci: object = o.get("content_index")
    if type(rid) is str and type(iid) is str and type(oi) is int and type(ci) is int:
        return rid, iid, oi, ci
    return (
        text(o, "response_id"),
        text(o, "item_id"),
        integer(o, "output_index"),
        integer(o, "content_index"),
    )


# ---------------------------------------------------------------------------------------------
# Streamed content


def audio_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    # The most frequent frame of all: its reads are written out rather than called.
    rid: object = o.get("response_id")
    iid: object = o.get("item_id")
    oi: object = o.get("output_index")
    ci: object = o.get("content_index")
    delta: object = o.get("delta")
    if not (
        type(rid) is str
        and type(iid) is str
        and type(oi) is int
        and type(ci) is int
        and type(delta) is str
    ):
        rid, iid, oi, ci = content_refs(o)  # raises, naming the field
        delta = text(o, "delta")
    try:
        audio = decode_base64(delta)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise invalid_base64(("delta",)) from None
    return [
        AudioDelta(response_id=rid, item_id=iid, output_index=oi, content_index=ci, audio=audio)
    ]


def transcript_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = content_refs(o)
    return [
        AudioTranscriptDelta(
            response_id=rid, item_id=iid, output_index=oi, content_index=ci, delta=text(o, "delta")
        )
    ]


def text_delta(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = content_refs(o)
    return [
        TextDelta(
            response_id=rid, item_id=iid, output_index=oi, content_index=ci, delta=text(o, "delta")
        )
    ]


def audio_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = content_refs(o)
    return [AudioDone(response_id=rid, item_id=iid, output_index=oi, content_index=ci)]


def transcript_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = content_refs(o)
    transcript = text(o, "transcript")
    return [
        AudioTranscriptDone(
            response_id=rid, item_id=iid, output_index=oi, content_index=ci, transcript=transcript
        )
    ]


def text_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = content_refs(o)
    done = text(o, "text")
    return [TextDone(response_id=rid, item_id=iid, output_index=oi, content_index=ci, text=done)]


def part_added(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = content_refs(o)
    p = part_from_wire(child(o, "part"), _PART)
    return [
        ContentPartAdded(response_id=rid, item_id=iid, output_index=oi, content_index=ci, part=p)
    ]


def part_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    rid, iid, oi, ci = content_refs(o)
    p = part_from_wire(child(o, "part"), _PART)
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
# Responses and their output items


def response_created(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ResponseCreated(response=_response(o))]


def response_done(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    return [ResponseDone(response=_response(o))]


def output_item_added(o: JsonObject, _: Dialect) -> list[ModelEvent]:
    item = _item(o)
    return [
        OutputItemAdded(
            response_id=text(o, "response_id"), output_index=integer(o, "output_index"), item=item
        )
    ]


def output_item_done(o: JsonObject, dialect: Dialect) -> list[ModelEvent]:
    item = _item(o)
    done = OutputItemDone(
        response_id=text(o, "response_id"), output_index=integer(o, "output_index"), item=item
    )
    # Beta has no conversation.item.done: the item is final here, and GA order puts the
    # item's own ItemDone before its OutputItemDone.
    return [ItemDone(item=item), done] if dialect == "beta" else [done]


def _item(o: JsonObject) -> Item:
    return item_from_wire(child(o, "item"), _ITEM)


def _response(o: JsonObject) -> ResponseInfo:
    return response_from_wire(child(o, "response"), _RESPONSE)


# ---------------------------------------------------------------------------------------------
# MCP


def mcp_list_tools(status: Progress) -> EventReader:
    """The reader of ``mcp_list_tools.<status>``."""

    def read(o: JsonObject, _: Dialect) -> list[ModelEvent]:
        return [McpListToolsStatus(item_id=text(o, "item_id"), status=status)]

    return read


def mcp_call(status: Progress) -> EventReader:
    """The reader of ``response.mcp_call.<status>``."""

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
