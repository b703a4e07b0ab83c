"""Readers of the response and MCP server events (PROTOCOL.md §6.5-§6.6, beta names §11.2).

Each GA name and its beta twin (``response.output_text.*`` / ``response.text.*``,
``response.output_audio.*`` / ``response.audio.*``, ``response.output_audio_transcript.*`` /
``response.audio_transcript.*``) share one reader. The audio delta has a faster path in the
decoder; the reader here only runs when that path finds the frame malformed.
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
    TextDelta,
    TextDone,
)
from ._dialect import Dialect
from ._fields import Fields, Readers
from .server._read_items import b64decode, item_from_wire, part_from_wire
from .server._read_responses import response_from_wire

READERS: Readers[list[ModelEvent]] = Readers()

_Progress = Literal["in_progress", "completed", "failed"]


@READERS.on("response.created")
def _response_created(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [ResponseCreated(response=response_from_wire(f.child("response"), ("response",)))]


@READERS.on("response.done")
def _response_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [ResponseDone(response=response_from_wire(f.child("response"), ("response",)))]


@READERS.on("response.output_item.added")
def _output_item_added(f: Fields, _: Dialect) -> list[ModelEvent]:
    item = item_from_wire(f.child("item"), ("item",), strict=False)
    return [
        OutputItemAdded(
            response_id=f.text("response_id"), output_index=f.integer("output_index"), item=item
        )
    ]


@READERS.on("response.output_item.done")
def _output_item_done(f: Fields, dialect: Dialect) -> list[ModelEvent]:
    item = item_from_wire(f.child("item"), ("item",), strict=False)
    done = OutputItemDone(
        response_id=f.text("response_id"), output_index=f.integer("output_index"), item=item
    )
    if dialect == "beta":
        # Beta has no conversation.item.done (§11.2): the item is final here, and GA order
        # puts the item's own ItemDone first (§7.a).
        return [ItemDone(item=item), done]
    return [done]


@READERS.on("response.content_part.added")
def _content_part_added(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        ContentPartAdded(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
            part=part_from_wire(f.child("part"), ("part",), strict=False),
        )
    ]


@READERS.on("response.content_part.done")
def _content_part_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        ContentPartDone(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
            part=part_from_wire(f.child("part"), ("part",), strict=False),
        )
    ]


@READERS.on("response.output_text.delta", "response.text.delta")
def _text_delta(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        TextDelta(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
            delta=f.text("delta"),
        )
    ]


@READERS.on("response.output_text.done", "response.text.done")
def _text_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        TextDone(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
            text=f.text("text"),
        )
    ]


@READERS.on("response.output_audio.delta", "response.audio.delta")
def _audio_delta(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        AudioDelta(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
            audio=b64decode(f.text("delta"), ("delta",), strict=False),
        )
    ]


@READERS.on("response.output_audio.done", "response.audio.done")
def _audio_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        AudioDone(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
        )
    ]


@READERS.on("response.output_audio_transcript.delta", "response.audio_transcript.delta")
def _transcript_delta(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        AudioTranscriptDelta(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
            delta=f.text("delta"),
        )
    ]


@READERS.on("response.output_audio_transcript.done", "response.audio_transcript.done")
def _transcript_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        AudioTranscriptDone(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            content_index=f.integer("content_index"),
            transcript=f.text("transcript"),
        )
    ]


@READERS.on("response.function_call_arguments.delta")
def _arguments_delta(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        FunctionCallArgumentsDelta(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            call_id=f.text("call_id"),
            delta=f.text("delta"),
        )
    ]


@READERS.on("response.function_call_arguments.done")
def _arguments_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        FunctionCallArgumentsDone(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            call_id=f.text("call_id"),
            name=f.text("name"),
            arguments=f.text("arguments"),
        )
    ]


# ---------------------------------------------------------------------------------------------
# §6.6 MCP


def _mcp_list_tools(status: _Progress) -> None:
    @READERS.on(f"mcp_list_tools.{status}")
    def read(f: Fields, _: Dialect) -> list[ModelEvent]:
        return [McpListToolsStatus(item_id=f.text("item_id"), status=status)]


def _mcp_call(status: _Progress) -> None:
    @READERS.on(f"response.mcp_call.{status}")
    def read(f: Fields, _: Dialect) -> list[ModelEvent]:
        return [
            McpCallStatus(
                item_id=f.text("item_id"), output_index=f.integer("output_index"), status=status
            )
        ]


for _status in ("in_progress", "completed", "failed"):
    _mcp_list_tools(_status)
    _mcp_call(_status)


@READERS.on("response.mcp_call_arguments.delta")
def _mcp_arguments_delta(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        McpCallArgumentsDelta(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            delta=f.text("delta"),
        )
    ]


@READERS.on("response.mcp_call_arguments.done")
def _mcp_arguments_done(f: Fields, _: Dialect) -> list[ModelEvent]:
    return [
        McpCallArgumentsDone(
            response_id=f.text("response_id"),
            item_id=f.text("item_id"),
            output_index=f.integer("output_index"),
            arguments=f.text("arguments"),
        )
    ]
