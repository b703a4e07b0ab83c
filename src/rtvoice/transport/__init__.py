"""Transports: move JSON text frames between rtvoice and a realtime server, nothing else.

* :class:`Transport` is the contract the model layer relies on.
* :class:`WebSocketTransport` speaks to a real server (OpenAI, Azure, the local simulator).
* :func:`memory_transport_pair` connects two in-memory ends, for tests and embedding.
"""

from __future__ import annotations

from ._base import DEFAULT_MAX_SIZE, DEFAULT_USER_AGENT, Transport, TransportOptions
from ._memory import DEFAULT_MAX_BUFFER, MemoryTransport, memory_transport_pair
from ._websocket import WebSocketTransport, redact_url

__all__ = [
    "DEFAULT_MAX_BUFFER",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_USER_AGENT",
    "MemoryTransport",
    "Transport",
    "TransportOptions",
    "WebSocketTransport",
    "memory_transport_pair",
    "redact_url",
]
