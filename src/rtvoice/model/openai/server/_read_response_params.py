"""``response.create``'s ``response`` object -> :class:`ResponseParams`, validated as strictly as
the real server validates it (GA fields, or beta ``modalities`` / ``voice`` /
``output_audio_format`` / ``max_response_output_tokens``).
"""

from __future__ import annotations

from typing import Literal

from ....audio import AudioFormatName
from ...commands import ResponseParams
from .._dialect import Dialect
from .._session_wire import ga_modalities
from .._wire_errors import Loc
from ._read_items import input_from_wire
from ._read_session_parts import (
    format_from_ga,
    tool_choice_from_wire,
    tools_from_wire,
    voice_from_wire,
)
from ._wire_models import BetaResponseParams, GaResponseParams
from ._wire_validate import validate


def response_params_from_wire(obj: object, loc: Loc, dialect: Dialect) -> ResponseParams:
    """The ``response`` object of ``response.create`` found at ``loc``, as strictly as the
    server reads it: the inverse of
    :func:`~rtvoice.model.openai._response_params_wire.response_params_to_wire`.

    Fields ``ResponseParams`` cannot hold are accepted and dropped: GA ``prompt``,
    ``reasoning``, ``parallel_tool_calls``, an MCP ``tool_choice``; beta ``temperature``.
    """
    w: GaResponseParams | BetaResponseParams
    if dialect == "ga":
        w = validate(GaResponseParams, obj, loc)
    else:
        w = validate(BetaResponseParams, obj, loc)
    inputs = None
    if w.input is not None:
        inputs = tuple(
            input_from_wire(e, (*loc, "input", n), dialect) for n, e in enumerate(w.input)
        )
    choice = None
    if w.tool_choice is not None:
        found = tool_choice_from_wire(w.tool_choice, (*loc, "tool_choice"))
        choice = None if isinstance(found, dict) else found
    modalities: tuple[Literal["audio", "text"], ...] | None = None
    voice: str | None = None
    fmt: AudioFormatName | None = None
    if isinstance(w, GaResponseParams):
        if w.output_modalities is not None:
            modalities = tuple(w.output_modalities)
        out = w.audio.output if w.audio else None
        if out is not None and out.voice is not None:
            voice = voice_from_wire(out.voice)
        if out is not None and out.format is not None:
            fmt = format_from_ga(out.format)
        max_tokens = w.max_output_tokens
    else:
        if w.modalities is not None:
            modalities = ga_modalities(list(w.modalities))
        voice, fmt, max_tokens = w.voice, w.output_audio_format, w.max_response_output_tokens
    tools = None if w.tools is None else tools_from_wire(w.tools, (*loc, "tools"))
    return ResponseParams(
        conversation=w.conversation,
        input=inputs,
        instructions=w.instructions,
        output_modalities=modalities,
        voice=voice,
        output_format=fmt,
        tools=tools,
        tool_choice=choice,
        max_output_tokens=max_tokens,
        metadata=w.metadata,
    )
