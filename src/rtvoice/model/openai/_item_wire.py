"""Conversation items and content parts -> their wire objects, for both sides.

The dialect picks the assistant content names (GA ``output_text`` / ``output_audio``, beta
``text`` / ``audio``) and ``server`` picks the flavour: the server always writes an audio
part's ``transcript`` (``null`` when unknown, as the real server does), a client leaves ``None``
out. The ``part`` of ``response.content_part.*`` is ``text`` / ``audio`` in both dialects
(as the real server writes it). The client reads server items with :mod:`._read_items`; the
server side reads client items with :mod:`rtvoice.model.openai.server._read_items`.
"""

from __future__ import annotations

import binascii

from typing_extensions import assert_never

from ..items import (
    ContentPart,
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputImage,
    InputText,
    Item,
    ItemReference,
    MessageItem,
    OtherItem,
    OtherPart,
    OutputAudio,
    OutputText,
)
from ._dialect import Dialect
from ._wire_json import JsonObject, drop_none


def part_to_wire(
    part: ContentPart, dialect: Dialect, *, server: bool, part_event: bool = False
) -> JsonObject:
    """One content part (an :class:`OtherPart` is written as its ``raw`` object, untouched).

    Args:
        part: The part.
        dialect: Picks ``output_text``/``output_audio`` (GA) or ``text``/``audio`` (beta).
        server: Write as the server does (``transcript`` always present on audio parts).
        part_event: For ``response.content_part.*``: assistant parts are ``text``/``audio``.
    """
    short = part_event or dialect == "beta"
    match part:
        case InputText():
            return {"type": "input_text", "text": part.text}
        case InputAudio():
            out: JsonObject = {"type": "input_audio"}
            if part.audio is not None:
                out["audio"] = b64encode(part.audio)
            if server or part.transcript is not None:
                out["transcript"] = part.transcript
            return out
        case InputImage():
            return drop_none(type="input_image", image_url=part.image_url, detail=part.detail)
        case OutputText():
            return {"type": "text" if short else "output_text", "text": part.text}
        case OutputAudio():
            out = {"type": "audio" if short else "output_audio"}
            if part.audio is not None:
                out["audio"] = b64encode(part.audio)
            if server or part.transcript is not None:
                out["transcript"] = part.transcript
            return out
        case OtherPart():
            return dict(part.raw)
        case _:
            assert_never(part)


def item_to_wire(item: Item, dialect: Dialect, *, server: bool) -> JsonObject:
    """One item. An :class:`OtherItem` is written as its ``raw`` object, untouched.

    A beta server marks its items ``"object": "realtime.item"``; GA servers mostly leave
    the field out, and so does this writer.
    """
    out = _item_to_wire(item, dialect, server=server)
    if server and dialect == "beta" and not isinstance(item, OtherItem):
        head = {"id": out.pop("id")} if "id" in out else {}
        return {**head, "object": "realtime.item", **out}
    return out


def _item_to_wire(item: Item, dialect: Dialect, *, server: bool) -> JsonObject:
    match item:
        case MessageItem():
            out = drop_none(id=item.id, type="message", status=item.status, role=item.role)
            out["content"] = [part_to_wire(p, dialect, server=server) for p in item.content]
            return out
        case FunctionCallItem():
            return drop_none(
                id=item.id,
                type="function_call",
                status=item.status,
                call_id=item.call_id,
                name=item.name,
                arguments=item.arguments,
            )
        case FunctionCallOutputItem():
            return drop_none(
                id=item.id,
                type="function_call_output",
                status=item.status,
                call_id=item.call_id,
                output=item.output,
            )
        case OtherItem():
            return dict(item.raw)
        case _:
            assert_never(item)


def input_to_wire(entry: Item | ItemReference, dialect: Dialect) -> JsonObject:
    """An entry of ``response.create.response.input``: an item or a reference."""
    if isinstance(entry, ItemReference):
        return {"type": "item_reference", "id": entry.id}
    return item_to_wire(entry, dialect, server=False)


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as text."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")
