"""The simulator's id source: realistic, unique, reproducible, and of constant size."""

from __future__ import annotations

import re
import tracemalloc

from rtvoice.simulator._ids import SeededIds

ID = re.compile(r"^(item|event|resp)_[A-Za-z0-9]{21}$")


def test_seeded_ids_are_realistic_unique_and_reproducible() -> None:
    source = SeededIds(seed=7)
    ids = [source.new_id(prefix) for _ in range(5_000) for prefix in ("item", "event", "resp")]
    assert all(ID.match(one) for one in ids)
    assert len({one.split("_", 1)[1] for one in ids}) == len(ids)  # unique across prefixes
    again = SeededIds(seed=7)
    assert [again.new_id(one.split("_", 1)[0]) for one in ids[:100]] == ids[:100]
    assert SeededIds(seed=8).new_id("item") != ids[0]


def test_a_long_running_source_does_not_keep_the_ids_it_gave_out() -> None:
    # One simulator serves every session of a soak with one source: 20,000 ids is a few
    # hundred sessions' worth of event ids.
    source = SeededIds(seed=1)
    source.new_id("event")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20_000):
            source.new_id("event")
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 10_000, f"the source grew by {kept} bytes"
