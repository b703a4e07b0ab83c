"""The server side of the OpenAI Realtime protocol as a sans-IO codec, for a test server.

:class:`OpenAIServerCodec` is the mirror image of the client's
:class:`~rtvoice.model.openai.OpenAICodec`: neutral events in, server frames out; client
frames in, commands (or the error the real server would answer) out. It never awaits, reads a
clock or touches a socket; its only state is its configuration and its event-id source.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from itertools import count

from ...commands import ModelCommand
from ...events import ModelEvent
from .._dialect import Dialect
from ._client_event_error import ClientEventError
from ._decode_commands import decode_client_frame, supported_types
from ._encode_events import EventWriter

_ALPHANUMERICS = string.ascii_letters + string.digits


class OpenAIServerCodec:
    """The server side of the protocol, for a protocol-faithful test server: neutral events
    in, server frames out; client frames in, commands (or the server's error) out.

    Args:
        dialect: The shape to speak: ``"ga"``, or ``"beta"`` for Azure's legacy preview.
        event_ids: Returns a fresh ``event_id`` for each frame written. Inject one for
            deterministic output; by default ids look like the server's, ``event_`` plus 21
            alphanumerics, unique per codec (a random prefix and a counter).
        webrtc: The session belongs to a WebRTC or SIP call (including a ``?call_id=``
            sideband socket), where ``output_audio_buffer.clear`` is a valid client event; on a
            plain WebSocket session it is rejected like any unknown type.
    """

    __slots__ = ("_dialect", "_supported", "_webrtc", "_writer")

    def __init__(
        self,
        dialect: Dialect = "ga",
        *,
        event_ids: Callable[[], str] | None = None,
        webrtc: bool = False,
    ) -> None:
        self._dialect: Dialect = dialect
        self._webrtc = webrtc
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
        the server answers with, carrying the client's ``event_id``.
        """
        return decode_client_frame(frame, self._dialect, webrtc=self._webrtc)


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
