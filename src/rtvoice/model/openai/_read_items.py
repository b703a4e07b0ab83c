"""Conversation items and content parts of server frames -> neutral items.

What the client reads in ``conversation.item.*``, ``response.output_item.*``,
``response.content_part.*`` and a response's ``output``. Both content spellings are accepted
anywhere (GA ``output_text`` / ``output_audio``, beta and content-part events ``text`` /
``audio``) and extra keys are ignored.

Strict only where the session could not act: an item must be an object with a string ``id``
and ``type`` (the history is keyed by the id). Forward-compatible everywhere else, because the
server may grow: an item of a kind rtvoice does not model (the MCP items, or one added later),
or of a known kind whose fields do not read as that kind (a role added later, a function call
without its ``call_id``, content that is not an array), is an :class:`OtherItem` holding the
raw object and the reason; a content part of an unknown type, or of a known type whose fields
do not read (a ``null`` text, audio that is not base64), is an :class:`OtherPart` likewise; a
status rtvoice does not know is kept as its string. Nothing is guessed: a field is either read
with its exact type or the whole object is kept raw.
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
    MessageItem,
    OtherItem,
    OtherPart,
    OutputAudio,
    OutputText,
    Role,
)
from ._read_fields import array, choice, decode_base64, object_at, opt_choice, opt_text, text
from ._wire_errors import Loc, WireError, invalid_base64, invalid_type, missing
from ._wire_json import JsonObject

__all__ = ["item_from_wire", "part_from_wire"]

_ROLES: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}
_DETAILS: dict[str, Literal["auto", "low", "high"]] = {"auto": "auto", "low": "low", "high": "high"}


def item_from_wire(value: object, loc: Loc) -> Item:
    """One item found at ``loc`` (``("item",)``, ``("response", "output", 0)``).

    Raises:
        WireError: ``value`` is not an object, or has no string ``id`` or ``type``.
    """
    obj = object_at(value, loc)
    item_id = text(obj, "id", loc)
    kind: object = obj.get("type")
    if type(kind) is not str:
        if "type" not in obj:
            raise missing((*loc, "type"))
        raise invalid_type((*loc, "type"), "a string", kind)
    try:
        if kind == "message":
            return _message(obj, loc, item_id)
        if kind == "function_call":
            arguments: object = obj.get("arguments", "")
            if type(arguments) is not str:  # absent is "" (an empty call); null is not a string
                raise invalid_type((*loc, "arguments"), "a string", arguments)
            return FunctionCallItem(
                call_id=text(obj, "call_id", loc),
                name=text(obj, "name", loc),
                arguments=arguments,
                id=item_id,
                status=opt_text(obj, "status", loc),
            )
        if kind == "function_call_output":
            return FunctionCallOutputItem(
                call_id=text(obj, "call_id", loc),
                output=text(obj, "output", loc),
                id=item_id,
                status=opt_text(obj, "status", loc),
            )
        reason = None
    except WireError as exc:
        reason = exc.message
    status: object = obj.get("status")
    return OtherItem(
        item_type=kind,
        raw=obj,
        id=item_id,
        status=status if type(status) is str else None,
        reason=reason,
    )


def _message(obj: JsonObject, loc: Loc, item_id: str) -> MessageItem:
    content = array(obj, "content", loc)
    return MessageItem(
        role=choice(obj, "role", _ROLES, loc),
        content=tuple([_part(p, (*loc, "content", n)) for n, p in enumerate(content)]),
        id=item_id,
        status=opt_text(obj, "status", loc),
    )


def _part(value: object, loc: Loc) -> ContentPart:
    """A part inside a message's content: an object, or the message does not read."""
    return part_from_wire(object_at(value, loc), loc)


def part_from_wire(obj: JsonObject, loc: Loc) -> ContentPart:
    """One content part (an object) found at ``loc``, of either spelling; an unknown ``type``,
    or fields that do not read as the part's type, give an :class:`OtherPart`. Never raises."""
    kind: object = obj.get("type")
    try:
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
                image_url=text(obj, "image_url", loc),
                detail=opt_choice(obj, "detail", _DETAILS, loc),
            )
        reason = None
    except WireError as exc:
        reason = exc.message
    return OtherPart(part_type=kind if type(kind) is str else "", raw=obj, reason=reason)


def _audio(obj: JsonObject, loc: Loc) -> bytes | None:
    """A part's optional base64 ``audio`` (only ``conversation.item.retrieved`` carries it)."""
    data = opt_text(obj, "audio", loc)
    if data is None:
        return None
    try:
        return decode_base64(data)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise invalid_base64((*loc, "audio")) from None
