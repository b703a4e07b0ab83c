"""``rtvoice console``: talk to an agent from the terminal, by text or by voice.

:func:`~._app.run_console` runs one conversation; ``rtvoice.cli`` parses the command line,
loads the agent (:mod:`._target`) and wires the terminal (:mod:`._lines`) to it. Voice needs
the ``console`` extra (``sounddevice``), imported only in voice mode (:mod:`._voice`).
"""

from __future__ import annotations

from ._app import run_console
from ._default import DEFAULT_AGENT
from ._lines import terminal_lines
from ._target import ConsoleTarget, load_object, resolve_target
from ._voice import AudioDevice, MicGate, VoiceMode

__all__ = [
    "DEFAULT_AGENT",
    "AudioDevice",
    "ConsoleTarget",
    "MicGate",
    "VoiceMode",
    "load_object",
    "resolve_target",
    "run_console",
    "terminal_lines",
]
