"""Pydantic models of the client frames' shapes (sessions and their parts, items and content
parts, ``response.create`` parameters), GA and beta.

The server side validates client frames with them as strictly as the real server: no type
coercion, and unknown fields are errors (both enforced by :func:`._wire_validate.validate`).
The server's ranges are part of the shapes (PCM rate 24000, speed 0.25-1.5, VAD threshold 0-1,
token limits 1-4096 or ``"inf"``, beta temperature 0.6-1.2, metadata sizes). Models are built
on first use.

Unions that need dispatch by hand (items, tools, tool choices) are typed as plain JSON here and
dispatched in :mod:`._read_items` and :mod:`._read_session_parts`. Only shapes live here;
mapping to the neutral vocabulary is elsewhere.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._wire_json import JsonObject  # resolved by pydantic in this namespace

Status = Literal["completed", "incomplete", "in_progress"]
BetaFormat = Literal["pcm16", "g711_ulaw", "g711_alaw"]
Modalities = list[Literal["text", "audio"]]
MaxTokens = Annotated[int, Field(ge=1, le=4096)] | Literal["inf"]  # the server's limits


class Wire(BaseModel):
    """Base of every wire model (unknown fields are found by :func:`._wire_validate.validate`)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)


# ---------------------------------------------------------------------------------------------
# Session parts


class PcmFormat(Wire):
    type: Literal["audio/pcm"]
    rate: Annotated[int, Field(ge=24000, le=24000)] | None = None  # must be 24000


class PcmuFormat(Wire):
    type: Literal["audio/pcmu"]


class PcmaFormat(Wire):
    type: Literal["audio/pcma"]


AudioFormat = Annotated[PcmFormat | PcmuFormat | PcmaFormat, Field(discriminator="type")]


class ServerVadW(Wire):
    type: Literal["server_vad"]
    threshold: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    prefix_padding_ms: Annotated[int, Field(ge=0)] | None = None
    silence_duration_ms: Annotated[int, Field(ge=0)] | None = None
    idle_timeout_ms: Annotated[int, Field(ge=0)] | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None


class SemanticVadW(Wire):
    type: Literal["semantic_vad"]
    eagerness: Literal["low", "medium", "high", "auto"] | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None


TurnDetectionW = Annotated[ServerVadW | SemanticVadW, Field(discriminator="type")]


class TranscriptionW(Wire):
    model: str | None = None
    language: str | None = None
    prompt: str | None = None
    languages: list[str] | None = None
    keywords: list[str] | None = None
    delay: Literal["minimal", "low", "medium", "high", "xhigh"] | None = None


class NoiseReductionW(Wire):
    type: Literal["near_field", "far_field"]
    strength: float | None = None


class VoiceId(Wire):
    id: str


Voice = str | VoiceId


class FunctionToolW(Wire):
    type: Literal["function"]
    name: str
    description: str | None = None
    parameters: JsonObject | None = None


class ToolChoiceFunctionW(Wire):
    type: Literal["function"]
    name: str


class ToolChoiceMcpW(Wire):
    type: Literal["mcp"]
    server_label: str
    name: str | None = None


class TracingW(Wire):
    workflow_name: str | None = None
    group_id: str | None = None
    metadata: JsonObject | None = None


class PromptW(Wire):
    id: str
    version: str | None = None
    variables: JsonObject | None = None


# ---------------------------------------------------------------------------------------------
# GA session, by ``type``


class GaAudioInput(Wire):
    format: AudioFormat | None = None
    noise_reduction: NoiseReductionW | None = None
    transcription: TranscriptionW | None = None
    turn_detection: TurnDetectionW | None = None


class GaAudioOutput(Wire):
    format: AudioFormat | None = None
    voice: Voice | None = None
    speed: Annotated[float, Field(ge=0.25, le=1.5)] | None = None


class GaAudio(Wire):
    input: GaAudioInput | None = None
    output: GaAudioOutput | None = None


class GaRealtimeSession(Wire):
    type: Literal["realtime"] = "realtime"
    model: str | None = None
    instructions: str | None = None
    output_modalities: Modalities | None = None
    audio: GaAudio | None = None
    tools: list[JsonObject] | None = None
    tool_choice: str | JsonObject | None = None
    max_output_tokens: MaxTokens | None = None
    tracing: Literal["auto"] | TracingW | None = None
    prompt: PromptW | None = None
    # Valid GA fields that ``SessionConfig`` carries in ``extra``:
    truncation: Literal["auto", "disabled"] | JsonObject | None = None
    include: list[str] | None = None
    reasoning: JsonObject | None = None
    parallel_tool_calls: bool | None = None


class GaTranscriptionAudio(Wire):
    input: GaAudioInput | None = None


class GaTranscriptionSession(Wire):
    type: Literal["transcription"]
    audio: GaTranscriptionAudio | None = None
    include: list[str] | None = None


# ---------------------------------------------------------------------------------------------
# Beta session: one flat object


class BetaTranscriptionSession(Wire):
    input_audio_format: BetaFormat | None = None
    input_audio_transcription: TranscriptionW | None = None
    input_audio_noise_reduction: NoiseReductionW | None = None
    turn_detection: TurnDetectionW | None = None
    include: list[str] | None = None
    modalities: Modalities | None = None


class BetaSession(BetaTranscriptionSession):
    model: str | None = None
    instructions: str | None = None
    voice: str | None = None
    output_audio_format: BetaFormat | None = None
    speed: Annotated[float, Field(ge=0.25, le=1.5)] | None = None
    tools: list[JsonObject] | None = None
    tool_choice: str | JsonObject | None = None
    temperature: Annotated[float, Field(ge=0.6, le=1.2)] | None = None
    max_response_output_tokens: MaxTokens | None = None
    tracing: Literal["auto"] | TracingW | None = None


# ---------------------------------------------------------------------------------------------
# Items and content parts


class InputTextW(Wire):
    type: Literal["input_text"]
    text: str


class InputAudioW(Wire):
    type: Literal["input_audio"]
    audio: str | None = None
    transcript: str | None = None


class InputImageW(Wire):
    type: Literal["input_image"]
    image_url: str
    detail: Literal["auto", "low", "high"] | None = None


class OutputTextW(Wire):
    type: Literal["output_text", "text"]  # GA / beta spelling
    text: str


class OutputAudioW(Wire):
    type: Literal["output_audio", "audio"]
    audio: str | None = None
    transcript: str | None = None


class ItemBase(Wire):
    id: str | None = None
    object: Literal["realtime.item"] | None = None
    status: Status | None = None


class MessageW(ItemBase):
    type: Literal["message"]
    role: Literal["system", "user", "assistant"]
    content: list[JsonObject]


class FunctionCallW(ItemBase):
    type: Literal["function_call"]
    call_id: str
    name: str
    arguments: str = ""


class FunctionCallOutputW(ItemBase):
    type: Literal["function_call_output"]
    call_id: str
    output: str


class ItemReferenceW(Wire):
    type: Literal["item_reference"]
    id: str


# ---------------------------------------------------------------------------------------------
# response.create parameters

Metadata = Annotated[
    dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]],
    Field(max_length=16),
]  # the server's limits


class ResponseAudioOutputParams(Wire):
    format: AudioFormat | None = None
    voice: Voice | None = None


class ResponseAudioParams(Wire):
    output: ResponseAudioOutputParams | None = None


class GaResponseParams(Wire):
    conversation: Literal["auto", "none"] | None = None
    input: list[JsonObject] | None = None
    instructions: str | None = None
    output_modalities: Modalities | None = None
    audio: ResponseAudioParams | None = None
    tools: list[JsonObject] | None = None
    tool_choice: str | JsonObject | None = None
    max_output_tokens: MaxTokens | None = None
    metadata: Metadata | None = None
    # Accepted (valid GA) but not carried by ``ResponseParams``:
    prompt: PromptW | None = None
    reasoning: JsonObject | None = None
    parallel_tool_calls: bool | None = None


class BetaResponseParams(Wire):
    conversation: Literal["auto", "none"] | None = None
    input: list[JsonObject] | None = None
    instructions: str | None = None
    modalities: Modalities | None = None
    voice: str | None = None
    output_audio_format: BetaFormat | None = None
    tools: list[JsonObject] | None = None
    tool_choice: str | JsonObject | None = None
    temperature: Annotated[float, Field(ge=0.6, le=1.2)] | None = None
    max_response_output_tokens: MaxTokens | None = None
    metadata: Metadata | None = None
