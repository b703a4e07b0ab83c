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


def test_tracing_example_prints_the_span_tree_and_metrics() -> None:
    pytest.importorskip("opentelemetry.sdk")
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "tracing_console.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    spans = [line.strip() for line in result.stdout.splitlines() if line.startswith('    "name"')]
    assert sorted(spans) == sorted(
        [
            '"name": "realtime.connect",',
            '"name": "realtime.session",',
            '"name": "realtime.tool",',
            *['"name": "realtime.turn",'] * 3,  # hello, the call, the tool's answer
        ]
    )
    for metric in (
        "rtvoice.turn.time_to_first_audio",
        "rtvoice.turn.duration",
        "rtvoice.tool.duration",
        "rtvoice.usage.tokens",
    ):
        assert f'"name": "{metric}"' in result.stdout
    assert '"gen_ai.tool.name": "get_weather"' in result.stdout
    assert '"gen_ai.provider.name": "openai"' in result.stdout
