"""The browser example's process, as the tests beside this file see it."""

from __future__ import annotations

import queue
import subprocess
from dataclasses import dataclass, field


@dataclass
class RunningApp:
    """The app's process: where it serves, and what it prints."""

    process: subprocess.Popen[str]
    url: str = ""
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    """What the app prints, line by line; ``None`` once its output has ended."""
    printed: list[str] = field(default_factory=list)
    """Every line :meth:`wait_for_line` has read so far."""

    def wait_for_line(self, prefix: str, timeout: float = 5.0) -> str:
        """The next line the app prints that starts with ``prefix`` (bounded wait)."""
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                self.lines.put(None)
                raise AssertionError(f"the app ended its output; it printed {self.printed}")
            self.printed.append(line)
            if line.startswith(prefix):
                return line
