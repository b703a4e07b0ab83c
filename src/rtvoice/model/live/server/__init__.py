"""The server side of GPT-Live, for fake servers and tests.

:class:`LiveServerCodec` reads client frames as strictly as the real server (unknown fields,
wrong types and values, ``session.start`` first and once, what ``session.update`` may not
change, the 500-token appends, what needs Responses delegation) and returns a command record
or the :class:`LiveCommandError` to answer with. :class:`LiveEventWriter` writes the server
events. The local simulator's GPT-Live mode is built on them; a client never imports this
package.
"""

from __future__ import annotations

from ._codec import CLIENT_EVENT_TYPES, LiveServerCodec
from ._commands import (
    AppendContext,
    AppendInputAudio,
    CloseSession,
    CreateBackendItem,
    CreateBackendResponse,
    LiveAudioFormat,
    LiveCommand,
    LiveCommandError,
    LiveStartConfig,
    MuteInputAudio,
    ResponsesBackend,
    StartSession,
    UpdateSession,
)
from ._limits import APPEND_TOKEN_LIMIT, INSTRUCTIONS_TOKEN_LIMIT, estimate_tokens
from ._writer import CloseReason, LiveEventWriter

__all__ = [
    "APPEND_TOKEN_LIMIT",
    "AppendContext",
    "AppendInputAudio",
    "CLIENT_EVENT_TYPES",
    "CloseReason",
    "CloseSession",
    "CreateBackendItem",
    "CreateBackendResponse",
    "INSTRUCTIONS_TOKEN_LIMIT",
    "LiveAudioFormat",
    "LiveCommand",
    "LiveCommandError",
    "LiveEventWriter",
    "LiveServerCodec",
    "LiveStartConfig",
    "MuteInputAudio",
    "ResponsesBackend",
    "StartSession",
    "UpdateSession",
    "estimate_tokens",
]
