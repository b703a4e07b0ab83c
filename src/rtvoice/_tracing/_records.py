"""What the OpenTelemetry session telemetry keeps per agent and per turn, and the attribute
values it derives from the model's objects (usage, the server URL, a response's transcript)."""

from __future__ import annotations

from typing import Final, get_args
from urllib.parse import urlsplit

from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

from ..model.events import ResponseInfo
from ..model.items import MessageItem, OutputAudio, OutputText
from ..usage import TokenKind
from . import _names as n

__all__ = ["USAGE_ATTRIBUTES", "AgentMetrics", "Turn", "server_attributes", "transcript_of"]

USAGE_ATTRIBUTES: Final = (
    (n.GEN_AI_USAGE_INPUT_TOKENS, "input_tokens"),
    (n.GEN_AI_USAGE_OUTPUT_TOKENS, "output_tokens"),
    (n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, "cached_tokens"),
    (n.USAGE_TOTAL_TOKENS, "total_tokens"),
    (n.USAGE_INPUT_TEXT_TOKENS, "input_text_tokens"),
    (n.USAGE_INPUT_AUDIO_TOKENS, "input_audio_tokens"),
    (n.USAGE_INPUT_IMAGE_TOKENS, "input_image_tokens"),
    (n.USAGE_CACHED_TEXT_TOKENS, "cached_text_tokens"),
    (n.USAGE_CACHED_AUDIO_TOKENS, "cached_audio_tokens"),
    (n.USAGE_CACHED_IMAGE_TOKENS, "cached_image_tokens"),
    (n.USAGE_OUTPUT_TEXT_TOKENS, "output_text_tokens"),
    (n.USAGE_OUTPUT_AUDIO_TOKENS, "output_audio_tokens"),
)
"""Span attribute names and the :class:`~rtvoice.model.events.Usage` fields they hold."""


class AgentMetrics:
    """The metric attribute sets of one agent, built once: they repeat every turn."""

    __slots__ = ("base", "by_status", "tokens")

    def __init__(self, common: dict[str, AttributeValue], agent_name: str) -> None:
        self.base: dict[str, AttributeValue] = {**common, n.GEN_AI_AGENT_NAME: agent_name}
        self.tokens: dict[str, dict[str, AttributeValue]] = {
            kind: {
                **self.base,
                n.TOKEN_KIND: kind,
                n.GEN_AI_TOKEN_TYPE: "output" if kind.startswith("output") else "input",
            }
            for kind in get_args(TokenKind)
        }
        self.by_status: dict[str, dict[str, AttributeValue]] = {}

    def status(self, status: str) -> dict[str, AttributeValue]:
        attributes = self.by_status.get(status)
        if attributes is None:
            attributes = self.by_status[status] = {**self.base, n.TURN_STATUS: status}
        return attributes


class Turn:
    __slots__ = (
        "first_audio_seen",
        "first_transcript_seen",
        "interrupted",
        "metrics",
        "reference",
        "span",
    )

    def __init__(self, span: Span, reference: float, metrics: AgentMetrics) -> None:
        self.span = span
        self.reference = reference
        self.metrics = metrics
        self.first_audio_seen = False
        self.first_transcript_seen = False
        self.interrupted = False


def server_attributes(url: str | None) -> dict[str, AttributeValue]:
    if url is None:
        return {}
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return {}
    attributes: dict[str, AttributeValue] = {}
    if host:
        attributes[n.SERVER_ADDRESS] = host
    if port is not None:
        attributes[n.SERVER_PORT] = port
    return attributes


def transcript_of(response: ResponseInfo) -> str:
    parts: list[str] = []
    for item in response.output:
        if isinstance(item, MessageItem) and item.role == "assistant":
            for part in item.content:
                if isinstance(part, OutputAudio) and part.transcript:
                    parts.append(part.transcript)
                elif isinstance(part, OutputText):
                    parts.append(part.text)
    return "".join(parts)
