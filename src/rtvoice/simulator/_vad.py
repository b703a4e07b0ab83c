"""Server VAD on signal energy, the way the simulator hears turns.

The detector cuts the input into 10 ms frames and measures each frame's RMS level
(:func:`~rtvoice.audio.rms_dbfs`). A frame is *voiced* when its level reaches the level that
``threshold`` maps to::

    level_dbfs = -70 + 60 * threshold     # 0.0 -> -70, 0.5 -> -40, 0.8 -> -22, 1.0 -> -10

so the default 0.5 triggers on anything louder than -40 dBFS: the speech modem's -20 dBFS
easily, digital silence and low noise (around -50 dBFS and below) never. Raising ``threshold``
above about 0.8 makes the detector deaf to the modem's speech.

Semantic VAD is simulated with the same detector (threshold 0.5, prefix 300 ms) and a silence
that follows ``eagerness``: ``high`` 250 ms, ``medium`` / ``auto`` 500 ms, ``low`` 1000 ms.

Speech starts after :data:`START_FRAMES` voiced frames in a row (a lone click does not count),
at the first of them. It stops once ``silence_duration_ms`` of unvoiced frames have followed;
the stop position is the end of that silence, which is what the real server reports as
``audio_end_ms`` (it includes the silence). Prefix padding is the caller's business: the
detector only reports positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from ..audio import AudioFormatName, bytes_per_ms, rms_dbfs, to_pcm16
from ..model.session_config import SemanticVad, TurnDetection
from ._defaults import VAD_PREFIX_PADDING_MS, VAD_SILENCE_DURATION_MS, VAD_THRESHOLD

__all__ = [
    "FRAME_MS",
    "START_FRAMES",
    "EnergyVad",
    "SpeechEnd",
    "SpeechStart",
    "TurnSettings",
    "VadEdge",
    "threshold_dbfs",
]

FRAME_MS: Final = 10
"""Length of one analysis frame."""

START_FRAMES: Final = 2
"""Voiced frames in a row needed to call it speech (20 ms)."""


_SEMANTIC_SILENCE_MS: Final = {"high": 250, "medium": 500, "auto": 500, "low": 1000}


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnSettings:
    """The turn detection of a session, resolved to what the simulator acts on."""

    threshold: float
    prefix_padding_ms: int
    silence_duration_ms: int
    idle_timeout_ms: int | None
    create_response: bool
    interrupt_response: bool

    @classmethod
    def of(cls, turn_detection: TurnDetection) -> TurnSettings:
        """Resolve server or semantic VAD settings (unset fields take the defaults)."""
        if isinstance(turn_detection, SemanticVad):
            return cls(
                threshold=VAD_THRESHOLD,
                prefix_padding_ms=VAD_PREFIX_PADDING_MS,
                silence_duration_ms=_SEMANTIC_SILENCE_MS[turn_detection.eagerness or "auto"],
                idle_timeout_ms=None,
                create_response=turn_detection.create_response is not False,
                interrupt_response=turn_detection.interrupt_response is not False,
            )

        def pick(value: int | None, default: int) -> int:
            return default if value is None else value

        return cls(
            threshold=VAD_THRESHOLD
            if turn_detection.threshold is None
            else turn_detection.threshold,
            prefix_padding_ms=pick(turn_detection.prefix_padding_ms, VAD_PREFIX_PADDING_MS),
            silence_duration_ms=pick(turn_detection.silence_duration_ms, VAD_SILENCE_DURATION_MS),
            idle_timeout_ms=turn_detection.idle_timeout_ms,
            create_response=turn_detection.create_response is not False,
            interrupt_response=turn_detection.interrupt_response is not False,
        )


def threshold_dbfs(threshold: float) -> float:
    """The frame level in dBFS that the VAD ``threshold`` (0.0-1.0) maps to."""
    return -70.0 + 60.0 * threshold


@dataclass(frozen=True, slots=True)
class SpeechStart:
    """Speech began at byte offset ``onset`` of the stream (the first voiced frame)."""

    onset: int


@dataclass(frozen=True, slots=True)
class SpeechEnd:
    """Speech ended; the turn runs to byte offset ``end`` (trailing silence included)."""

    end: int


VadEdge: TypeAlias = SpeechStart | SpeechEnd


class EnergyVad:
    """Sans-IO energy detector over a stream of wire-format audio.

    Feed the input audio as it arrives, in chunks of any size; each call returns the edges
    found in it, in order. Positions are byte offsets into the stream, counted from
    ``origin`` (so a detector created mid-session reports session-wide offsets).
    """

    __slots__ = (
        "_fmt",
        "_frame_bytes",
        "_level",
        "_onset",
        "_pending",
        "_run",
        "_silence",
        "_silence_bytes",
        "in_speech",
        "position",
    )

    def __init__(
        self,
        *,
        fmt: AudioFormatName,
        threshold: float,
        silence_duration_ms: int,
        origin: int = 0,
    ) -> None:
        """Create a detector, outside speech.

        Args:
            fmt: Wire format of the audio fed in.
            threshold: The VAD threshold, 0.0-1.0 (see the module docstring).
            silence_duration_ms: Unvoiced time that ends speech.
            origin: Byte offset of the first byte that will be fed.
        """
        self._fmt = fmt
        self._frame_bytes = FRAME_MS * bytes_per_ms(fmt)
        self._level = threshold_dbfs(threshold)
        self._silence_bytes = max(1, silence_duration_ms) * bytes_per_ms(fmt)
        self._pending = bytearray()
        self._run = 0
        self._onset = 0
        self._silence = 0
        self.in_speech = False
        """Whether the detector is inside speech (started, not yet stopped)."""
        self.position = origin
        """Byte offset just past the last whole frame analysed."""

    def feed(self, audio: bytes) -> list[VadEdge]:
        """Analyse the next chunk; return the edges it completes, oldest first."""
        self._pending += audio
        edges: list[VadEdge] = []
        frame_bytes = self._frame_bytes
        offset = 0
        while len(self._pending) - offset >= frame_bytes:
            frame = bytes(self._pending[offset : offset + frame_bytes])
            offset += frame_bytes
            edge = self._frame(frame)
            if edge is not None:
                edges.append(edge)
        del self._pending[:offset]
        return edges

    def _frame(self, frame: bytes) -> VadEdge | None:
        start = self.position
        self.position += len(frame)
        pcm16 = frame if self._fmt == "pcm16" else to_pcm16(frame, self._fmt)[0]
        voiced = rms_dbfs(pcm16) >= self._level
        if not self.in_speech:
            if not voiced:
                self._run = 0
                return None
            if self._run == 0:
                self._onset = start
            self._run += 1
            if self._run < START_FRAMES:
                return None
            self.in_speech = True
            self._silence = 0
            return SpeechStart(self._onset)
        if voiced:
            self._silence = 0
            return None
        self._silence += len(frame)
        if self._silence < self._silence_bytes:
            return None
        self.in_speech = False
        self._run = 0
        return SpeechEnd(self.position)
