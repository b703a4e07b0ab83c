"""rtvoice.testing works without pytest installed: a scripted session runs to its end, and
only the fixture says it needs pytest (a subprocess in which ``import pytest`` fails)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys

    sys.modules["pytest"] = None  # import pytest now raises ImportError, as if not installed

    import anyio

    from rtvoice import RealtimeAgent, RealtimeRunner, UserError
    from rtvoice.model.commands import CreateItem, CreateResponse
    from rtvoice.testing import ScriptedModel, SimulatorThread, realtime_simulator


    async def main() -> None:
        model = ScriptedModel()
        model.handshake()
        model.expect(CreateItem, reply=model.server.item_events_for)
        model.expect(CreateResponse, reply=lambda _: model.server.text_response("Hi there"))
        session = await RealtimeRunner(RealtimeAgent(name="A"), model=model).run()
        texts = []
        async with session:
            await session.send_message("Hello")
            async for event in session:
                if event.type == "agent_end":
                    break
            texts = [item.text for item in session.history if item.type == "assistant_message"]
        model.assert_done()
        print("history:", texts)


    anyio.run(main)
    try:
        realtime_simulator()
    except UserError as error:
        print("fixture:", error)
    with SimulatorThread() as simulator:
        print("simulator:", simulator.url.startswith("ws://127.0.0.1:"))
    assert "_pytest" not in sys.modules
    """
)


def test_scripted_model_and_simulator_thread_work_without_pytest() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "history: ['Hi there']" in result.stdout
    assert "fixture: the realtime_simulator fixture needs pytest" in result.stdout
    assert "simulator: True" in result.stdout
