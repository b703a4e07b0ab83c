"""The audio of a Live session: its wire format, what the simulator hears in it, and the
speech it says in it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from ...audio import AudioFormatName, from_pcm16, resample_pcm16, to_pcm16
from ...model.live.server import LiveAudioFormat
from .._defaults import VAD_SILENCE_DURATION_MS, VAD_THRESHOLD
from .._speech import SpeechDecoder
from .._speech._encoder import synthesize_speech
from .._vad import EnergyVad, SpeechEnd, SpeechStart

__all__ = ["Heard", "LiveAudio", "LiveEar"]

_SLICE_MS = 20  # the ear reads long appends in slices, so edges and text keep their order


@dataclass(frozen=True, slots=True)
class LiveAudio:
    """A session's audio format, both directions.

    Attributes:
        format: The wire format as ``session.start`` chose it.
    """

    format: LiveAudioFormat

    @property
    def name(self) -> AudioFormatName:
        """The simulator's name of the format (PCM at either rate is ``pcm16``)."""
        if self.format.type == "audio/pcmu":
            return "g711_ulaw"
        if self.format.type == "audio/pcma":
            return "g711_alaw"
        return "pcm16"

    @property
    def bytes_per_ms(self) -> int:
        """Bytes of one millisecond of audio."""
        width = 2 if self.format.type == "audio/pcm" else 1
        return width * self.format.rate // 1000

    def speak(self, text: str) -> bytes:
        """``text`` as the simulator's speech, in this format."""
        pcm16 = synthesize_speech(text, self.format.rate if self.name == "pcm16" else 8000)
        if self.name == "pcm16":
            return pcm16
        return from_pcm16(pcm16, 8000, self.name)

    def chunks(
        self, audio: bytes, rng: random.Random, sizes_ms: tuple[int, int]
    ) -> Iterator[bytes]:
        """``audio`` in deltas of whole samples, each ``sizes_ms`` long at most."""
        step = self.bytes_per_ms
        offset = 0
        while offset < len(audio):
            size = rng.randint(*sizes_ms) * step
            yield audio[offset : offset + size]
            offset += size


@dataclass(frozen=True, slots=True)
class Heard:
    """What one slice of input audio gave: a turn edge and/or transcript text.

    Attributes:
        started: Speech began in this slice.
        ended: Speech ended in this slice (the turn is over).
        text: Transcript text decoded in this slice (may be "").
        end_ms: The session-timeline position at the end of the slice.
        speaking: Whether the user is still speaking at the end of the slice.
    """

    started: bool
    ended: bool
    text: str
    end_ms: int
    speaking: bool


class LiveEar:
    """Hears a session's input audio: the simulator's energy VAD for turns (threshold 0.5,
    200 ms of silence ends a turn, as in the Realtime mode's server VAD) and its speech
    transcriber for the words. The session timeline is the input audio received so far."""

    __slots__ = ("_audio", "_decoder", "_received", "_vad")

    def __init__(self, audio: LiveAudio) -> None:
        self._audio = audio
        rate = audio.format.rate if audio.name == "pcm16" else 8000
        self._decoder = SpeechDecoder(rate)
        self._vad = EnergyVad(
            fmt=audio.name, threshold=VAD_THRESHOLD, silence_duration_ms=VAD_SILENCE_DURATION_MS
        )
        self._received = 0

    @property
    def position_ms(self) -> int:
        """Milliseconds of input audio received."""
        return self._received // self._audio.bytes_per_ms

    @property
    def in_speech(self) -> bool:
        """Whether the user is speaking (a turn is open)."""
        return self._vad.in_speech

    def hear(self, audio: bytes) -> list[Heard]:
        """Read one append, slice by slice; returns only the slices that gave something."""
        out: list[Heard] = []
        step = _SLICE_MS * self._audio.bytes_per_ms
        for offset in range(0, len(audio), step):
            piece = audio[offset : offset + step]
            self._received += len(piece)
            vad_input = piece
            if self._audio.name == "pcm16" and self._audio.format.rate != 24000:
                vad_input = resample_pcm16(
                    piece[: len(piece) // 2 * 2], self._audio.format.rate, 24000
                )
            edges = self._vad.feed(vad_input)
            pcm = piece if self._audio.name == "pcm16" else to_pcm16(piece, self._audio.name)[0]
            text = self._decoder.feed(pcm)
            started = any(isinstance(edge, SpeechStart) for edge in edges)
            ended = any(isinstance(edge, SpeechEnd) for edge in edges)
            if started or ended or text:
                out.append(Heard(started, ended, text, self.position_ms, self._vad.in_speech))
        return out
