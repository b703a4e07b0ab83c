"""The OpenAI Realtime wire protocol (GA and beta dialects), client side, as a sans-IO codec.

:class:`OpenAICodec` turns server frames into neutral model events and model commands into
client frames; :data:`Dialect` names the shape of the protocol a server speaks. The server
side (for fake servers and tests) is :mod:`rtvoice.model.openai.server`, which this package
does not import.
"""

from __future__ import annotations

from ._codec import OpenAICodec
from ._dialect import Dialect

__all__ = [
    "Dialect",
    "OpenAICodec",
]
