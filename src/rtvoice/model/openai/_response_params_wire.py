"""``response.create`` parameters -> the ``response`` object of the client frame.

GA writes ``output_modalities`` and ``audio.output.{voice, format}``; beta writes
``modalities``, ``voice``, ``output_audio_format`` and ``max_response_output_tokens``. Only
set fields are written.
"""

from __future__ import annotations

from ..commands import ResponseParams
from ._dialect import Dialect
from ._item_wire import input_to_wire
from ._session_parts_wire import format_to_ga, tool_choice_to_wire, tool_to_wire, voice_to_ga
from ._session_wire import beta_modalities
from ._wire_json import JsonObject, drop_none


def response_params_to_wire(p: ResponseParams, dialect: Dialect) -> JsonObject:
    """The ``response`` object of ``response.create``; ``None`` fields are left out."""
    out: JsonObject = drop_none(conversation=p.conversation)
    if p.input is not None:
        out["input"] = [input_to_wire(e, dialect) for e in p.input]
    if p.instructions is not None:
        out["instructions"] = p.instructions
    if dialect == "ga":
        if p.output_modalities is not None:
            out["output_modalities"] = list(p.output_modalities)
        audio_out = drop_none(
            voice=None if p.voice is None else voice_to_ga(p.voice),
            format=None if p.output_format is None else format_to_ga(p.output_format),
        )
        if audio_out:
            out["audio"] = {"output": audio_out}
    else:
        if p.output_modalities is not None:
            out["modalities"] = beta_modalities(p.output_modalities)
        out.update(drop_none(voice=p.voice, output_audio_format=p.output_format))
    if p.tools is not None:
        out["tools"] = [tool_to_wire(t) for t in p.tools]
    if p.tool_choice is not None:
        out["tool_choice"] = tool_choice_to_wire(p.tool_choice)
    if p.max_output_tokens is not None:
        key = "max_output_tokens" if dialect == "ga" else "max_response_output_tokens"
        out[key] = p.max_output_tokens
    if p.metadata is not None:
        out["metadata"] = dict(p.metadata)
    return out
