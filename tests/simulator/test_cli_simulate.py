"""``rtvoice simulate`` starts from the installed package and answers a connection."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from rtvoice.transport import WebSocketTransport


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("rtvoice")
    if script.exists():
        return [str(script)]
    found = shutil.which("rtvoice")
    if found is None:
        pytest.skip("the rtvoice console script is not installed")
    return [found]


async def _first_event(base_url: str) -> dict[str, object]:
    transport = await WebSocketTransport.connect(
        f"{base_url}/realtime?model=gpt-realtime",
        headers={"Authorization": "Bearer sk-any"},
    )
    async with transport:
        with anyio.fail_after(10):
            event: dict[str, object] = json.loads(await transport.receive())
    return event


def test_rtvoice_simulate_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [*_console_script(), "simulate", "--port", "0", "--pace", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.startswith("rtvoice simulator listening on ws://127.0.0.1:")
        base_url = first_line.split(" on ", 1)[1].strip()
        created = anyio.run(_first_event, base_url)
        assert created["type"] == "session.created"
        assert created["session"]["model"] == "gpt-realtime"  # type: ignore[index]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            returncode = process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            raise
    assert returncode == 0


def test_a_busy_port_is_one_line_naming_the_address_and_exit_status_2() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "rtvoice", "simulate", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "--port 0" in lines[0]


def test_version_and_python_dash_m() -> None:
    from rtvoice import __version__

    done = subprocess.run(
        [sys.executable, "-m", "rtvoice", "--version"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"rtvoice {__version__}"
