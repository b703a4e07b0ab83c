"""The input audio buffer and the session's audio clock.

``audio_start_ms`` / ``audio_end_ms`` count from the first byte appended in the session, not
per turn, so the buffer keeps a running byte offset. Offsets are bytes in the current input
format; when the format changes a new *epoch* starts at the current millisecond (the
uncommitted audio is dropped, since it is in the old format).
"""

from __future__ import annotations

from ..audio import AudioFormatName, bytes_per_ms, bytes_per_sample

__all__ = ["InputBuffer"]


class InputBuffer:
    """Uncommitted input audio, plus the clock of all input audio of the session.

    Attributes:
        fmt: The input format of this epoch.
        total: Bytes appended since the epoch began (the write position).
        start: Offset of the first byte still buffered.
    """

    __slots__ = ("_data", "_epoch_ms", "fmt", "start", "total")

    def __init__(self, fmt: AudioFormatName, *, epoch_ms: float = 0.0) -> None:
        self.fmt: AudioFormatName = fmt
        self.total = 0
        self.start = 0
        self._epoch_ms = epoch_ms
        self._data = bytearray()

    def ms(self, offset: int) -> float:
        """Session milliseconds at byte offset ``offset`` of this epoch."""
        return self._epoch_ms + offset / bytes_per_ms(self.fmt)

    def offset(self, ms: float) -> int:
        """The byte offset of this epoch at session millisecond ``ms`` (whole samples)."""
        size = bytes_per_sample(self.fmt)
        raw = int((ms - self._epoch_ms) * bytes_per_ms(self.fmt))
        return max(0, raw - raw % size)

    @property
    def now_ms(self) -> float:
        """Session milliseconds of all input audio so far."""
        return self.ms(self.total)

    @property
    def buffered_ms(self) -> float:
        """Milliseconds of audio waiting in the buffer."""
        return len(self._data) / bytes_per_ms(self.fmt)

    def append(self, audio: bytes) -> None:
        """Add audio at the write position."""
        self._data += audio
        self.total += len(audio)

    def take(self, start: int, end: int) -> bytes:
        """The audio between two offsets (clamped to what is buffered); everything before
        ``end`` leaves the buffer."""
        start = max(start, self.start)
        end = max(min(end, self.total), start)
        audio = bytes(self._data[start - self.start : end - self.start])
        del self._data[: end - self.start]
        self.start = end
        return audio

    def take_all(self) -> bytes:
        """Everything buffered; the buffer is left empty."""
        return self.take(self.start, self.total)

    def keep_last(self, ms: float) -> None:
        """Drop all but the most recent ``ms`` of audio (whole samples)."""
        excess = len(self._data) - int(ms * bytes_per_ms(self.fmt))
        excess -= excess % bytes_per_sample(self.fmt)
        if excess > 0:
            del self._data[:excess]
            self.start += excess

    def clear(self) -> None:
        """Drop everything buffered (the clock keeps running)."""
        self._data.clear()
        self.start = self.total

    def restart(self, fmt: AudioFormatName) -> None:
        """Begin a new epoch in ``fmt`` at the current millisecond; buffered audio is lost."""
        self._epoch_ms = self.now_ms
        self.fmt = fmt
        self.total = 0
        self.start = 0
        self._data.clear()
