"""Conversation items and content parts from their wire objects, validated (PROTOCOL.md §5,
§11.4).

Reading leniently (server frames), both spellings are accepted anywhere and an item of an
unknown type becomes an :class:`OtherItem`. Reading strictly (client frames, as a server),
each role admits only its own part types and only the dialect's item types. This is the
validating path (pydantic, loaded on first use); :mod:`._direct_values` reads the common,
well-formed server items without it and must agree with this module wherever it answers.
"""

from __future__ import annotations

import base64
import binascii

from ...items import (
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
from .._dialect import Dialect
from .._wire_errors import Loc, WireError, format_path, invalid_type, invalid_value, missing
from ._wire_models import (
    FunctionCallOutputW,
    FunctionCallW,
    InputAudioW,
    InputImageW,
    InputTextW,
    ItemReferenceW,
    MessageW,
    OutputAudioW,
    OutputTextW,
    Wire,
)
from ._wire_validate import validate as check

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
