"""The OpenAI Realtime wire protocol (GA and beta dialects), as a sans-IO codec.

:class:`OpenAICodec` is the client side (server frames -> model events, model commands ->
client frames); :class:`OpenAIServerCodec` is the server side (events -> server frames,
client frames -> commands or a :class:`ClientEventError`), for the local simulator and for
tests. See ``PROTOCOL.md`` for the wire itself.
"""

from __future__ import annotations

from ._codec import OpenAICodec, OpenAIServerCodec
from ._dialect import Dialect
from ._wire_errors import ClientEventError

__all__ = [
    "ClientEventError",
    "Dialect",
    "OpenAICodec",
    "OpenAIServerCodec",
]
