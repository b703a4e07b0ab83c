"""The server side of the OpenAI Realtime protocol, for fake servers and tests.

:class:`OpenAIServerCodec` writes neutral events as the frames a server sends and reads
client frames as strictly as the real server does, answering an invalid one with a
:class:`ClientEventError` (the fields of the server's ``error`` event). The local simulator
is built on it. A client never needs this package: :mod:`rtvoice.model.openai` does not
import it, and it is the only part of the codec that loads pydantic.
"""

from __future__ import annotations

from ._client_event_error import ClientEventError
from ._codec import OpenAIServerCodec

__all__ = [
    "ClientEventError",
    "OpenAIServerCodec",
]
