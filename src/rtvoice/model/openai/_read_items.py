"""Conversation items and content parts of server frames -> neutral items.

What the client reads in ``conversation.item.*``, ``response.output_item.*``,
``response.content_part.*`` and a response's ``output``. Both content spellings are accepted
anywhere (GA ``output_text`` / ``output_audio``, beta and content-part events ``text`` /
``audio``), extra keys are ignored, and an item of a type rtvoice does not model (the MCP
items, or one added later) becomes an :class:`OtherItem` holding the raw object.

Strict where a client must not guess: an item's ``role`` and ``status``, a function call's
``call_id``, ``name`` and ``arguments``, a function call output's ``call_id`` and ``output``,
part texts, ids (optional, but a string when given) and base64 audio (the standard alphabet
only). Each failure is a :class:`~._wire_errors.WireError` naming the field's path.
"""

from __future__ import annotations

from typing import Literal

from ..items import (
    ContentPart,
    FunctionCallItem,
    FunctionCallOutputItem,
    InputAudio,
    InputImage,
    InputText,
    Item,
    ItemStatus,
    MessageItem,
    OtherItem,
    OutputAudio,
    OutputText,
    Role,
)
from ._read_fields import array, choice, decode_base64, object_at, opt_choice, opt_text, text
from ._wire_errors import Loc, invalid_base64, invalid_choice, invalid_type, missing
from ._wire_json import JsonObject

__all__ = ["item_from_wire", "part_from_wire"]

_STATUSES: dict[str, ItemStatus] = {
    "completed": "completed",
    "incomplete": "incomplete",
    "in_progress": "in_progress",
}
_ROLES: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}
_DETAILS: dict[str, Literal["auto", "low", "high"]] = {"auto": "auto", "low": "low", "high": "high"}
_PART_TYPES = (
    "input_text",
    "input_audio",
    "input_image",
    "output_text",
    "text",
    "output_audio",
    "audio",
)


def item_from_wire(value: object, loc: Loc) -> Item:
    """One item found at ``loc`` (``("item",)``, ``("response", "output", 0)``).

    Raises:
        WireError: ``value`` is not an object, has no string ``type``, or is a message,
            function call or function call output with a missing or ill-typed field.
    """
    obj = object_at(value, loc)
    kind: object = obj.get("type")
    if kind == "message":
        return _message(obj, loc)
    if kind == "function_call":
        arguments: object = obj.get("arguments", "")
        if type(arguments) is not str:  # absent is "" (an empty call); null is not a string
            raise invalid_type((*loc, "arguments"), "a string", arguments)
        return FunctionCallItem(
            call_id=text(obj, "call_id", loc),
            name=text(obj, "name", loc),
            arguments=arguments,
            id=opt_text(obj, "id", loc),
            status=opt_choice(obj, "status", _STATUSES, loc),
        )
    if kind == "function_call_output":
        return FunctionCallOutputItem(
            call_id=text(obj, "call_id", loc),
            output=text(obj, "output", loc),
            id=opt_text(obj, "id", loc),
            status=opt_choice(obj, "status", _STATUSES, loc),
        )
    if type(kind) is not str:
        if "type" not in obj:
            raise missing((*loc, "type"))
        raise invalid_type((*loc, "type"), "a string", kind)
    item_id: object = obj.get("id")
    status: object = obj.get("status")
    return OtherItem(
        item_type=kind,
        raw=obj,
        id=item_id if type(item_id) is str else None,
        status=_STATUSES.get(status) if type(status) is str else None,
    )


def _message(obj: JsonObject, loc: Loc) -> MessageItem:
    content = array(obj, "content", loc)
    return MessageItem(
        role=choice(obj, "role", _ROLES, loc),
        content=tuple([part_from_wire(p, (*loc, "content", n)) for n, p in enumerate(content)]),
        id=opt_text(obj, "id", loc),
        status=opt_choice(obj, "status", _STATUSES, loc),
    )


def part_from_wire(value: object, loc: Loc) -> ContentPart:
    """One content part found at ``loc``, of either spelling.

    Raises:
        WireError: Not an object, an unknown ``type``, or a missing or ill-typed field.
    """
    obj = object_at(value, loc)
    kind: object = obj.get("type")
    if kind == "output_audio" or kind == "audio":
        return OutputAudio(audio=_audio(obj, loc), transcript=opt_text(obj, "transcript", loc))
    if kind == "output_text" or kind == "text":
        return OutputText(text=text(obj, "text", loc))
    if kind == "input_text":
        return InputText(text=text(obj, "text", loc))
    if kind == "input_audio":
        return InputAudio(audio=_audio(obj, loc), transcript=opt_text(obj, "transcript", loc))
    if kind == "input_image":
        return InputImage(
            image_url=text(obj, "image_url", loc), detail=opt_choice(obj, "detail", _DETAILS, loc)
        )
    if "type" not in obj:
        raise missing((*loc, "type"))
    if type(kind) is not str:
        raise invalid_type((*loc, "type"), "a string", kind)
    raise invalid_choice((*loc, "type"), kind, _PART_TYPES)


def _audio(obj: JsonObject, loc: Loc) -> bytes | None:
    """A part's optional base64 ``audio`` (only ``conversation.item.retrieved`` carries it)."""
    data = opt_text(obj, "audio", loc)
    if data is None:
        return None
    try:
        return decode_base64(data)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise invalid_base64((*loc, "audio")) from None
