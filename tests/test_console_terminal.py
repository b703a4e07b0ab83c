"""``python -m rtvoice console`` in a real terminal (a pseudo-terminal): type, read, approve,
see the handoff, leave with Ctrl-D or ``/quit``, exit status 0."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX terminal")

_WAIT = 15.0  # seconds for any one expected output: generous for a loaded CI machine


class Terminal:
    """A process on the slave side of a pseudo-terminal, read and typed at from the master."""

    def __init__(self, args: list[str], *, cwd: Path | None = None) -> None:
        master, slave = os.openpty()
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
        env.pop("RTVOICE_SIMULATOR", None)
        self._process = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._master = master
        self.output = ""
        self._seen = 0  # what expect() has consumed

    def type(self, text: str) -> None:
        os.write(self._master, text.encode())

    def expect(self, pattern: str) -> str:
        """Wait (bounded) for ``pattern`` (a regex) after what was matched before."""
        deadline = time.monotonic() + _WAIT
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.output, self._seen)
            if found:
                self._seen = found.end()
                return found.group(0)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} in the terminal:\n{self.output}")
            ready, _, _ = select.select([self._master], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self._master, 4096)
                except OSError:  # the process closed the terminal
                    chunk = b""
                if not chunk and self._process.poll() is not None:
                    raise AssertionError(f"exited before {pattern!r}:\n{self.output}")
                self.output += chunk.decode(errors="replace").replace("\r\n", "\n")

    def interrupt(self) -> None:
        """What Ctrl-C does to the foreground process."""
        self._process.send_signal(signal.SIGINT)

    def wait(self) -> int:
        try:
            return self._process.wait(timeout=_WAIT)
        finally:
            self.close()

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._master >= 0:
            os.close(self._master)
            self._master = -1


def _console(*args: str) -> list[str]:
    return [sys.executable, "-m", "rtvoice", "console", "--pace", "0", *args]


def test_text_console_answers_runs_an_approved_tool_shows_a_handoff_and_leaves_on_ctrl_d() -> None:
    term = Terminal(_console())
    try:
        term.expect("Concierge on the built-in simulator")
        term.expect("you> ")
        term.type("hello\n")
        term.expect(r"Concierge: Concierge here\. You said: hello\n")
        term.expect("you> ")

        term.type('call get_weather {"city": "Paris"}\n')
        term.expect(r"tool get_weather\(\{\"city\": \"Paris\"\}\)")
        term.expect("tool get_weather returned Sunny in Paris, 21 degrees")
        term.expect("you> ")

        term.type("transfer to billing\n")
        term.expect("handoff: Concierge to Billing")
        term.expect("Billing: Billing here.")
        term.expect("you> ")

        term.type("call lookup_balance {}\n")
        term.expect(r"run lookup_balance\(\{\}\)  \[y\]es / \[n\]o / \[a\]lways: ")
        term.type("y\n")
        term.expect("tool lookup_balance returned The main account owes 42.50 euros")
        term.expect(r"Billing: Billing here\. lookup_balance returned: The main account owes")
        term.expect("you> ")

        term.type("\x04")  # Ctrl-D at the start of a line: end of input
        assert term.wait() == 0
    finally:
        term.close()


def test_a_rejected_call_does_not_run_and_quit_leaves(tmp_path: Path) -> None:
    (tmp_path / "shop_agent.py").write_text(
        "from rtvoice import RealtimeAgent, function_tool\n"
        "\n"
        "@function_tool(needs_approval=True)\n"
        "def refund(order: str) -> str:\n"
        '    """Refund an order."""\n'
        '    return f"refunded {order}"\n'
        "\n"
        'agent = RealtimeAgent(name="Shop", tools=[refund])\n'
    )
    term = Terminal(_console("--agent", "shop_agent:agent"), cwd=tmp_path)
    try:
        term.expect("Shop on the built-in simulator")
        term.expect("you> ")
        term.type('call refund {"order": "A1"}\n')
        term.expect(r"run refund\(\{\"order\": \"A1\"\}\)")
        term.type("maybe\n")
        term.expect(r"answer y \(run it\), n \(do not\) or a \(always run it\): ")
        term.type("n\n")
        term.expect("tool refund did not run")
        term.expect("you> ")
        term.type("/quit\n")
        assert term.wait() == 0
    finally:
        term.close()
    assert "refunded A1" not in term.output


def test_ctrl_c_ends_the_console_with_status_130() -> None:
    term = Terminal(_console())
    try:
        term.expect("you> ")
        term.interrupt()
        assert term.wait() == 130
    finally:
        term.close()
