"""One unit of server output, as a simulated session hands it to its driver."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.events import ModelEvent

__all__ = ["Step"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """Events to send now, and how much audio they carry.

    The driver sends ``events`` in order, then may wait ``audio_ms`` (scaled as it likes:
    1.0 paces at real time like the real server's playback, 0 floods) before asking for the
    next step.

    Attributes:
        events: Neutral server events, in wire order.
        audio_ms: Milliseconds of assistant audio in ``events`` (0 when there is none).
    """

    events: tuple[ModelEvent, ...]
    audio_ms: float = 0.0
