"""rtvoice: server-side realtime voice agents over the OpenAI Realtime protocol."""

from __future__ import annotations

from .errors import (
    AuthenticationError,
    ConnectionLostError,
    ConnectTimeoutError,
    InvalidRequestError,
    MessageTooBigError,
    ProviderError,
    RealtimeError,
    TransportClosedError,
    TransportError,
    UserError,
)
from .providers import AzureOpenAIProvider, OpenAIProvider, RealtimeProvider

__all__ = [
    "AuthenticationError",
    "AzureOpenAIProvider",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "InvalidRequestError",
    "MessageTooBigError",
    "OpenAIProvider",
    "ProviderError",
    "RealtimeError",
    "RealtimeProvider",
    "TransportClosedError",
    "TransportError",
    "UserError",
]

__version__ = "0.1.0.dev0"
