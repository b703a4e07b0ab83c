"""The demo mode of ``app.py`` with no ``OPENAI_API_KEY``: the built-in simulator plays
OpenAI, and one simulated call rings the app, asks a question and hangs up."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

import anyio

from rtvoice.simulator import SimulatedSipCall, Simulator
from rtvoice.simulator.sip import DEFAULT_WEBHOOK_SECRET


def with_simulator(main: Callable[[int], Awaitable[None]], port: int) -> None:
    async def run() -> None:
        async with Simulator() as sim, anyio.create_task_group() as tasks:
            os.environ.update(
                OPENAI_API_KEY="sk-simulator",
                OPENAI_BASE_URL=sim.url.replace("ws://", "http://"),
                OPENAI_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET,
            )
            print(f"No OPENAI_API_KEY: talking to the built-in simulator at {sim.url}.")
            tasks.start_soon(main, port)
            call = SimulatedSipCall(sim, f"http://127.0.0.1:{port}/openai/webhook")
            print(f"simulated call: webhook answered {await _ring_when_listening(call)}")
            print(f"caller heard: {await call.hear()!r}")
            await call.say("what are your opening hours")
            print(f"caller heard: {await call.hear()!r}")
            await call.hang_up()
            print(f"first audio {call.time_to_first_audio * 1000:.1f} ms after the webhook")
            tasks.cancel_scope.cancel()

    anyio.run(run)


async def _ring_when_listening(call: SimulatedSipCall) -> int:
    with anyio.fail_after(10):
        while True:
            try:
                return await call.ring()
            except OSError:  # the app is not listening yet
                await anyio.sleep(0.05)
