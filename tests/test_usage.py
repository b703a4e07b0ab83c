"""Usage totals, tokens by kind, and the cost estimate's arithmetic."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rtvoice.usage
from rtvoice.model.events import Usage
from rtvoice.usage import (
    AUDIO_INPUT_TOKENS_PER_MINUTE,
    AUDIO_OUTPUT_TOKENS_PER_MINUTE,
    PriceTable,
    UsageTotals,
    add_usage,
    tokens_by_kind,
)


def test_add_usage_sums_every_field() -> None:
    a = Usage(**{f.name: i + 1 for i, f in enumerate(dataclasses.fields(Usage))})
    b = Usage(**{f.name: 10 * (i + 1) for i, f in enumerate(dataclasses.fields(Usage))})
    total = add_usage(a, b)
    for i, f in enumerate(dataclasses.fields(Usage)):
        assert getattr(total, f.name) == 11 * (i + 1)


def test_usage_totals_accumulate_per_session() -> None:
    totals = UsageTotals()
    assert totals.total == Usage()
    assert totals.responses == 0
    first = Usage(total_tokens=10, input_tokens=6, output_tokens=4, output_audio_tokens=4)
    assert totals.add(first) == first
    total = totals.add(Usage(total_tokens=5, input_tokens=5, input_text_tokens=5))
    assert total == totals.total
    assert total.total_tokens == 15
    assert total.input_tokens == 11
    assert total.output_audio_tokens == 4
    assert total.input_text_tokens == 5
    assert totals.responses == 2


def test_tokens_by_kind_takes_cached_tokens_out_of_the_input_kinds() -> None:
    usage = Usage(
        total_tokens=180,
        input_tokens=120,
        output_tokens=60,
        input_text_tokens=70,
        input_audio_tokens=50,
        cached_tokens=40,
        cached_text_tokens=30,
        cached_audio_tokens=10,
        output_text_tokens=15,
        output_audio_tokens=45,
    )
    assert tokens_by_kind(usage) == (
        ("input_text", 40),
        ("input_audio", 40),
        ("input_image", 0),
        ("cached_text", 30),
        ("cached_audio", 10),
        ("cached_image", 0),
        ("output_text", 15),
        ("output_audio", 45),
    )


def test_tokens_by_kind_never_goes_negative_on_inconsistent_details() -> None:
    kinds = dict(tokens_by_kind(Usage(input_text_tokens=5, cached_text_tokens=9)))
    assert kinds["input_text"] == 0
    assert kinds["cached_text"] == 9


@st.composite
def consistent_usages(draw: st.DrawFn) -> Usage:
    """Usages whose details add up, as a server sends them."""
    count = st.integers(min_value=0, max_value=10**7)
    text, audio, image = draw(count), draw(count), draw(count)
    cached_text = draw(st.integers(0, text))
    cached_audio = draw(st.integers(0, audio))
    cached_image = draw(st.integers(0, image))
    out_text, out_audio = draw(count), draw(count)
    return Usage(
        total_tokens=text + audio + image + out_text + out_audio,
        input_tokens=text + audio + image,
        output_tokens=out_text + out_audio,
        input_text_tokens=text,
        input_audio_tokens=audio,
        input_image_tokens=image,
        cached_tokens=cached_text + cached_audio + cached_image,
        cached_text_tokens=cached_text,
        cached_audio_tokens=cached_audio,
        cached_image_tokens=cached_image,
        output_text_tokens=out_text,
        output_audio_tokens=out_audio,
    )


@given(consistent_usages())
def test_token_kinds_partition_the_total(usage: Usage) -> None:
    kinds = tokens_by_kind(usage)
    assert all(count >= 0 for _, count in kinds)
    assert sum(count for _, count in kinds) == usage.total_tokens
    assert sum(count for kind, count in kinds if kind.startswith("output")) == usage.output_tokens


@given(consistent_usages(), consistent_usages())
def test_the_estimate_of_a_sum_is_the_sum_of_the_estimates(a: Usage, b: Usage) -> None:
    prices = PriceTable(cached_text_input=2.5, cached_audio_input=20.0)
    together = prices.estimate_cost(add_usage(a, b)).total_usd
    apart = prices.estimate_cost(a).total_usd + prices.estimate_cost(b).total_usd
    assert together == pytest.approx(apart)


def test_default_prices_are_the_documented_figures() -> None:
    prices = PriceTable()
    minute_in = prices.estimate_cost(Usage(input_audio_tokens=AUDIO_INPUT_TOKENS_PER_MINUTE))
    minute_out = prices.estimate_cost(Usage(output_audio_tokens=AUDIO_OUTPUT_TOKENS_PER_MINUTE))
    assert minute_in.total_usd == pytest.approx(0.06)
    assert minute_out.total_usd == pytest.approx(0.24)
    million = 1_000_000
    assert prices.estimate_cost(Usage(input_text_tokens=million)).total_usd == pytest.approx(5.0)
    assert prices.estimate_cost(Usage(output_text_tokens=million)).total_usd == pytest.approx(20.0)
    from_minutes = PriceTable.from_audio_minutes()
    assert from_minutes.audio_input == pytest.approx(prices.audio_input)
    assert from_minutes.audio_output == pytest.approx(prices.audio_output)
    assert (from_minutes.text_input, from_minutes.text_output) == (5.0, 20.0)


def test_from_audio_minutes_converts_with_the_documented_rates() -> None:
    prices = PriceTable.from_audio_minutes(
        audio_input_per_minute=0.0192,  # $32 per 1M tokens at 600 tokens a minute
        audio_output_per_minute=0.0768,  # $64 per 1M tokens at 1,200 tokens a minute
        text_input=4.0,
        text_output=16.0,
    )
    assert prices.audio_input == pytest.approx(32.0)
    assert prices.audio_output == pytest.approx(64.0)
    assert (prices.text_input, prices.text_output) == (4.0, 16.0)


def test_estimate_by_line_with_cached_and_image_prices() -> None:
    usage = Usage(
        input_text_tokens=1_000_000,
        cached_text_tokens=400_000,
        input_audio_tokens=2_000_000,
        cached_audio_tokens=1_000_000,
        input_image_tokens=100_000,
        output_text_tokens=500_000,
        output_audio_tokens=250_000,
    )
    estimate = PriceTable(
        text_input=4.0,
        cached_text_input=0.4,
        audio_input=32.0,
        cached_audio_input=0.4,
        image_input=5.0,
        text_output=16.0,
        audio_output=64.0,
    ).estimate_cost(usage)
    assert dataclasses.astuple(estimate) == pytest.approx(
        (0.6 * 4.0 + 0.4 * 0.4, 1.0 * 32.0 + 1.0 * 0.4, 0.1 * 5.0, 0.5 * 16.0, 0.25 * 64.0, 0.0)
    )
    assert estimate.total_usd == pytest.approx(2.56 + 32.4 + 0.5 + 8.0 + 16.0)


def test_without_cached_or_image_prices_they_cost_the_full_input_price() -> None:
    usage = Usage(input_text_tokens=100, cached_text_tokens=100, input_image_tokens=100)
    estimate = PriceTable(text_input=10.0).estimate_cost(usage)
    assert estimate.input_text_usd == pytest.approx(100 * 10.0 / 1e6)
    assert estimate.input_image_usd == pytest.approx(100 * 10.0 / 1e6)


def test_nothing_used_costs_nothing() -> None:
    assert PriceTable().estimate_cost(Usage()).total_usd == 0.0


@pytest.mark.parametrize("field", ["text_input", "audio_output", "cached_text_input"])
def test_negative_prices_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        PriceTable(**{field: -1.0})


def test_public_api_is_sorted_and_resolves() -> None:
    names = list(rtvoice.usage.__all__)
    assert names == sorted(names)
    for name in names:
        assert hasattr(rtvoice.usage, name)


def test_gpt_live_session_time_is_priced_per_minute_active_and_standby() -> None:
    # 90 s billed, 30 of them paused: 60 s at the active rate, 30 s at the standby rate
    usage = Usage(session_seconds=90.0, session_paused_seconds=30.0)
    estimate = PriceTable().estimate_cost(usage)
    assert estimate.session_time_usd == pytest.approx(1.0 * 0.05 + 0.5 * 0.02)
    assert estimate.total_usd == pytest.approx(0.06)
    custom = PriceTable(live_active_minute=0.10, live_standby_minute=0.0)
    assert custom.estimate_cost(usage).total_usd == pytest.approx(0.10)
    with pytest.raises(ValueError, match="live_active_minute"):
        PriceTable(live_active_minute=-1.0)
