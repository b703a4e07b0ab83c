"""What ``RealtimeSession.send_message`` and ``send_audio`` accept, and what they become.

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

Audio is any bytes-like object (:func:`audio_bytes`), split into pieces that each fit one
``input_audio_buffer.append`` (:func:`audio_appends`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal, TypeAlias, TypedDict

from typing_extensions import NotRequired

from ..errors import UserError
from ..model.items import InputImage, InputText, MessageItem

__all__ = [
    "APPEND_CHUNK_BYTES",
    "UserInput",
    "UserInputImage",
    "UserInputMessage",
    "UserInputText",
    "audio_appends",
    "audio_bytes",
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

    type: NotRequired[Literal["message"]]
    """Optional; accepted so openai-agents' ``RealtimeUserInputMessage`` dicts pass as-is."""
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
    unknown = set(message) - {"role", "content", "type"}
    if unknown:
        raise UserError(f"send_message: unknown key {sorted(unknown)[0]!r} in the message")
    # openai-agents' RealtimeUserInputMessage carries "type": "message"; it says nothing more.
    if message.get("type", "message") != "message":
        raise UserError("send_message: a message dict's 'type', if given, must be 'message'")
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


# ---------------------------------------------------------------------------------------------
# Audio

APPEND_CHUNK_BYTES: Final = 6 * 2**20
"""The most raw audio one ``input_audio_buffer.append`` carries: 6 MiB (131 s of PCM16 at
24 kHz), which base64 makes exactly 8 MiB, well under the server's 15 MiB per event with the
envelope. A multiple of 6, so every piece holds whole PCM16
samples (2 bytes; G.711 samples are 1 byte) and its base64 needs no padding."""


def audio_bytes(audio: object) -> bytes:
    """``audio`` as bytes, or a :class:`UserError` for what is not audio.

    Accepts ``bytes`` (as is: the common case costs one type check), ``bytearray``,
    ``memoryview`` and any other object with the buffer protocol (``array.array``, a NumPy
    array), copied as its raw bytes. Refuses everything else, notably ``int`` (``bytes(4800)``
    would be 4,800 zero bytes), ``None``, ``str`` and lists.

    Raises:
        UserError: Naming the argument and the type received.
    """
    if type(audio) is bytes:
        return audio
    try:
        view = memoryview(audio)  # type: ignore[arg-type]  # checked at runtime, here
    except TypeError:
        raise UserError(
            "send_audio: 'audio' must be bytes-like (bytes, bytearray, memoryview or another "
            f"buffer such as array.array), got {type(audio).__name__}"
        ) from None
    return view.tobytes()


def audio_appends(audio: bytes) -> list[bytes]:
    """``audio`` cut into the pieces of consecutive ``input_audio_buffer.append`` events,
    each at most :data:`APPEND_CHUNK_BYTES`; their concatenation is ``audio``. Empty audio
    gives no piece."""
    if len(audio) <= APPEND_CHUNK_BYTES:
        return [audio] if audio else []
    return [
        audio[start : start + APPEND_CHUNK_BYTES]
        for start in range(0, len(audio), APPEND_CHUNK_BYTES)
    ]
