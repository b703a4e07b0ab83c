"""The DESIGN.md example, unchanged but for ``play``, runs against the simulator; one runner
serves many concurrent sessions."""

from __future__ import annotations

import asyncio
import logging
import textwrap

import anyio
import pytest

from rtvoice import RealtimeAgent, RealtimeRunner, UserError
from rtvoice.simulator import decode_speech

# The example exactly as DESIGN.md writes it, with ``play`` supplied by the test and
# ``asyncio.run(main())`` left to the test to call.
DESIGN_EXAMPLE = textwrap.dedent(
    '''
    import asyncio
    from rtvoice import RealtimeAgent, RealtimeRunner, function_tool

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return f"Sunny in {city}"

    agent = RealtimeAgent(name="Assistant", instructions="Keep answers short.", tools=[get_weather])
    runner = RealtimeRunner(
        starting_agent=agent,
        config={"model_settings": {
            "model_name": "gpt-realtime-2",
            "audio": {
                "input": {"format": "pcm16", "transcription": {"model": "gpt-4o-mini-transcribe"},
                          "turn_detection": {"type": "semantic_vad", "interrupt_response": True}},
                "output": {"format": "pcm16", "voice": "ash"},
            },
        }},
    )

    async def main() -> None:
        session = await runner.run()
        async with session:
            await session.send_message("Say hello in one short sentence.")
            async for event in session:
                if event.type == "audio":
                    play(event.audio.data)
                elif event.type == "history_added":
                    print(event.item)
                elif event.type == "agent_end":
                    break
                elif event.type == "error":
                    print(event.error)
    '''
)


def test_design_example_runs_against_the_simulator(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("RTVOICE_SIMULATOR", "1")  # the documented switch: no key needed
    played: list[bytes] = []
    namespace: dict[str, object] = {"play": played.append, "__name__": "design_example"}
    exec(compile(DESIGN_EXAMPLE, "DESIGN.md", "exec"), namespace)
    with caplog.at_level(logging.WARNING, logger="rtvoice"):
        asyncio.run(namespace["main"]())  # type: ignore[arg-type]

    # The assistant's audio arrived and says what its transcript says.
    audio = b"".join(played)
    assert audio, "no audio was played"
    assert decode_speech(audio) == "You said: Say hello in one short sentence."
    printed = capsys.readouterr().out
    assert "Say hello in one short sentence." in printed  # the user item, from history_added
    assert "assistant" in printed.lower()  # the assistant item
    assert "error" not in printed.lower()
    assert "RTVOICE_SIMULATOR is set" in caplog.text  # the simulator is never silent


def test_design_example_without_a_key_or_the_switch_fails_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("RTVOICE_SIMULATOR", raising=False)
    namespace: dict[str, object] = {"play": lambda data: None, "__name__": "design_example"}
    exec(compile(DESIGN_EXAMPLE, "DESIGN.md", "exec"), namespace)
    with pytest.raises(UserError, match="OPENAI_API_KEY") as info:
        asyncio.run(namespace["main"]())  # type: ignore[arg-type]
    assert "RTVOICE_SIMULATOR=1" in str(info.value)


def test_design_example_events_arrive_in_the_documented_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("RTVOICE_SIMULATOR", "1")
    agent = RealtimeAgent(name="Assistant", instructions="Keep answers short.")
    runner = RealtimeRunner(starting_agent=agent)

    async def main() -> list[str]:
        seen: list[str] = []
        session = await runner.run()
        async with session:
            await session.send_message("hello")
            async for event in session:
                seen.append(event.type)
                if event.type == "agent_end":
                    break
        return seen

    seen = anyio.run(main)
    assert seen.index("history_added") < seen.index("agent_start")
    assert seen.index("agent_start") < seen.index("audio")
    assert seen.index("audio") < seen.index("audio_end") < seen.index("agent_end")
    assert seen[-1] == "agent_end"
    assert "transcript_delta" in seen
    assert "usage" in seen


def test_one_runner_serves_100_concurrent_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    from rtvoice.simulator import Simulator

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    async def main() -> list[str]:
        async with Simulator() as sim:
            agent = RealtimeAgent(name="Assistant")
            runner = RealtimeRunner(starting_agent=agent, provider=sim.provider())
            answers: list[str] = [""] * 100

            async def one(index: int) -> None:
                session = await runner.run()
                async with session:
                    await session.send_message(f"caller {index}")
                    async for event in session:
                        if event.type == "agent_end":
                            break
                    answers[index] = session.history[-1].text  # type: ignore[union-attr]

            with anyio.fail_after(60):
                async with anyio.create_task_group() as tasks:
                    for index in range(100):
                        tasks.start_soon(one, index)
            assert sim.connections_served == 100
            return answers

    answers = anyio.run(main)
    assert answers == [f"You said: caller {index}" for index in range(100)]
