"""How much of the assistant's audio the application has actually played.

The server streams audio faster than real time, so what was *received* says
nothing about what the user *heard*. When the user barges in, the session truncates the
assistant item at the point the user heard; the application tells a
:class:`PlaybackTracker` what it played, and the session reads the tracker at that moment.
"""

from __future__ import annotations

from typing_extensions import Buffer

from ..errors import UserError
from ._formats import AudioFormatName, bytes_per_ms

__all__ = ["PlaybackTracker"]


class PlaybackTracker:
    """Counts the milliseconds of assistant audio the application has played, per item.

    Give one to the session (``runner.run(model_config={"playback_tracker": tracker})``) and
    call :meth:`on_play_bytes` or :meth:`on_play_ms` each time a chunk of an ``audio`` event
    has actually gone out to the speaker (or the phone line), not when it was queued. On an
    interruption the session asks :meth:`played_ms` for the interrupted item and truncates the
    item there, so the model's context holds only what the user heard.

    Only the latest item is tracked: reporting playback of a new item (another ``item_id`` or
    ``content_index``) starts counting from zero for it. Without a tracker the session assumes
    playback in real time from the item's first audio chunk.

    Not thread-safe: call it from the event loop that runs the session (from an audio thread,
    hand the numbers over with ``loop.call_soon_threadsafe``).

    Args:
        audio_format: The format of the bytes given to :meth:`on_play_bytes`. The session sets
            it to the session's output format when it starts (see :meth:`set_audio_format`).
    """

    __slots__ = ("_bytes_per_ms", "_content_index", "_frozen", "_item_id", "_played_ms")

    def __init__(self, audio_format: AudioFormatName = "pcm16") -> None:
        self._bytes_per_ms = bytes_per_ms(audio_format)
        self._item_id: str | None = None
        self._content_index = 0
        self._played_ms = 0.0
        self._frozen = False

    def set_audio_format(self, audio_format: AudioFormatName) -> None:
        """Say how to turn played bytes into milliseconds (48 bytes/ms for PCM16, 8 for G.711).

        Raises:
            UserError: ``audio_format`` is not a known format.
        """
        self._bytes_per_ms = bytes_per_ms(audio_format)

    def on_play_bytes(
        self,
        item_id: str,
        content_index: int | None = None,
        num_bytes: int | Buffer | None = None,
        *,
        item_content_index: int | None = None,
        bytes: Buffer | None = None,
    ) -> None:
        """Report that more of an item's audio was played: a byte count, or the bytes.

        ``on_play_bytes(item_id, 0, 960)`` and ``on_play_bytes(item_id, 0, chunk)`` (the
        played audio itself; its length counts) are the same report. openai-agents'
        keywords work too: ``on_play_bytes(item_id=..., item_content_index=0, bytes=chunk)``.

        Args:
            item_id: The ``audio`` event's ``item_id``.
            content_index: The ``audio`` event's ``content_index``.
            num_bytes: How many bytes were played since the last report, or those bytes.
            item_content_index: ``content_index`` under openai-agents' name.
            bytes: The played bytes, under openai-agents' name.

        Raises:
            UserError: The count is negative, or is missing or given twice.
        """
        index = content_index if item_content_index is None else item_content_index
        played = num_bytes if bytes is None else bytes
        if (
            index is None
            or played is None
            or (
                (content_index is not None and item_content_index is not None)
                or (num_bytes is not None and bytes is not None)
            )
        ):
            raise UserError(
                "on_play_bytes(item_id, content_index, num_bytes_or_audio): give the content "
                "index and the count (or the played bytes) once each"
            )
        count = played if isinstance(played, int) else memoryview(played).nbytes
        if count < 0:
            raise UserError(f"num_bytes must not be negative, got {count}")
        self.on_play_ms(item_id, index, count / self._bytes_per_ms)

    def on_play_ms(self, item_id: str, content_index: int, ms: float) -> None:
        """Report that ``ms`` more milliseconds of an item's audio were played.

        Args:
            item_id: The ``audio`` event's ``item_id``.
            content_index: The ``audio`` event's ``content_index``.
            ms: How many milliseconds of it were played since the last report.

        Raises:
            UserError: ``ms`` is negative.
        """
        if ms < 0:
            raise UserError(f"ms must not be negative, got {ms}")
        if item_id != self._item_id or content_index != self._content_index:
            self._item_id = item_id
            self._content_index = content_index
            self._played_ms = 0.0
            self._frozen = False
        if not self._frozen:
            self._played_ms += ms

    def on_interrupted(self) -> None:
        """Report that playback of the current item stopped for good (after an interruption).

        Later reports for the same item are ignored, so audio still draining out of a device
        buffer cannot move the truncation point; reporting another item starts afresh.
        """
        self._frozen = True

    def played_ms(self, item_id: str, content_index: int = 0) -> float:
        """How many milliseconds of this item were played (``0.0`` if none was reported).

        The session clamps the value to the audio it actually received before using it.
        """
        if item_id != self._item_id or content_index != self._content_index:
            return 0.0
        return self._played_ms

    @property
    def current_item(self) -> tuple[str, int] | None:
        """``(item_id, content_index)`` of the item being counted, or ``None`` before any."""
        return None if self._item_id is None else (self._item_id, self._content_index)
