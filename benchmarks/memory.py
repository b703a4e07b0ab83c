"""Memory figures of a driver process: RSS, and tracemalloc snapshots charged to lines."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["allocations_by_caller", "rss_bytes", "shorten", "top_allocations"]


def rss_bytes() -> int:
    """VmRSS of this process (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def top_allocations(snap1: Any, snap0: Any, k: int, n: int) -> list[dict[str, Any]]:
    import tracemalloc

    keep = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = snap1.filter_traces(keep).compare_to(snap0.filter_traces(keep), "lineno")
    out = []
    for stat in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:n]:
        frame = stat.traceback[0]
        out.append(
            {
                "where": f"{shorten(frame.filename)}:{frame.lineno}",
                "bytes_per_session": round(stat.size_diff / k, 1),
                "blocks_per_session": round(stat.count_diff / k, 2),
            }
        )
    return out


def allocations_by_caller(snap1: Any, snap0: Any, k: int, n: int) -> list[dict[str, Any]]:
    """New allocations charged to the innermost rtvoice line that caused them (else the
    innermost websockets line, else the driver's, else where they happened)."""
    import tracemalloc

    keep = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = snap1.filter_traces(keep).compare_to(snap0.filter_traces(keep), "traceback")
    size: dict[str, int] = {}
    count: dict[str, int] = {}
    for stat in stats:
        frames = list(reversed(stat.traceback))  # most recent first
        chosen = frames[0]
        for marker in ("/rtvoice/", "/websockets/", "/benchmarks/"):
            found = next((f for f in frames if marker in f.filename), None)
            if found is not None:
                chosen = found
                break
        leaf = shorten(frames[0].filename).split("/", 1)[0].removesuffix(".py")
        key = f"{shorten(chosen.filename)}:{chosen.lineno}"
        if chosen is not frames[0]:
            key += f" (in {leaf})"
        size[key] = size.get(key, 0) + stat.size_diff
        count[key] = count.get(key, 0) + stat.count_diff
    ranked = sorted(size, key=lambda key: size[key], reverse=True)[:n]
    return [
        {
            "where": key,
            "bytes_per_session": round(size[key] / k, 1),
            "blocks_per_session": round(count[key] / k, 2),
        }
        for key in ranked
    ]


def shorten(path: str) -> str:
    """A path from its package on (``websockets/...``, ``rtvoice/...``, ``asyncio/...``)."""
    for marker in ("/site-packages/", "/src/"):
        if marker in path:
            return path.split(marker, 1)[1]
    match = re.search(r"/lib/python3\.\d+/(.*)$", path)
    if match:
        return match[1]
    if "/benchmarks/" in path:
        return "benchmarks/" + path.split("/benchmarks/", 1)[1]
    return path
