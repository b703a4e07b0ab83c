"""Helpers for testing code built on rtvoice.

Two kinds of test double, for two kinds of test:

* :class:`ScriptedModel` replaces the model connection in a unit test: no socket, no server.
  You script what the "server" says and what it expects the session to send; it records
  every command and fails loudly (:class:`ScriptMismatchError`) when the session strays from
  the script. :class:`ServerEvents` builds the event sequences of common turns in the order
  a GA server sends them, so scripts stay short.
* The simulator as a pytest fixture, for end-to-end tests over real loopback sockets: add
  ``pytest_plugins = ["rtvoice.testing"]`` to your ``conftest.py``, then ask for
  ``realtime_simulator``::

      def test_my_agent(realtime_simulator):
          provider = realtime_simulator.provider()   # OpenAIProvider for the local server
          ...

  The fixture runs the server in a background thread with its own event loop, so it works
  the same under anyio, pytest-asyncio or plain synchronous tests. Its responses stream as
  fast as possible. For other settings, build your own:
  ``SimulatorThread(Simulator(pace=4.0))``.

This module imports pytest; import it only from test code.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._testing import ScriptedModel, ScriptMismatchError, ServerEvents
from .simulator import Simulator, SimulatorThread

__all__ = [
    "ScriptMismatchError",
    "ScriptedModel",
    "ServerEvents",
    "Simulator",
    "SimulatorThread",
    "realtime_simulator",
]


@pytest.fixture
def realtime_simulator() -> Iterator[SimulatorThread]:
    """A running local realtime server for one test (``.url``, ``.provider()``)."""
    with SimulatorThread() as simulator:
        yield simulator
