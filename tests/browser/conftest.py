"""examples/browser/app.py, started as a user starts it, for the tests beside this file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .running_app import RunningApp

APP = Path(__file__).resolve().parents[2] / "examples" / "browser" / "app.py"


@pytest.fixture
def browser_app() -> Iterator[RunningApp]:
    """``python examples/browser/app.py --port 0`` with no ``OPENAI_API_KEY``: the simulator."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    process = subprocess.Popen(
        [sys.executable, str(APP), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    app = RunningApp(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            app.lines.put(line.rstrip("\n"))
        app.lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        first = app.wait_for_line("", timeout=20)
        match = re.search(r"http://127\.0\.0\.1:\d+/", first)
        assert match, f"the app did not say where it serves: {first!r}"
        app.url = match[0]
        yield app
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
        reader.join(timeout=5)
    assert "Traceback" not in errors, errors
