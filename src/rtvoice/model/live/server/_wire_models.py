"""Pydantic models of GPT-Live's client frames, for the server's strict reading.

:func:`rtvoice.model.openai.server._wire_validate.validate` runs them with no type coercion
and reports any field they do not declare as ``unknown_parameter``, as the real server does.
Shapes follow the ``openai`` SDK's ``openai.types.live`` (3.6x). The decision commands and the
``decisions`` delegation are not modelled (the simulator does not serve them).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...openai._wire_json import JsonObject  # resolved by pydantic in this namespace

__all__ = [
    "BareCommandW",
    "ContextAppendW",
    "EnvelopeW",
    "FunctionCallOutputW",
    "FunctionToolW",
    "ResponseItemCreateW",
    "SessionStartW",
    "SessionUpdateW",
]


class Wire(BaseModel):
    """Base of every wire model (unknown fields are found by ``validate``)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)


class EnvelopeW(Wire):
    """What every client frame has: a ``type`` and an optional ``event_id``."""

    type: str
    event_id: str | None = None


class PcmW(Wire):
    type: Literal["audio/pcm"]
    rate: int  # 16000 or 24000, checked by the codec (an enumeration of numbers)


class PcmuW(Wire):
    type: Literal["audio/pcmu"]
    rate: int  # 8000


class PcmaW(Wire):
    type: Literal["audio/pcma"]
    rate: int  # 8000


class CustomVoiceW(Wire):
    id: str


class AudioOutputW(Wire):
    voice: str | CustomVoiceW | None = None


class AudioW(Wire):
    format: Annotated[PcmW | PcmuW | PcmaW, Field(discriminator="type")] | None = None
    output: AudioOutputW | None = None


class FunctionToolW(Wire):
    type: Literal["function"]
    name: str
    description: str | None = None
    parameters: JsonObject | None = None
    strict: bool | None = None


class ResponsesConfigW(Wire):
    model: str
    instructions: str | None = None
    max_output_tokens: Annotated[int, Field(ge=1)] | None = None
    parallel_tool_calls: bool | None = None
    reasoning: JsonObject | None = None
    service_tier: str | None = None
    text: JsonObject | None = None
    tool_choice: str | JsonObject | None = None
    tools: list[JsonObject] | None = None


class ClientDelegationW(Wire):
    type: Literal["client"]
    acknowledgement_delay_ms: Annotated[int, Field(ge=0)] | None = None


class ResponsesDelegationW(Wire):
    type: Literal["responses"]
    responses: ResponsesConfigW
    acknowledgement_delay_ms: Annotated[int, Field(ge=0)] | None = None


class ResponsesDelegationUpdateW(Wire):
    type: Literal["responses"]
    responses: JsonObject | None = None
    acknowledgement_delay_ms: Annotated[int, Field(ge=0)] | None = None


class DecisionsDelegationW(Wire):
    type: Literal["decisions"]
    decisions: JsonObject
    acknowledgement_delay_ms: Annotated[int, Field(ge=0)] | None = None


class InitialTextW(Wire):
    text: str
    type: Literal["input_text", "text", "output_text"] | None = None


class InitialItemW(Wire):
    role: Literal["developer", "user", "assistant"]
    content: Annotated[list[InitialTextW], Field(min_length=1, max_length=1)]
    id: str | None = None
    status: Literal["incomplete", "completed"] | None = None
    type: Literal["message"] | None = None


class SessionConfigW(Wire):
    model: str
    audio: AudioW | None = None
    client: JsonObject | None = None
    delegation: (
        Annotated[
            ClientDelegationW | ResponsesDelegationW | DecisionsDelegationW,
            Field(discriminator="type"),
        ]
        | None
    ) = None
    input: Annotated[list[InitialItemW], Field(max_length=128)] | None = None
    instructions: str | None = None
    safety_identifier: str | None = None
    store: bool | None = None
    triggers: list[JsonObject] | None = None


class SessionStartW(Wire):
    type: Literal["session.start"]
    session: SessionConfigW
    event_id: str | None = None


class SessionUpdateConfigW(Wire):
    delegation: (
        Annotated[
            ClientDelegationW | ResponsesDelegationUpdateW | DecisionsDelegationW,
            Field(discriminator="type"),
        ]
        | None
    ) = None
    triggers: list[JsonObject] | None = None


class SessionUpdateW(Wire):
    type: Literal["session.update"]
    session: SessionUpdateConfigW
    event_id: str | None = None


class ContextAppendW(Wire):
    type: Literal[
        "session.instructions.append", "session.thinking.append", "session.commentary.append"
    ]
    content: str
    delegation_id: str | None
    event_id: str | None = None


class FunctionCallOutputW(Wire):
    type: Literal["function_call_output"]
    call_id: str
    output: str
    id: str | None = None
    status: Literal["in_progress", "completed", "incomplete"] | None = None


class ResponseItemCreateW(Wire):
    type: Literal["response.item.create"]
    item: JsonObject
    event_id: str | None = None


class BareCommandW(Wire):
    """A command with nothing but its type and ``event_id`` (mute, unmute, close, create)."""

    type: str
    event_id: str | None = None
