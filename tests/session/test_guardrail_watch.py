"""The output guardrail debounce bookkeeping, pure (no loop, no socket)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtvoice.session.state._guardrail_watch import OutputTextWatch, RecentIds


def test_a_check_each_time_the_text_reaches_the_next_multiple() -> None:
    watch = OutputTextWatch(10)
    assert watch.on_delta("a", "Hello ") is None
    assert watch.on_delta("a", "world") == "Hello world"  # 11 >= 10
    assert watch.on_delta("a", "!!!") is None  # 14 < 20
    assert watch.on_delta("a", " and more") == "Hello world!!! and more"  # 23 >= 20
    assert watch.on_delta("a", "x") is None  # 24 < 30


def test_one_delta_crossing_several_multiples_gives_one_check() -> None:
    watch = OutputTextWatch(5)
    assert watch.on_delta("a", "x" * 23) == "x" * 23
    assert watch.on_delta("a", "y") is None  # the next check is at 25
    assert watch.on_delta("a", "y") == "x" * 23 + "yy"


def test_a_short_reply_is_checked_once_at_its_end() -> None:
    watch = OutputTextWatch(100)
    assert watch.on_delta("a", "Hi ") is None
    assert watch.on_delta("a", "there") is None
    assert watch.on_done("a", "Hi there") == "Hi there"
    assert watch.on_done("a", "Hi there") is None  # done twice: checked once
    assert watch.on_delta("a", "late") is None  # finished items are not watched


def test_the_final_text_is_not_checked_again_when_just_checked() -> None:
    watch = OutputTextWatch(5)
    assert watch.on_delta("a", "12345") == "12345"
    assert watch.on_done("a", "12345") is None
    watch.on_delta("b", "12345")
    assert watch.on_done("b", "123456") == "123456"  # differs: checked


def test_empty_final_texts_and_tripped_items_are_not_checked() -> None:
    watch = OutputTextWatch(5)
    assert watch.on_done("a", "   ") is None
    watch.on_delta("b", "abc")
    assert watch.trip("b") is True
    assert watch.trip("b") is False  # acted on once
    assert watch.tripped("b")
    assert watch.on_delta("b", "defgh") is None
    assert watch.on_done("b", "abcdefgh") is None


def test_items_are_independent() -> None:
    watch = OutputTextWatch(4)
    assert watch.on_delta("a", "aaa") is None
    assert watch.on_delta("b", "bbbb") == "bbbb"
    assert watch.on_delta("a", "a") == "aaaa"


def test_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="every"):
        OutputTextWatch(0)


def test_recent_ids_keep_the_latest_only() -> None:
    ids = RecentIds(size=2)
    assert ids.add("a")
    assert not ids.add("a")
    ids.add("b")
    ids.add("c")
    assert "a" not in ids
    assert "b" in ids
    assert "c" in ids


@given(
    every=st.integers(min_value=1, max_value=40),
    pieces=st.lists(st.text(max_size=15), max_size=30),
)
def test_checks_are_prefixes_growing_never_repeated_and_the_end_is_covered(
    every: int, pieces: list[str]
) -> None:
    watch = OutputTextWatch(every)
    checked = [text for piece in pieces if (text := watch.on_delta("item", piece)) is not None]
    full = "".join(pieces)
    final = watch.on_done("item", full)
    if final is not None:
        checked.append(final)
    assert len(checked) == len(set(checked))  # never twice the same text
    assert all(full.startswith(text) for text in checked)
    assert [len(text) for text in checked] == sorted(len(text) for text in checked)
    # The whole text is always checked (if there is any), at the end or as the last delta.
    if full.strip():
        assert checked[-1] == full
    # A check only when the next multiple was reached: no two within one window.
    windows = [len(text) // every for text in checked if text != full or final is None]
    assert len(windows) == len(set(windows))
