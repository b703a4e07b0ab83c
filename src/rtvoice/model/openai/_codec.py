"""The two codecs: frames <-> neutral events and commands, with no IO (DESIGN.md "The codec
is sans-IO").

:class:`OpenAICodec` is what a client (``RealtimeModel``) uses; :class:`OpenAIServerCodec` is
its mirror image, for a test server and for property tests. Neither awaits, reads a clock or
touches a socket, and neither keeps state between frames beyond its configuration and the
server codec's event-id source.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from itertools import count

from ..commands import ModelCommand
from ..events import ModelEvent
from ._decode_events import decode_server_frame
from ._dialect import Dialect
from ._encode_commands import encode_command
from ._encode_events import EventWriter
from ._wire_errors import ClientEventError

_ALPHANUMERICS = string.ascii_letters + string.digits


class OpenAICodec:
    """The client side of the OpenAI Realtime wire protocol: server frames in, neutral
    :data:`~rtvoice.model.events.ModelEvent` out; neutral
    :data:`~rtvoice.model.commands.ModelCommand` in, client frames out.

    Decoding understands both dialects whatever ``dialect`` is (PROTOCOL.md §11.2): event
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
            object with a string ``type``, or whose fields are malformed, a ``DecodeError``.
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


class OpenAIServerCodec:
    """The server side of the protocol, for a protocol-faithful test server: neutral events
    in, server frames out; client frames in, commands (or the server's error) out.

    Args:
        dialect: The shape to speak (PROTOCOL.md §11; ``"beta"`` is §12 point 8).
        event_ids: Returns a fresh ``event_id`` for each frame written. Inject one for
            deterministic output; by default ids look like the server's, ``event_`` plus 21
            alphanumerics, unique per codec (a random prefix and a counter).
        webrtc: The session belongs to a WebRTC or SIP call (including a ``?call_id=``
            sideband socket), where ``output_audio_buffer.clear`` is a valid client event; on a
            plain WebSocket session it is rejected like any unknown type (§4).
    """

    __slots__ = ("_decode", "_dialect", "_supported", "_webrtc", "_writer")

    def __init__(
        self,
        dialect: Dialect = "ga",
        *,
        event_ids: Callable[[], str] | None = None,
        webrtc: bool = False,
    ) -> None:
        # The strict client-frame readers load pydantic (the models of ._wire_models): only a
        # server codec needs them, so they are imported here and not with the package.
        from ._decode_commands import decode_client_frame, supported_types

        self._dialect: Dialect = dialect
        self._webrtc = webrtc
        self._decode = decode_client_frame
        self._supported = supported_types(dialect, webrtc=webrtc)
        self._writer = EventWriter(dialect, event_ids or default_event_ids())

    @property
    def dialect(self) -> Dialect:
        """The dialect this codec speaks."""
        return self._dialect

    @property
    def supported_client_types(self) -> tuple[str, ...]:
        """The client event types :meth:`decode` accepts, in the server's message order."""
        return self._supported

    def encode(self, event: ModelEvent) -> list[str]:
        """Encode one event as the frames a server sends for it, each with a fresh event id.

        Returns:
            Usually one frame. None for a ``DecodeError`` (not a server event) and, in beta,
            for an ``ItemDone`` (beta announces an item once, with
            ``conversation.item.created``). An ``UnknownEvent`` is sent as its ``raw``.
        """
        return self._writer.encode(event)

    def decode(self, frame: str) -> ModelCommand | ClientEventError:
        """Decode one client text frame, validating it as strictly as the real server.

        Never raises. A valid frame gives its command; otherwise the result is the error
        the server answers with (PROTOCOL.md §8), carrying the client's ``event_id``.
        """
        return self._decode(frame, self._dialect, webrtc=self._webrtc)


def default_event_ids() -> Callable[[], str]:
    """A fresh id source: ``event_`` + 11 random alphanumerics + a 10-digit base-62 counter."""
    prefix = "event_" + "".join(secrets.choice(_ALPHANUMERICS) for _ in range(11))
    counter = count()

    def next_id() -> str:
        n = next(counter)
        digits = []
        for _ in range(10):
            n, r = divmod(n, 62)
            digits.append(_ALPHANUMERICS[r])
        return prefix + "".join(reversed(digits))

    return next_id
