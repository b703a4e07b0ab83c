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

Only the fixture needs pytest. Without pytest installed, this module still imports and
everything but the fixture works (a script outside any test runner, unittest, ...);
``realtime_simulator`` is then a plain function that raises :class:`~rtvoice.errors.UserError`
saying so.
"""

from __future__ import annotations

from collections.abc import Iterator

from ._testing import ScriptedModel, ScriptMismatchError, ServerEvents
from .errors import UserError
from .simulator import Simulator, SimulatorThread

__all__ = [
    "ScriptMismatchError",
    "ScriptedModel",
    "ServerEvents",
    "Simulator",
    "SimulatorThread",
    "realtime_simulator",
]


try:
    import pytest
except ImportError:  # pytest is optional: only the fixture needs it

    def realtime_simulator() -> Iterator[SimulatorThread]:
        """Stands in for the fixture when pytest is not installed: calling it raises."""
        raise UserError(
            "the realtime_simulator fixture needs pytest (pip install pytest); without it, "
            "use SimulatorThread() as a context manager, or ScriptedModel"
        )

else:

    @pytest.fixture
    def realtime_simulator() -> Iterator[SimulatorThread]:
        """A running local realtime server for one test (``.url``, ``.provider()``)."""
        with SimulatorThread() as simulator:
            yield simulator
