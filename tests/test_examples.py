"""The examples run, as the README promises, against the built-in simulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("script", ["protocol_tour.py"])
def test_example_runs_against_the_simulator(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "talking to the built-in simulator" in result.stdout
    assert "user said: 'what time is it'" in result.stdout
    assert "the simulator's voice decodes to: 'Sure. You said: what time is it'" in result.stdout
