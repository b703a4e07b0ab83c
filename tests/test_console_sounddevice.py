"""The console's sound device over ``sounddevice``'s raw streams, with a stand-in
``sounddevice`` module (no sound card here): the streams it opens, what it reads and writes,
that it closes them, and the one-line errors when PortAudio or a device is missing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rtvoice._console._voice import BLOCK_BYTES, open_sound_device, tail_blocks_for
from rtvoice.errors import UserError

STAND_IN = """
opened = []
fail_open = False


class _Stream:
    latency = 0.25

    def __init__(self, **settings):
        if fail_open:
            raise RuntimeError("Error querying device -1")
        self.settings = settings
        self.calls = []
        opened.append(self)

    def start(self):
        self.calls.append("start")

    def stop(self):
        self.calls.append("stop")

    def close(self):
        self.calls.append("close")


class RawInputStream(_Stream):
    def read(self, frames):
        self.calls.append(("read", frames))
        return bytes(range(4)) * (frames // 2), False


class RawOutputStream(_Stream):
    def write(self, data):
        self.calls.append(("write", bytes(data)))
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("sounddevice", None)


@pytest.mark.anyio
async def test_the_device_reads_and_writes_pcm16_blocks_and_closes_its_streams(
    stand_in: Path,
) -> None:
    (stand_in / "sounddevice.py").write_text(STAND_IN)
    with open_sound_device() as device:
        block = await device.read()
        await device.write(b"\x01\x00" * 10)
        assert device.latency_ms == 250.0
    import sounddevice  # the stand-in

    mic, speaker = sounddevice.opened
    for stream in (mic, speaker):
        assert stream.settings == {
            "samplerate": 24000,
            "channels": 1,
            "dtype": "int16",
            "blocksize": 960,
        }
        assert stream.calls[0] == "start"
        assert stream.calls[-2:] == ["stop", "close"]
    assert len(block) == BLOCK_BYTES
    assert ("read", 960) in mic.calls
    assert ("write", b"\x01\x00" * 10) in speaker.calls
    assert tail_blocks_for(device.latency_ms) == 7  # 250 ms in 40 ms blocks


def test_no_device_to_open_is_one_line(stand_in: Path) -> None:
    (stand_in / "sounddevice.py").write_text(
        STAND_IN.replace("fail_open = False", "fail_open = True")
    )
    with pytest.raises(UserError, match=r"^voice mode cannot open the sound device: Error query"):
        open_sound_device().__enter__()


def test_a_missing_portaudio_is_one_line_naming_the_package(stand_in: Path) -> None:
    (stand_in / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    with pytest.raises(UserError, match=r"cannot load PortAudio .*libportaudio2"):
        open_sound_device().__enter__()
