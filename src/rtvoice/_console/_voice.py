"""Voice for the console: a microphone and a speaker behind a small interface, the speaker's
queue, and the gate that keeps the agent's own voice out of the microphone.

The console never talks to a sound card itself: it reads blocks from, and writes audio to,
an :class:`AudioDevice`. :func:`open_sound_device` makes one from ``sounddevice`` (imported
only then); tests give a fake one.

Echo safety is **half-duplex**: while the agent's audio is queued or playing, and for a short
tail after it (the device's output latency, counted in microphone blocks so that no clock is
read), the microphone's blocks are replaced by silence. The server keeps hearing a steady
stream, so its voice activity detection still ends the user's turn; it never hears the agent.
The user interrupts the agent with Enter. In **push-to-talk**, the microphone is open only
between one Enter and the next (and, as in half-duplex, never while the agent plays).
"""

from __future__ import annotations

import importlib
import math
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol

import anyio

from ..audio import PlaybackTracker, bytes_per_ms
from ..errors import UserError

__all__ = [
    "BLOCK_BYTES",
    "BLOCK_MS",
    "SAMPLE_RATE",
    "AudioDevice",
    "MicGate",
    "Speaker",
    "VoiceMode",
    "open_sound_device",
    "tail_blocks_for",
]

SAMPLE_RATE = 24_000
"""PCM16 mono at 24 kHz: the Realtime API's ``audio/pcm``."""
BLOCK_MS = 40
"""The microphone block, and the largest piece written to the speaker at once (so an
interruption stops the sound within about one block)."""
BLOCK_BYTES = bytes_per_ms("pcm16") * BLOCK_MS

VoiceMode = Literal["half-duplex", "push-to-talk"]


class AudioDevice(Protocol):
    """A microphone and a speaker, PCM16 mono at 24 kHz.

    ``read`` and ``write`` are called from two different tasks, each by one task only.
    """

    async def read(self) -> bytes:
        """The next :data:`BLOCK_MS` block from the microphone; waits until it is captured."""
        ...

    async def write(self, pcm16: bytes) -> None:
        """Play ``pcm16`` (at most one block); returns once the device has taken it."""
        ...

    @property
    def latency_ms(self) -> float:
        """How long audio written takes to be heard (the output buffer)."""
        ...


class MicGate:
    """Decides, block by block, whether the microphone is heard: pure, no IO, no clock.

    Args:
        mode: ``"half-duplex"`` (the microphone is open unless the agent is playing) or
            ``"push-to-talk"`` (open only while :attr:`talking`, and never while the agent
            is playing).
        tail_blocks: Blocks that stay muted after the agent's audio stops playing.
    """

    def __init__(self, mode: VoiceMode, *, tail_blocks: int) -> None:
        self.mode: VoiceMode = mode
        self.talking = False
        """Push-to-talk: the user holds the floor (toggled by Enter)."""
        self._tail_blocks = tail_blocks
        self._muted_for = 0

    def admit(self, *, agent_playing: bool) -> bool:
        """Whether the block just captured goes to the server as it is (``False``: send
        silence in its place)."""
        if agent_playing:
            self._muted_for = self._tail_blocks
            return False
        if self._muted_for:
            self._muted_for -= 1
            return False
        return self.mode == "half-duplex" or self.talking

    def barge_in(self) -> None:
        """The user interrupted the agent and the speaker was cleared: the tail starts now,
        since what the speaker played last is still on its way to the microphone."""
        self._muted_for = self._tail_blocks


class Speaker:
    """The agent's audio waiting to be played, written to the device block by block and
    reported to a :class:`~rtvoice.audio.PlaybackTracker` as played, so that an interruption
    truncates the agent's answer where the user stopped hearing it."""

    def __init__(self, device: AudioDevice, tracker: PlaybackTracker) -> None:
        self._device = device
        self._tracker = tracker
        self._queue: deque[tuple[str, int, bytes]] = deque()
        self._streaming: set[str] = set()  # items whose audio has not all arrived
        self._writing = False
        self._cleared = 0  # how many times clear() was called
        self._ready = anyio.Event()

    @property
    def playing(self) -> bool:
        """Audio is queued or being written, or an answer's audio is still arriving."""
        return bool(self._queue) or self._writing or bool(self._streaming)

    def add(self, item_id: str, content_index: int, data: bytes) -> None:
        """Queue one chunk of the agent's audio."""
        self._streaming.add(item_id)
        self._queue.append((item_id, content_index, data))
        self._ready.set()

    def ended(self, item_id: str) -> None:
        """All of an item's audio has arrived."""
        self._streaming.discard(item_id)

    def turn_ended(self) -> None:
        """The agent's turn is over: no more audio is coming, whatever was announced (a
        response cut short may end without an ``audio_end``)."""
        self._streaming.clear()

    def clear(self) -> None:
        """Drop everything not yet played (an interruption)."""
        self._queue.clear()
        self._streaming.clear()
        self._cleared += 1

    async def run(self) -> None:
        """Play what is queued, forever (cancel to stop)."""
        while True:
            if not self._queue:
                self._ready = anyio.Event()
                await self._ready.wait()
                continue
            item_id, content_index, data = self._queue.popleft()
            cleared = self._cleared
            self._writing = True
            try:
                for start in range(0, len(data), BLOCK_BYTES):
                    block = data[start : start + BLOCK_BYTES]
                    await self._device.write(block)
                    self._tracker.on_play_bytes(item_id, content_index, len(block))
                    if self._cleared != cleared:  # interrupted while this chunk played
                        break
            finally:
                self._writing = False


def tail_blocks_for(latency_ms: float) -> int:
    """Microphone blocks to keep muted after playing: the device's output latency, and at
    least 200 ms for the room's echo to die down."""
    return math.ceil(max(latency_ms, 200.0) / BLOCK_MS)


@contextmanager
def open_sound_device() -> Iterator[AudioDevice]:
    """The default microphone and speaker, through ``sounddevice``.

    Raises:
        UserError: ``sounddevice`` is not installed (the message names the extra), or no
            device could be opened.
    """
    try:
        sounddevice = importlib.import_module("sounddevice")
    except ImportError as exc:
        raise UserError(
            "voice mode needs the sounddevice package: pip install 'rtvoice[console]'"
        ) from exc
    except OSError as exc:  # sounddevice is there, the PortAudio library is not
        raise UserError(
            f"voice mode cannot load PortAudio ({exc}): install your system's PortAudio "
            "package (libportaudio2 on Debian and Ubuntu)"
        ) from exc
    device = _SoundDevice(sounddevice)
    try:
        yield device
    finally:
        device.close()


class _SoundDevice:
    """``sounddevice``'s blocking raw streams, each read and write in a worker thread."""

    def __init__(self, sounddevice: Any) -> None:
        frames = SAMPLE_RATE * BLOCK_MS // 1000
        self._frames = frames
        try:
            self._input = sounddevice.RawInputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="int16", blocksize=frames
            )
            self._output = sounddevice.RawOutputStream(
                samplerate=SAMPLE_RATE, channels=1, dtype="int16", blocksize=frames
            )
        except Exception as exc:  # sounddevice.PortAudioError: no such device, busy, ...
            raise UserError(f"voice mode cannot open the sound device: {exc}") from exc
        self._input.start()
        self._output.start()

    @property
    def latency_ms(self) -> float:
        return float(self._output.latency) * 1000

    async def read(self) -> bytes:
        data, _overflowed = await anyio.to_thread.run_sync(self._input.read, self._frames)
        return bytes(data)

    async def write(self, pcm16: bytes) -> None:
        await anyio.to_thread.run_sync(self._output.write, pcm16)

    def close(self) -> None:
        for stream in (self._input, self._output):
            stream.stop()
            stream.close()
