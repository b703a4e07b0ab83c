"""Users do not have the team's notes: no docstring, doc page or example cites a file that is
not in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RFC = re.compile(r"RFC \d+ §[\d.]+")


def test_nothing_shipped_cites_a_file_outside_the_repository() -> None:
    found = []
    for folder in ("src", "docs", "examples", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".md", ".html", ".js"}:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"\b(?:PROTOCOL|DESIGN|STYLE)\.md\b", line) or (
                    "§" in RFC.sub("", line)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if re.search(r"\b(?:PROTOCOL|DESIGN|STYLE)\.md\b", readme):
        found.append("README.md")
    assert not found, "\n".join(found)
