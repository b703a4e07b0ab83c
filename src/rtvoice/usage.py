"""Token usage and what it costs: session totals, tokens by kind, and a cost *estimate*.

The server reports the tokens of each response in ``response.done``; the
session turns that into a ``usage`` event (the response's :class:`~rtvoice.model.events.Usage`
and the session's running total) and keeps the total with a :class:`UsageTotals`::

    totals = UsageTotals()
    total = totals.add(response.usage)       # once per response.done that carries usage

:func:`tokens_by_kind` splits a usage into disjoint kinds (uncached text/audio/image input,
cached text/audio/image input, text/audio output) that add up to ``total_tokens``; the token
metric uses it.

Cost is an estimate, never a bill: :meth:`PriceTable.estimate_cost` prices each kind of token
from a table the application supplies. The default table holds the launch list prices of the
OpenAI Realtime API (``gpt-4o-realtime-preview``, October 2024)::

    text input   $5 per 1M tokens     audio input   $100 per 1M tokens  (about $0.06 / minute)
    text output  $20 per 1M tokens    audio output  $200 per 1M tokens  (about $0.24 / minute)

Prices change and differ per model: pass your own table. Audio is priced per token, the unit
the server reports and bills, not per minute: a minute is *about* 600 input or 1,200 output
audio tokens (the conversion OpenAI used to quote the per-minute figures), and going through
minutes would add that approximation on top. :meth:`PriceTable.from_audio_minutes` builds a
table from per-minute audio prices with that conversion, for prices quoted per minute.

GPT-Live bills session time instead (per second, at a rate per minute): the session's
``usage`` events carry the billed seconds the server reports (``Usage.session_seconds``),
and :attr:`PriceTable.live_active_minute` / :attr:`PriceTable.live_standby_minute` price them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final, Literal, TypeAlias

from .model.events import Usage

__all__ = [
    "AUDIO_INPUT_TOKENS_PER_MINUTE",
    "AUDIO_OUTPUT_TOKENS_PER_MINUTE",
    "CostEstimate",
    "PriceTable",
    "TokenKind",
    "UsageTotals",
    "add_usage",
    "tokens_by_kind",
]

AUDIO_INPUT_TOKENS_PER_MINUTE: Final = 600
"""About how many audio tokens a minute of user speech costs (one per 100 ms). An
approximation: OpenAI's, behind its "$0.06 per minute" at $100 per 1M audio input tokens."""

AUDIO_OUTPUT_TOKENS_PER_MINUTE: Final = 1200
"""About how many audio tokens a minute of assistant speech costs (one per 50 ms). An
approximation: OpenAI's, behind its "$0.24 per minute" at $200 per 1M audio output tokens."""

TokenKind: TypeAlias = Literal[
    "input_text",
    "input_audio",
    "input_image",
    "cached_text",
    "cached_audio",
    "cached_image",
    "output_text",
    "output_audio",
]
"""A disjoint kind of token: ``input_*`` are input tokens *not* served from the cache,
``cached_*`` those that were, ``output_*`` what the model produced."""

_MILLION: Final = 1_000_000
_USAGE_FIELDS: Final = tuple(f.name for f in fields(Usage))


def add_usage(a: Usage, b: Usage) -> Usage:
    """The field-wise sum of two usages.

    Args:
        a: A usage (e.g. the total so far).
        b: Another (e.g. one response's).

    Returns:
        A new :class:`~rtvoice.model.events.Usage`; neither argument changes.
    """
    return Usage(**{name: getattr(a, name) + getattr(b, name) for name in _USAGE_FIELDS})


def tokens_by_kind(usage: Usage) -> tuple[tuple[TokenKind, int], ...]:
    """Split a usage into disjoint kinds of tokens.

    Cached tokens are part of the input counts on the wire (``input_text_tokens`` includes
    ``cached_text_tokens``); here they are taken out, so that the kinds never overlap and
    sum to ``input_tokens + output_tokens`` when the server's details add up. A detail larger
    than its total (which a server should never send) counts as zero uncached tokens, never
    as a negative number.

    Args:
        usage: One response's usage, or a total.

    Returns:
        ``(kind, count)`` pairs in :data:`TokenKind` order, every kind present, zeros included.
    """
    return (
        ("input_text", max(usage.input_text_tokens - usage.cached_text_tokens, 0)),
        ("input_audio", max(usage.input_audio_tokens - usage.cached_audio_tokens, 0)),
        ("input_image", max(usage.input_image_tokens - usage.cached_image_tokens, 0)),
        ("cached_text", usage.cached_text_tokens),
        ("cached_audio", usage.cached_audio_tokens),
        ("cached_image", usage.cached_image_tokens),
        ("output_text", usage.output_text_tokens),
        ("output_audio", usage.output_audio_tokens),
    )


class UsageTotals:
    """The running token total of a session.

    Not thread-safe: one task (the session's reader) adds to it.
    """

    __slots__ = ("_responses", "_total")

    def __init__(self) -> None:
        self._total = Usage()
        self._responses = 0

    @property
    def total(self) -> Usage:
        """The sum of every usage added so far (all zeros at first)."""
        return self._total

    @property
    def responses(self) -> int:
        """How many usages were added (responses whose ``response.done`` carried usage)."""
        return self._responses

    def add(self, usage: Usage) -> Usage:
        """Add one response's usage.

        Args:
            usage: The usage of a ``response.done``.

        Returns:
            The new total (also :attr:`total`).
        """
        self._total = add_usage(self._total, usage)
        self._responses += 1
        return self._total


@dataclass(frozen=True, slots=True, kw_only=True)
class CostEstimate:
    """An *estimated* cost in US dollars, by kind of token; not a bill.

    Cached input is included in the matching input line, at its cached price.

    Attributes:
        input_text_usd: Text input, cached and not.
        input_audio_usd: Audio input, cached and not.
        input_image_usd: Image input, cached and not.
        output_text_usd: Text output.
        output_audio_usd: Audio output.
        session_time_usd: Billed session time (GPT-Live), active and standby.
    """

    input_text_usd: float = 0.0
    input_audio_usd: float = 0.0
    input_image_usd: float = 0.0
    output_text_usd: float = 0.0
    output_audio_usd: float = 0.0
    session_time_usd: float = 0.0

    @property
    def total_usd(self) -> float:
        """The sum of every line."""
        return (
            self.input_text_usd
            + self.input_audio_usd
            + self.input_image_usd
            + self.output_text_usd
            + self.output_audio_usd
            + self.session_time_usd
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceTable:
    """Prices in US dollars per 1M tokens (and per minute of GPT-Live session time), for a
    cost *estimate*.

    The token defaults are the launch list prices of the OpenAI Realtime API (October 2024),
    the per-minute ones GPT-Live's list prices (November 2026); they are not necessarily
    today's prices for your model. Pass your own.

    Attributes:
        text_input: Uncached text input.
        audio_input: Uncached audio input (default: about $0.06 per minute of speech).
        text_output: Text output.
        audio_output: Audio output (default: about $0.24 per minute of speech).
        cached_text_input: Cached text input; ``None``: priced as ``text_input`` (no discount,
            so the estimate errs high).
        cached_audio_input: Cached audio input; ``None``: priced as ``audio_input``.
        image_input: Image input, cached or not; ``None``: priced as ``text_input``.
        live_active_minute: A minute of active GPT-Live session time (speech, silence,
            waiting for delegated work), billed per second.
        live_standby_minute: A minute of standby GPT-Live session time (inference paused,
            WebRTC sessions only).

    Raises:
        ValueError: A price is negative.
    """

    text_input: float = 5.0
    audio_input: float = 100.0
    text_output: float = 20.0
    audio_output: float = 200.0
    cached_text_input: float | None = None
    cached_audio_input: float | None = None
    image_input: float | None = None
    live_active_minute: float = 0.05
    live_standby_minute: float = 0.02

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and not value >= 0:
                raise ValueError(f"PriceTable.{f.name} must be >= 0, got {value!r}")

    @classmethod
    def from_audio_minutes(
        cls,
        *,
        audio_input_per_minute: float = 0.06,
        audio_output_per_minute: float = 0.24,
        text_input: float = 5.0,
        text_output: float = 20.0,
    ) -> PriceTable:
        """A table from audio prices per minute of speech (text still per 1M tokens).

        Converts with :data:`AUDIO_INPUT_TOKENS_PER_MINUTE` and
        :data:`AUDIO_OUTPUT_TOKENS_PER_MINUTE`, an approximation. With the defaults this is
        the default table.

        Args:
            audio_input_per_minute: Dollars per minute of user speech.
            audio_output_per_minute: Dollars per minute of assistant speech.
            text_input: Dollars per 1M text input tokens.
            text_output: Dollars per 1M text output tokens.

        Returns:
            The table, prices per 1M tokens.
        """
        return cls(
            text_input=text_input,
            audio_input=audio_input_per_minute / AUDIO_INPUT_TOKENS_PER_MINUTE * _MILLION,
            text_output=text_output,
            audio_output=audio_output_per_minute / AUDIO_OUTPUT_TOKENS_PER_MINUTE * _MILLION,
        )

    def estimate_cost(self, usage: Usage) -> CostEstimate:
        """Estimate what ``usage`` costs at these prices.

        Args:
            usage: One response's usage, or a session total.

        Returns:
            The estimate, by kind of token.
        """
        counts = dict(tokens_by_kind(usage))
        cached_text = self.text_input if self.cached_text_input is None else self.cached_text_input
        cached_audio = (
            self.audio_input if self.cached_audio_input is None else self.cached_audio_input
        )
        image = self.text_input if self.image_input is None else self.image_input
        return CostEstimate(
            input_text_usd=(
                counts["input_text"] * self.text_input + counts["cached_text"] * cached_text
            )
            / _MILLION,
            input_audio_usd=(
                counts["input_audio"] * self.audio_input + counts["cached_audio"] * cached_audio
            )
            / _MILLION,
            input_image_usd=(counts["input_image"] + counts["cached_image"]) * image / _MILLION,
            output_text_usd=counts["output_text"] * self.text_output / _MILLION,
            output_audio_usd=counts["output_audio"] * self.audio_output / _MILLION,
            session_time_usd=(
                (usage.session_seconds - usage.session_paused_seconds) * self.live_active_minute
                + usage.session_paused_seconds * self.live_standby_minute
            )
            / 60,
        )
