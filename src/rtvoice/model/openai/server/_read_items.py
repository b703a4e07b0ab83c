"""Items and content parts of client frames -> neutral items, validated as strictly as the real
server validates them (``conversation.item.create``, ``response.create``'s ``input``).

Each role admits only its own part types (system: ``input_text``; user: the input parts;
assistant: ``output_text`` / ``output_audio`` in GA, ``text`` / ``audio`` in beta), the dialect
decides the admitted item types (GA's MCP items pass through as :class:`OtherItem`), unknown
fields are ``unknown_parameter`` errors, and base64 must use the standard alphabet only.
"""

from __future__ import annotations

import base64

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
from .._wire_errors import Loc, invalid_base64, invalid_type, invalid_value, missing
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
from ._wire_validate import validate

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
_STATUSES: dict[str, ItemStatus] = {
    "completed": "completed",
    "incomplete": "incomplete",
    "in_progress": "in_progress",
}


def b64decode(text: str, loc: Loc) -> bytes:
    """Base64 to bytes; characters outside the standard alphabet are an error."""
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise invalid_base64(loc) from None


def part_from_wire(obj: object, loc: Loc, allowed: tuple[str, ...]) -> ContentPart:
    """One content part whose type must be one of ``allowed``."""
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in allowed:
        if "type" not in obj:
            raise missing((*loc, "type"))
        raise invalid_value((*loc, "type"), kind, allowed)
    w = validate(_PART_MODELS[kind], obj, loc)
    if isinstance(w, InputTextW):
        return InputText(text=w.text)
    if isinstance(w, InputAudioW):
        audio = None if w.audio is None else b64decode(w.audio, (*loc, "audio"))
        return InputAudio(audio=audio, transcript=w.transcript)
    if isinstance(w, InputImageW):
        return InputImage(image_url=w.image_url, detail=w.detail)
    if isinstance(w, OutputTextW):
        return OutputText(text=w.text)
    assert isinstance(w, OutputAudioW)
    audio = None if w.audio is None else b64decode(w.audio, (*loc, "audio"))
    return OutputAudio(audio=audio, transcript=w.transcript)


def item_from_wire(obj: object, loc: Loc, dialect: Dialect) -> Item:
    """One item; ``dialect`` decides the admitted item types and assistant part names."""
    if not isinstance(obj, dict):
        raise invalid_type(loc, "an object", obj)
    kind = obj.get("type")
    if kind == "message":
        w = validate(MessageW, obj, loc)
        allowed = _ROLE_PARTS[dialect, w.role]
        content = tuple(
            part_from_wire(p, (*loc, "content", n), allowed) for n, p in enumerate(w.content)
        )
        return MessageItem(role=w.role, content=content, id=w.id, status=w.status)
    if kind == "function_call":
        f = validate(FunctionCallW, obj, loc)
        return FunctionCallItem(
            call_id=f.call_id, name=f.name, arguments=f.arguments, id=f.id, status=f.status
        )
    if kind == "function_call_output":
        o = validate(FunctionCallOutputW, obj, loc)
        return FunctionCallOutputItem(call_id=o.call_id, output=o.output, id=o.id, status=o.status)
    if "type" not in obj:
        raise missing((*loc, "type"))
    if not isinstance(kind, str) or kind not in _ITEM_TYPES[dialect]:
        raise invalid_value((*loc, "type"), kind, _ITEM_TYPES[dialect])
    item_id, status = obj.get("id"), obj.get("status")
    return OtherItem(
        item_type=kind,
        raw=obj,
        id=item_id if isinstance(item_id, str) else None,
        status=_STATUSES.get(status) if isinstance(status, str) else None,
    )


def input_from_wire(obj: object, loc: Loc, dialect: Dialect) -> Item | ItemReference:
    """An entry of ``response.create.response.input``: an item or an ``item_reference``."""
    if isinstance(obj, dict) and obj.get("type") == "item_reference":
        return ItemReference(id=validate(ItemReferenceW, obj, loc).id)
    return item_from_wire(obj, loc, dialect)
