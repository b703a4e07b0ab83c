"""``rtvoice console --voice`` with a fake sound device: the device "captures" simulator
speech and records what it plays, and its microphone also hears what its speaker plays (an
echo), so that a console that let the agent's voice back in would answer itself."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from rtvoice import RealtimeAgent
from rtvoice._console import DEFAULT_AGENT, MicGate, resolve_target, run_console
from rtvoice._console._voice import Speaker
from rtvoice.audio import PlaybackTracker, bytes_per_ms
from rtvoice.simulator import decode_speech, encode_speech

BLOCK = bytes_per_ms("pcm16") * 40
SILENCE = bytes(BLOCK)


class FakeDevice:
    """A microphone that plays what the test says (then silence, at a steady pace) and a
    speaker that records what it is given; the last block played since the microphone's
    previous read is what the microphone hears instead (sound in the air does not queue)."""

    latency_ms = 0.0

    def __init__(self) -> None:
        self._mic: deque[bytes] = deque()
        self._echo: bytes | None = None
        self.played = bytearray()
        self.reads = 0
        self.speaker_open = anyio.Event()
        self.speaker_open.set()
        self.stall_after: int | None = None  # bytes played before the speaker stalls

    def say(self, text: str) -> None:
        speech = encode_speech(text)
        speech += bytes(-len(speech) % BLOCK)
        self._mic.extend(speech[i : i + BLOCK] for i in range(0, len(speech), BLOCK))
        self._mic.extend([SILENCE] * 20)  # 800 ms: the server's VAD ends the turn

    @property
    def said_everything(self) -> bool:
        return not self._mic

    async def read(self) -> bytes:
        await anyio.sleep(0.004)
        self.reads += 1
        block = self._mic.popleft() if self._mic else SILENCE
        if self._echo is not None:
            block, self._echo = self._echo, None
        return block

    async def write(self, pcm16: bytes) -> None:
        if self.stall_after is not None and len(self.played) >= self.stall_after:
            await self.speaker_open.wait()
        self.played.extend(pcm16)
        self._echo = bytes(pcm16)
        await anyio.lowlevel.checkpoint()


async def _until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` (what the console printed or played) for at most 10 s."""
    with anyio.fail_after(10):
        while not condition():  # noqa: ASYNC110  (nothing to wait on: the console's output)
            await anyio.sleep(0.005)


def _heard(device: FakeDevice) -> str:
    return decode_speech(bytes(device.played))


async def _converse(
    device: FakeDevice,
    script: Callable[[FakeDevice, io.StringIO], AsyncIterator[str]],
    *,
    mode: str = "half-duplex",
    agent: RealtimeAgent[None] = DEFAULT_AGENT,
) -> tuple[int, str]:
    out = io.StringIO()
    target = resolve_target(agent, spec="", voice=True, simulator_options={}, environ={})
    with anyio.fail_after(20):
        status = await run_console(
            target,
            lines=script(device, out),
            out=out,
            voice=mode,  # type: ignore[arg-type]
            device=device,
        )
    return status, out.getvalue()


@pytest.mark.anyio
async def test_half_duplex_plays_the_answer_and_the_agent_never_hears_itself() -> None:
    device = FakeDevice()

    async def script(device: FakeDevice, out: io.StringIO) -> AsyncIterator[str]:
        device.say("hello there")
        await _until(lambda: _heard(device) == "Concierge here. You said: hello there")
        # 60 more blocks (2.4 s of audio) in which an echo let through would be heard,
        # transcribed and answered.
        reads = device.reads
        await _until(lambda: device.reads > reads + 60)
        return
        yield

    status, shown = await _converse(device, script)
    assert status == 0
    assert shown.count("you (speech):") == 1, shown
    assert "you (speech): hello there\n" in shown
    assert "Concierge: Concierge here. You said: hello there" in shown
    assert _heard(device) == "Concierge here. You said: hello there"


@pytest.mark.anyio
async def test_enter_interrupts_the_agent_and_stops_its_audio() -> None:
    device = FakeDevice()

    async def script(device: FakeDevice, out: io.StringIO) -> AsyncIterator[str]:
        device.speaker_open = anyio.Event()
        device.stall_after = 2 * BLOCK  # the speaker stalls mid-answer...
        device.say("tell me a long story please")
        await _until(lambda: len(device.played) >= 2 * BLOCK)
        yield ""  # ... and the user presses Enter
        await _until(lambda: "(you interrupted)" in out.getvalue())
        device.speaker_open.set()
        played = len(device.played)
        reads = device.reads
        await _until(lambda: device.reads > reads + 20)
        assert len(device.played) <= played + BLOCK  # at most the block being written

    status, shown = await _converse(device, script)
    assert status == 0
    assert shown.rstrip().endswith("(you interrupted)"), shown  # the answer is not resumed
    full = encode_speech("Concierge here. You said: tell me a long story please")
    assert len(device.played) < len(full) // 2


@pytest.mark.anyio
async def test_push_to_talk_hears_only_between_two_enters() -> None:
    device = FakeDevice()

    async def script(device: FakeDevice, out: io.StringIO) -> AsyncIterator[str]:
        device.say("not now")
        await _until(lambda: device.said_everything)
        yield ""  # Enter: the microphone opens
        await _until(lambda: "(microphone on" in out.getvalue())
        device.say("now")
        await _until(lambda: device.said_everything)
        yield ""  # Enter: it closes, and the turn ends
        await _until(lambda: _heard(device) == "Concierge here. You said: now")

    status, shown = await _converse(device, script, mode="push-to-talk")
    assert status == 0
    assert "you (speech): now\n" in shown
    assert shown.count("you (speech):") == 1, shown
    assert "not now" not in shown


@pytest.mark.anyio
async def test_the_speaker_stops_counting_as_playing_when_the_turn_ends() -> None:
    device = FakeDevice()
    tracker = PlaybackTracker()
    speaker = Speaker(device, tracker)
    async with anyio.create_task_group() as group:
        group.start_soon(speaker.run)
        speaker.add("item_1", 0, SILENCE * 3)
        await _until(lambda: len(device.played) == 3 * BLOCK)
        assert speaker.playing  # the item's audio_end has not come: more may follow
        speaker.turn_ended()  # e.g. a response cut short with no audio_end
        await _until(lambda: not speaker.playing)
        group.cancel_scope.cancel()


def test_the_gate_mutes_while_the_agent_plays_and_for_the_tail_after() -> None:
    gate = MicGate("half-duplex", tail_blocks=2)
    assert gate.admit(agent_playing=False)
    assert not gate.admit(agent_playing=True)
    assert [gate.admit(agent_playing=False) for _ in range(3)] == [False, False, True]
    gate.barge_in()  # the speaker was just stopped: its last sound is still in the room
    assert [gate.admit(agent_playing=False) for _ in range(3)] == [False, False, True]

    talk = MicGate("push-to-talk", tail_blocks=0)
    assert not talk.admit(agent_playing=False)
    talk.talking = True
    assert talk.admit(agent_playing=False)
    assert not talk.admit(agent_playing=True)


def test_the_text_console_never_imports_sounddevice(tmp_path: Path) -> None:
    (tmp_path / "sounddevice.py").write_text("raise SystemExit(17)\n")  # imported: status 17
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # found before any real sounddevice
    env.pop("OPENAI_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "rtvoice", "console", "--pace", "0"],
        input="hello\n/quit\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "You said: hello" in done.stdout


def test_voice_without_sounddevice_is_one_line_naming_the_extra(
    capsys: pytest.CaptureFixture[str],
) -> None:
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError):
        pass
    else:  # pragma: no cover
        pytest.skip("sounddevice is installed here")
    from rtvoice.cli import main

    assert main(["console", "--voice"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "rtvoice console: voice mode needs the sounddevice package: pip install 'rtvoice[console]'"
    ]
