"""The client codec: server frames -> neutral events, neutral commands -> client frames.

:class:`OpenAICodec` is what a client (``RealtimeModel``) uses. It never awaits, reads a clock
or touches a socket, and keeps no state between frames beyond its dialect. Its mirror image,
for a test server, is :class:`rtvoice.model.openai.server.OpenAIServerCodec`.
"""

from __future__ import annotations

from ..commands import ModelCommand
from ..events import ModelEvent
from ._decode_events import decode_server_frame
from ._dialect import Dialect
from ._encode_commands import encode_command


class OpenAICodec:
    """The client side of the OpenAI Realtime wire protocol: server frames in, neutral
    :data:`~rtvoice.model.events.ModelEvent` out; neutral
    :data:`~rtvoice.model.commands.ModelCommand` in, client frames out.

    Decoding understands both dialects whatever ``dialect`` is: event
    names that exist in one dialect only, and the shape of session objects, say which one a
    frame is. ``dialect`` decides what :meth:`encode` writes, and how the one ambiguous frame
    is read: ``response.output_item.done`` from a beta server is preceded by a synthetic
    :class:`~rtvoice.model.events.ItemDone`, because beta has no ``conversation.item.done``.

    Instances hold no per-connection state; one may serve any number of connections.

    Args:
        dialect: ``"ga"`` (the current protocol) or ``"beta"`` (Azure's legacy preview).
    """

    __slots__ = ("_dialect",)

    def __init__(self, dialect: Dialect = "ga") -> None:
        self._dialect: Dialect = dialect

    @property
    def dialect(self) -> Dialect:
        """The dialect this codec writes."""
        return self._dialect

    def decode(self, frame: str) -> list[ModelEvent]:
        """Decode one server text frame. Never raises.

        Args:
            frame: The text of one WebSocket message.

        Returns:
            The events the frame stands for, in order: usually one; two for a beta
            ``conversation.item.created`` of a finished item (``ItemAdded``, ``ItemDone``) and
            for a beta ``response.output_item.done`` (``ItemDone``, ``OutputItemDone``). A
            frame of an unknown type gives an ``UnknownEvent``; a frame that is not a JSON
            object with a string ``type``, or whose ids are missing or malformed, a
            ``DecodeError``. Values the server may add later (an unknown status, item or part
            type, session setting; another shape of ``usage``) are kept raw in the events
            (``OtherItem``, ``OtherPart``, ``ResponseInfo.unread``, ``SessionConfig.unread``).
        """
        return decode_server_frame(frame, self._dialect)

    def encode(self, command: ModelCommand) -> str:
        """Encode one command as one client text frame in this codec's dialect.

        ``event_id`` is written only when set. ``SendRaw`` is written as given.

        Raises:
            TypeError: A ``SendRaw`` event, or an ``extra`` / ``raw`` mapping inside the
                command, holds a value JSON cannot represent.
            ValueError: The same for a circular structure or a NaN / infinite float.
        """
        return encode_command(command, self._dialect)
