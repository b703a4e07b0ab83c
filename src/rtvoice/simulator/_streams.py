"""The work a session streams out, taking turns (transcription events may
interleave with response events)."""

from __future__ import annotations

from ._response import ResponseRun
from ._step import Step
from ._transcription import StepQueue

__all__ = ["StreamRotation"]


class StreamRotation:
    """Responses and transcriptions in progress, served round robin, one step each.

    A stream leaves the rotation when it has no more steps, or when removed (a cancelled
    response).
    """

    __slots__ = ("_next", "_streams")

    def __init__(self) -> None:
        self._streams: list[ResponseRun | StepQueue] = []
        self._next = 0

    def add(self, stream: ResponseRun | StepQueue) -> None:
        """Queue a stream behind the others."""
        self._streams.append(stream)

    def remove(self, stream: ResponseRun | StepQueue) -> None:
        """Drop a stream (no-op if it already left)."""
        if stream in self._streams:
            self._streams.remove(stream)

    def response(self, response_id: str) -> ResponseRun | None:
        """The response in progress with this id, if any."""
        for stream in self._streams:
            if isinstance(stream, ResponseRun) and stream.response_id == response_id:
                return stream
        return None

    def next_step(self) -> tuple[ResponseRun | StepQueue, Step] | None:
        """The next step and the stream it came from; ``None`` when all are idle."""
        while self._streams:
            index = self._next % len(self._streams)
            stream = self._streams[index]
            step = stream.next_step()
            if step is None:
                del self._streams[index]
                continue
            self._next = index + 1
            return stream, step
        return None
