"""The suite's table: one row per figure, each judged against its budget line or not at all.

A row holds the median over rounds of each implementation's figure; its comparison
(rtvoice's ratio to the floor, or its difference) is made within each round and then the
median taken, so that noise shared by a round cancels. Rows of one budget line and one
compression setting may be measured two ways: instruction counts decide, and a CPU-time row
beside them is a second opinion (its verdict is shown in parentheses).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Row", "Rounds", "Table", "fmt", "med", "paired", "per_impl"]

Rounds = dict[str, list[dict[str, Any]]]
"""Each implementation's results, one per round."""

How = Literal["ratio", "difference", "own", "info"]


def med(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return statistics.median(kept) if kept else None


def per_impl(rounds: Rounds, metric: Callable[[dict[str, Any]], float]) -> dict[str, list[float]]:
    return {impl: [metric(r) for r in results] for impl, results in rounds.items()}


def paired(series: dict[str, list[float]], how: Callable[[float, float], float]) -> float | None:
    """Median over rounds of ``how(rtvoice, floor)`` within each round (a ratio to a floor
    of 0 is left out)."""
    ours, base = series.get("rtvoice"), series.get("floor")
    if not ours or not base:
        return None
    values: list[float | None] = []
    for o, f in zip(ours, base, strict=True):
        try:
            values.append(how(o, f))
        except ZeroDivisionError:
            continue
    return med(values)


@dataclass
class Row:
    line: str  # the budget line ("1" ... "6"), or "" for information
    scenario: str
    compression: str  # "off", "deflate", or "" where it does not apply
    metric: str
    unit: str
    values: dict[str, float | None]
    versus: str = ""  # rtvoice against the floor, as judged
    budget: str = ""
    verdict: str = ""  # "pass", "MISS", in parentheses for a second opinion, "" for none
    judged: float | None = None
    by: Literal["instructions", "cpu", ""] = ""  # how a CPU line was measured


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)

    def add(
        self,
        series: dict[str, list[float]],
        *,
        scenario: str,
        metric: str,
        unit: str,
        compression: str = "",
        line: str = "",
        how: How = "info",
        limit: float | None = None,
        by: Literal["instructions", "cpu", ""] = "",
    ) -> Row:
        """A row from per-round series; judged against ``limit`` when one is given.

        ``how``: ``ratio`` (rtvoice / floor), ``difference`` (rtvoice - floor), ``own``
        (rtvoice's own figure, e.g. a growth factor), ``info`` (the ratio, not judged).
        """
        values = {impl: med(list(v)) for impl, v in series.items()}
        row = Row(line, scenario, compression, metric, unit, values, by=by)
        if how in ("ratio", "info"):
            row.judged = paired(series, lambda o, f: o / f)
            row.versus = "" if row.judged is None else f"{row.judged:.2f}x"
            row.budget = "" if limit is None else f"<= {limit:g}x"
        elif how == "difference":
            row.judged = paired(series, lambda o, f: o - f)
            row.versus = "" if row.judged is None else f"{row.judged:+.3g} {unit}"
            row.budget = "" if limit is None else f"<= +{limit:g} {unit}"
        else:
            row.judged = values.get("rtvoice")
            row.versus = "" if row.judged is None else f"{row.judged:.3g} (own)"
            row.budget = "" if limit is None else f"<= {limit:g}"
        if limit is not None and row.judged is not None and how != "info":
            row.verdict = "pass" if row.judged <= limit else "MISS"
        self.rows.append(row)
        return row

    def settle(self) -> None:
        """Where a line and setting has an instruction-count verdict, CPU time is a second
        opinion: its verdict goes in parentheses."""
        decided = {
            (r.line, r.compression) for r in self.rows if r.by == "instructions" and r.verdict
        }
        for row in self.rows:
            if row.by == "cpu" and row.verdict and (row.line, row.compression) in decided:
                row.verdict = f"({row.verdict})"

    def render(self, impls: list[str]) -> str:
        head = ["line", "scenario", "compr.", "metric", "unit", *impls, "vs floor", "budget", ""]
        body = [
            [
                r.line,
                r.scenario,
                r.compression,
                r.metric,
                r.unit,
                *(fmt(r.values.get(impl)) for impl in impls),
                r.versus,
                r.budget,
                r.verdict,
            ]
            for r in self.rows
        ]
        widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
        numeric = {5 + i for i in range(len(impls))}

        def text(cells: list[str]) -> str:
            return "  ".join(
                c.rjust(w) if i in numeric else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([text(head), rule, *(text(b) for b in body)])


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"
