"""The session configuration sent to, and echoed by, the server.

:class:`SessionConfig` is provider-neutral: the codec writes it as the nested GA ``session``
object or as the flat beta one. Like ``session.update`` on the wire, it is a patch, and a
field that is not set is left out so that the server keeps its current value:

* ``turn_detection``, ``transcription`` and ``noise_reduction`` may be ``null`` on the wire,
  meaning *off*. For them ``None`` means off (sent as ``null``) and the default
  :data:`UNSET` means not set (left out).
* On every other field ``None`` means not set (left out).

A ``session.created`` / ``session.updated`` from the server decodes to a config with every
field the server reported set.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

from ..audio import AudioFormatName

__all__ = [
    "AudioFormatName",
    "FunctionTool",
    "NoiseReduction",
    "OtherTool",
    "PromptConfig",
    "SemanticVad",
    "ServerVad",
    "SessionConfig",
    "Tool",
    "ToolChoice",
    "ToolChoiceFunction",
    "TracingConfig",
    "Transcription",
    "TurnDetection",
    "UNSET",
    "Unset",
]

Modality: TypeAlias = Literal["audio", "text"]


class Unset(enum.Enum):
    """Type of :data:`UNSET`, the marker for "leave this field as it is"."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
"""Marks a nullable field as not set (left out of ``session.update``); ``None`` means off."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerVad:
    """Voice activity detection on signal energy, done by the server.

    ``None`` fields are left to the server (threshold 0.5, prefix 300 ms, silence 200 ms,
    create and interrupt response on, no idle timeout).
    """

    threshold: float | None = None
    prefix_padding_ms: int | None = None
    silence_duration_ms: int | None = None
    idle_timeout_ms: int | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None
    type: Literal["server_vad"] = "server_vad"


@dataclass(frozen=True, slots=True, kw_only=True)
class SemanticVad:
    """Turn detection by a model that judges whether the user has finished."""

    eagerness: Literal["low", "medium", "high", "auto"] | None = None
    create_response: bool | None = None
    interrupt_response: bool | None = None
    type: Literal["semantic_vad"] = "semantic_vad"


TurnDetection: TypeAlias = ServerVad | SemanticVad


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcription:
    """Transcription of the user's audio. Results arrive as their own events.

    ``languages`` and ``keywords`` are hints (``gpt-live-transcribe``), ``delay`` trades
    latency for accuracy (``gpt-realtime-whisper``: minimal, low, medium, high, xhigh).
    """

    model: str | None = None
    language: str | None = None
    prompt: str | None = None
    languages: tuple[str, ...] | None = None
    keywords: tuple[str, ...] | None = None
    delay: Literal["minimal", "low", "medium", "high", "xhigh"] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NoiseReduction:
    """Input noise reduction."""

    type: Literal["near_field", "far_field"]
    strength: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionTool:
    """A function the model may call. ``parameters`` is a JSON Schema object."""

    name: str
    description: str | None = None
    parameters: Mapping[str, Any] | None = None
    type: Literal["function"] = "function"


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherTool:
    """A tool rtvoice passes through as is (e.g. an MCP server): ``raw`` is the wire object."""

    raw: Mapping[str, Any]
    type: Literal["other"] = "other"


Tool: TypeAlias = FunctionTool | OtherTool


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolChoiceFunction:
    """Force the model to call this function."""

    name: str
    type: Literal["function"] = "function"


ToolChoice: TypeAlias = Literal["auto", "none", "required"] | ToolChoiceFunction


@dataclass(frozen=True, slots=True, kw_only=True)
class TracingConfig:
    """Server-side OpenAI tracing. Cannot change once enabled in a session."""

    workflow_name: str | None = None
    group_id: str | None = None
    metadata: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromptConfig:
    """A stored prompt template."""

    id: str
    version: str | None = None
    variables: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    """A realtime (or transcription) session, as sent in ``session.update``.

    See the module docstring for what ``None`` means. ``voice`` values starting with
    ``voice_`` are custom voices and go on the wire as ``{"id": ...}``.

    Attributes:
        type: ``realtime`` (conversation) or ``transcription`` (speech to text only).
        model: Read from the server's echo; the server ignores it on update.
        temperature: Beta dialect only; the GA encoder leaves it out.
        extra: Further top-level GA session fields, passed through untouched (escape hatch
            for fields rtvoice does not model yet, e.g. ``truncation`` objects, ``include``).
        unread: Decoded sessions only (the encoder never writes it): the values of the
            server's session the client could not read, by their dotted path in the frame
            (``session.audio.input.turn_detection`` for a turn detection type added later,
            ``session.audio.output.speed`` for a speed that is not a number), each exactly as
            received. Such a field reads as not reported (``None``, or :data:`UNSET` for the
            three nullable ones): a ``session.updated`` still confirms the update, whatever
            it carries. ``None`` when everything read.
    """

    type: Literal["realtime", "transcription"] = "realtime"
    model: str | None = None
    instructions: str | None = None
    output_modalities: tuple[Modality, ...] | None = None
    input_format: AudioFormatName | None = None
    output_format: AudioFormatName | None = None
    voice: str | None = None
    speed: float | None = None
    transcription: Transcription | Unset | None = UNSET
    noise_reduction: NoiseReduction | Unset | None = UNSET
    turn_detection: TurnDetection | Unset | None = UNSET
    tools: tuple[Tool, ...] | None = None
    tool_choice: ToolChoice | None = None
    max_output_tokens: int | Literal["inf"] | None = None
    tracing: Literal["auto"] | TracingConfig | None = None
    prompt: PromptConfig | None = None
    temperature: float | None = None
    extra: Mapping[str, Any] | None = None
    unread: Mapping[str, Any] | None = None
