"""The metric instruments, created once per session from its meter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from opentelemetry.metrics import Counter, Histogram, Meter

from . import _names as n

__all__ = ["DURATION_BUCKETS", "Instruments"]

DURATION_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
)  # fmt: skip
"""Histogram bucket advice, in seconds: the GenAI semantic conventions' duration buckets."""


class Instruments:
    """The five instruments rtvoice records (see ``docs/tracing.md``, Metrics).

    Durations are in seconds, as the OpenTelemetry conventions ask; the histograms carry
    :data:`DURATION_BUCKETS` as advice where the API supports it (opentelemetry-api 1.30+),
    since the SDK's default buckets are made for milliseconds.
    """

    __slots__ = ("interruptions", "time_to_first_audio", "tokens", "tool_duration", "turn_duration")

    def __init__(self, meter: Meter) -> None:
        self.time_to_first_audio: Histogram = _histogram(
            meter,
            n.METRIC_TIME_TO_FIRST_AUDIO,
            "From the response request (else response.created) to its first audio delta.",
        )
        self.turn_duration: Histogram = _histogram(
            meter,
            n.METRIC_TURN_DURATION,
            "Turn latency: from the response request (else response.created) to response.done.",
        )
        self.tool_duration: Histogram = _histogram(
            meter, n.METRIC_TOOL_DURATION, "Tool call run time, approval wait excluded."
        )
        self.interruptions: Counter = meter.create_counter(
            n.METRIC_INTERRUPTIONS,
            unit="{interruption}",
            description="Assistant audio interrupted (barge-in, interrupt(), guardrail trip).",
        )
        self.tokens: Counter = meter.create_counter(
            n.METRIC_TOKENS,
            unit="{token}",
            description="Tokens used, by rtvoice.token.kind (disjoint kinds).",
        )


def _histogram(meter: Meter, name: str, description: str) -> Histogram:
    buckets: Sequence[float] = DURATION_BUCKETS
    try:
        return meter.create_histogram(
            name, unit="s", description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:  # opentelemetry-api < 1.30 has no bucket advice
        return meter.create_histogram(name, unit="s", description=description)
