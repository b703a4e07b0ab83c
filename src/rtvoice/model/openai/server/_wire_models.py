"""Pydantic models of the OpenAI Realtime wire shapes (PROTOCOL.md §3-§6, §11).

One set of models serves both directions: the client validates server frames with them
leniently (extra fields ignored, §2 "Clients must accept extra fields"), the local server
validates client frames strictly (no coercion, and unknown fields are errors: §2 "The server
is strict on input"), via :func:`._wire_errors.validate`. They are built once, at import.

Unions whose members need a fallback (items, tools, tool choices) are typed as plain JSON here
and dispatched by hand in :mod:`._item_wire` and :mod:`._session_wire`, so that an unknown
kind can become an ``OtherItem`` / ``OtherTool`` on the client side.

Only shapes live here; mapping to the neutral vocabulary is elsewhere.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._wire_json import JsonObject  # resolved by pydantic in this namespace

Status = Literal["completed", "incomplete", "in_progress"]
BetaFormat = Literal["pcm16", "g711_ulaw", "g711_alaw"]
Modalities = list[Literal["text", "audio"]]
MaxTokens = Annotated[int, Field(ge=1, le=4096)] | Literal["inf"]  # §10


class Wire(BaseModel):
    """Base of every wire model: extra fields are ignored unless validated strictly."""

    model_config = ConfigDict(extra="ignore", defer_build=True)


# ---------------------------------------------------------------------------------------------
# Session parts (§3.2-§3.5)


class PcmFormat(Wire):
    type: Literal["audio/pcm"]
    rate: Annotated[int, Field(ge=24000, le=24000)] | None = None  # §3.2: must be 24000


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
    # GA additions (§3.2), accepted but not modelled by ``Transcription``:
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
# GA session (§3.1), by ``type``


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
    # Valid GA fields that ``SessionConfig`` carries in ``extra`` (§3.1):
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
# Beta session (§11.3): one flat object


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
    temperature: Annotated[float, Field(ge=0.6, le=1.2)] | None = None  # §11.3
    max_response_output_tokens: MaxTokens | None = None
    tracing: Literal["auto"] | TracingW | None = None


# ---------------------------------------------------------------------------------------------
# Items and content parts (§5)


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
    type: Literal["output_text", "text"]  # GA / beta spelling (§6.5, §11.4)
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
# response.create parameters (§4.2; beta §11.4)

Metadata = Annotated[
    dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]],
    Field(max_length=16),
]  # §10


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


# ---------------------------------------------------------------------------------------------
# Server-side values (§6.1, §6.2, §6.7)


class ErrorW(Wire):
    type: str = ""
    message: str = ""
    code: str | None = None
    param: str | None = None
    event_id: str | None = None


class CachedTokensW(Wire):
    text_tokens: int = 0
    audio_tokens: int = 0
    image_tokens: int = 0


class InputTokenDetailsW(Wire):
    text_tokens: int = 0
    audio_tokens: int = 0
    image_tokens: int = 0
    cached_tokens: int = 0
    cached_tokens_details: CachedTokensW | None = None


class OutputTokenDetailsW(Wire):
    text_tokens: int = 0
    audio_tokens: int = 0


class UsageW(Wire):
    total_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    input_token_details: InputTokenDetailsW | None = None
    output_token_details: OutputTokenDetailsW | None = None


class StatusDetailsW(Wire):
    type: str
    reason: str | None = None
    error: ErrorW | None = None


class ResponseAudioOutputW(Wire):
    voice: Voice | None = None


class ResponseAudioW(Wire):
    output: ResponseAudioOutputW | None = None


class ResponseW(Wire):
    id: str
    status: Literal["in_progress", "completed", "cancelled", "failed", "incomplete"]
    status_details: StatusDetailsW | None = None
    output: list[JsonObject] = Field(default_factory=list)
    conversation_id: str | None = None
    output_modalities: list[str] | None = None
    modalities: list[str] | None = None  # beta
    max_output_tokens: int | Literal["inf"] | None = None
    audio: ResponseAudioW | None = None
    voice: str | None = None  # beta
    usage: UsageW | None = None
    metadata: dict[str, str] | None = None


class RateLimitW(Wire):
    name: str
    limit: int
    remaining: int
    reset_seconds: float


class RateLimitsW(Wire):
    rate_limits: list[RateLimitW]


class TranscriptionTokenDetailsW(Wire):
    audio_tokens: int = 0
    text_tokens: int = 0


class TranscriptionUsageW(Wire):
    type: Literal["tokens", "duration"]
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_token_details: TranscriptionTokenDetailsW | None = None
    seconds: float = 0.0
