"""The README's agent example type-checks under ``mypy --strict`` as a user copies it."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_the_readme_agent_example_passes_mypy_strict(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## An agent\n\n```python\n(.*?)```", readme, re.S)
    assert found is not None, "the README's agent example moved"
    example = tmp_path / "readme_example.py"
    # play() is the user's own audio output, which the example leaves undefined.
    example.write_text(found.group(1) + "\n\ndef play(data: bytes) -> None: ...\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir",
         "/dev/null", "--config-file", "/dev/null", "--python-version", "3.10", str(example)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
