"""Conversation items and content parts <-> their wire objects (PROTOCOL.md §5, §11.4).

Writing, the dialect picks the assistant content names (GA ``output_text`` /
``output_audio``, beta ``text`` / ``audio``) and ``server`` picks the flavour: the server
always writes an audio part's ``transcript`` (``null`` when unknown, as captured in §5), a
client leaves ``None`` out. The ``part`` of ``response.content_part.*`` is ``text`` /
``audio`` in both dialects (§6.5).

Reading leniently (server frames), both spellings are accepted anywhere and an item of an
unknown type becomes an :class:`OtherItem`. Reading strictly (client frames, as a server),
each role admits only its own part types and only the dialect's item types.
"""

from __future__ import annotations

import base64
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
    ItemStatus,
    MessageItem,
    OtherItem,
    OutputAudio,
    OutputText,
)
from ._dialect import Dialect
from ._wire_errors import Loc, WireError, format_path, invalid_type, invalid_value, missing
from ._wire_errors import validate as check
from ._wire_models import (
    FunctionCallOutputW,
    FunctionCallW,
    InputAudioW,
    InputImageW,
    InputTextW,
    ItemReferenceW,
    JsonObject,
    MessageW,
    OutputAudioW,
    OutputTextW,
    Wire,
    drop_none,
)

_PART_MODELS: dict[str, type[Wire]] = {
    "input_text": InputTextW,
    "input_audio": InputAudioW,
    "input_image": InputImageW,
    "output_text": OutputTextW,
    "text": OutputTextW,
    "output_audio": OutputAudioW,
    "audio": OutputAudioW,
}
_USER_PARTS = ("input_text", "input_audio", "input_image")
_ROLE_PARTS: dict[tuple[Dialect, str], tuple[str, ...]] = {
    ("ga", "system"): ("input_text",),
    ("ga", "user"): _USER_PARTS,
    ("ga", "assistant"): ("output_text", "output_audio"),
    ("beta", "system"): ("input_text",),
    ("beta", "user"): _USER_PARTS,
    ("beta", "assistant"): ("text", "audio"),
}
_MCP_ITEMS = ("mcp_list_tools", "mcp_call", "mcp_approval_request", "mcp_approval_response")
_ITEM_TYPES: dict[Dialect, tuple[str, ...]] = {
    "ga": ("message", "function_call", "function_call_output", *_MCP_ITEMS),
    "beta": ("message", "function_call", "function_call_output"),
}


# ---------------------------------------------------------------------------------------------
# Writing


def part_to_wire(
    part: ContentPart, dialect: Dialect, *, server: bool, part_event: bool = False
) -> JsonObject:
    """One content part.

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
        case _:
            assert_never(part)


def item_to_wire(item: Item, dialect: Dialect, *, server: bool) -> JsonObject:
    """One item (§5). An :class:`OtherItem` is written as its ``raw`` object, untouched.

    A beta server marks its items ``"object": "realtime.item"``; GA servers mostly leave
    the field out (§5), and so does this writer.
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
    """An entry of ``response.create.response.input`` (§4.2): an item or a reference."""
    if isinstance(entry, ItemReference):
        return {"type": "item_reference", "id": entry.id}
    return item_to_wire(entry, dialect, server=False)


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (§9), as text."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


# ---------------------------------------------------------------------------------------------
# Reading


def b64decode(text: str, loc: Loc, *, strict: bool) -> bytes:
    """Base64 to bytes; strictly, characters outside the alphabet are an error."""
    try:
        if strict:
            return base64.b64decode(text, validate=True)
        return binascii.a2b_base64(text)
    except ValueError:  # binascii.Error, or non-ASCII text
        path = format_path(loc)
        raise WireError("invalid_value", f"Invalid '{path}': expected base64.", path) from None


def part_from_wire(
    obj: object, loc: Loc, *, strict: bool, allowed: tuple[str, ...] | None = None
) -> ContentPart:
    """One content part; ``allowed`` (strict reading) limits the part types."""
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    kind = obj.get("type")
    choices = allowed if allowed is not None else tuple(_PART_MODELS)
    if not isinstance(kind, str) or kind not in choices:
        if "type" not in obj:
            raise missing((*loc, "type"))
        raise invalid_value((*loc, "type"), kind, choices)
    w = check(_PART_MODELS[kind], obj, loc, strict=strict)
    if isinstance(w, InputTextW):
        return InputText(text=w.text)
    if isinstance(w, InputAudioW):
        audio = None if w.audio is None else b64decode(w.audio, (*loc, "audio"), strict=strict)
        return InputAudio(audio=audio, transcript=w.transcript)
    if isinstance(w, InputImageW):
        return InputImage(image_url=w.image_url, detail=w.detail)
    if isinstance(w, OutputTextW):
        return OutputText(text=w.text)
    assert isinstance(w, OutputAudioW)
    audio = None if w.audio is None else b64decode(w.audio, (*loc, "audio"), strict=strict)
    return OutputAudio(audio=audio, transcript=w.transcript)


def item_from_wire(obj: object, loc: Loc, *, strict: bool, dialect: Dialect = "ga") -> Item:
    """One item.

    Leniently, both content spellings are accepted and an unknown ``type`` gives an
    :class:`OtherItem` holding the raw object. Strictly, ``dialect`` decides the admitted item
    types and assistant part names; GA MCP items pass through as :class:`OtherItem`.
    """
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    kind = obj.get("type")
    if kind == "message":
        w = check(MessageW, obj, loc, strict=strict)
        allowed = _ROLE_PARTS[dialect, w.role] if strict else None
        content = tuple(
            part_from_wire(p, (*loc, "content", n), strict=strict, allowed=allowed)
            for n, p in enumerate(w.content)
        )
        return MessageItem(role=w.role, content=content, id=w.id, status=w.status)
    if kind == "function_call":
        f = check(FunctionCallW, obj, loc, strict=strict)
        return FunctionCallItem(
            call_id=f.call_id, name=f.name, arguments=f.arguments, id=f.id, status=f.status
        )
    if kind == "function_call_output":
        o = check(FunctionCallOutputW, obj, loc, strict=strict)
        return FunctionCallOutputItem(call_id=o.call_id, output=o.output, id=o.id, status=o.status)
    if strict:
        if "type" not in obj:
            raise missing((*loc, "type"))
        if kind not in _ITEM_TYPES[dialect]:
            raise invalid_value((*loc, "type"), kind, _ITEM_TYPES[dialect])
    if kind is None:
        raise missing((*loc, "type"))
    if not isinstance(kind, str):
        raise invalid_type((*loc, "type"), "a string", kind)
    item_id = obj.get("id")
    status = obj.get("status")
    return OtherItem(
        item_type=kind,
        raw=obj,
        id=item_id if isinstance(item_id, str) else None,
        status=_status(status),
    )


def input_from_wire(
    obj: object, loc: Loc, *, strict: bool, dialect: Dialect
) -> Item | ItemReference:
    """An entry of ``response.create.response.input``: an item or an ``item_reference``."""
    if isinstance(obj, dict) and obj.get("type") == "item_reference":
        return ItemReference(id=check(ItemReferenceW, obj, loc, strict=strict).id)
    return item_from_wire(obj, loc, strict=strict, dialect=dialect)


def _status(value: object) -> ItemStatus | None:
    if value == "completed":
        return "completed"
    if value == "incomplete":
        return "incomplete"
    if value == "in_progress":
        return "in_progress"
    return None
