"""Writing GPT-Live client frames (sans-IO): each function returns one JSON text frame.

The shapes are those of the ``openai`` SDK's ``openai.types.live`` client events (the tests
validate every frame written here against its ``ClientEvent`` union). ``event_id`` is written
only when set. ``session.input_audio.append``, the hot path on the way up, is assembled as a
string: base64 text never needs JSON escaping.
"""

from __future__ import annotations

import json
from binascii import b2a_base64
from collections.abc import Sequence
from typing import Any, Final

from ...errors import UserError
from ..items import InputText, MessageItem, OutputText
from ..session_config import FunctionTool, SessionConfig

__all__ = [
    "MAX_APPEND_TOKENS",
    "append_frame",
    "audio_frame",
    "cap_tokens",
    "close_frame",
    "estimate_tokens",
    "format_to_wire",
    "initial_items",
    "function_output_frame",
    "response_create_frame",
    "responses_tools_update_frame",
    "start_frame",
    "tools_to_wire",
]

dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
"""Compact JSON text: ASCII-only and strict (no NaN or Infinity)."""

MAX_INITIAL_ITEMS: Final = 128
"""GPT-Live's limit on the text history ``session.start`` may carry (``input``)."""

MAX_APPEND_TOKENS: Final = 500
"""GPT-Live's limit on one ``session.{instructions,commentary,thinking}.append``."""

_BYTES_PER_TOKEN: Final = 3
"""The conservative estimate: a token per 3 bytes of UTF-8 (English averages about 4
characters a token; a CJK character, 3 bytes, is about one token)."""

_CUT_MARK: Final = " [...]"

_FORMATS: Final[dict[str, dict[str, Any]]] = {
    "pcm16": {"type": "audio/pcm", "rate": 24000},
    "g711_ulaw": {"type": "audio/pcmu", "rate": 8000},
    "g711_alaw": {"type": "audio/pcma", "rate": 8000},
}


def estimate_tokens(text: str) -> int:
    """A conservative (high) estimate of the tokens in ``text``: one per 3 UTF-8 bytes."""
    return -(-len(text.encode("utf-8")) // _BYTES_PER_TOKEN)


def cap_tokens(text: str, limit: int = MAX_APPEND_TOKENS) -> str:
    """``text`` cut so that :func:`estimate_tokens` stays within ``limit``; a cut text ends
    with ``" [...]"`` so that the model knows something is missing."""
    if estimate_tokens(text) <= limit:
        return text
    budget = limit * _BYTES_PER_TOKEN - len(_CUT_MARK)
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + _CUT_MARK


def _with_id(frame: dict[str, Any], event_id: str | None) -> str:
    if event_id is not None:
        frame["event_id"] = event_id
    return dumps(frame)


def audio_frame(audio: bytes, event_id: str | None = None) -> str:
    """``session.input_audio.append`` of raw audio in the session's format."""
    b64 = b2a_base64(audio, newline=False).decode("ascii")
    if event_id is None:
        return '{"type":"session.input_audio.append","audio":"' + b64 + '"}'
    return (
        '{"type":"session.input_audio.append","event_id":'
        + dumps(event_id)
        + ',"audio":"'
        + b64
        + '"}'
    )


def format_to_wire(config: SessionConfig) -> dict[str, Any] | None:
    """The one ``audio.format`` GPT-Live uses both ways, from the neutral input and output
    formats (``None`` when neither is set).

    Raises:
        UserError: The input and output formats differ (GPT-Live has one format).
    """
    fmt_in, fmt_out = config.input_format, config.output_format
    if fmt_in is not None and fmt_out is not None and fmt_in != fmt_out:
        raise UserError(
            f"GPT-Live uses one audio format both ways, but the input format is {fmt_in!r} "
            f"and the output format {fmt_out!r}: set the same 'format' in audio.input and "
            "audio.output"
        )
    name = fmt_in or fmt_out
    return None if name is None else dict(_FORMATS[name])


def initial_items(items: Sequence[object]) -> list[dict[str, Any]]:
    """A seeded history as ``session.start``'s ``input``: the text messages among ``items``
    (a system message as a ``developer`` one; parts other than text left out, messages
    without text skipped), the newest :data:`MAX_INITIAL_ITEMS`. A mapping is taken as a wire
    item already."""
    wire: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            wire.append(dict(item))
            continue
        if not isinstance(item, MessageItem):
            continue
        text = "\n".join(
            part.text for part in item.content if isinstance(part, (InputText, OutputText))
        )
        if not text.strip():
            continue
        role = "developer" if item.role == "system" else item.role
        part_type = "output_text" if item.role == "assistant" else "input_text"
        wire.append(
            {"type": "message", "role": role, "content": [{"type": part_type, "text": text}]}
        )
    return wire[-MAX_INITIAL_ITEMS:]


def tools_to_wire(tools: Sequence[FunctionTool]) -> list[dict[str, Any]]:
    """Function tools as the Responses API's (and GPT-Live's ``responses`` delegation's)
    function tools."""
    wire: list[dict[str, Any]] = []
    for tool in tools:
        entry: dict[str, Any] = {"type": "function", "name": tool.name}
        if tool.description is not None:
            entry["description"] = tool.description
        if tool.parameters is not None:
            entry["parameters"] = dict(tool.parameters)
        wire.append(entry)
    return wire


def start_frame(
    *,
    model: str,
    config: SessionConfig,
    delegation: dict[str, Any] | None,
    store: bool | None,
    safety_identifier: str | None,
    event_id: str | None,
) -> str:
    """``session.start``: the model, instructions, audio format and voice, delegation,
    ``store`` and ``safety_identifier``, and a seeded text history when the configuration
    carries one as ``extra["input"]`` (:func:`initial_items`); a field that is not set is
    left out (and no other ``extra`` field is sent: GPT-Live rejects unknown fields).

    Raises:
        UserError: The formats differ (:func:`format_to_wire`).
    """
    session: dict[str, Any] = {"model": model}
    if config.instructions:
        session["instructions"] = config.instructions
    audio: dict[str, Any] = {}
    fmt = format_to_wire(config)
    if fmt is not None:
        audio["format"] = fmt
    if config.voice is not None:
        voice = config.voice
        audio["output"] = {"voice": {"id": voice} if voice.startswith("voice_") else voice}
    if audio:
        session["audio"] = audio
    if delegation is not None:
        session["delegation"] = delegation
    seeded = (config.extra or {}).get("input")
    if seeded:
        session["input"] = initial_items(seeded)
    if store is not None:
        session["store"] = store
    if safety_identifier is not None:
        session["safety_identifier"] = safety_identifier
    return _with_id({"type": "session.start", "session": session}, event_id)


def append_frame(
    kind: str, content: str, *, delegation_id: str | None = None, event_id: str | None = None
) -> str:
    """``session.instructions.append``, ``session.commentary.append`` or
    ``session.thinking.append`` (``kind`` is ``instructions``, ``commentary`` or
    ``thinking``), ``content`` cut to :data:`MAX_APPEND_TOKENS` by :func:`cap_tokens`.
    ``delegation_id`` is always written (the protocol requires it, nullable)."""
    frame = {
        "type": f"session.{kind}.append",
        "content": cap_tokens(content),
        "delegation_id": delegation_id,
    }
    return _with_id(frame, event_id)


def responses_tools_update_frame(tools: Sequence[FunctionTool], event_id: str | None = None) -> str:
    """``session.update`` of the ``responses`` delegation's tools."""
    session = {"delegation": {"type": "responses", "responses": {"tools": tools_to_wire(tools)}}}
    return _with_id({"type": "session.update", "session": session}, event_id)


def function_output_frame(call_id: str, output: str, event_id: str | None = None) -> str:
    """``response.item.create`` of a function call's output (``responses`` delegation)."""
    item = {"type": "function_call_output", "call_id": call_id, "output": output}
    return _with_id({"type": "response.item.create", "item": item}, event_id)


def response_create_frame(event_id: str | None = None) -> str:
    """``response.create``: the hosted Responses model continues with the outputs given."""
    return _with_id({"type": "response.create"}, event_id)


def close_frame() -> str:
    """``session.close``: the server drains and ends with ``session.closed``."""
    return '{"type":"session.close"}'
