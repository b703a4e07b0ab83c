"""``rtvoice demo``: a small agent with a tool and a handoff, end to end.

With no ``OPENAI_API_KEY`` it talks to the built-in simulator, whose model follows simple
rules (``call <tool> {json}``, ``transfer to <agent>``) and whose voice can be decoded back to
text; with a key it talks to OpenAI with natural phrasing. It prints the conversation as a
log of session events.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from .agent import RealtimeAgent
from .audio import PlaybackTracker, bytes_per_ms
from .runner import RealtimeRunner
from .session import RealtimeSession
from .session.events import RealtimeSessionEvent
from .simulator import SimulatorProvider, decode_speech, encode_speech
from .tools import function_tool

__all__ = ["run_demo"]


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: The city, e.g. "Paris".
    """
    return f"Sunny in {city}, 21 degrees"


@function_tool
def lookup_balance(account: str = "main") -> str:
    """The balance of the caller's account.

    Args:
        account: Which account.
    """
    return f"The {account} account owes 42.50 euros"


BILLING: RealtimeAgent[None] = RealtimeAgent(
    name="Billing",
    instructions='You handle invoices and payments. Begin every answer with "Billing here."',
    handoff_description="Invoices, balances and payments.",
    tools=[lookup_balance],
)
CONCIERGE: RealtimeAgent[None] = RealtimeAgent(
    name="Concierge",
    instructions=(
        "You greet callers, answer simple questions, and transfer billing questions to "
        'Billing. Keep answers short. Begin every answer with "Concierge here."'
    ),
    tools=[get_weather],
    handoffs=[BILLING],
)

SIMULATOR_TURNS = (
    "Hello!",
    'call get_weather {"city": "Paris"}',
    "transfer to billing",
    ("speech", "what do I owe"),
)
OPENAI_TURNS = (
    "Hello!",
    "What is the weather in Paris?",
    "I have a question about my invoice, please transfer me to billing.",
    "What do I owe?",
)

Turn = str | tuple[str, str]


class _Log:
    """Prints session events as a readable transcript with timestamps."""

    def __init__(self, out: TextIO, *, simulated: bool, tracker: PlaybackTracker) -> None:
        self._out = out
        self._tracker = tracker
        self._start = time.monotonic()
        self._simulated = simulated
        self._audio: dict[str, bytearray] = {}
        self._bytes_per_ms = bytes_per_ms("pcm16")

    def line(self, label: str, text: str = "") -> None:
        elapsed = time.monotonic() - self._start
        print(f"[{elapsed:6.2f}s] {label:<18} {text}".rstrip(), file=self._out, flush=True)

    def event(self, event: RealtimeSessionEvent) -> None:
        match event.type:
            case "audio":
                chunk = event.audio
                self._audio.setdefault(chunk.item_id, bytearray()).extend(chunk.data)
                # The demo does not play sound: it reports each chunk as played at once, so
                # the session knows nothing is left playing when the user speaks next.
                self._tracker.on_play_bytes(chunk.item_id, chunk.content_index, len(chunk.data))
            case "audio_interrupted":
                self.line("audio_interrupted", f"after {event.played_ms} ms")
            case "audio_end":
                audio = bytes(self._audio.pop(event.item_id, b""))
                heard = f", heard: {decode_speech(audio)!r}" if self._simulated else ""
                self.line("audio", f"{len(audio) / self._bytes_per_ms:.0f} ms{heard}")
            case "agent_start" | "agent_end":
                self.line(event.type, event.agent.name)
            case "handoff":
                self.line("handoff", f"{event.from_agent.name} -> {event.to_agent.name}")
            case "tool_start":
                self.line("tool_start", f"{event.tool_name}({event.arguments})")
            case "tool_end":
                self.line("tool_end", f"{event.tool_name} -> {event.output!r}")
            case "history_added":
                if event.item.type == "user_message" and event.item.text:
                    self.line("user", event.item.text)
            case "history_updated":
                item = event.item
                finished = ("completed", "incomplete")
                if (
                    item is not None
                    and item.type == "assistant_message"
                    and item.status in finished
                ):
                    self.line("assistant", item.text)
            case "input_transcript":
                if event.is_final:
                    self.line("user (speech)", event.text)
            case "speech_started" | "speech_stopped":
                self.line(event.type)
            case "usage":
                self.line("usage", f"{event.usage.total_tokens} tokens this response")
            case "error":
                self.line("error", f"{event.error.code}: {event.error.message}")
            case _:
                pass


async def _wait_for_agent_end(session: RealtimeSession, log: _Log) -> None:
    async for event in session:
        log.event(event)
        if event.type == "agent_end":
            return


async def _send_turn(session: RealtimeSession, turn: Turn, log: _Log) -> None:
    if isinstance(turn, str):
        await session.send_message(turn)
        return
    _, text = turn
    log.line("user speaks", f"({text!r} as simulator speech)")
    speech = bytes(bytes_per_ms("pcm16") * 300) + encode_speech(text)
    speech += bytes(bytes_per_ms("pcm16") * 600)
    chunk = bytes_per_ms("pcm16") * 100
    for start in range(0, len(speech), chunk):
        await session.send_audio(speech[start : start + chunk])


async def run_demo(
    out: TextIO = sys.stdout, *, environ: Callable[[str], str | None] = os.environ.get
) -> None:
    """Run the demo conversation and print it to ``out``."""
    simulated = not environ("OPENAI_API_KEY")
    tracker = PlaybackTracker()
    log = _Log(out, simulated=simulated, tracker=tracker)
    if simulated:
        log.line("setup", "no OPENAI_API_KEY: using the built-in simulator")
    else:
        log.line("setup", "talking to OpenAI")
    runner = RealtimeRunner(
        CONCIERGE,
        provider=SimulatorProvider() if simulated else None,
        config={
            "model_settings": {
                "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}
            }
        },
    )
    turns: tuple[Turn, ...] = SIMULATOR_TURNS if simulated else OPENAI_TURNS
    session = await runner.run(model_config={"playback_tracker": tracker})
    async with session:
        for turn in turns:
            await _send_turn(session, turn, log)
            await _wait_for_agent_end(session, log)
    log.line("done", f"{len(session.history)} items in the history")
