"""What ``RealtimeSession.send_message`` accepts, and how it becomes a conversation item.

A plain string is a user message with one text part. For text with images, pass a
:class:`UserInputMessage` dict (type-checked as a ``TypedDict``)::

    await session.send_message({
        "role": "user",
        "content": [
            {"type": "input_text", "text": "What is in this picture?"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0..."},
        ],
    })

or a ready :class:`~rtvoice.model.items.MessageItem` (any role), sent as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias, TypedDict

from typing_extensions import NotRequired

from ..errors import UserError
from ..model.items import InputImage, InputText, MessageItem

__all__ = [
    "UserInput",
    "UserInputImage",
    "UserInputMessage",
    "UserInputText",
    "to_message_item",
]


class UserInputText(TypedDict):
    """A text part of a user message."""

    type: Literal["input_text"]
    text: str


class UserInputImage(TypedDict):
    """An image part of a user message: a ``data:image/png;base64,...`` (or JPEG) URL."""

    type: Literal["input_image"]
    image_url: str
    detail: NotRequired[Literal["auto", "low", "high"]]


class UserInputMessage(TypedDict):
    """A user message with text and image parts, in order."""

    role: Literal["user"]
    content: Sequence[UserInputText | UserInputImage]


UserInput: TypeAlias = str | UserInputMessage | MessageItem
"""Everything ``send_message`` accepts."""

_DETAILS = ("auto", "low", "high")


def to_message_item(message: UserInput) -> MessageItem:
    """The conversation item for ``message``.

    Raises:
        UserError: The message is empty or not one of the accepted shapes (the message says
            which part is wrong).
    """
    if isinstance(message, MessageItem):
        return message
    if isinstance(message, str):
        return MessageItem(role="user", content=(InputText(text=message),))
    if not isinstance(message, Mapping):
        raise UserError(
            f"send_message takes a str, a UserInputMessage dict or a MessageItem, "
            f"not {type(message).__name__}"
        )
    unknown = set(message) - {"role", "content"}
    if unknown:
        raise UserError(f"send_message: unknown key {sorted(unknown)[0]!r} in the message")
    if message.get("role") != "user":
        raise UserError("send_message: a message dict must have 'role': 'user'")
    content = message.get("content")
    if isinstance(content, (str, bytes)) or not isinstance(content, Sequence) or not content:
        raise UserError("send_message: 'content' must be a non-empty list of parts")
    parts: list[InputText | InputImage] = []
    for index, part in enumerate(content):
        parts.append(_part(part, f"content[{index}]"))
    return MessageItem(role="user", content=tuple(parts))


def _part(part: object, where: str) -> InputText | InputImage:
    if not isinstance(part, Mapping):
        raise UserError(f"send_message: {where} must be a dict, not {type(part).__name__}")
    kind = part.get("type")
    if kind == "input_text":
        _only(part, {"type", "text"}, where)
        text = part.get("text")
        if not isinstance(text, str):
            raise UserError(f"send_message: {where}.text must be a string")
        return InputText(text=text)
    if kind == "input_image":
        _only(part, {"type", "image_url", "detail"}, where)
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            raise UserError(f"send_message: {where}.image_url must be a non-empty string")
        detail = part.get("detail")
        if detail is None:
            return InputImage(image_url=url)
        if detail == "auto" or detail == "low" or detail == "high":
            return InputImage(image_url=url, detail=detail)
        raise UserError(f"send_message: {where}.detail must be one of {_DETAILS}, got {detail!r}")
    raise UserError(
        f"send_message: {where}.type must be 'input_text' or 'input_image', got {kind!r}"
    )


def _only(part: Mapping[object, object], allowed: set[str], where: str) -> None:
    unknown = [key for key in part if key not in allowed]
    if unknown:
        raise UserError(f"send_message: unknown key {unknown[0]!r} in {where}")
